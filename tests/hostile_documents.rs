//! Issue 10, against the real binary: no document can hurt the server.
//!
//! Every hostile PDF of the corpus is uploaded by an ordinary user to both
//! kinds that read PDFs while another user's good jobs run. Each hostile job
//! must fail at its first attempt with the code that says what is wrong;
//! the other user's jobs complete; `/healthz` answers within 50 ms all along;
//! the server's peak resident memory stays under `guard::SERVER_RSS_BOUND`; and the
//! server is the same process at the end. (`parse_lifecycle.rs` has the
//! tests of cancel and SIGTERM: apart, so that their parses do not share
//! the cores with this test's timings.)

mod common;
#[path = "../crates/processors/tests/common/hostile.rs"]
mod hostile;
#[path = "../crates/processors/tests/common/novel.rs"]
mod novel;
#[path = "../crates/processors/tests/common/pdf.rs"]
mod pdf;

use std::time::{Duration, Instant};

use common::guard::{assert_unharmed, none_left, peak_rss, HealthProbe};
use common::jobs::Api;
use common::{token, Running};
use jobcast_core::Status;

/// Marks this test's parse processes (`--pages=N`) among all on the machine.
const MARK_PAGES: &str = "4321";

fn settings() -> Vec<(&'static str, &'static str)> {
    vec![
        ("JOBCAST_PARSE_MAX_PAGES", MARK_PAGES),
        // A debug build reads slowly; the default (60 s) would only make
        // the test longer.
        ("JOBCAST_PARSE_TIMEOUT_MS", "20000"),
        // 100 MB of text reaches 1 MiB sooner than the default 8 MiB, in a
        // debug build with other parses running beside it.
        ("JOBCAST_MAX_RESULT_BYTES", "1MiB"),
    ]
}

/// The codes each hostile file may fail with (both kinds).
fn expected(name: &str, kind: &str) -> &'static [&'static str] {
    match (name, kind) {
        ("self_drawing_xobject" | "mutually_recursive_xobjects" | "deep_page_tree", _) => {
            &["pdf_too_complex"]
        }
        ("cyclic_page_tree", "pdf.sentences") => &["pdf_too_complex", "pdf_corrupt"],
        ("cyclic_page_tree", _) => &["pdf_too_complex", "pdf_unreadable"],
        ("decompression_bomb" | "enormous_content_stream", _) => &["input_too_large"],
        ("self_referencing_object_stream" | "truncated_xref", "pdf.sentences") => &["pdf_corrupt"],
        ("self_referencing_object_stream" | "truncated_xref", _) => &["pdf_unreadable"],
        ("many_tiny_pages", _) => &["pdf_too_complex"],
        ("huge_text", _) => &["result_too_large"],
        _ => panic!("no expectation for {name} on {kind}"),
    }
}

fn good_invoice() -> Vec<u8> {
    let lines: Vec<String> = [
        "ACME Supplies Ltd",
        "12 High Street, London",
        "Invoice Number: INV-2041",
        "Invoice Date: 2026-11-02",
        "Bill To: Northwind Traders",
        "Widget 2 x 10.00 = 20.00",
        "Subtotal: 20.00",
        "VAT: 4.00",
        "Total: 24.00 GBP",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    pdf::text_pdf(&[lines])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pdfs_fail_clearly_while_the_server_and_other_users_carry_on() {
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with(data.path(), "127.0.0.1:0", &settings());
    let pid = server.child.id();
    let attacker = Api::new(&server.base, &token(data.path(), "mallory"));
    let bystander = Api::new(&server.base, &token(data.path(), "alice"));
    let probe = HealthProbe::start(&server.base);
    let started = Instant::now();

    let corpus = hostile::corpus();
    let files: Vec<(String, Vec<u8>)> = corpus
        .iter()
        .map(|h| (format!("{}.pdf", h.name), h.bytes.clone()))
        .collect();
    let mut hostile_jobs = Vec::new();
    for kind in ["pdf.sentences", "invoice.extract"] {
        let ids = attacker.create(kind, &files).await;
        hostile_jobs.extend(
            ids.into_iter()
                .zip(corpus.iter().map(|h| h.name))
                .map(|(id, name)| (id, name, kind)),
        );
    }
    let novel = pdf::text_pdf(&novel::novel(12).pages);
    let mut good = bystander
        .create("pdf.sentences", &[("novel.pdf".into(), novel)])
        .await;
    good.extend(
        bystander
            .create("invoice.extract", &[("invoice.pdf".into(), good_invoice())])
            .await,
    );

    let ids: Vec<String> = hostile_jobs.iter().map(|(id, _, _)| id.clone()).collect();
    let ended = attacker.wait_all(&ids, Duration::from_secs(600)).await;
    let mut report = Vec::new();
    for ((id, name, kind), job) in hostile_jobs.iter().zip(&ended) {
        let code = job
            .error
            .as_ref()
            .map_or("-", |e| e.code.as_str())
            .to_string();
        report.push(format!("{kind:16} {name:32} {:?} {code}", job.status));
        assert_eq!(job.status, Status::Failed, "{kind} {name}: {job:?}");
        assert!(
            expected(name, kind).contains(&code.as_str()),
            "{kind} {name}: {code}, expected one of {:?}: {:?}",
            expected(name, kind),
            job.error
        );
        assert_eq!(job.attempt, 1, "{kind} {name} was retried");
        assert!(
            attacker.ran_once(id).await,
            "{kind} {name} ran more than once"
        );
        assert!(!job.error.as_ref().is_some_and(|e| e.retryable));
    }
    for job in bystander.wait_all(&good, Duration::from_secs(300)).await {
        assert_eq!(job.status, Status::Completed, "a good job: {job:?}");
    }
    let probed = probe.finish();
    println!("{}", report.join("\n"));
    println!(
        "{} hostile jobs in {:?}; {}; server peak RSS {} MiB",
        hostile_jobs.len(),
        started.elapsed(),
        probed.describe(),
        peak_rss(pid) >> 20
    );
    let mut server = server;
    assert_unharmed(&probed, 0, &mut server.child, pid);
    none_left(
        &["parse-document", &format!("--pages={MARK_PAGES}")],
        Duration::from_secs(5),
    );
}
