//! PDF text for the processors, and the `pdf.sentences` kind.
//!
//! `extract` reads the text of each page (shared with `invoice.extract`),
//! `layout` turns the PDF crate's positioned glyphs into lines, `clean`
//! removes page furniture and mends lines and hyphenated words, `sentences`
//! finds where sentences end, `breaks` cuts long sentences, `options` reads
//! the job's options and `processor` runs the job.

mod breaks;
mod clean;
mod extract;
mod layout;
mod options;
mod processor;
mod sentences;

pub use breaks::limit_words;
pub use clean::{body_lines, is_page_number, Flow, Vocabulary};
pub use extract::{extract_pages, extract_text, PdfDocument, PdfError, PdfText, EXTRACTION_LIMIT};
pub use options::SentenceOptions;
pub use processor::{PdfSentences, KIND};
pub use sentences::{count_words, Language, Splitter};
