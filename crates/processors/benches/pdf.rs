//! Throughput of `pdf.sentences`, in pages per second, on the generated
//! novel of the tests (English and French prose, headers, page numbers,
//! hyphenated line breaks). Run: `cargo bench -p jobcast-processors --bench pdf`.
//!
//! The processor runs whole, as the worker runs it (extraction on a blocking
//! thread, cleaning, splitting, one partial event per chunk), against a sink
//! that drops its events, so the figure is the processor's own cost.

#[path = "../tests/common/novel.rs"]
mod novel;
#[path = "../tests/common/pdf.rs"]
mod pdf;

use std::sync::Arc;

use async_trait::async_trait;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jobcast_core::{
    Clarification, Event, EventDraft, JobContext, JobEvents, JobId, JobInput, JobSnapshot,
    MediaType, NewJob, ProcessError, Processor, Status, Timestamp,
};
use jobcast_processors::pdf::{extract_pages, PdfSentences, KIND};
use serde_json::{json, Value};

/// Accepts every event and keeps none.
struct Discard;

#[async_trait]
impl JobEvents for Discard {
    async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        Ok(Event {
            job_id: JobId::new(),
            seq: 0,
            kind: draft.kind,
            status: Status::Running,
            stage: draft.stage,
            progress: draft.progress.unwrap_or(0.0),
            message: draft.message.unwrap_or_default(),
            eta_ms: None,
            data: draft.data,
            timestamp: Timestamp::now(),
        })
    }
    async fn ask(&self, _clarification: Clarification) -> Result<Value, ProcessError> {
        Ok(Value::Null)
    }
    fn is_stopped(&self) -> bool {
        false
    }
    async fn stopped(&self) {
        std::future::pending::<()>().await
    }
    async fn save_invoice(&self, _data: Value) -> Result<String, ProcessError> {
        Ok(String::new())
    }
}

fn context(bytes: &[u8]) -> JobContext {
    let input = JobInput {
        filename: Some("novel.pdf".into()),
        media_type: MediaType::sniff(bytes),
        bytes: bytes.to_vec(),
    };
    let new = NewJob {
        id: JobId::new(),
        kind: KIND.into(),
        owner: "bench".into(),
        options: json!({}),
        max_attempts: 1,
        input: input.clone(),
    };
    JobContext::new(
        JobSnapshot::fresh(&new, Timestamp::now()),
        input,
        Arc::new(Discard),
    )
}

fn pdf_sentences(c: &mut Criterion) {
    let book = novel::novel(100);
    let pages = book.pages.len() as u64;
    let bytes = pdf::text_pdf(&book.pages);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let processor = PdfSentences::default();

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
    group.bench_function(format!("extract_only_{pages}_pages"), |b| {
        b.iter(|| extract_pages(&bytes).expect("the novel is read"))
    });
    group.finish();
}

criterion_group!(benches, pdf_sentences);
criterion_main!(benches);
