//! Splits running text into sentences, in English and French prose.
//!
//! A sentence ends at `.`, `!`, `?`, `…` or `...` (with any closing quotes or
//! brackets right after it, and a French closing `»` after a space) when the
//! next word starts a sentence: a capital, a digit, or an opening quote or
//! dialogue dash before one. A lower-case word after `?`, `!` or `…` goes on
//! the same sentence (« Vraiment ? demanda-t-il. »). After a full stop the
//! word before it is checked: titles (Mr., Mme, Dr.), Latin and French
//! abbreviations (e.g., i.e., cf., p. ex.), initials (J. R. R. Tolkien) and
//! abbreviations that announce a number (p. 12, No. 5) do not end a sentence.
//! Numbers never contain a break point, since their dots and commas are not
//! followed by a space.
//!
//! It must see text only: paragraphs come from `clean`, and the cutting of
//! long sentences is `breaks`' job.

/// Which abbreviation lists apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// English and French lists together.
    Auto,
    English,
    French,
}

impl Language {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "auto" => Some(Language::Auto),
            "en" => Some(Language::English),
            "fr" => Some(Language::French),
            _ => None,
        }
    }

    fn english(self) -> bool {
        matches!(self, Language::Auto | Language::English)
    }

    fn french(self) -> bool {
        matches!(self, Language::Auto | Language::French)
    }
}

/// Abbreviations after which a full stop never ends a sentence (compared in
/// lower case, without their final dot).
const ABBREVIATIONS_EN: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "dr", "prof", "st", "jr", "sr", "gen", "capt", "col", "lt", "sgt",
    "rev", "hon", "gov", "sen", "rep", "e.g", "i.e", "cf", "vs", "viz", "approx", "ca", "al", "mt",
    "ft",
];
const ABBREVIATIONS_FR: &[&str] = &[
    "mme", "mmes", "mlle", "mlles", "mm", "me", "mgr", "dr", "pr", "st", "ste", "ex", "cf", "env",
    "c.-à-d", "c-à-d", "av", "apr", "j.-c", "bd", "vve", "cie",
];
/// Abbreviations that do not end a sentence when a number follows them.
const BEFORE_NUMBER: &[&str] = &[
    "no", "nos", "nr", "vol", "vols", "p", "pp", "ch", "chap", "fig", "art", "sec", "t", "n", "ed",
    "éd", "op",
];

const TERMINALS: &[char] = &['.', '!', '?', '…'];
const CLOSERS: &[char] = &['"', '\'', '”', '’', '»', ')', ']', '›'];
const OPENERS: &[char] = &[
    '"', '\'', '“', '‘', '«', '(', '[', '—', '–', '-', '‹', '¿', '¡',
];

/// Splits paragraphs into sentences.
#[derive(Debug, Clone, Copy)]
pub struct Splitter {
    language: Language,
}

impl Splitter {
    pub fn new(language: Language) -> Self {
        Splitter { language }
    }

    /// The sentences of one paragraph (single-spaced text), trimmed.
    pub fn split(&self, paragraph: &str) -> Vec<String> {
        let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
        let mut sentences = Vec::new();
        let mut start = 0; // byte offset of the current sentence
        let mut i = 0;
        while i < chars.len() {
            if !TERMINALS.contains(&chars[i].1) {
                i += 1;
                continue;
            }
            let run_start = i;
            while i < chars.len() && TERMINALS.contains(&chars[i].1) {
                i += 1;
            }
            let run: String = chars[run_start..i].iter().map(|(_, c)| c).collect();
            let mut closed = false;
            while i < chars.len() && CLOSERS.contains(&chars[i].1) {
                i += 1;
                closed = true;
            }
            // A French closing guillemet after a space.
            let mut j = i;
            while j < chars.len() && chars[j].1.is_whitespace() {
                j += 1;
            }
            if j > i && j < chars.len() && chars[j].1 == '»' {
                i = j + 1;
                closed = true;
            }
            let end = chars.get(i).map_or(paragraph.len(), |(at, _)| *at);
            if i >= chars.len() {
                break;
            }
            if !chars[i].1.is_whitespace() {
                continue;
            }
            let mut next = i;
            while next < chars.len() && chars[next].1.is_whitespace() {
                next += 1;
            }
            let Some(&(next_at, _)) = chars.get(next) else {
                break;
            };
            let before = word_before(paragraph, chars[run_start].0);
            let after = &paragraph[next_at..];
            if self.ends_sentence(before, &run, closed, after) {
                push_sentence(&mut sentences, &paragraph[start..end]);
                start = next_at;
            }
        }
        push_sentence(&mut sentences, &paragraph[start..]);
        sentences
    }

    /// Whether the terminal punctuation `run`, after the word `before`
    /// (closed by quotes or brackets when `closed`), ends a sentence when
    /// `after` follows.
    fn ends_sentence(&self, before: &str, run: &str, closed: bool, after: &str) -> bool {
        if !starts_sentence(after) {
            return false;
        }
        if run != "." || closed {
            return true;
        }
        let word = before.to_lowercase();
        if word.is_empty() {
            return true;
        }
        if self.is_abbreviation(&word) {
            return false;
        }
        let next_is_number = after.starts_with(|c: char| c.is_ascii_digit());
        if next_is_number && BEFORE_NUMBER.contains(&word.as_str()) {
            return false;
        }
        if is_initial(before) || is_dotted_abbreviation(before) {
            return false;
        }
        true
    }

    fn is_abbreviation(&self, word: &str) -> bool {
        (self.language.english() && ABBREVIATIONS_EN.contains(&word))
            || (self.language.french() && ABBREVIATIONS_FR.contains(&word))
    }
}

fn push_sentence(sentences: &mut Vec<String>, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        sentences.push(text.to_string());
    }
}

/// The word that ends right before byte offset `at`, without the opening
/// quotes or brackets in front of it.
fn word_before(text: &str, at: usize) -> &str {
    let head = &text[..at];
    let word = head.rsplit(char::is_whitespace).next().unwrap_or_default();
    word.trim_start_matches(OPENERS)
}

/// Whether `text` starts the way a sentence starts: after any opening quotes,
/// brackets, dashes and spaces, anything but a lower-case letter.
fn starts_sentence(text: &str) -> bool {
    let first = text
        .chars()
        .find(|c| !OPENERS.contains(c) && !c.is_whitespace());
    match first {
        Some(c) => !c.is_lowercase(),
        None => true,
    }
}

/// A single letter: an initial (J. R. R. Tolkien, M. Dupont) or a one-letter
/// abbreviation (p.).
fn is_initial(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic())
}

/// Letters and dots with short parts: U.S, J.-C, c.-à-d, Ph.D.
fn is_dotted_abbreviation(word: &str) -> bool {
    word.contains('.')
        && word
            .split('.')
            .all(|part| part.trim_start_matches('-').chars().count() <= 2)
        && word.chars().any(char::is_alphabetic)
}

/// The number of words in `text`: runs between spaces with a letter or digit.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|token| token.chars().any(char::is_alphanumeric))
        .count()
}
