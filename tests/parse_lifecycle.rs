//! Issue 10, against the real binary: cancelling a job, its time limit, and
//! SIGTERM of the server kill a running parse at once; SIGTERM never waits
//! for parsing.

mod common;
#[path = "../crates/processors/tests/common/hostile.rs"]
mod hostile;

use std::time::{Duration, Instant};

use common::guard::none_left;
use common::jobs::Api;
use common::{token, Running};
use jobcast_core::Status;

/// The words of the command line of a parse process started with `mark`
/// as its page limit.
fn marked(mark: &str) -> [String; 2] {
    ["parse-document".to_string(), format!("--pages={mark}")]
}

async fn wait_for_a_parse(mark: &[String; 2]) {
    let words: Vec<&str> = mark.iter().map(String::as_str).collect();
    let start = Instant::now();
    while common::guard::processes_with(&words).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no parse process started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Settings under which `huge_text` is read for a long time: its text is
/// allowed, and the time limit is far away.
fn slow_parse(mark: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("JOBCAST_PARSE_MAX_PAGES", mark),
        ("JOBCAST_PARSE_TIMEOUT_MS", "300000"),
        ("JOBCAST_MAX_RESULT_BYTES", "1GiB"),
        ("JOBCAST_PARSE_MAX_MEMORY", "4GiB"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_job_kills_its_parse_at_once() {
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with(data.path(), "127.0.0.1:0", &slow_parse("4322"));
    let api = Api::new(&server.base, &token(data.path(), "mallory"));
    let mark = marked("4322");
    for kind in ["pdf.sentences", "invoice.extract"] {
        let id = api
            .create(kind, &[("big.pdf".into(), hostile::huge_text())])
            .await
            .remove(0);
        wait_for_a_parse(&mark).await;
        let cancelled = Instant::now();
        api.cancel(&id).await;
        let words: Vec<&str> = mark.iter().map(String::as_str).collect();
        none_left(&words, Duration::from_secs(2));
        println!(
            "{kind}: parse gone {:?} after the cancel",
            cancelled.elapsed()
        );
        let job = api.wait_all(&[id], Duration::from_secs(10)).await.remove(0);
        assert_eq!(job.status, Status::Cancelled);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_does_not_wait_for_a_parse() {
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with(data.path(), "127.0.0.1:0", &slow_parse("4323"));
    let api = Api::new(&server.base, &token(data.path(), "mallory"));
    let mark = marked("4323");
    api.create("pdf.sentences", &[("big.pdf".into(), hostile::huge_text())])
        .await;
    wait_for_a_parse(&mark).await;
    let asked = Instant::now();
    let status = server.sigterm();
    let took = asked.elapsed();
    println!("SIGTERM with a parse running: exit {status:?} after {took:?}");
    assert!(took < Duration::from_secs(5), "SIGTERM waited {took:?}");
    let words: Vec<&str> = mark.iter().map(String::as_str).collect();
    none_left(&words, Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_time_limit_kills_its_parse_at_once() {
    let data = tempfile::tempdir().expect("data dir");
    let mut settings = slow_parse("4324");
    settings.push(("JOBCAST_JOB_TIMEOUT_MS", "1500"));
    let server = Running::start_with(data.path(), "127.0.0.1:0", &settings);
    let api = Api::new(&server.base, &token(data.path(), "mallory"));
    let mark = marked("4324");
    let id = api
        .create("pdf.sentences", &[("big.pdf".into(), hostile::huge_text())])
        .await
        .remove(0);
    wait_for_a_parse(&mark).await;
    let job = api.wait_all(&[id], Duration::from_secs(30)).await.remove(0);
    assert_eq!(job.status, Status::Failed);
    assert_eq!(job.error.as_ref().map(|e| e.code.as_str()), Some("timeout"));
    let words: Vec<&str> = mark.iter().map(String::as_str).collect();
    none_left(&words, Duration::from_secs(2));
}
