//! Issue 10: a bounded fuzz-style loop against the real binary. Good PDFs
//! (a novel, an invoice) and the hostile corpus are mutated — bits flipped,
//! cut short, objects duplicated — and uploaded to both PDF kinds, batch
//! after batch, for `JOBCAST_TEST_FUZZ_SECS` seconds (default 20; `.ci/run`
//! gives it longer). Every job must end at its first attempt, completed or
//! failed with a code of the documented list; another user's good jobs
//! complete; `/healthz` answers within 50 ms; the server's peak memory stays
//! under its bound; and it is the same process at the end.

mod common;
#[path = "../crates/processors/tests/common/hostile.rs"]
mod hostile;
#[path = "../crates/processors/tests/common/novel.rs"]
mod novel;
#[path = "../crates/processors/tests/common/pdf.rs"]
mod pdf;

use std::time::{Duration, Instant};

use common::guard::{assert_unharmed, peak_rss, HealthProbe};
use common::jobs::Api;
use common::{token, Running};
use jobcast_core::Status;

/// Every code a PDF job may fail with (docs/processors.md).
const DOCUMENTED: &[&str] = &[
    "pdf_corrupt",
    "pdf_encrypted",
    "pdf_no_text",
    "pdf_empty",
    "pdf_unreadable",
    "pdf_too_complex",
    "input_too_large",
    "timeout",
    "result_too_large",
    "empty_input",
];

/// A small deterministic generator (xorshift), so a failure names its seed.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `good`: bit flips, a cut, or an object copied elsewhere.
fn mutate(good: &[u8], noise: &mut Noise) -> (String, Vec<u8>) {
    let mut bytes = good.to_vec();
    match noise.below(3) {
        0 => {
            let flips = 1 + noise.below(32);
            for _ in 0..flips {
                let at = noise.below(bytes.len());
                bytes[at] ^= 1 << noise.below(8);
            }
            (format!("flip{flips}"), bytes)
        }
        1 => {
            let cut = noise.below(bytes.len());
            bytes.truncate(cut);
            (format!("cut{cut}"), bytes)
        }
        _ => {
            let from = noise.below(bytes.len());
            let len = 1 + noise.below(2_000.min(bytes.len() - from));
            let piece = bytes[from..from + len].to_vec();
            let to = noise.below(bytes.len());
            bytes.splice(to..to, piece);
            (format!("dup{from}+{len}@{to}"), bytes)
        }
    }
}

fn invoice_pdf() -> Vec<u8> {
    let lines: Vec<String> = [
        "Facture N° F-2026-118",
        "Date : 03/11/2026",
        "Fournisseur : Atelier Dupont SARL",
        "Client : Boulangerie Martin",
        "Réparation four 1 x 450,00 € = 450,00 €",
        "Total HT : 450,00 €",
        "TVA 20 % : 90,00 €",
        "Total TTC : 540,00 €",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    pdf::text_pdf(&[lines])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_documents_never_hurt_the_server_or_other_users() {
    let seconds: u64 = std::env::var("JOBCAST_TEST_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("JOBCAST_TEST_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_abcd);
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with(
        data.path(),
        "127.0.0.1:0",
        &[
            ("JOBCAST_PARSE_TIMEOUT_MS", "20000"),
            // A mutated `huge_text` can complete with a result at the limit.
            // Results are serialized on the async runtime by the store and
            // the live layer: at the 8 MiB default that holds a runtime thread
            // for ~250 ms in a debug build (docs/security.md, "What is not
            // bounded yet"), so the test keeps results to 1 MiB.
            ("JOBCAST_MAX_RESULT_BYTES", "1MiB"),
        ],
    );
    let pid = server.child.id();
    let attacker = Api::new(&server.base, &token(data.path(), "mallory"));
    let bystander = Api::new(&server.base, &token(data.path(), "alice"));

    let mut seeds: Vec<(String, Vec<u8>)> = vec![
        ("novel".into(), pdf::text_pdf(&novel::novel(3).pages)),
        ("invoice".into(), invoice_pdf()),
    ];
    // The smaller hostile files are mutated too (the 100,000-page one is
    // kept whole: the corpus test covers it).
    seeds.extend(
        hostile::corpus()
            .into_iter()
            .filter(|h| h.bytes.len() < 1 << 20)
            .map(|h| (h.name.to_string(), h.bytes)),
    );
    let probe = HealthProbe::start(&server.base);
    let mut noise = Noise(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut jobs, mut completed, mut failed) = (0usize, 0usize, 0usize);
    let mut round = 0u32;
    while Instant::now() < deadline {
        round += 1;
        let batch: Vec<(String, Vec<u8>)> = (0..8)
            .map(|_| {
                let (name, good) = &seeds[noise.below(seeds.len())];
                let (how, bytes) = mutate(good, &mut noise);
                (format!("{name}-{how}.pdf"), bytes)
            })
            .collect();
        // A mutation may no longer look like a PDF: keep those that do.
        let batch: Vec<(String, Vec<u8>)> = batch
            .into_iter()
            .filter(|(_, b)| b.starts_with(b"%PDF-"))
            .collect();
        if batch.is_empty() {
            continue;
        }
        let kind = if round.is_multiple_of(2) {
            "pdf.sentences"
        } else {
            "invoice.extract"
        };
        let ids = attacker.create(kind, &batch).await;
        let good = bystander
            .create("invoice.extract", &[("good.pdf".into(), invoice_pdf())])
            .await;
        for (job, (name, _)) in attacker
            .wait_all(&ids, Duration::from_secs(120))
            .await
            .iter()
            .zip(&batch)
        {
            jobs += 1;
            assert_eq!(
                job.attempt, 1,
                "seed {seed} round {round}: {name} was retried"
            );
            match job.status {
                Status::Completed => completed += 1,
                Status::Failed => {
                    failed += 1;
                    let error = job.error.as_ref().expect("an error");
                    assert!(
                        DOCUMENTED.contains(&error.code.as_str()),
                        "seed {seed} round {round}: {kind} {name}: {error:?}"
                    );
                    assert!(!error.retryable, "{name}: {error:?}");
                }
                other => panic!("seed {seed} round {round}: {name} ended {other:?}"),
            }
        }
        for job in bystander.wait_all(&good, Duration::from_secs(60)).await {
            assert_eq!(job.status, Status::Completed, "a good job: {job:?}");
        }
    }
    let probed = probe.finish();
    println!(
        "fuzz: seed {seed}, {seconds} s, {round} rounds, {jobs} jobs ({completed} completed, \
         {failed} failed); {}; server peak RSS {} MiB",
        probed.describe(),
        peak_rss(pid) >> 20
    );
    assert!(jobs > 0);
    let mut server = server;
    // Over minutes of probing a shared 2-core machine, a rare probe passes
    // 50 ms (62 ms once in 3,454 in a clean-clone CI run, alongside results
    // serialized on the runtime: docs/security.md). At most 1 % may, none
    // past the hard bound.
    assert_unharmed(&probed, probed.count / 100, &mut server.child, pid);
}
