//! `invoice.extract`: a PDF or text invoice into structured fields (SPEC
//! section 6). Stages `fetch` → `llm_extraction` → `validation` → `save`.
//!
//! The builtin extractor reads the text with rules (labels in English and
//! French, item tables checked by their arithmetic, several date and
//! number formats); `model_provider` hands the text to an LLM instead.
//! Either way the result is validated (totals add up, dates parse and are in
//! order, required fields present) into a confidence score. One concern per
//! file: types, numbers, dates, currencies, labels, label/value pairs, line
//! items, parties, extraction, validation, answers, options, input, the LLM
//! path, and the processor that ties them together.

mod answer;
mod currency;
mod extract;
mod input;
mod items;
mod labels;
mod llm_extract;
mod model;
mod options;
mod pairs;
mod parse_dates;
mod parse_numbers;
mod parties;
mod processor;
mod text;
mod validate;

pub use extract::{extract, Extractor};
pub use model::{Date, Doubt, Extraction, Field, Invoice, LineItem, Party};
pub use processor::InvoiceExtract;
pub use validate::{validate, Issue, Validation};
