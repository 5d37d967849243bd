//! Reads the text of a PDF, page by page, with `pdf-extract` (which parses
//! with `lopdf`). It exists so that every processor that needs a PDF's text
//! (`pdf.sentences`, `invoice.extract`) gets it the same way, with the same
//! user-facing failures, and so that the PDF crate's panics stay contained
//! here: every call into the crate is wrapped in `catch_unwind`. What
//! `catch_unwind` cannot contain (a stack overflow, an allocation that fails,
//! a loop without end) is the parse process's business: this code runs in
//! it (`crate::sandbox`), never in the server's own process.
//!
//! It must not clean or interpret the text: that is `clean` and `sentences`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pdf_extract::Document;
use serde::{Deserialize, Serialize};

use super::decoded::decoded_size;
use super::layout::PageText;
use super::page_tree::check_page_tree;

/// Why a PDF's text could not be had. The messages are meant for the person
/// who uploaded the file. It crosses the boundary of the parse process (see
/// `crate::sandbox`), hence serde.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PdfError {
    #[error("the PDF is damaged or is not a PDF, and cannot be read ({0})")]
    Corrupt(String),
    #[error("the PDF is protected by a password; remove the protection and upload it again")]
    Encrypted,
    #[error("the PDF has no text to read: its pages are images (a scan?); run OCR on it first")]
    NoText,
    #[error("the PDF has no pages")]
    Empty,
    /// The reader crashed on the file (not a structure error it reported).
    #[error("the PDF reader crashed on this file ({0}); it cannot be read")]
    Crashed(String),
    /// Too many pages, or structures nested too deep to read safely.
    #[error("the PDF is too complex to read: {0}")]
    TooComplex(String),
    /// It expands past the memory or decoded-bytes limit of the reader.
    #[error("the PDF is too large once decompressed: {0}")]
    TooLarge(String),
    /// Reading it took longer than the parse time limit (seconds).
    #[error("reading the PDF took longer than {0} seconds; it is too complex to process")]
    TimedOut(u64),
    /// Its text is longer than the result limit (bytes).
    #[error("the PDF's text is longer than the limit of {0} bytes")]
    ResultTooLarge(u64),
    /// The parse process could not be started: a fault of this server, not
    /// of the document.
    #[error("the document reader is unavailable: {0}")]
    ParserUnavailable(String),
}

impl PdfError {
    /// The stable code of the failure, for `ProcessError::input`.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::Corrupt(_) => "pdf_corrupt",
            PdfError::Encrypted => "pdf_encrypted",
            PdfError::NoText => "pdf_no_text",
            PdfError::Empty => "pdf_empty",
            PdfError::Crashed(_) => "pdf_unreadable",
            PdfError::TooComplex(_) => "pdf_too_complex",
            PdfError::TooLarge(_) => "input_too_large",
            PdfError::TimedOut(_) => "timeout",
            PdfError::ResultTooLarge(_) => "result_too_large",
            PdfError::ParserUnavailable(_) => "parser_unavailable",
        }
    }

    /// True when the document is at fault and another attempt would fail
    /// the same way; false only when the reader itself could not run.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, PdfError::ParserUnavailable(_))
    }
}

/// What the reader of one document may spend, besides memory and time
/// (which the parse process's own limits bound: see `crate::sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadLimits {
    /// Pages a document may have.
    pub max_pages: u32,
    /// Bytes all of its streams may decode to, together.
    pub max_decoded_bytes: u64,
    /// Bytes of text it may yield.
    pub max_text_bytes: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_pages: 5_000,
            max_decoded_bytes: 256 << 20,
            max_text_bytes: 8 << 20,
        }
    }
}

/// The text of a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfText {
    /// One string per page, in page order: lines separated by `\n`,
    /// paragraph breaks by an empty line.
    pub pages: Vec<String>,
    /// The 1-based numbers of the pages that could not be read (their text is
    /// empty in `pages`).
    pub unreadable: Vec<u32>,
}

/// An opened, readable PDF: parsed, decrypted if it needs no password, and
/// known to have pages.
pub struct PdfDocument {
    doc: Document,
    /// Page numbers (1-based) in page order.
    pages: Vec<u32>,
}

impl PdfDocument {
    /// Parses `bytes`. Fails with `Corrupt`, `Encrypted` or `Empty`, and
    /// with `TooComplex` for a page tree too deep or that loops.
    pub fn open(bytes: &[u8]) -> Result<Self, PdfError> {
        let loaded = catch_unwind(|| Document::load_mem(bytes))
            .map_err(|panic| PdfError::Corrupt(panic_message(&panic)))?;
        let doc = match loaded {
            Ok(doc) => doc,
            Err(error) => return Err(load_error(error)),
        };
        // lopdf decrypts on load when the user password is empty, as readers
        // do; a document still marked encrypted needs a password.
        if doc.is_encrypted() {
            return Err(PdfError::Encrypted);
        }
        check_page_tree(&doc)?;
        let pages = catch_unwind(AssertUnwindSafe(|| doc.get_pages()))
            .map_err(|panic| PdfError::Corrupt(panic_message(&panic)))?;
        if pages.is_empty() {
            return Err(PdfError::Empty);
        }
        Ok(PdfDocument {
            pages: pages.into_keys().collect(),
            doc,
        })
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Refuses a document over `limits` before any of its pages is read:
    /// too many pages, or streams that decode to more than allowed.
    pub fn check(&self, limits: &ReadLimits) -> Result<(), PdfError> {
        let pages = self.pages.len();
        if pages > limits.max_pages as usize {
            return Err(PdfError::TooComplex(format!(
                "it has {pages} pages; at most {} are read",
                limits.max_pages
            )));
        }
        decoded_size(&self.doc, limits.max_decoded_bytes).map(|_| ())
    }

    /// The text of every page, at most `max_text_bytes` of it (a parse that
    /// must stop early is killed with its process). Fails with `NoText` when no
    /// page has any text, with `Corrupt` when no page could be read at all,
    /// and with `ResultTooLarge` past the limit.
    pub fn text(&self, max_text_bytes: u64) -> Result<PdfText, PdfError> {
        let mut pages = Vec::with_capacity(self.pages.len());
        let mut unreadable = Vec::new();
        let mut first_problem = None;
        let mut left = usize::try_from(max_text_bytes).unwrap_or(usize::MAX);
        for &number in &self.pages {
            match self.page_text(number, left) {
                Ok(text) => {
                    left = left.saturating_sub(text.len());
                    pages.push(text);
                }
                Err(PageProblem::OverBudget) => {
                    return Err(PdfError::ResultTooLarge(max_text_bytes));
                }
                Err(PageProblem::Unreadable(problem)) => {
                    first_problem.get_or_insert(problem);
                    unreadable.push(number);
                    pages.push(String::new());
                }
            }
        }
        if unreadable.len() == self.pages.len() {
            let problem = first_problem.unwrap_or_default();
            return Err(PdfError::Corrupt(problem));
        }
        if pages.iter().all(|page| page.trim().is_empty()) {
            return Err(PdfError::NoText);
        }
        Ok(PdfText { pages, unreadable })
    }

    fn page_text(&self, number: u32, budget: usize) -> Result<String, PageProblem> {
        let mut page = PageText::with_budget(budget);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pdf_extract::output_doc_page(&self.doc, &mut page, number)
        }));
        if page.over_budget() {
            return Err(PageProblem::OverBudget);
        }
        match outcome {
            Ok(Ok(())) => Ok(page.into_text()),
            Ok(Err(error)) => Err(PageProblem::Unreadable(format!("page {number}: {error}"))),
            Err(panic) => Err(PageProblem::Unreadable(format!(
                "page {number}: {}",
                panic_message(&panic)
            ))),
        }
    }
}

enum PageProblem {
    Unreadable(String),
    /// The page's text went past what was left of the text limit.
    OverBudget,
}

/// Opens a PDF, checks it against `limits` and reads the text of every page,
/// on the calling thread. The server never calls this in its own process:
/// it runs in the parse process (`crate::sandbox`), whose memory and time
/// limits bound what the limits here cannot.
pub fn read_pdf(bytes: &[u8], limits: &ReadLimits) -> Result<PdfText, PdfError> {
    let doc = PdfDocument::open(bytes)?;
    doc.check(limits)?;
    doc.text(limits.max_text_bytes)
}

/// The text of each page of a PDF under the default limits, for callers
/// that need no more than that (benchmarks, tests). Runs on the calling
/// thread and in the calling process: untrusted documents go through
/// `crate::sandbox` instead.
pub fn extract_pages(bytes: &[u8]) -> Result<Vec<String>, PdfError> {
    Ok(read_pdf(bytes, &ReadLimits::default())?.pages)
}

fn load_error(error: pdf_extract::Error) -> PdfError {
    use pdf_extract::Error;
    match error {
        Error::Decryption(_) | Error::InvalidPassword | Error::AlreadyEncrypted => {
            PdfError::Encrypted
        }
        other => PdfError::Corrupt(other.to_string()),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_string());
    format!("the PDF reader failed: {detail}")
}
