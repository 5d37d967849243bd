//! The options of `pdf.sentences`, read and checked in one place so that
//! `check_options` (at submission) and `run` agree. Unknown options are
//! refused, and every problem is reported at once.

use std::borrow::Cow;

use jobcast_core::{OptionSpec, OptionValue};
use serde_json::Value;

use crate::option_values::{self, integer, unknown, unless_problems};

use super::sentences::Language;

pub const DEFAULT_CHUNK_PAGES: usize = 10;
pub const MAX_CHUNK_PAGES: u64 = 1000;
pub const MIN_MAX_WORDS: u64 = 3;
/// Large enough for any sentence, small enough to stay a `usize` anywhere.
pub const MAX_MAX_WORDS: u64 = 1_000_000;

/// The options `SentenceOptions::parse` reads, described for forms.
pub const SPECS: &[OptionSpec] = &[
    OptionSpec::new(
        "chunk_pages",
        "Pages per chunk",
        "Pages read per chunk; one partial result per chunk.",
        OptionValue::Integer {
            min: 1,
            max: MAX_CHUNK_PAGES,
            default: Some(DEFAULT_CHUNK_PAGES as u64),
        },
    ),
    OptionSpec::new(
        "max_words",
        "Max words per sentence",
        "Split longer sentences at natural breaks (empty: never).",
        OptionValue::Integer {
            min: MIN_MAX_WORDS,
            max: MAX_MAX_WORDS,
            default: None,
        },
    ),
    OptionSpec::new(
        "language",
        "Language",
        "Abbreviations and punctuation rules to use.",
        OptionValue::choice(
            &[
                Cow::Borrowed("auto"),
                Cow::Borrowed("en"),
                Cow::Borrowed("fr"),
            ],
            "auto",
        ),
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct SentenceOptions {
    pub chunk_pages: usize,
    pub max_words: Option<usize>,
    pub language: Language,
}

impl Default for SentenceOptions {
    fn default() -> Self {
        SentenceOptions {
            chunk_pages: DEFAULT_CHUNK_PAGES,
            max_words: None,
            language: Language::Auto,
        }
    }
}

impl SentenceOptions {
    /// Reads the options, reporting every problem at once.
    pub fn parse(options: &Value) -> Result<Self, String> {
        let mut parsed = SentenceOptions::default();
        let problems = option_values::each(options, |key, value| match key {
            "chunk_pages" => {
                integer(key, value, 1, MAX_CHUNK_PAGES).map(|n| parsed.chunk_pages = n as usize)
            }
            "max_words" => integer(key, value, MIN_MAX_WORDS, MAX_MAX_WORDS)
                .map(|n| parsed.max_words = Some(n as usize)),
            "language" => value
                .as_str()
                .and_then(Language::parse)
                .map(|language| parsed.language = language)
                .ok_or_else(|| format!("language must be \"auto\", \"en\" or \"fr\", not {value}")),
            other => Err(unknown(other, &["chunk_pages", "max_words", "language"])),
        })?;
        unless_problems(parsed, problems)
    }
}
