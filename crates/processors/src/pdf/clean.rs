//! Turns the raw text of pages into the running text of a book: it drops what
//! the printer added around the text (running headers and footers, page
//! numbers) and mends what the layout broke (lines, words hyphenated at the
//! end of a line, paragraphs cut by a page break).
//!
//! It works on lines and words only; deciding where sentences end is
//! `sentences`' job.

use std::collections::{HashMap, HashSet};

/// How many lines at the top and at the bottom of a page may be furniture.
const EDGE_LINES: usize = 3;
/// A line is a running header or footer when it appears at the same edge of
/// at least this share of the pages (and of at least `MIN_REPEATS` pages).
const REPEAT_SHARE: f64 = 0.15;
const MIN_REPEATS: usize = 3;

/// French pronouns and particles joined to a verb or a word by a hyphen
/// (`dit-il`, `a-t-elle`, `celui-ci`, `peut-être`): a line that starts with
/// one after a hyphen keeps the hyphen.
const HYPHENATED_SUFFIXES: &[&str] = &[
    "t", "il", "ils", "elle", "elles", "on", "je", "tu", "nous", "vous", "moi", "toi", "lui",
    "leur", "leurs", "même", "mêmes", "ci", "là", "être", "dessus", "dessous", "delà",
];

/// The body lines of each page: page furniture removed, an empty string
/// where a paragraph ends.
pub fn body_lines(pages: &[String]) -> Vec<Vec<String>> {
    let pages: Vec<Vec<&str>> = pages
        .iter()
        .map(|page| page.lines().map(str::trim).collect())
        .collect();
    let repeated = RepeatedEdges::find(&pages);
    pages
        .iter()
        .enumerate()
        .map(|(index, lines)| strip_furniture(lines, index, &repeated))
        .collect()
}

/// Normalized lines found at the top (and at the bottom) of many pages.
struct RepeatedEdges {
    top: HashSet<String>,
    bottom: HashSet<String>,
}

impl RepeatedEdges {
    fn find(pages: &[Vec<&str>]) -> Self {
        let mut top: HashMap<String, usize> = HashMap::new();
        let mut bottom: HashMap<String, usize> = HashMap::new();
        for (index, lines) in pages.iter().enumerate() {
            let text: Vec<&str> = lines.iter().copied().filter(|l| !l.is_empty()).collect();
            let head: HashSet<String> = text
                .iter()
                .take(EDGE_LINES)
                .map(|l| edge_key(l, index))
                .collect();
            let tail: HashSet<String> = text
                .iter()
                .rev()
                .take(EDGE_LINES)
                .map(|l| edge_key(l, index))
                .collect();
            for key in head {
                *top.entry(key).or_default() += 1;
            }
            for key in tail {
                *bottom.entry(key).or_default() += 1;
            }
        }
        let needed = MIN_REPEATS.max((pages.len() as f64 * REPEAT_SHARE).ceil() as usize);
        let keep = |counts: HashMap<String, usize>| {
            counts
                .into_iter()
                .filter(|(_, n)| *n >= needed)
                .map(|(key, _)| key)
                .collect()
        };
        RepeatedEdges {
            top: keep(top),
            bottom: keep(bottom),
        }
    }
}

/// What makes two edge lines the same running header or footer: the same
/// shape, and, when they hold a number, the same distance between that
/// number and the page's position in the file. "12  THE ROAD" on the 14th
/// page and "13  THE ROAD" on the 15th match (the printed page number); two
/// chapter headings "Chapter 3" and "Chapter 5" several pages apart do not.
fn edge_key(line: &str, page_index: usize) -> String {
    let shaped = shape(line);
    match first_number(line) {
        Some(number) => format!("{shaped}@{}", number - page_index as i64),
        None => shaped,
    }
}

fn first_number(line: &str) -> Option<i64> {
    let digits: String = line
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .take(9)
        .collect();
    digits.parse().ok()
}

/// The line in a form that ignores case, spacing and the digits in it, so
/// that "12   THE ROAD" and "13   THE ROAD" have the same shape.
fn shape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut last = ' ';
    for c in line.chars() {
        let c = if c.is_ascii_digit() {
            '#'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if (c == '#' || c == ' ') && c == last {
            continue;
        }
        out.extend(c.to_lowercase());
        last = c;
    }
    out.trim().to_string()
}

fn strip_furniture(lines: &[&str], page_index: usize, repeated: &RepeatedEdges) -> Vec<String> {
    let mut start = 0;
    let mut end = lines.len();
    let mut removed = 0;
    while start < end && removed < EDGE_LINES {
        let line = lines[start];
        if line.is_empty() {
            start += 1;
        } else if is_page_number(line) || repeated.top.contains(&edge_key(line, page_index)) {
            start += 1;
            removed += 1;
        } else {
            break;
        }
    }
    removed = 0;
    while end > start && removed < EDGE_LINES {
        let line = lines[end - 1];
        if line.is_empty() {
            end -= 1;
        } else if is_page_number(line) || repeated.bottom.contains(&edge_key(line, page_index)) {
            end -= 1;
            removed += 1;
        } else {
            break;
        }
    }
    lines[start..end].iter().map(|l| l.to_string()).collect()
}

/// A line that is only a page number: `12`, `- 12 -`, `— xii —`,
/// `Page 12`, `12 / 300`, `page 3 of 40`, `3 sur 40`.
pub fn is_page_number(line: &str) -> bool {
    let dashes: &[char] = &['-', '–', '—', ' ', '[', ']', '(', ')'];
    let core = line.trim_matches(dashes).to_lowercase();
    let core = core
        .strip_prefix("page")
        .or_else(|| core.strip_prefix("p."))
        .unwrap_or(&core)
        .trim();
    let words: Vec<&str> = core.split([' ', '/']).filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [n] => is_number(n),
        [n, total] => is_number(n) && is_number(total),
        [n, sep, total] => is_number(n) && ["of", "sur", "de"].contains(sep) && is_number(total),
        _ => false,
    }
}

fn is_number(word: &str) -> bool {
    let digits = !word.is_empty() && word.len() <= 5 && word.chars().all(|c| c.is_ascii_digit());
    let roman = !word.is_empty()
        && word.len() <= 8
        && word
            .chars()
            .all(|c| matches!(c, 'i' | 'v' | 'x' | 'l' | 'c' | 'd' | 'm'));
    digits || roman
}

/// The words of a document, to tell a word hyphenated at a line break
/// (`exam-` `ple`) from a compound that happens to break at its hyphen
/// (`well-` `known`): the spelling used elsewhere in the document wins.
#[derive(Debug, Default)]
pub struct Vocabulary {
    words: HashSet<String>,
}

impl Vocabulary {
    pub fn from_pages(pages: &[Vec<String>]) -> Self {
        let mut words = HashSet::new();
        for line in pages.iter().flatten() {
            for token in line.split_whitespace() {
                let word = token.trim_matches(|c: char| !c.is_alphanumeric());
                if !word.is_empty() {
                    words.insert(word.to_lowercase());
                }
            }
        }
        Vocabulary { words }
    }

    fn contains(&self, word: &str) -> bool {
        self.words.contains(&word.to_lowercase())
    }
}

/// Joins lines into paragraphs, mending words hyphenated at line ends.
#[derive(Debug, Default)]
pub struct Flow {
    open: String,
    done: Vec<String>,
}

impl Flow {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the flow with text carried over from before (an unfinished
    /// sentence of the previous chunk).
    pub fn resume(carried: String) -> Self {
        Flow {
            open: carried,
            done: Vec::new(),
        }
    }

    /// Adds one line; an empty line ends the paragraph.
    pub fn push_line(&mut self, line: &str, vocabulary: &Vocabulary) {
        let line = normalize_spaces(line);
        if line.is_empty() {
            self.end_paragraph();
            return;
        }
        if self.open.is_empty() {
            self.open = line;
            return;
        }
        match hyphen_join(&self.open, &line, vocabulary) {
            Some(Join::DropHyphen) => {
                self.open.pop();
                self.open.push_str(&line);
            }
            Some(Join::KeepHyphen) => {
                if self.open.ends_with('\u{ad}') {
                    self.open.pop();
                    self.open.push('-');
                }
                self.open.push_str(&line);
            }
            None => {
                self.open.push(' ');
                self.open.push_str(&line);
            }
        }
    }

    pub fn end_paragraph(&mut self) {
        if !self.open.is_empty() {
            self.done.push(std::mem::take(&mut self.open));
        }
    }

    /// The finished paragraphs so far, and the one still open (possibly empty).
    pub fn take(self) -> (Vec<String>, String) {
        (self.done, self.open)
    }
}

enum Join {
    DropHyphen,
    KeepHyphen,
}

/// How `line` continues `text` when `text` ends with a hyphen after a
/// letter; `None` when it does not.
fn hyphen_join(text: &str, line: &str, vocabulary: &Vocabulary) -> Option<Join> {
    let mut tail = text.chars().rev();
    let hyphen = tail.next()?;
    if !matches!(hyphen, '-' | '\u{2010}' | '\u{ad}') {
        return None;
    }
    match tail.next() {
        None => return None,
        Some(c) if c.is_whitespace() => return None,
        // `c.-` `à-d.`, `1914-` `1918`: a hyphen that is no syllable break.
        Some(c) if !c.is_alphabetic() => return Some(Join::KeepHyphen),
        Some(_) => {}
    }
    let first = line.chars().next()?;
    if !first.is_alphabetic() || !first.is_lowercase() {
        // `Jean-` `Pierre`, `COVID-` `19`: a real hyphen.
        return Some(Join::KeepHyphen);
    }
    let left: String = text[..text.len() - hyphen.len_utf8()]
        .rsplit(|c: char| !c.is_alphanumeric() && c != '-')
        .next()
        .unwrap_or("")
        .to_string();
    let right: String = line
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .next()
        .unwrap_or("")
        .to_string();
    let joined = format!("{left}{right}");
    let compound = format!("{left}-{right}");
    if vocabulary.contains(&compound) && !vocabulary.contains(&joined) {
        return Some(Join::KeepHyphen);
    }
    if vocabulary.contains(&joined) {
        return Some(Join::DropHyphen);
    }
    let first_word = right.split('-').next().unwrap_or("");
    if hyphen != '\u{ad}' && HYPHENATED_SUFFIXES.contains(&first_word.to_lowercase().as_str()) {
        return Some(Join::KeepHyphen);
    }
    Some(Join::DropHyphen)
}

/// One ordinary space for any run of spaces (no-break and thin spaces too).
fn normalize_spaces(line: &str) -> String {
    line.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
