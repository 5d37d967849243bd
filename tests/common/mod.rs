//! Shared by the tests that run the `jobcast` binary: a server child process
//! and tokens minted by the binary itself.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod guard;
pub mod jobs;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `jobcast serve` child process on 127.0.0.1.
pub struct Running {
    pub child: Child,
    pub base: String,
}

impl Running {
    /// Starts on a free port with `data_dir`.
    pub fn start(data_dir: &Path) -> Running {
        Self::start_on(data_dir, "127.0.0.1:0")
    }

    /// Starts on `listen` (e.g. the address of a server that was stopped).
    pub fn start_on(data_dir: &Path, listen: &str) -> Running {
        Self::start_with(data_dir, listen, &[])
    }

    /// Starts on `listen` with the settings `env` (`JOBCAST_*` variables).
    pub fn start_with(data_dir: &Path, listen: &str, env: &[(&str, &str)]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobcast"))
            .args(["serve", "--listen", listen, "--workers", "2"])
            .envs(env.iter().copied())
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

    pub fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Sends SIGTERM and waits (bounded) for the exit.
    pub fn sigterm(mut self) -> std::process::ExitStatus {
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

/// A token minted by `jobcast token` against `data_dir`.
pub fn token(data_dir: &Path, user: &str) -> String {
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

/// Runs one async call on a short-lived runtime (these tests are
/// synchronous: they wait on child processes).
pub fn block_on<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(call)
}
