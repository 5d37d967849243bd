//! Throughput of the builtin invoice extractor: invoices per second on the
//! generated fixtures of the accuracy test (five layouts), from text, and
//! from PDF (page text extraction included: in this process, and in a parse
//! process as shipped). Run:
//! `cargo bench -p jobcast-processors --bench invoice`.

#[path = "../tests/common/pdf.rs"]
mod pdf;

#[path = "../tests/common/invoices/mod.rs"]
mod invoices;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jobcast_processors::invoice::{extract, validate};
use jobcast_processors::{ParseLimits, ParserProgram, Sandbox};
use rand::rngs::StdRng;
use rand::SeedableRng;

use invoices::{generate, text_corpus, Layout};

fn builtin(c: &mut Criterion) {
    let fixtures = text_corpus(20_261_122, 4);
    let mut group = c.benchmark_group("invoice_builtin");
    group.throughput(Throughput::Elements(fixtures.len() as u64));
    group.bench_function("text_extract_and_validate", |b| {
        b.iter(|| {
            for f in &fixtures {
                let ex = extract(black_box(&f.text));
                black_box(validate(&ex.invoice, &ex.doubts));
            }
        })
    });

    let mut rng = StdRng::seed_from_u64(7);
    let pdfs: Vec<Vec<u8>> = Layout::ALL
        .iter()
        .enumerate()
        .map(|(i, layout)| generate(&mut rng, *layout, i, true).bytes)
        .collect();
    group.throughput(Throughput::Elements(pdfs.len() as u64));
    group.bench_function("pdf_in_process_extract_and_validate", |b| {
        b.iter(|| {
            for bytes in &pdfs {
                let pages =
                    jobcast_processors::pdf::extract_pages(black_box(bytes)).unwrap_or_default();
                let ex = extract(&pages.join("\n\n"));
                black_box(validate(&ex.invoice, &ex.doubts));
            }
        })
    });
    let sandbox = Sandbox::new(
        ParserProgram::standalone(env!("CARGO_BIN_EXE_jobcast-parse")),
        ParseLimits::default(),
    );
    let shared: Vec<std::sync::Arc<[u8]>> = pdfs.iter().map(|b| b.clone().into()).collect();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    group.bench_function("pdf_sandboxed_extract_and_validate", |b| {
        b.iter(|| {
            for bytes in &shared {
                let pages = runtime
                    .block_on(sandbox.pdf_text(bytes.clone()))
                    .map(|text| text.pages)
                    .unwrap_or_default();
                let ex = extract(&pages.join("\n\n"));
                black_box(validate(&ex.invoice, &ex.doubts));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, builtin);
criterion_main!(benches);
