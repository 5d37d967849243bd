//! Throughput of the builtin invoice extractor: invoices per second on the
//! generated fixtures of the accuracy test (five layouts), from text, and
//! from PDF (page text extraction included). Run:
//! `cargo bench -p jobcast-processors --bench invoice`.

#[path = "../tests/common/pdf.rs"]
mod pdf;

#[path = "../tests/common/invoices.rs"]
mod invoices;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jobcast_processors::invoice::{extract, validate};
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
    group.bench_function("pdf_pages_extract_and_validate", |b| {
        b.iter(|| {
            for bytes in &pdfs {
                let pages =
                    jobcast_processors::pdf::extract_pages(black_box(bytes)).unwrap_or_default();
                let ex = extract(&pages.join("\n\n"));
                black_box(validate(&ex.invoice, &ex.doubts));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, builtin);
criterion_main!(benches);
