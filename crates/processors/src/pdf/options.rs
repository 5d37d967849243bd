//! The options of `pdf.sentences`, read and checked in one place so that
//! `check_options` (at submission) and `run` agree. Unknown options are
//! refused, and every problem is reported at once.

use serde_json::{Map, Value};

use super::sentences::Language;

pub const DEFAULT_CHUNK_PAGES: usize = 10;
pub const MAX_CHUNK_PAGES: u64 = 1000;
pub const MIN_MAX_WORDS: u64 = 3;
/// Large enough for any sentence, small enough to stay a `usize` anywhere.
pub const MAX_MAX_WORDS: u64 = 1_000_000;

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
    pub fn parse(options: &Value) -> Result<Self, String> {
        let empty = Map::new();
        let map = match options {
            Value::Null => &empty,
            Value::Object(map) => map,
            other => return Err(format!("options must be a JSON object, not {other}")),
        };
        let mut parsed = SentenceOptions::default();
        let mut problems = Vec::new();
        for (key, value) in map {
            let result = match key.as_str() {
                "chunk_pages" => {
                    integer(key, value, 1, MAX_CHUNK_PAGES).map(|n| parsed.chunk_pages = n as usize)
                }
                "max_words" => integer(key, value, MIN_MAX_WORDS, MAX_MAX_WORDS)
                    .map(|n| parsed.max_words = Some(n as usize)),
                "language" => value
                    .as_str()
                    .and_then(Language::parse)
                    .map(|language| parsed.language = language)
                    .ok_or_else(|| {
                        format!("language must be \"auto\", \"en\" or \"fr\", not {value}")
                    }),
                other => Err(format!(
                    "unknown option {other:?} (known: chunk_pages, max_words, language)"
                )),
            };
            if let Err(problem) = result {
                problems.push(problem);
            }
        }
        if problems.is_empty() {
            Ok(parsed)
        } else {
            Err(problems.join("; "))
        }
    }
}

fn integer(key: &str, value: &Value, min: u64, max: u64) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{key} must be an integer from {min} to {max}, not {value}"))
}
