//! Running the binary: a `jobcast serve` with a user's token and a work
//! directory (`Setup`), client commands run to their end or read line by
//! line as they run (`Live`), and the REST calls a test makes on the side.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jobcast_core::wire::CreatedJobs;
use jobcast_core::JobSnapshot;
use serde_json::json;

use crate::common::{block_on, token, Running};

/// How long a test waits for anything.
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

/// A server with its data directory, a user's token, and a work directory
/// holding small text files.
pub(crate) struct Setup {
    pub(crate) server: Running,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) token: String,
}

impl Setup {
    pub(crate) fn new() -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = Running::start(&dir.path().join("data"));
        let token = token(&dir.path().join("data"), "alice");
        Setup { server, dir, token }
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, "one\ntwo\nthree\n").expect("write");
        path
    }

    fn with_remote<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        [
            args,
            &["--server", &self.server.base, "--token", &self.token],
        ]
        .concat()
    }

    /// Runs `jobcast ARGS --server URL --token T` to its end.
    pub(crate) fn cli(&self, args: &[&str]) -> Output {
        cli(&self.with_remote(args), self.dir.path())
    }

    /// Runs `jobcast submit --kind demo.steps [--option O]... [--watch]
    /// FILES` to its end, on small text files written with these names.
    pub(crate) fn submit_demo(&self, options: &[&str], watch: bool, names: &[&str]) -> Output {
        let files: Vec<String> = names
            .iter()
            .map(|name| self.file(name).to_str().expect("utf-8").to_owned())
            .collect();
        let mut args = vec!["submit", "--kind", "demo.steps"];
        for option in options {
            args.extend(["--option", option]);
        }
        if watch {
            args.push("--watch");
        }
        args.extend(files.iter().map(String::as_str));
        self.cli(&args)
    }

    /// Starts `jobcast ARGS --server URL --token T`, read as it runs.
    pub(crate) fn live(&self, args: &[&str]) -> Live {
        Live::spawn(&self.with_remote(args), self.dir.path())
    }

    pub(crate) fn job(&self, id: &str) -> JobSnapshot {
        rest_get(&self.server.base, &self.token, &format!("/api/jobs/{id}"))
    }

    pub(crate) fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        rest_post(&self.server.base, &self.token, path, body)
    }

    /// A demo.steps job on the text "x", named made.txt.
    pub(crate) fn create_demo(&self, options: serde_json::Value) -> String {
        let created: CreatedJobs = serde_json::from_value(self.post(
            "/api/jobs",
            json!({"kind": "demo.steps", "text": "x", "filename": "made.txt", "options": options}),
        ))
        .expect("created");
        created.jobs[0].job_id.to_string()
    }

    /// Waits until the job satisfies `done`.
    pub(crate) fn wait_job(
        &self,
        id: &str,
        what: &str,
        done: impl Fn(&JobSnapshot) -> bool,
    ) -> JobSnapshot {
        let start = Instant::now();
        loop {
            let job = self.job(id);
            if done(&job) {
                return job;
            }
            assert!(start.elapsed() < LIMIT, "job {id} never {what}: {job:?}");
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

/// Runs the binary with `args` in `cwd` to its end (at most 90 s).
pub(crate) fn cli(args: &[&str], cwd: &Path) -> Output {
    Live::spawn(args, cwd).finish(Duration::from_secs(90))
}

/// `jobcast ARGS` with stdin closed and stdout and stderr piped.
pub(crate) fn jobcast(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jobcast"));
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A CLI child process whose stdout is read line by line while it runs, so a
/// test can act when it shows something (cancel a job, restart the server).
/// Runs with no JOBCAST_* variables (so no local development token is
/// found); killed when dropped.
pub(crate) struct Live {
    child: Child,
    args: Vec<String>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Live {
    pub(crate) fn spawn(args: &[&str], cwd: &Path) -> Live {
        let mut child = jobcast(args)
            .current_dir(cwd)
            .env_remove("JOBCAST_SERVER")
            .env_remove("JOBCAST_TOKEN")
            .env_remove("JOBCAST_DATA_DIR")
            .env_remove("JOBCAST_CONFIG")
            .spawn()
            .expect("run jobcast");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Live {
            child,
            args: args.iter().map(|a| a.to_string()).collect(),
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Waits (at most `limit`) for a stdout line that satisfies `wanted`.
    pub(crate) fn wait_for(
        &mut self,
        what: &str,
        limit: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "jobcast {:?}: no line with {what} within {limit:?}; stdout so far:\n{}",
                    self.args,
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits (at most `limit`) for the exit; all of stdout and stderr.
    pub(crate) fn finish(mut self, limit: Duration) -> Output {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "jobcast {:?} did not finish within {limit:?}; stdout so far:\n{}",
                    self.args,
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends at EOF, once the process is gone.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.seen.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .map(|t| t.join().expect("stderr reader"))
            .unwrap_or_default();
        let stdout: String = self.seen.iter().map(|l| format!("{l}\n")).collect();
        Output {
            status,
            stdout: stdout.into_bytes(),
            stderr: stderr.into_bytes(),
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) fn code(out: &Output) -> i32 {
    out.status.code().expect("exited with a code")
}

pub(crate) fn rest_get<T: serde::de::DeserializeOwned>(base: &str, token: &str, path: &str) -> T {
    block_on(async {
        reqwest::Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON")
    })
}

pub(crate) fn rest_post(
    base: &str,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    block_on(async {
        reqwest::Client::new()
            .post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("POST")
            .json()
            .await
            .expect("JSON")
    })
}
