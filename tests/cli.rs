//! The client commands end to end: `submit` (with and without `--watch`),
//! `watch` (catching up, cancelled jobs, questions, a server restart), `jobs`,
//! the development token, and the errors, run as child processes against a
//! real `jobcast serve` whose output is checked line by line.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{token, Running};
use jobcast_core::wire::CreatedJobs;
use jobcast_core::{JobId, JobSnapshot, Status};
use serde_json::json;

/// How long a test waits for anything.
const LIMIT: Duration = Duration::from_secs(60);

/// A server with its data directory, a user's token, and a work directory
/// holding small text files.
struct Setup {
    server: Running,
    dir: tempfile::TempDir,
    token: String,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = Running::start(&dir.path().join("data"));
        let token = token(&dir.path().join("data"), "alice");
        Setup { server, dir, token }
    }

    fn file(&self, name: &str) -> PathBuf {
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
    fn cli(&self, args: &[&str]) -> Output {
        cli(&self.with_remote(args), self.dir.path())
    }

    /// Starts `jobcast ARGS --server URL --token T`, read as it runs.
    fn live(&self, args: &[&str]) -> Live {
        Live::spawn(&self.with_remote(args), self.dir.path())
    }

    fn job(&self, id: &str) -> JobSnapshot {
        rest_get(&self.server.base, &self.token, &format!("/api/jobs/{id}"))
    }

    fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        rest_post(&self.server.base, &self.token, path, body)
    }

    /// A demo.steps job on the text "x", named made.txt.
    fn create_demo(&self, options: serde_json::Value) -> String {
        let created: CreatedJobs = serde_json::from_value(self.post(
            "/api/jobs",
            json!({"kind": "demo.steps", "text": "x", "filename": "made.txt", "options": options}),
        ))
        .expect("created");
        created.jobs[0].job_id.to_string()
    }

    /// Waits until the job satisfies `done`.
    fn wait_job(&self, id: &str, what: &str, done: impl Fn(&JobSnapshot) -> bool) -> JobSnapshot {
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
fn cli(args: &[&str], cwd: &Path) -> Output {
    Live::spawn(args, cwd).finish(Duration::from_secs(90))
}

/// A CLI child process whose stdout is read line by line while it runs, so a
/// test can act when it shows something (cancel a job, restart the server).
/// Runs with no JOBCAST_* variables (so no local development token is
/// found); killed when dropped.
struct Live {
    child: Child,
    args: Vec<String>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Live {
    fn spawn(args: &[&str], cwd: &Path) -> Live {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobcast"))
            .args(args)
            .current_dir(cwd)
            .env_remove("JOBCAST_SERVER")
            .env_remove("JOBCAST_TOKEN")
            .env_remove("JOBCAST_DATA_DIR")
            .env_remove("JOBCAST_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
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
    fn wait_for(&mut self, what: &str, limit: Duration, wanted: impl Fn(&str) -> bool) -> String {
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
    fn finish(mut self, limit: Duration) -> Output {
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

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited with a code")
}

/// Runs one REST call on a short-lived runtime (the tests are synchronous:
/// they wait on child processes).
fn block_on<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(call)
}

fn rest_get<T: serde::de::DeserializeOwned>(base: &str, token: &str, path: &str) -> T {
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

fn rest_post(base: &str, token: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
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

/// A progress line, `<job_id> <file> <status> <stage> <percent>% <message>`.
#[derive(Debug)]
struct Line {
    status: String,
    stage: String,
    percent: f64,
    text: String,
}

/// The progress lines of job `id`, in order (the summary's row has no
/// percentage and is left out).
fn progress_lines(out: &str, id: &str) -> Vec<Line> {
    out.lines()
        .filter(|l| l.starts_with(&format!("{id} ")))
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let percent = words.get(4)?.strip_suffix('%')?.parse().ok()?;
            Some(Line {
                status: words[2].to_string(),
                stage: words[3].to_string(),
                percent,
                text: l.to_string(),
            })
        })
        .collect()
}

/// The summary's row of job `id`: `<job_id>  <file>  <status>  <outcome>`.
fn summary_row<'a>(out: &'a str, id: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{id}  ")))
        .unwrap_or_else(|| panic!("no summary row for {id}:\n{out}"))
}

/// Checks that `id` was shown from its first event (queued at 0 %), that
/// its progress never went back within an attempt (a `queued` line starts
/// the next one), and that its last line has `status`.
fn check_shown(out: &str, id: &str, status: &str) {
    let lines = progress_lines(out, id);
    let first = lines
        .first()
        .unwrap_or_else(|| panic!("no line for {id}:\n{out}"));
    assert!(
        first.status == "queued" && first.percent == 0.0,
        "{id} shown from its start: {first:?}\n{out}"
    );
    let mut last = -1.0;
    for line in &lines {
        if line.status == "queued" {
            last = -1.0;
        }
        assert!(
            line.percent >= last,
            "progress went back: {}\n{out}",
            line.text
        );
        last = line.percent;
    }
    let end = lines.last().expect("a line");
    assert_eq!(end.status, status, "{}\n{out}", end.text);
    let finals = lines.iter().filter(|l| l.status == status).count();
    assert_eq!(finals, 1, "one final line for {id}:\n{out}");
}

/// The job ids `submit` printed, one per line before anything else.
fn printed_ids(out: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = out
        .lines()
        .take(n)
        .map(|line| line.split('\t').next().expect("id").to_string())
        .collect();
    for id in &ids {
        assert!(id.parse::<JobId>().is_ok(), "not a job id: {id:?}\n{out}");
    }
    ids
}

#[test]
fn submit_prints_one_job_id_per_file() {
    let setup = Setup::new();
    let (a, b) = (setup.file("a.txt"), setup.file("b.txt"));
    let out = setup.cli(&[
        "submit",
        "--kind",
        "demo.steps",
        "--option",
        "steps=2",
        a.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    let ids = printed_ids(&text, 2);
    assert!(text.lines().next().expect("line").ends_with("\ta.txt"));
    for (id, name) in ids.iter().zip(["a.txt", "b.txt"]) {
        let job = setup.job(id);
        assert_eq!(
            (
                job.kind.as_str(),
                job.filename.as_deref(),
                job.owner.as_str()
            ),
            ("demo.steps", Some(name), "alice")
        );
        assert_eq!(job.options, json!({"steps": 2}));
    }
    // `jobs` lists them too.
    let out = setup.cli(&["jobs"]);
    for id in &ids {
        assert!(stdout(&out).contains(id.as_str()), "{}", stdout(&out));
    }
}

#[test]
fn submit_watch_follows_every_file_to_completion() {
    let setup = Setup::new();
    let files: Vec<PathBuf> = ["a.txt", "b.txt", "c.txt"]
        .iter()
        .map(|n| setup.file(n))
        .collect();
    let mut args = vec![
        "submit",
        "--kind",
        "demo.steps",
        "--option",
        "steps=8",
        "--option",
        "step_ms=30",
        "--watch",
    ];
    args.extend(files.iter().map(|f| f.to_str().expect("utf-8")));
    let out = setup.cli(&args);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    let ids = printed_ids(&text, 3);
    for id in &ids {
        let job = setup.job(id);
        assert_eq!(job.status, Status::Completed);
        assert_eq!(job.options, json!({"steps": 8, "step_ms": 30}));
        check_shown(&text, id, "completed");
        let last = progress_lines(&text, id).pop().expect("a line");
        assert_eq!(last.percent, 100.0, "{}", last.text);
        assert!(
            summary_row(&text, id).contains("completed  attempt 1 of 3"),
            "{text}"
        );
    }
    assert!(text.contains("JOB  ") && text.contains("OUTCOME"), "{text}");
    assert!(text.trim_end().ends_with("3 of 3 completed"), "{text}");
}

#[test]
fn submit_watch_exits_1_when_a_job_fails_and_says_why() {
    let setup = Setup::new();
    let (a, b) = (setup.file("a.txt"), setup.file("b.txt"));
    let out = setup.cli(&[
        "submit",
        "--kind",
        "demo.steps",
        "--option",
        "steps=3",
        "--option",
        "fail_at=2",
        "--option",
        "step_ms=10",
        "--watch",
        a.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
    ]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}\n{}", stderr(&out));
    for id in printed_ids(&text, 2) {
        check_shown(&text, &id, "failed");
        assert!(
            summary_row(&text, &id).contains("failed  demo_failure: failed at step 2 of 3"),
            "{text}"
        );
        assert_eq!(setup.job(&id).status, Status::Failed);
    }
    assert!(text.contains("0 of 2 completed"), "{text}");
}

#[test]
fn watch_catches_up_finished_and_running_jobs_from_their_start() {
    let setup = Setup::new();
    let finished = setup.create_demo(json!({"steps": 2, "step_ms": 0}));
    setup.wait_job(&finished, "completed", |j| j.status == Status::Completed);
    let running = setup.create_demo(json!({"steps": 40, "step_ms": 50}));
    setup.wait_job(&running, "ran past 10 %", |j| j.progress > 10.0);

    let out = setup.cli(&["watch", &finished, &running]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    // Both from their first event, not from wherever they were at the join.
    check_shown(&text, &finished, "completed");
    check_shown(&text, &running, "completed");
    let stages: Vec<String> = progress_lines(&text, &running)
        .into_iter()
        .map(|l| format!("{} {}", l.status, l.stage))
        .collect();
    assert_eq!(
        stages,
        ["queued -", "running -", "running count", "completed count"],
        "{text}"
    );
    assert!(text.contains("2 of 2 completed"), "{text}");
}

#[test]
fn watch_exits_1_when_a_job_is_cancelled_meanwhile() {
    let setup = Setup::new();
    let id = setup.create_demo(json!({"steps": 400, "step_ms": 50}));
    let mut watch = setup.live(&["watch", &id]);
    watch.wait_for("the running job", LIMIT, |l| {
        l.starts_with(id.as_str()) && l.contains(" running count ")
    });
    setup.post(&format!("/api/jobs/{id}/cancel"), json!({}));
    let out = watch.finish(LIMIT);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}\n{}", stderr(&out));
    check_shown(&text, &id, "cancelled");
    assert!(summary_row(&text, &id).contains("  cancelled  "), "{text}");
    assert!(text.contains("0 of 1 completed"), "{text}");
    assert_eq!(setup.job(&id).status, Status::Cancelled);
}

#[test]
fn watch_shows_a_question_and_waits_for_its_answer() {
    let setup = Setup::new();
    let id = setup.create_demo(json!({"steps": 4, "step_ms": 20, "ask": true}));
    let mut watch = setup.live(&["watch", &id]);
    let line = watch.wait_for("the question", LIMIT, |l| {
        l.contains("waiting for an answer")
    });
    assert!(
        line.starts_with(id.as_str())
            && line.contains(" waiting_input ")
            && line.ends_with("waiting for an answer: Continue counting?"),
        "{line}"
    );
    // The CLI does not answer: the job still waits.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(setup.job(&id).status, Status::WaitingInput);
    setup.post(
        &format!("/api/jobs/{id}/clarifications/continue-1"),
        json!({"answer": true}),
    );
    let out = watch.finish(LIMIT);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    check_shown(&text, &id, "completed");
    assert!(text.contains("1 of 1 completed"), "{text}");
}

#[test]
fn jobs_prints_a_filtered_table() {
    let setup = Setup::new();
    let ids: Vec<String> = (0..3)
        .map(|_| setup.create_demo(json!({"steps": 1, "step_ms": 0})))
        .collect();
    let failed = setup.create_demo(json!({"steps": 1, "fail_at": 1}));
    for id in &ids {
        setup.wait_job(id, "completed", |j| j.status == Status::Completed);
    }
    setup.wait_job(&failed, "failed", |j| j.status == Status::Failed);

    let out = setup.cli(&["jobs", "--status", "completed", "--limit", "2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and 2 rows:\n{text}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "KIND", "FILE", "STATUS", "PROGRESS", "CREATED"]
    );
    assert!(
        lines[1].starts_with(ids[2].as_str()) && lines[2].starts_with(ids[1].as_str()),
        "newest first:\n{text}"
    );
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cells[1..5],
            ["demo.steps", "made.txt", "completed", "100%"],
            "{line}"
        );
    }

    let out = setup.cli(&["jobs", "--status", "failed,cancelled"]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(failed.as_str()) && l.contains("failed (demo_failure)")),
        "{text}"
    );

    let out = setup.cli(&["jobs", "--status", "running", "--status", "queued"]);
    assert_eq!((code(&out), stdout(&out).trim()), (0, "no jobs"));
}

#[test]
fn without_a_token_the_local_development_token_is_used() {
    // As after `cargo run --release` in this directory: ./jobcast-data
    // holds the generated secret.
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Running::start(&dir.path().join("jobcast-data"));
    std::fs::write(dir.path().join("a.txt"), "x\n").expect("write");
    let out = cli(
        &[
            "submit",
            "--kind",
            "demo.steps",
            "--watch",
            "a.txt",
            "--server",
            &server.base,
        ],
        dir.path(),
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    let id = &printed_ids(&text, 1)[0];
    let dev = token(&dir.path().join("jobcast-data"), "dev");
    let job: JobSnapshot = rest_get(&server.base, &dev, &format!("/api/jobs/{id}"));
    assert_eq!((job.owner.as_str(), job.status), ("dev", Status::Completed));

    // Elsewhere there is no secret: a clear error, and nothing is created.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    std::fs::write(elsewhere.path().join("a.txt"), "x\n").expect("write");
    let out = cli(
        &["submit", "a.txt", "--server", &server.base],
        elsewhere.path(),
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no token: pass --token or set JOBCAST_TOKEN"),
        "{}",
        stderr(&out)
    );
    assert!(!elsewhere.path().join("jobcast-data").exists());
}

#[test]
fn errors_are_clear_and_exit_2() {
    let setup = Setup::new();
    let file = setup.file("a.txt");
    let file = file.to_str().expect("utf-8");

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("addr");
    drop(closed);
    let nowhere = format!("http://{address}");
    for args in [
        vec!["jobs"],
        vec!["submit", "--kind", "demo.steps", file],
        vec!["submit", "--kind", "demo.steps", "--watch", file],
        vec!["watch", "01JD3ZZZZZZZZZZZZZZZZZZZZZ"],
    ] {
        let out = cli(
            &[&args[..], &["--server", &nowhere, "--token", &setup.token]].concat(),
            setup.dir.path(),
        );
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(
            stderr(&out).starts_with(&format!("jobcast: cannot reach the server at {nowhere}: ")),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    for args in [
        vec!["jobs"],
        vec!["submit", "--kind", "demo.steps", file],
        vec!["submit", "--kind", "demo.steps", "--watch", file],
        vec!["watch", "01JD3ZZZZZZZZZZZZZZZZZZZZZ"],
    ] {
        let out = cli(
            &[
                &args[..],
                &["--server", &setup.server.base, "--token", "not-a-jwt"],
            ]
            .concat(),
            setup.dir.path(),
        );
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(
            stderr(&out).starts_with("jobcast: the server refused the token (unauthorized): "),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    let eleven: Vec<String> = (0..11)
        .map(|i| {
            setup
                .file(&format!("f{i}.txt"))
                .to_str()
                .expect("utf-8")
                .to_string()
        })
        .collect();
    let mut too_many = vec!["submit", "--kind", "demo.steps"];
    too_many.extend(eleven.iter().map(String::as_str));
    let unknown = JobId::new().to_string();
    let cases: [(&[&str], &str); 10] = [
        (
            &["submit", "missing.pdf", file],
            "jobcast: cannot read missing.pdf: ",
        ),
        (&["submit", "--option", "steps", file], "expected KEY=VALUE"),
        (
            &["submit", "--kind", "nope", file],
            "refused the request (bad_request): unknown kind \"nope\"",
        ),
        (
            &[
                "submit",
                "--kind",
                "demo.steps",
                "--option",
                "steps=0",
                file,
            ],
            "refused the request (invalid_options): ",
        ),
        (&too_many, "at most 10 files per request"),
        (&["jobs", "--status", "done"], "unknown status \"done\""),
        (&["watch", "not-an-id"], "is not a job id"),
        (&["watch", &unknown], "refused the request (not_found)"),
        (&["jobs", "--limit", "0"], "--limit"),
        (&["submit", "--kind", "demo.steps"], "<FILES>"),
    ];
    for (args, expected) in cases {
        let out = setup.cli(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
    // The live stream is plain http: a --watch over https stops before
    // anything is submitted.
    let https = setup.server.base.replace("http://", "https://");
    let out = cli(
        &[
            "submit",
            "--kind",
            "demo.steps",
            "--watch",
            file,
            "--server",
            &https,
            "--token",
            &setup.token,
        ],
        setup.dir.path(),
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("TLS (https, wss) is not supported"),
        "{}",
        stderr(&out)
    );
    // None of the refused submissions created a job.
    let out = setup.cli(&["jobs"]);
    assert_eq!(stdout(&out).trim(), "no jobs");
}

#[test]
fn watch_reconnects_across_a_server_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let listen = free.local_addr().expect("addr").to_string();
    drop(free);
    let server = Running::start_on(&data, &listen);
    let token = token(&data, "alice");
    let base = server.base.clone();
    let created: CreatedJobs = serde_json::from_value(rest_post(
        &base,
        &token,
        "/api/jobs",
        json!({"kind": "demo.steps", "text": "x", "filename": "long.txt",
               "options": {"steps": 60, "step_ms": 50}}),
    ))
    .expect("created");
    let id = created.jobs[0].job_id.to_string();

    let mut watch = Live::spawn(
        &["watch", &id, "--server", &base, "--token", &token],
        dir.path(),
    );
    watch.wait_for("the running job", LIMIT, |l| l.contains(" running count "));
    let status = server.sigterm();
    assert!(status.success(), "drained: {status:?}");
    std::thread::sleep(Duration::from_millis(500));
    let server = Running::start_on(&data, &listen);

    let out = watch.finish(Duration::from_secs(90));
    let text = stdout(&out);
    let notices = stderr(&out);
    assert_eq!(code(&out), 0, "{text}\n{notices}");
    assert!(notices.contains("connection lost"), "{notices}");
    assert!(notices.contains("reconnected; caught up"), "{notices}");
    // Shown once from the start, the drained attempt handed back (queued
    // again, without using an attempt: the limit grew from 3 to 4) and the
    // next one run to the end, never going back within one.
    check_shown(&text, &id, "completed");
    let queued = progress_lines(&text, &id)
        .iter()
        .filter(|l| l.status == "queued")
        .count();
    assert_eq!(queued, 2, "the drained attempt was queued again:\n{text}");
    assert!(
        summary_row(&text, &id).contains("completed  attempt 2 of 4 (1 handed back)"),
        "{text}"
    );
    assert!(text.contains("1 of 1 completed"), "{text}");
    let job: JobSnapshot = rest_get(&server.base, &token, &format!("/api/jobs/{id}"));
    assert_eq!(
        (job.status, job.attempt, job.max_attempts),
        (Status::Completed, 2, 4)
    );
}

/// `serve` (and `token`) used to start on a 12-byte `JOBCAST_JWT_SECRET`,
/// with only a warning. Both must refuse it and say why, and exit 2 as every
/// subcommand does when it cannot work (they exited 1, the client commands
/// 2).
#[test]
fn a_jwt_secret_under_32_bytes_stops_serve_and_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_jobcast"))
            .args(args)
            .env("JOBCAST_DATA_DIR", &data)
            .env("JOBCAST_JWT_SECRET", "twelve bytes")
            .env_remove("JOBCAST_CONFIG")
            .env_remove("JOBCAST_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run jobcast")
    };

    let mut serve = run(&["serve", "--listen", "127.0.0.1:0", "--workers", "1"]);
    let stdout = serve.stdout.take().expect("stdout");
    // The server names its address once it listens: it must never get there.
    let mut listening = None;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line.contains("listening on") {
            listening = Some(line);
            break;
        }
    }
    if let Some(line) = listening {
        let _ = serve.kill();
        let _ = serve.wait();
        panic!("serve started on a 12-byte secret: {line}");
    }
    let out = serve.wait_with_output().expect("serve exits");
    assert_eq!(code(&out), 2, "serve on a bad configuration");
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("JOBCAST_JWT_SECRET: is 12 bytes long; at least 32 are needed"),
        "{message}"
    );
    assert!(
        !message.contains("twelve bytes"),
        "the secret is shown: {message}"
    );

    let out = run(&["token", "--user", "alice"])
        .wait_with_output()
        .expect("token exits");
    assert!(
        !out.status.success(),
        "token signed with a 12-byte secret: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(code(&out), 2, "token on a bad configuration");
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is 12 bytes long"));
}

#[test]
fn watch_stops_with_a_clear_message_when_its_token_expires() {
    let setup = Setup::new();
    let id = setup.create_demo(json!({"steps": 600, "step_ms": 50}));
    let out = Command::new(env!("CARGO_BIN_EXE_jobcast"))
        .args(["token", "--user", "alice", "--ttl", "1s"])
        .env("JOBCAST_DATA_DIR", setup.dir.path().join("data"))
        .env_remove("JOBCAST_JWT_SECRET")
        .output()
        .expect("jobcast token");
    let short = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let args = [
        "watch",
        &id,
        "--server",
        &setup.server.base,
        "--token",
        &short,
    ];
    let out = Live::spawn(&args, setup.dir.path()).finish(LIMIT);
    let (text, errors) = (stdout(&out), stderr(&out));
    eprintln!("exit {}; stderr: {errors}", code(&out));
    assert_eq!(code(&out), 3, "{text}\n{errors}");
    assert!(
        errors.contains("token expired") && errors.contains("sign in again"),
        "{errors}"
    );
    assert!(
        !setup.job(&id).status.is_terminal(),
        "stopped at expiry, not at the job's end"
    );
}
