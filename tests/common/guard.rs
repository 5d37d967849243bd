//! What the hostile-document tests watch from outside the server: how fast
//! `/healthz` answers while documents are parsed, the server's peak memory,
//! and the parse processes it has running.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Asks `/healthz` every 50 ms on a thread of its own and keeps the slowest
/// answer.
pub struct HealthProbe {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    seen: Arc<Mutex<Probed>>,
}

#[derive(Debug, Default, Clone)]
pub struct Probed {
    pub count: usize,
    pub slowest: Duration,
    /// When the slowest probe started, from the probe's start.
    pub slowest_at: Duration,
    /// Probes slower than 20 ms.
    pub over_20ms: usize,
    /// Probes slower than `HEALTHZ_BOUND`.
    pub over_bound: usize,
    pub failures: Vec<String>,
}

impl HealthProbe {
    pub fn start(base: &str) -> HealthProbe {
        let address = base.trim_start_matches("http://").to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Probed::default()));
        let thread = {
            let (stop, seen) = (stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let first = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let outcome = healthz(&address);
                    let took = started.elapsed();
                    if let Ok(mut seen) = seen.lock() {
                        seen.count += 1;
                        if took > seen.slowest {
                            seen.slowest = took;
                            seen.slowest_at = started - first;
                        }
                        if took > Duration::from_millis(20) {
                            seen.over_20ms += 1;
                        }
                        if took >= HEALTHZ_BOUND {
                            seen.over_bound += 1;
                        }
                        if let Err(e) = outcome {
                            seen.failures.push(e);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        HealthProbe {
            stop,
            thread: Some(thread),
            seen,
        }
    }

    pub fn finish(mut self) -> Probed {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for HealthProbe {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One `GET /healthz` on a fresh connection, to its last byte.
fn healthz(address: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(address).map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("read: {e}"))?;
    if answer.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&answer).into_owned())
    }
}

/// The server's peak resident memory may not pass this: it never parses,
/// so its memory does not follow the documents (a debug build with every
/// worker busy stays well under it).
pub const SERVER_RSS_BOUND: u64 = 256 << 20;
/// No `/healthz` answer may ever take this long (the freeze the issue
/// measured was 13 s).
pub const HEALTHZ_HARD_BOUND: Duration = Duration::from_millis(250);
/// The slowest `/healthz` answer allowed while documents are parsed.
pub const HEALTHZ_BOUND: Duration = Duration::from_millis(50);

impl Probed {
    pub fn describe(&self) -> String {
        format!(
            "/healthz {} probes, slowest {:?} at {:?}, {} over 20 ms",
            self.count, self.slowest, self.slowest_at, self.over_20ms
        )
    }
}

/// The verdict every hostile-document test ends with: `/healthz` always
/// answered, within `HEALTHZ_BOUND` but for at most `slow_allowed` probes,
/// and never past `HEALTHZ_HARD_BOUND`; the server `child` stayed under
/// `SERVER_RSS_BOUND` and is still the same running process.
pub fn assert_unharmed(
    probed: &Probed,
    slow_allowed: usize,
    child: &mut std::process::Child,
    pid: u32,
) {
    assert!(probed.failures.is_empty(), "{:?}", probed.failures);
    assert!(probed.count > 10, "too few probes: {probed:?}");
    assert!(
        probed.over_bound <= slow_allowed,
        "{} /healthz answers took {HEALTHZ_BOUND:?} or more (allowed: {slow_allowed}): {}",
        probed.over_bound,
        probed.describe()
    );
    assert!(
        probed.slowest < HEALTHZ_HARD_BOUND,
        "/healthz took {:?}",
        probed.slowest
    );
    let rss = peak_rss(pid);
    assert!(
        rss > 0 && rss < SERVER_RSS_BOUND,
        "server peak RSS {rss} bytes"
    );
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the server exited"
    );
    assert_eq!(child.id(), pid, "the server is another process");
}

/// The peak resident memory of process `pid` (`VmHWM`), in bytes.
pub fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Processes anywhere on the machine whose command line holds every one of
/// `words` (a parse process is `jobcast parse-document pdf-text --pages=N …`).
pub fn processes_with(words: &[&str]) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if words.iter().all(|w| args.iter().any(|a| a == w)) {
            found.push(pid);
        }
    }
    found
}

/// Waits until no process matches `words`, failing after `limit`.
pub fn none_left(words: &[&str], limit: Duration) {
    let start = Instant::now();
    loop {
        let left = processes_with(words);
        if left.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "processes still running {:?} after {limit:?}: {left:?}",
            words
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
