//! Black-box restart tests of the `jobcast` binary: jobs and events survive a
//! `kill -9` and a SIGTERM drain, and every job then finishes with a
//! contiguous event log.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jobcast_core::wire::{CreatedJobs, EventList};
use jobcast_core::{EventType, JobSnapshot, Status};
use serde_json::json;

struct Running {
    child: Child,
    base: String,
}

impl Running {
    fn start(data_dir: &Path) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobcast"))
            .args(["serve", "--listen", "127.0.0.1:0", "--workers", "2"])
            .env("JOBCAST_DATA_DIR", data_dir)
            .env_remove("JOBCAST_DATABASE_URL")
            .env_remove("JOBCAST_JWT_SECRET")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start jobcast");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Warnings (a slow statement on a loaded machine) may come before
        // the line that names the address.
        let mut seen = Vec::new();
        let base = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("jobcast exited without naming its address: {seen:#?}");
            };
            if let Some(address) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                break address.to_string();
            }
            seen.push(line);
            if seen.len() >= 100 {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no address in jobcast's first lines: {seen:#?}");
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Running { child, base }
    }

    fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    fn sigterm(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no exit 30 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A test that fails half-way does not leave its server running.
impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn token(data_dir: &Path, user: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_jobcast"))
        .args(["token", "--user", user])
        .env("JOBCAST_DATA_DIR", data_dir)
        .env_remove("JOBCAST_JWT_SECRET")
        .output()
        .expect("jobcast token");
    assert!(
        out.status.success(),
        "token failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

async fn create(http: &reqwest::Client, base: &str, token: &str, steps: u32) -> JobSnapshot {
    let created: CreatedJobs = http
        .post(format!("{base}/api/jobs"))
        .bearer_auth(token)
        .json(
            &json!({"kind": "demo.steps", "text": "x", "options": {"steps": steps, "step_ms": 50}}),
        )
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("created");
    created.jobs.into_iter().next().expect("a job")
}

async fn job(http: &reqwest::Client, base: &str, token: &str, id: &str) -> JobSnapshot {
    http.get(format!("{base}/api/jobs/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("snapshot")
}

/// Waits until two jobs run, stops the server with `stop`, restarts it on the
/// same data, and checks that every job completes with a contiguous log.
async fn survives(stop: impl FnOnce(Running)) {
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let server = Running::start(dir.path());
    let alice = token(dir.path(), "alice");
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            create(&http, &server.base, &alice, 40)
                .await
                .job_id
                .to_string(),
        );
    }
    let start = Instant::now();
    loop {
        let mut running = 0;
        for id in &ids {
            let j = job(&http, &server.base, &alice, id).await;
            if j.status == Status::Running && j.progress > 10.0 {
                running += 1;
            }
        }
        if running >= 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "jobs never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(server);

    let server = Running::start(dir.path());
    let start = Instant::now();
    for id in &ids {
        loop {
            let j = job(&http, &server.base, &alice, id).await;
            if j.status.is_terminal() {
                assert_eq!(j.status, Status::Completed, "job {id}: {j:?}");
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "job {id} stuck: {j:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let events: EventList = http
            .get(format!("{}/api/jobs/{id}/events", server.base))
            .bearer_auth(&alice)
            .send()
            .await
            .expect("events")
            .json()
            .await
            .expect("list");
        for (i, e) in events.events.iter().enumerate() {
            assert_eq!(e.seq, i as u64 + 1, "job {id}: gap or duplicate");
        }
        assert_eq!(
            events.events.last().map(|e| e.kind),
            Some(EventType::Completed)
        );
    }
    let rerun = {
        let mut n = 0;
        for id in &ids {
            if job(&http, &server.base, &alice, id).await.attempt > 1 {
                n += 1;
            }
        }
        n
    };
    assert!(
        rerun >= 2,
        "the jobs that were running ran again as a new attempt"
    );
    server.kill_9();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_kill_9() {
    survives(|server| server.kill_9()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_hands_running_jobs_back_and_exits_cleanly() {
    survives(|server| {
        let status = server.sigterm();
        assert!(status.success(), "exit status after SIGTERM: {status:?}");
    })
    .await;
}
