//! `pdf.sentences`: a PDF (a novel, a report) into clean sentences, reported
//! chunk by chunk. This file is the job's script: checkpoints, options, the
//! mapping of failures to codes. The work itself is done by `extract`,
//! `clean`, `sentences` and `breaks`; this file must not grow text rules.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use jobcast_core::{JobContext, MediaType, OptionSpec, ProcessError, TypedProcessor};
use serde_json::{json, Value};

use super::breaks::limit_words;
use super::clean::{body_lines, Flow, Vocabulary};
use super::extract::PdfError;
use super::options::SentenceOptions;
use super::sentences::{count_words, Language, Splitter};
use crate::blocking::off_runtime;
use crate::sandbox::Sandbox;

pub const KIND: &str = "pdf.sentences";

const ANALYZE: f64 = 5.0;
const SPLIT: f64 = 10.0;
const PROCESS_START: f64 = 15.0;
const PROCESS_END: f64 = 75.0;
const MERGE: f64 = 75.0;

/// The `pdf.sentences` processor.
#[derive(Debug, Clone, Default)]
pub struct PdfSentences {
    /// Where its PDFs are read; the worker's own per-job time limit applies
    /// on top of the sandbox's.
    sandbox: Sandbox,
}

impl PdfSentences {
    pub fn new(sandbox: Sandbox) -> Self {
        PdfSentences { sandbox }
    }
}

impl From<PdfError> for ProcessError {
    fn from(error: PdfError) -> Self {
        if error.is_permanent() {
            ProcessError::input(error.code(), error.to_string())
        } else {
            ProcessError::transient(error.code(), error.to_string())
        }
    }
}

#[async_trait]
impl TypedProcessor for PdfSentences {
    type Options = SentenceOptions;

    fn kind(&self) -> &'static str {
        KIND
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Pdf]
    }

    fn options(&self) -> &'static [OptionSpec] {
        super::options::SPECS
    }

    fn parse_options(&self, options: &Value) -> Result<SentenceOptions, String> {
        SentenceOptions::parse(options)
    }

    async fn run_with(
        &self,
        mut ctx: JobContext,
        options: SentenceOptions,
    ) -> Result<Value, ProcessError> {
        ctx.stage("analyze", ANALYZE, "Analyzing PDF").await?;
        let bytes: Arc<[u8]> = std::mem::take(&mut ctx.input.bytes).into();
        // Cancelling drops the parse, which kills its process.
        let text = tokio::select! {
            text = self.sandbox.pdf_text(bytes) => text?,
            _ = ctx.stopped() => return Err(ProcessError::Stopped),
        };
        let page_count = text.pages.len();
        ctx.progress(ANALYZE, format!("Analyzing PDF: {page_count} pages"))
            .await?;
        if !text.unreadable.is_empty() {
            let list: Vec<String> = text.unreadable.iter().map(u32::to_string).collect();
            ctx.log(format!(
                "skipped {} unreadable page(s): {}",
                list.len(),
                list.join(", ")
            ))
            .await?;
        }
        ctx.check_stopped()?;

        let (pages, vocabulary) = off_runtime(move || {
            let pages = body_lines(&text.pages);
            let vocabulary = Vocabulary::from_pages(&pages);
            (Arc::new(pages), Arc::new(vocabulary))
        })
        .await?;
        let chunk_pages = options.chunk_pages;
        let chunks: Vec<Range<usize>> = (0..pages.len())
            .step_by(chunk_pages)
            .map(|start| start..(start + chunk_pages).min(pages.len()))
            .collect();
        let n = chunks.len();
        ctx.stage(
            "split",
            SPLIT,
            format!("Split {page_count} pages into {n} chunks of up to {chunk_pages} pages"),
        )
        .await?;

        ctx.stage("process", PROCESS_START, format!("Processing {n} chunks"))
            .await?;
        let chunker = Chunker::new(&options, vocabulary);
        let mut carried = String::new();
        let mut sentences = Vec::new();
        for (index, chunk) in chunks.into_iter().enumerate() {
            ctx.check_stopped()?;
            let i = index + 1;
            let (chunker, pages) = (chunker.clone(), Arc::clone(&pages));
            let (found, rest) =
                off_runtime(move || chunker.sentences(&pages[chunk], carried, i == n)).await?;
            carried = rest;
            let progress = PROCESS_START + (PROCESS_END - PROCESS_START) * i as f64 / n as f64;
            ctx.partial(
                progress,
                format!("Chunk {i}/{n}"),
                json!({ "chunk": i, "chunks": n, "sentences": found }),
            )
            .await?;
            sentences.extend(found);
        }

        ctx.stage("merge", MERGE, format!("Merging {n} chunks"))
            .await?;
        off_runtime(move || {
            let words: usize = sentences.iter().map(|s| count_words(s)).sum();
            json!({
                "sentences": sentences,
                "pages": page_count,
                "chunks": n,
                "words": words,
            })
        })
        .await
    }
}

/// Turns the body lines of a run of pages into sentences.
#[derive(Clone)]
pub(crate) struct Chunker {
    splitter: Splitter,
    language: Language,
    max_words: Option<usize>,
    vocabulary: Arc<Vocabulary>,
}

impl Chunker {
    pub(crate) fn new(options: &SentenceOptions, vocabulary: Arc<Vocabulary>) -> Self {
        Chunker {
            splitter: Splitter::new(options.language),
            language: options.language,
            max_words: options.max_words,
            vocabulary,
        }
    }

    /// The sentences that end in `pages`, starting with the text `carried`
    /// over from the previous chunk. Unless this is the `last` chunk, the
    /// final sentence of an unfinished paragraph is held back and returned,
    /// to be completed by the next chunk (it may go on over the page break).
    pub(crate) fn sentences(
        &self,
        pages: &[Vec<String>],
        carried: String,
        last: bool,
    ) -> (Vec<String>, String) {
        let mut flow = Flow::resume(carried);
        for line in pages.iter().flatten() {
            flow.push_line(line, &self.vocabulary);
        }
        let (paragraphs, open) = flow.take();
        let mut found: Vec<String> = paragraphs
            .iter()
            .flat_map(|paragraph| self.splitter.split(paragraph))
            .collect();
        let mut tail = self.splitter.split(&open);
        let held = if last { None } else { tail.pop() };
        found.extend(tail);
        let found = match self.max_words {
            Some(max) => found
                .iter()
                .flat_map(|sentence| limit_words(sentence, max, self.language))
                .collect(),
            None => found,
        };
        (found, held.unwrap_or_default())
    }
}
