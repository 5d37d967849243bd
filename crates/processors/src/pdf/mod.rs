//! PDF text for the processors, and the `pdf.sentences` kind.
//!
//! `extract` reads the text of each page (shared with `invoice.extract`;
//! only ever inside the parse process of `crate::sandbox`), `decoded`
//! bounds what its streams may expand to, `page_tree` refuses page trees
//! too deep or looping,
//! `layout` turns the PDF crate's positioned glyphs into lines, `clean`
//! removes page furniture and mends lines and hyphenated words, `sentences`
//! finds where sentences end, `breaks` cuts long sentences, `options` reads
//! the job's options and `processor` runs the job.

mod breaks;
mod clean;
mod decoded;
mod extract;
mod layout;
mod options;
mod page_tree;
mod processor;
mod sentences;

pub use breaks::limit_words;
pub use clean::{body_lines, is_page_number, Flow, Vocabulary};
pub use extract::{extract_pages, read_pdf, PdfDocument, PdfError, PdfText, ReadLimits};
pub use options::SentenceOptions;
pub use processor::{PdfSentences, KIND};
pub use sentences::{count_words, Language, Splitter};
