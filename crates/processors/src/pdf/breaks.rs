//! Cuts sentences longer than `max_words` into pieces at natural breaks, so
//! that every piece stays readable on its own. It prefers, in order: after a
//! `;` or `:`, after a `,` or before a dash, before a conjunction (and, but,
//! et, mais…), and only then any space. It never cuts inside a word, and it
//! never leaves a piece without a word.

use super::sentences::Language;

const CONJUNCTIONS_EN: &[&str] = &[
    "and", "but", "or", "so", "yet", "because", "while", "although", "whereas", "nor",
];
const CONJUNCTIONS_FR: &[&str] = &[
    "et", "mais", "ou", "donc", "car", "puis", "ni", "tandis", "parce", "lorsque", "quand",
];

/// How good a place to cut is: higher is better.
fn strength(token: &str, next: &str, language: Language) -> u8 {
    if token.ends_with([';', ':']) {
        return 3;
    }
    if token.ends_with(',') || next.starts_with(['—', '–']) {
        return 2;
    }
    let next = next.to_lowercase();
    let english = !matches!(language, Language::French) && CONJUNCTIONS_EN.contains(&next.as_str());
    let french = !matches!(language, Language::English) && CONJUNCTIONS_FR.contains(&next.as_str());
    if english || french {
        return 1;
    }
    0
}

fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

/// `sentence` cut into pieces of at most `max_words` words (`max_words` ≥ 1).
pub fn limit_words(sentence: &str, max_words: usize, language: Language) -> Vec<String> {
    let max_words = max_words.max(1);
    let mut pieces = Vec::new();
    let mut tokens: Vec<&str> = sentence.split_whitespace().collect();
    loop {
        let words = tokens.iter().filter(|t| is_word(t)).count();
        if words <= max_words {
            if !tokens.is_empty() {
                pieces.push(tokens.join(" "));
            }
            return pieces;
        }
        let cut = best_cut(&tokens, max_words, language);
        pieces.push(tokens[..cut].join(" "));
        tokens = tokens.split_off(cut);
    }
}

/// The number of tokens to put in the next piece: it holds at most
/// `max_words` words and at least half of that, and the rest holds a word.
fn best_cut(tokens: &[&str], max_words: usize, language: Language) -> usize {
    let least = max_words.div_ceil(2);
    let mut best: Option<(u8, usize)> = None;
    let mut words = 0;
    let mut fallback = 1;
    for i in 0..tokens.len() {
        if is_word(tokens[i]) {
            words += 1;
        }
        if words > max_words {
            break;
        }
        let rest_has_word = tokens[i + 1..].iter().any(|t| is_word(t));
        if !rest_has_word || words == 0 {
            continue;
        }
        // Keep a closing quote or a lone punctuation mark with what it closes.
        if tokens
            .get(i + 1)
            .is_some_and(|t| !is_word(t) && !t.starts_with(['—', '–']))
        {
            continue;
        }
        fallback = i + 1;
        if words < least {
            continue;
        }
        let next = tokens.get(i + 1).copied().unwrap_or_default();
        let score = strength(tokens[i], next, language);
        if best.is_none_or(|(s, _)| score >= s) {
            best = Some((score, i + 1));
        }
    }
    match best {
        Some((score, cut)) if score > 0 => cut,
        _ => fallback,
    }
}
