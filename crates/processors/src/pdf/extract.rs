//! Reads the text of a PDF, page by page, with `pdf-extract` (which parses
//! with `lopdf`). It exists so that every processor that needs a PDF's text
//! (`pdf.sentences`, `invoice.extract`) gets it the same way, with the same
//! user-facing failures, and so that the PDF crate's panics and slowness stay
//! contained here: every call into the crate is wrapped in `catch_unwind`, and
//! the async entry point runs on a blocking thread under a time limit.
//!
//! It must not clean or interpret the text: that is `clean` and `sentences`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pdf_extract::Document;

use super::layout::PageText;

/// The longest the text extraction of one PDF may take by default.
pub const EXTRACTION_LIMIT: Duration = Duration::from_secs(120);

/// Why a PDF's text could not be had. The messages are meant for the person
/// who uploaded the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF is damaged or is not a PDF, and cannot be read ({0})")]
    Corrupt(String),
    #[error("the PDF is protected by a password; remove the protection and upload it again")]
    Encrypted,
    #[error("the PDF has no text to read: its pages are images (a scan?); run OCR on it first")]
    NoText,
    #[error("the PDF has no pages")]
    Empty,
    #[error("reading the PDF took longer than {0} seconds; it is too complex to process")]
    TooComplex(u64),
}

impl PdfError {
    /// The stable code of the failure, for `ProcessError::input`.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::Corrupt(_) => "pdf_corrupt",
            PdfError::Encrypted => "pdf_encrypted",
            PdfError::NoText => "pdf_no_text",
            PdfError::Empty => "pdf_empty",
            PdfError::TooComplex(_) => "pdf_timeout",
        }
    }
}

/// The text of a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Parses `bytes`. Fails with `Corrupt`, `Encrypted` or `Empty`.
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

    /// The text of every page. Stops early (with what it has) once `abandon`
    /// is set. Fails with `NoText` when no page has any text, and with
    /// `Corrupt` when no page could be read at all.
    pub fn text(&self, abandon: &AtomicBool) -> Result<PdfText, PdfError> {
        let mut pages = Vec::with_capacity(self.pages.len());
        let mut unreadable = Vec::new();
        let mut first_problem = None;
        for &number in &self.pages {
            if abandon.load(Ordering::Relaxed) {
                break;
            }
            match self.page_text(number) {
                Ok(text) => pages.push(text),
                Err(problem) => {
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

    fn page_text(&self, number: u32) -> Result<String, String> {
        let mut page = PageText::new();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pdf_extract::output_doc_page(&self.doc, &mut page, number)
        }));
        match outcome {
            Ok(Ok(())) => Ok(page.into_text()),
            Ok(Err(error)) => Err(format!("page {number}: {error}")),
            Err(panic) => Err(format!("page {number}: {}", panic_message(&panic))),
        }
    }
}

/// The text of each page of a PDF, for callers that need no more than that.
/// Runs on the calling thread: from async code use [`extract_text`].
pub fn extract_pages(bytes: &[u8]) -> Result<Vec<String>, PdfError> {
    let doc = PdfDocument::open(bytes)?;
    Ok(doc.text(&AtomicBool::new(false))?.pages)
}

/// Opens and reads a PDF on a blocking thread, within `limit`. On time out the
/// blocking thread is told to stop at the next page and `TooComplex` is
/// returned at once.
pub async fn extract_text(bytes: Arc<[u8]>, limit: Duration) -> Result<PdfText, PdfError> {
    let abandon = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&abandon);
    let task = tokio::task::spawn_blocking(move || {
        let doc = PdfDocument::open(&bytes)?;
        doc.text(&flag)
    });
    let _guard = AbandonOnDrop(Arc::clone(&abandon));
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(result)) => result,
        // The closure catches the crate's panics; anything left is ours.
        Ok(Err(join)) => Err(PdfError::Corrupt(format!("the reader stopped: {join}"))),
        Err(_elapsed) => Err(PdfError::TooComplex(limit.as_secs().max(1))),
    }
}

/// Tells the blocking extraction to give up when its caller goes away (time
/// out, cancellation, or the job's future being dropped).
struct AbandonOnDrop(Arc<AtomicBool>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
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
