//! Dates as invoices write them: `2026-11-22`, `22/11/2026`, `11/22/2026`,
//! `22.11.2026`, `22 Nov 2026`, `November 22, 2026`, `22 novembre 2026`,
//! `1er décembre 2026`. Finding a date inside a line and reading it are
//! here; deciding which date is which is the extractor's business.
//!
//! A numeric date whose first two parts are both 12 or less cannot be read
//! alone: the caller passes the order the rest of the document shows
//! (`day_order_evidence`), and a reading made without evidence is marked
//! ambiguous so that validation can lower the confidence.

use super::model::Date;
use super::text::fold;

/// Which part of a numeric date comes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DayOrder {
    #[default]
    Unknown,
    DayFirst,
    MonthFirst,
}

/// A date found in a piece of text, with its byte range there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub date: Date,
    pub start: usize,
    pub end: usize,
    /// Read as day-first without evidence (both parts ≤ 12).
    pub ambiguous: bool,
}

/// `yyyy-mm-dd` exactly (what the JSON carries).
pub fn parse_iso(text: &str) -> Option<Date> {
    let text = text.trim();
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The date `text` holds, when it holds a date and little else (a weekday
/// or a word such as "le" around it is fine).
pub fn parse_date(text: &str, order: DayOrder) -> Option<FoundDate> {
    let found = find_date(text, order)?;
    let rest = format!("{} {}", &text[..found.start], &text[found.end..]);
    let words = rest
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    (words <= 2).then_some(found)
}

/// The first date in `text`.
pub fn find_date(text: &str, order: DayOrder) -> Option<FoundDate> {
    find_dates(text, order).into_iter().next()
}

/// Every date in `text`, left to right.
pub fn find_dates(text: &str, order: DayOrder) -> Vec<FoundDate> {
    let tokens = tokenize(text);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // `2026-11-22-01`: a date never starts inside a longer number chain.
        let continues = i >= 2
            && !tokens[i].spaced
            && !tokens[i - 1].spaced
            && matches!(tokens[i - 1].tok, Tok::Sep('-' | '/' | '.'))
            && matches!(tokens[i - 2].tok, Tok::Num(_));
        if continues {
            i += 1;
            continue;
        }
        if let Some((date, used, ambiguous)) = date_at(&tokens[i..], order) {
            found.push(FoundDate {
                date,
                start: tokens[i].start,
                end: tokens[i + used - 1].end,
                ambiguous,
            });
            i += used;
        } else {
            i += 1;
        }
    }
    found
}

/// What the numeric dates of a document say about their order: a first part
/// over 12 proves day-first, a second part over 12 proves month-first.
pub fn day_order_evidence(text: &str) -> DayOrder {
    let tokens = tokenize(text);
    let (mut day_first, mut month_first) = (0, 0);
    for window in tokens.windows(5) {
        if let [Tok::Num(a), Tok::Sep(s1), Tok::Num(b), Tok::Sep(s2), Tok::Num(y)] = [
            &window[0].tok,
            &window[1].tok,
            &window[2].tok,
            &window[3].tok,
            &window[4].tok,
        ] {
            if s1 != s2 || !matches!(s1, '/' | '-' | '.') || y.digits != 4 || a.digits > 2 {
                continue;
            }
            if a.value > 12 && b.value <= 12 {
                day_first += 1;
            } else if b.value > 12 && a.value <= 12 {
                month_first += 1;
            }
        }
    }
    match (day_first, month_first) {
        (0, 0) => DayOrder::Unknown,
        (_, 0) => DayOrder::DayFirst,
        (0, _) => DayOrder::MonthFirst,
        _ => DayOrder::Unknown,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Num {
    value: u32,
    digits: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Num(Num),
    /// Letters, folded to lower case without accents.
    Word(String),
    Sep(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
    /// Whitespace separates it from the previous token.
    spaced: bool,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut spaced = false;
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            spaced = true;
            chars.next();
            continue;
        }
        let mut end = start + c.len_utf8();
        let tok = if c.is_ascii_digit() {
            let mut value: u64 = 0;
            let mut digits = 0;
            while let Some(&(i, d)) = chars.peek() {
                let Some(v) = d.to_digit(10) else { break };
                value = (value * 10 + u64::from(v)).min(u64::from(u32::MAX));
                digits += 1;
                end = i + 1;
                chars.next();
            }
            Tok::Num(Num {
                value: u32::try_from(value).unwrap_or(u32::MAX),
                digits,
            })
        } else if c.is_alphabetic() {
            while let Some(&(i, l)) = chars.peek() {
                if !l.is_alphabetic() {
                    break;
                }
                end = i + l.len_utf8();
                chars.next();
            }
            Tok::Word(fold(&text[start..end]))
        } else {
            chars.next();
            Tok::Sep(c)
        };
        tokens.push(Token {
            tok,
            start,
            end,
            spaced,
        });
        spaced = false;
    }
    tokens
}

fn month_number(word: &str) -> Option<u32> {
    let month = match word {
        "january" | "jan" | "janvier" | "janv" => 1,
        "february" | "feb" | "fevrier" | "fevr" | "fev" => 2,
        "march" | "mar" | "mars" => 3,
        "april" | "apr" | "avril" | "avr" => 4,
        "may" | "mai" => 5,
        "june" | "jun" | "juin" => 6,
        "july" | "jul" | "juillet" | "juil" => 7,
        "august" | "aug" | "aout" => 8,
        "september" | "sep" | "sept" | "septembre" => 9,
        "october" | "oct" | "octobre" => 10,
        "november" | "nov" | "novembre" => 11,
        "december" | "dec" | "decembre" => 12,
        _ => return None,
    };
    Some(month)
}

/// Reads a date at the start of `tokens`: the date, the tokens it used, and
/// whether its day/month order was a guess.
fn date_at(tokens: &[Token], order: DayOrder) -> Option<(Date, usize, bool)> {
    // A date never continues a longer number such as a phone number.
    numeric_date(tokens, order)
        .or_else(|| day_month_year(tokens).map(|(d, n)| (d, n, false)))
        .or_else(|| month_day_year(tokens).map(|(d, n)| (d, n, false)))
}

fn num(token: Option<&Token>) -> Option<Num> {
    match token.map(|t| &t.tok) {
        Some(Tok::Num(n)) => Some(*n),
        _ => None,
    }
}

fn sep(token: Option<&Token>) -> Option<char> {
    match token.map(|t| &t.tok) {
        Some(Tok::Sep(c)) => Some(*c),
        _ => None,
    }
}

fn word(token: Option<&Token>) -> Option<&str> {
    match token.map(|t| &t.tok) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

fn full_year(n: Num) -> Option<i32> {
    match n.digits {
        4 => i32::try_from(n.value).ok(),
        2 => i32::try_from(2000 + n.value).ok(),
        _ => None,
    }
}

/// `2026-11-22`, `22/11/2026`, `11/22/2026`, `22.11.26`.
fn numeric_date(tokens: &[Token], order: DayOrder) -> Option<(Date, usize, bool)> {
    let a = num(tokens.first())?;
    let s1 = sep(tokens.get(1))?;
    let b = num(tokens.get(2))?;
    let s2 = sep(tokens.get(3))?;
    let c = num(tokens.get(4))?;
    if s1 != s2 || !matches!(s1, '-' | '/' | '.') {
        return None;
    }
    if tokens[1..5].iter().any(|t| t.spaced) {
        return None;
    }
    // "22/11/2026/3" or "2026-11-22-01" is an identifier, not a date.
    if sep(tokens.get(5)) == Some(s1) && num(tokens.get(6)).is_some() && !tokens[5].spaced {
        return None;
    }
    if a.digits == 4 {
        let date = Date::new(i32::try_from(a.value).ok()?, b.value, c.value)?;
        return (b.digits <= 2 && c.digits <= 2).then_some((date, 5, false));
    }
    if a.digits > 2 || b.digits > 2 {
        return None;
    }
    let year = full_year(c)?;
    let day_first = Date::new(year, b.value, a.value);
    let month_first = Date::new(year, a.value, b.value);
    let (date, ambiguous) = match (day_first, month_first) {
        (Some(d), Some(m)) if d == m => (d, false),
        (Some(d), Some(m)) => match order {
            DayOrder::DayFirst => (d, false),
            DayOrder::MonthFirst => (m, false),
            // Dotted dates are written day-first everywhere they are used.
            DayOrder::Unknown => (d, s1 != '.'),
        },
        (Some(d), None) => (d, false),
        (None, Some(m)) => (m, false),
        (None, None) => return None,
    };
    Some((date, 5, ambiguous))
}

/// Skips an ordinal suffix glued to a day number: `22nd`, `1er`.
fn ordinal(tokens: &[Token], i: usize) -> usize {
    match tokens.get(i) {
        Some(t) if !t.spaced => match &t.tok {
            Tok::Word(w) if matches!(w.as_str(), "st" | "nd" | "rd" | "th" | "er" | "eme") => i + 1,
            _ => i,
        },
        _ => i,
    }
}

/// Skips a `.` after an abbreviated month, or a `-`, `,` between parts.
fn punctuation(tokens: &[Token], mut i: usize) -> usize {
    while matches!(sep(tokens.get(i)), Some('.' | '-' | ',' | '/')) {
        i += 1;
    }
    i
}

/// `22 Nov 2026`, `22-Nov-2026`, `22nd of November, 2026`, `1er décembre 2026`.
fn day_month_year(tokens: &[Token]) -> Option<(Date, usize)> {
    let day = num(tokens.first())?;
    if day.digits > 2 {
        return None;
    }
    let mut i = ordinal(tokens, 1);
    i = punctuation(tokens, i);
    if word(tokens.get(i)) == Some("of") {
        i += 1;
    }
    let month = month_number(word(tokens.get(i))?)?;
    i = punctuation(tokens, i + 1);
    let year = num(tokens.get(i)).filter(|n| n.digits == 4)?;
    let date = Date::new(i32::try_from(year.value).ok()?, month, day.value)?;
    Some((date, i + 1))
}

/// `November 22, 2026`, `Nov. 22nd 2026`.
fn month_day_year(tokens: &[Token]) -> Option<(Date, usize)> {
    let month = month_number(word(tokens.first())?)?;
    let mut i = punctuation(tokens, 1);
    let day = num(tokens.get(i)).filter(|n| n.digits <= 2)?;
    i = ordinal(tokens, i + 1);
    i = punctuation(tokens, i);
    let year = num(tokens.get(i)).filter(|n| n.digits == 4)?;
    let date = Date::new(i32::try_from(year.value).ok()?, month, day.value)?;
    Some((date, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str, order: DayOrder) -> Option<String> {
        parse_date(text, order).map(|f| f.date.to_string())
    }

    #[test]
    fn reads_every_documented_format() {
        let u = DayOrder::Unknown;
        for text in [
            "2026-11-22",
            "22/11/2026",
            "11/22/2026",
            "22.11.2026",
            "22-11-2026",
            "22 Nov 2026",
            "22 nov. 2026",
            "22-Nov-2026",
            "22 November 2026",
            "22nd November 2026",
            "November 22, 2026",
            "Nov. 22nd, 2026",
            "22 novembre 2026",
            "Sunday, 22 November 2026",
            "le 22 novembre 2026",
            "2026/11/22",
            "22/11/26",
        ] {
            assert_eq!(iso(text, u).as_deref(), Some("2026-11-22"), "{text}");
        }
        assert_eq!(iso("1er décembre 2026", u).as_deref(), Some("2026-12-01"));
        assert_eq!(iso("3 févr. 2027", u).as_deref(), Some("2027-02-03"));
        assert_eq!(iso("15 août 2026", u).as_deref(), Some("2026-08-15"));
    }

    #[test]
    fn ambiguous_numeric_dates_follow_the_evidence() {
        let found = parse_date("05/03/2026", DayOrder::Unknown).expect("date");
        assert_eq!(found.date.to_string(), "2026-03-05");
        assert!(found.ambiguous);
        let found = parse_date("05/03/2026", DayOrder::MonthFirst).expect("date");
        assert_eq!(found.date.to_string(), "2026-05-03");
        assert!(!found.ambiguous);
        assert!(
            !parse_date("05.03.2026", DayOrder::Unknown)
                .expect("date")
                .ambiguous
        );
        assert!(
            !parse_date("13/03/2026", DayOrder::Unknown)
                .expect("date")
                .ambiguous
        );
        assert_eq!(
            day_order_evidence("Date: 11/22/2026\nDue: 12/01/2026"),
            DayOrder::MonthFirst
        );
        assert_eq!(
            day_order_evidence("22/11/2026 and 01/12/2026"),
            DayOrder::DayFirst
        );
        assert_eq!(day_order_evidence("01/12/2026"), DayOrder::Unknown);
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        let u = DayOrder::Unknown;
        for text in [
            "2026-02-30",
            "32/01/2026",
            "13/13/2026",
            "INV-2026-11-22-01",
            "1,234.56",
            "Nov 2026",
            "22 Foo 2026",
            "01.23.45.67.89",
        ] {
            assert_eq!(iso(text, u), None, "{text}");
        }
        assert_eq!(
            iso("Invoice date is 22/11/2026 but the order was on 20/11", u),
            None
        );
    }

    #[test]
    fn finds_dates_inside_lines() {
        let text = "Issued: 22 Nov 2026 — due 22/12/2026";
        let found = find_dates(text, DayOrder::Unknown);
        let dates: Vec<String> = found.iter().map(|f| f.date.to_string()).collect();
        assert_eq!(dates, ["2026-11-22", "2026-12-22"]);
        assert_eq!(&text[found[0].start..found[0].end], "22 Nov 2026");
        assert_eq!(
            parse_iso("2026-11-22").map(|d| d.to_string()).as_deref(),
            Some("2026-11-22")
        );
        assert_eq!(parse_iso("2026-1-22"), None);
    }
}
