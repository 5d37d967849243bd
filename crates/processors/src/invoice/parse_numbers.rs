//! Amounts as invoices write them: `1,234.56`, `1 234,56`, `1.234,56`,
//! `1'234.50`, with a currency symbol or code before or after, a minus sign
//! or parentheses. Reading one amount, and listing the ways a run of words
//! can be read as numbers (a space may separate thousands *or* columns),
//! live here; choosing among the readings is the caller's business.

use super::currency::{self, SYMBOLS};
use super::text::Word;

/// Which character a document uses before the cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DecimalMark {
    #[default]
    Unknown,
    Dot,
    Comma,
}

/// What most amounts of a document show: `x.dd` votes for a dot, `x,dd` for
/// a comma (dates such as `22.11.2026` do not vote).
pub fn decimal_mark_evidence(text: &str) -> DecimalMark {
    let bytes = text.as_bytes();
    let (mut dot, mut comma) = (0, 0);
    for i in 1..bytes.len() {
        let c = bytes[i];
        if (c != b'.' && c != b',') || !bytes[i - 1].is_ascii_digit() {
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let after = bytes.get(i + 1 + digits).copied();
        let continues = matches!(after, Some(b'.' | b',' | b'/' | b'-'))
            && bytes.get(i + 2 + digits).is_some_and(u8::is_ascii_digit);
        if digits != 2 || continues {
            continue;
        }
        // `22.11.2026`: a separator just before also disqualifies.
        let lead = bytes[..i]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if i > lead && matches!(bytes[i - lead - 1], b'.' | b'/' | b'-') && c == b'.' {
            continue;
        }
        if c == b'.' {
            dot += 1;
        } else {
            comma += 1;
        }
    }
    match dot.cmp(&comma) {
        std::cmp::Ordering::Greater => DecimalMark::Dot,
        std::cmp::Ordering::Less => DecimalMark::Comma,
        std::cmp::Ordering::Equal => DecimalMark::Unknown,
    }
}

/// One word that can be (part of) a number.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    /// Digits and separators only: `1,234.56`.
    pub core: String,
    pub negative: bool,
    /// The ISO code of a symbol or code glued to it (`€12`, `12€`).
    pub currency: Option<&'static str>,
    /// A currency mark glued before it (then nothing may join it from the left).
    pub currency_before: bool,
    /// A currency mark glued after it (then nothing may join it on the right).
    pub currency_after: bool,
    pub percent: bool,
}

impl Piece {
    /// Only digits, 1 to 3 of them, not starting with 0: may start `1 234`.
    fn can_lead(&self) -> bool {
        self.core.len() <= 3
            && self.core.bytes().all(|b| b.is_ascii_digit())
            && !self.core.starts_with('0')
            && !self.currency_after
            && !self.percent
    }

    /// Exactly three digits, maybe with cents: may continue `1 234,56`.
    fn can_follow(&self) -> bool {
        let digits = self.core.bytes().take_while(u8::is_ascii_digit).count();
        if digits != 3 || self.currency_before || self.negative || self.percent {
            return false;
        }
        let rest = &self.core[3..];
        rest.is_empty()
            || (matches!(rest.as_bytes()[0], b'.' | b',')
                && (2..=3).contains(&rest.len())
                && rest[1..].bytes().all(|b| b.is_ascii_digit()))
    }
}

/// Reads a word as a piece of a number, if it is one.
pub fn piece(word: &str) -> Option<Piece> {
    let mut rest = word.trim_end_matches([',', ';', ':']);
    let mut negative = false;
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        rest = inner;
    }
    if let Some(r) = rest.strip_prefix(['-', '−']) {
        negative = true;
        rest = r;
    }
    let mut currency = None;
    let mut currency_before = false;
    for symbol in SYMBOLS {
        if let Some(r) = rest.strip_prefix(symbol) {
            currency = currency::symbol_code(symbol);
            currency_before = true;
            rest = r;
            break;
        }
    }
    if !currency_before && rest.len() > 3 && rest.is_char_boundary(3) {
        if let Some(code) = currency::iso_code(&rest[..3]) {
            if rest[3..].starts_with(|c: char| c.is_ascii_digit()) {
                currency = Some(code);
                currency_before = true;
                rest = &rest[3..];
            }
        }
    }
    if let Some(r) = rest.strip_prefix(['-', '−']) {
        negative = true;
        rest = r;
    }
    let mut currency_after = false;
    for symbol in SYMBOLS {
        if let Some(r) = rest.strip_suffix(symbol) {
            if currency.is_none() {
                currency = currency::symbol_code(symbol);
            }
            currency_after = true;
            rest = r;
            break;
        }
    }
    let percent = match rest.strip_suffix('%') {
        Some(r) => {
            rest = r;
            true
        }
        None => false,
    };
    let first = rest.chars().next()?;
    let last = rest.chars().last()?;
    if !first.is_ascii_digit() || !last.is_ascii_digit() {
        return None;
    }
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '\'' | '’'))
    {
        return None;
    }
    Some(Piece {
        core: rest.to_string(),
        negative,
        currency,
        currency_before,
        currency_after,
        percent,
    })
}

/// A number read from one or more words of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Digits after the decimal mark (0 for an integer).
    pub fraction_digits: usize,
    /// Index of its first and last word in the slice given to `readings`.
    pub first: usize,
    pub last: usize,
    pub currency: Option<&'static str>,
    pub percent: bool,
}

/// Reads the digits-and-separators `core` of a number.
pub fn interpret(core: &str, mark: DecimalMark) -> Option<(f64, usize)> {
    let core: String = core.chars().filter(|c| !matches!(c, '\'' | '’')).collect();
    let dots = core.matches('.').count();
    let commas = core.matches(',').count();
    let last_sep = core.rfind(['.', ',']);
    let decimal = match last_sep {
        None => None,
        Some(pos) => {
            let sep = core.as_bytes()[pos];
            let count = if sep == b'.' { dots } else { commas };
            let after = core.len() - pos - 1;
            if dots > 0 && commas > 0 {
                (count == 1).then_some(pos).or(None)
            } else if count > 1 {
                None
            } else if after != 3 {
                Some(pos)
            } else {
                let lead = &core[..pos];
                let grouping_possible =
                    !lead.is_empty() && lead.len() <= 3 && !lead.starts_with('0');
                match (mark, sep) {
                    (DecimalMark::Dot, b'.') | (DecimalMark::Comma, b',') => Some(pos),
                    _ if !grouping_possible => Some(pos),
                    _ => None,
                }
            }
        }
    };
    if dots > 0 && commas > 0 && decimal.is_none() {
        return None;
    }
    let (integer, fraction) = match decimal {
        Some(pos) => (&core[..pos], &core[pos + 1..]),
        None => (core.as_str(), ""),
    };
    // Grouped thousands: groups after the first are exactly three digits.
    let groups: Vec<&str> = integer.split(['.', ',']).collect();
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    let digits: String = groups.concat();
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 4 {
        return None;
    }
    let value: f64 = format!("{digits}.{fraction}0").parse().ok()?;
    Some((value, fraction.len()))
}

/// One amount filling the whole text, e.g. `€ 1 234,56` or `(12.00) EUR`.
pub fn parse_amount(text: &str, mark: DecimalMark) -> Option<f64> {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| currency::word_code(w).is_none())
        .collect();
    if words.is_empty() {
        return None;
    }
    let pieces: Vec<Piece> = words.iter().map(|w| piece(w)).collect::<Option<_>>()?;
    let joined = join(&pieces, 0, pieces.len() - 1)?;
    let (value, _) = interpret(&joined.core, mark)?;
    Some(if joined.negative { -value } else { value })
}

/// The pieces `first..=last` read as one number written with space-separated
/// thousands, if they can be.
fn join(pieces: &[Piece], first: usize, last: usize) -> Option<Piece> {
    if first == last {
        return Some(pieces[first].clone());
    }
    if !pieces[first].can_lead() {
        return None;
    }
    let mut core = pieces[first].core.clone();
    for (i, p) in pieces.iter().enumerate().take(last + 1).skip(first + 1) {
        if !p.can_follow() || (i < last && p.core.len() != 3) {
            return None;
        }
        core.push_str(&p.core);
    }
    Some(Piece {
        core,
        negative: pieces[first].negative,
        currency: pieces[first].currency.or(pieces[last].currency),
        currency_before: pieces[first].currency_before,
        currency_after: pieces[last].currency_after,
        percent: false,
    })
}

/// Every way to read `words` — all of them numeric — as a sequence of
/// numbers, where a single space may join thousands and a column gap never
/// does. At most `limit` readings are returned.
pub fn readings(words: &[Word<'_>], mark: DecimalMark, limit: usize) -> Vec<Vec<Number>> {
    let Some(pieces) = words
        .iter()
        .map(|w| piece(w.text))
        .collect::<Option<Vec<_>>>()
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut current = Vec::new();
    walk(words, &pieces, 0, mark, limit, &mut current, &mut out);
    out
}

fn walk(
    words: &[Word<'_>],
    pieces: &[Piece],
    from: usize,
    mark: DecimalMark,
    limit: usize,
    current: &mut Vec<Number>,
    out: &mut Vec<Vec<Number>>,
) {
    if out.len() >= limit {
        return;
    }
    if from == pieces.len() {
        out.push(current.clone());
        return;
    }
    for last in from..pieces.len() {
        if last > from && words[last].wide_before {
            break;
        }
        let Some(joined) = join(pieces, from, last) else {
            if last > from {
                break;
            }
            continue;
        };
        let Some((value, fraction_digits)) = interpret(&joined.core, mark) else {
            continue;
        };
        current.push(Number {
            value: if joined.negative { -value } else { value },
            fraction_digits,
            first: from,
            last,
            currency: joined.currency,
            percent: joined.percent,
        });
        walk(words, pieces, last + 1, mark, limit, current, out);
        current.pop();
    }
}

/// The most words one number is written over: `1 234 567 890,00`.
const MAX_NUMBER_WORDS: usize = 6;

/// The last amount of a line (after a label): its longest valid reading
/// ending at the last numeric word. Percentages are skipped.
pub fn last_amount(words: &[Word<'_>], mark: DecimalMark) -> Option<Number> {
    let end = words.iter().rposition(|w| {
        piece(w.text).is_some_and(|p| !p.percent) && currency::word_code(w.text).is_none()
    })?;
    let mut best = None;
    // A number spans a few words at most (`12 345 678,90`).
    for first in (end.saturating_sub(MAX_NUMBER_WORDS - 1)..=end).rev() {
        if piece(words[first].text).is_none() || (first < end && words[first + 1].wide_before) {
            break;
        }
        let run = &words[first..=end];
        let pieces: Vec<Piece> = match run.iter().map(|w| piece(w.text)).collect() {
            Some(p) => p,
            None => break,
        };
        if let Some(joined) = join(&pieces, 0, pieces.len() - 1) {
            if let Some((value, fraction_digits)) = interpret(&joined.core, mark) {
                best = Some(Number {
                    value: if joined.negative { -value } else { value },
                    fraction_digits,
                    first,
                    last: end,
                    currency: joined.currency,
                    percent: joined.percent,
                });
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::super::text::words;
    use super::*;

    fn amount(text: &str) -> Option<f64> {
        parse_amount(text, DecimalMark::Unknown)
    }

    #[test]
    fn reads_the_three_number_formats() {
        assert_eq!(amount("1,234.56"), Some(1234.56));
        assert_eq!(amount("1 234,56"), Some(1234.56));
        assert_eq!(amount("1.234,56"), Some(1234.56));
        assert_eq!(amount("1'234.50"), Some(1234.5));
        assert_eq!(amount("12 345 678,90"), Some(12_345_678.9));
        assert_eq!(amount("1234.56"), Some(1234.56));
        assert_eq!(amount("1234,56"), Some(1234.56));
        assert_eq!(amount("0,50"), Some(0.5));
        assert_eq!(amount("37.5"), Some(37.5));
        assert_eq!(amount("3"), Some(3.0));
    }

    #[test]
    fn reads_currencies_and_signs() {
        assert_eq!(amount("€1,234.56"), Some(1234.56));
        assert_eq!(amount("1 234,56 €"), Some(1234.56));
        assert_eq!(amount("1 234,56€"), Some(1234.56));
        assert_eq!(amount("USD 99.00"), Some(99.0));
        assert_eq!(amount("99.00 CHF"), Some(99.0));
        assert_eq!(amount("-12.00"), Some(-12.0));
        assert_eq!(amount("(12.00)"), Some(-12.0));
        assert_eq!(amount("$-5.00"), Some(-5.0));
        assert_eq!(piece("CA$10.00").and_then(|p| p.currency), Some("CAD"));
        assert_eq!(piece("12,50€").and_then(|p| p.currency), Some("EUR"));
    }

    #[test]
    fn a_lone_group_of_three_follows_the_document() {
        assert_eq!(parse_amount("1,234", DecimalMark::Unknown), Some(1234.0));
        assert_eq!(parse_amount("1,234", DecimalMark::Comma), Some(1.234));
        assert_eq!(parse_amount("1.234", DecimalMark::Comma), Some(1234.0));
        assert_eq!(parse_amount("0.125", DecimalMark::Comma), Some(0.125));
        assert_eq!(
            decimal_mark_evidence("Total 1 234,56 €\nTVA 20,00"),
            DecimalMark::Comma
        );
        assert_eq!(
            decimal_mark_evidence("Total $1,234.56 on 22.11.2026"),
            DecimalMark::Dot
        );
        assert_eq!(
            decimal_mark_evidence("Date 22.11.2026"),
            DecimalMark::Unknown
        );
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for text in [
            "",
            "abc",
            "1,23,4",
            "1.234.56,7.8",
            "12a",
            "007",
            "1 23",
            "12 345 6",
        ] {
            assert_eq!(amount(text), None, "{text:?}");
        }
    }

    #[test]
    fn lists_readings_of_space_grouped_runs() {
        let line = "3 1 234,56 3 703,68";
        let w = words(line);
        let all = readings(&w, DecimalMark::Comma, 64);
        let values: Vec<Vec<f64>> = all
            .iter()
            .map(|r| r.iter().map(|n| n.value).collect())
            .collect();
        assert!(values.contains(&vec![3.0, 1234.56, 3703.68]), "{values:?}");
        assert!(
            values.contains(&vec![3.0, 1.0, 234.56, 3.0, 703.68]),
            "{values:?}"
        );
        // A column gap never joins thousands.
        let w = words("1  234,56");
        let all = readings(&w, DecimalMark::Comma, 64);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].len(), 2);
    }

    #[test]
    fn finds_the_last_amount_of_a_line() {
        let w = words("TVA 20 % : 1 246,91 €");
        let n = last_amount(&w, DecimalMark::Comma).expect("amount");
        assert_eq!(n.value, 1246.91);
        let w = words("Total due   USD 1,250.00");
        assert_eq!(
            last_amount(&w, DecimalMark::Dot).map(|n| n.value),
            Some(1250.0)
        );
        let w = words("VAT (20%)");
        assert_eq!(last_amount(&w, DecimalMark::Dot), None);
    }
}
