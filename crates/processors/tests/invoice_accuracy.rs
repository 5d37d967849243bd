//! Field-by-field accuracy of the builtin extractor, through the whole
//! `invoice.extract` processor (so PDFs go through the PDF text extraction
//! too), on generated invoices of five layouts, half of them PDFs. Prints
//! the figures and fails if any field, or the whole, is under 95 %.
//!
//! Reproduce: `cargo test -p jobcast-processors --test invoice_accuracy -- --nocapture`.
//! `INVOICE_ACCURACY_SEEDS=1,2,3` runs other seeds, `INVOICE_ACCURACY_DUMP=1`
//! prints every miss with its text.

mod common;

use std::collections::BTreeMap;

use common::invoices::{corpus, get, same, Fixture, Layout, FIELDS};
use common::recorder::{context, Recorder};
use jobcast_core::Processor;
use jobcast_processors::invoice::InvoiceExtract;
use jobcast_processors::LlmSettings;
use serde_json::{json, Value};

const PER_LAYOUT: usize = 12;
const THRESHOLD: f64 = 0.95;

async fn extracted(fixture: &Fixture) -> Value {
    let processor = InvoiceExtract::new(LlmSettings::default(), std::time::Duration::from_secs(5));
    let ctx = context(
        "invoice.extract",
        json!({"auto_save": false}),
        &fixture.name,
        &fixture.bytes,
        Recorder::new(),
    );
    match processor.run(ctx).await {
        Ok(result) => result["extracted_data"].clone(),
        Err(e) => panic!("{}: the processor failed: {e:?}", fixture.name),
    }
}

#[derive(Default)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.right += usize::from(ok);
    }

    fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

#[tokio::test]
async fn builtin_extractor_is_at_least_95_percent_accurate_per_field() {
    let seeds: Vec<u64> = std::env::var("INVOICE_ACCURACY_SEEDS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![20_261_122]);
    let dump = std::env::var("INVOICE_ACCURACY_DUMP").is_ok();
    let mut fields: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut layouts: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut overall = Tally::default();
    let mut invoices = 0;
    let mut perfect = 0;
    for seed in seeds {
        let fixtures = corpus(seed, PER_LAYOUT);
        assert!(fixtures.len() >= 20);
        assert_eq!(
            Layout::ALL
                .iter()
                .filter(|l| fixtures.iter().any(|f| f.layout == **l))
                .count(),
            5
        );
        assert!(fixtures.iter().any(|f| f.pdf) && fixtures.iter().any(|f| !f.pdf));
        for fixture in &fixtures {
            let got = extracted(fixture).await;
            let expected = fixture.expected.to_json();
            let mut all = true;
            for field in FIELDS {
                let ok = same(get(&expected, field), get(&got, field));
                all &= ok;
                fields.entry(field).or_default().add(ok);
                layouts.entry(fixture.layout.name()).or_default().add(ok);
                kinds
                    .entry(if fixture.pdf { "pdf" } else { "text" })
                    .or_default()
                    .add(ok);
                overall.add(ok);
                if !ok && dump {
                    println!(
                        "MISS {} {field}: expected {} got {}",
                        fixture.name,
                        get(&expected, field),
                        get(&got, field)
                    );
                }
            }
            invoices += 1;
            perfect += usize::from(all);
            if !all && dump {
                println!("----- {} -----\n{}-----", fixture.name, fixture.text);
            }
        }
    }

    println!("invoice.extract builtin accuracy on {invoices} generated invoices ({perfect} entirely right)");
    println!("{:<18} {:>8} {:>9}", "field", "right", "accuracy");
    for (field, t) in &fields {
        println!(
            "{field:<18} {:>4}/{:<4} {:>7.1} %",
            t.right,
            t.total,
            100.0 * t.rate()
        );
    }
    for (name, t) in layouts.iter().chain(kinds.iter()) {
        println!(
            "{:<18} {:>4}/{:<4} {:>7.1} %",
            format!("[{name}]"),
            t.right,
            t.total,
            100.0 * t.rate()
        );
    }
    println!(
        "{:<18} {:>4}/{:<4} {:>7.1} %",
        "OVERALL",
        overall.right,
        overall.total,
        100.0 * overall.rate()
    );

    let low: Vec<String> = fields
        .iter()
        .filter(|(_, t)| t.rate() < THRESHOLD)
        .map(|(f, t)| format!("{f} {:.1} %", 100.0 * t.rate()))
        .collect();
    assert!(low.is_empty(), "fields under 95 %: {low:?}");
    assert!(
        overall.rate() >= THRESHOLD,
        "overall {:.1} %",
        100.0 * overall.rate()
    );
}
