//! Throughput of `pdf.sentences`, in pages per second, on the generated
//! novel of the tests (English and French prose, headers, page numbers,
//! hyphenated line breaks). Run: `cargo bench -p jobcast-processors --bench pdf`.
//!
//! The processor runs whole, as the worker runs it (the PDF read in a parse
//! process, cleaning and splitting on blocking threads, one partial event per
//! chunk), against a sink that drops its events, so the figure is the
//! processor's own cost. Beside it, the text extraction alone, in this process
//! (as before issue 10) and in a parse process (as shipped): the difference
//! is what the sandbox costs.

#[path = "../tests/common/novel.rs"]
mod novel;
#[path = "../tests/common/pdf.rs"]
mod pdf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jobcast_core::testing::{job_context, RecordingEvents, TestJob};
use jobcast_core::{JobContext, Processor};
use jobcast_processors::pdf::{extract_pages, PdfSentences, KIND};
use jobcast_processors::{ParseLimits, ParserProgram, Sandbox};

/// A job on `bytes` whose events are counted and dropped.
fn context(bytes: &[u8]) -> JobContext {
    job_context(
        TestJob::new(KIND, "novel.pdf", bytes),
        RecordingEvents::discarding(),
    )
}

fn pdf_sentences(c: &mut Criterion) {
    let book = novel::novel(100);
    let pages = book.pages.len() as u64;
    let bytes = pdf::text_pdf(&book.pages);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let sandbox = Sandbox::new(
        ParserProgram::standalone(env!("CARGO_BIN_EXE_jobcast-parse")),
        ParseLimits::default(),
    );
    let processor = PdfSentences::new(sandbox.clone());
    let shared: std::sync::Arc<[u8]> = bytes.clone().into();

    let mut group = c.benchmark_group("pdf.sentences");
    group.throughput(Throughput::Elements(pages));
    group.sample_size(20);
    group.bench_function(format!("novel_{pages}_pages"), |b| {
        b.iter(|| {
            runtime
                .block_on(processor.run(context(&bytes)))
                .expect("the novel is processed")
        })
    });
    group.bench_function(format!("extract_in_process_{pages}_pages"), |b| {
        b.iter(|| extract_pages(&bytes).expect("the novel is read"))
    });
    group.bench_function(format!("extract_sandboxed_{pages}_pages"), |b| {
        b.iter(|| {
            runtime
                .block_on(sandbox.pdf_text(shared.clone()))
                .expect("the novel is read")
        })
    });
    group.finish();
}

criterion_group!(benches, pdf_sentences);
criterion_main!(benches);
