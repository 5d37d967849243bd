//! Text normalisation shared by the invoice parsers: folding accents and case
//! so that labels match however they were typed, and unifying the many
//! spaces PDFs and word processors produce. No parsing of values here.

/// Lower case, accents removed, `œ`/`æ` spelled out: `Échéance` → `echeance`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                out.push('a')
            }
            'ç' | 'Ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('i'),
            'ñ' | 'Ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Ö' | 'Õ' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => out.push('u'),
            'ÿ' | 'Ÿ' => out.push('y'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'º' => out.push('°'),
            '’' | '‘' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Unifies spaces: no-break, narrow and thin spaces become plain spaces
/// (they separate thousands in French amounts); tabs become four spaces so a
/// column gap stays a gap; carriage returns and form feeds end lines.
pub fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}' => out.push(' '),
            '\t' => out.push_str("    "),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\x0c' => out.push('\n'),
            c => out.push(c),
        }
    }
    out
}

/// Collapses runs of spaces and trims; used on values that are kept as text.
pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A word of a line, with its byte range and whether a column gap (two or
/// more spaces, a tab, a `|`) comes before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub wide_before: bool,
}

/// Splits a line into words; `|` counts as a column gap, never as a word.
pub fn words(line: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut gap = 0usize;
    let mut bar = false;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() || c == '|' {
            if let Some(s) = start.take() {
                push_word(&mut out, line, s, i, gap, bar);
                gap = 0;
                bar = false;
            }
            gap += 1;
            bar |= c == '|';
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        push_word(&mut out, line, s, line.len(), gap, bar);
    }
    out
}

fn push_word<'a>(
    out: &mut Vec<Word<'a>>,
    line: &'a str,
    start: usize,
    end: usize,
    gap: usize,
    bar: bool,
) {
    let wide_before = !out.is_empty() && (gap >= 2 || bar);
    out.push(Word {
        text: &line[start..end],
        start,
        end,
        wide_before,
    });
}

/// Splits a line into cells at column gaps.
pub fn cells(line: &str) -> Vec<&str> {
    let words = words(line);
    let mut out = Vec::new();
    let mut first = 0;
    for i in 1..=words.len() {
        if i == words.len() || words[i].wide_before {
            out.push(&line[words[first].start..words[i - 1].end]);
            first = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("Échéance N°"), "echeance n°");
        assert_eq!(fold("Total TTC"), "total ttc");
        assert_eq!(fold("Date d’émission"), "date d'emission");
    }

    #[test]
    fn normalizes_spaces() {
        assert_eq!(normalize("1\u{202f}234,56\r\nx\ty"), "1 234,56\nx    y");
        assert_eq!(squeeze("  a   b "), "a b");
    }

    #[test]
    fn splits_words_and_cells() {
        let line = "| Widget A |  3   12.50 37.50";
        let w = words(line);
        let texts: Vec<&str> = w.iter().map(|w| w.text).collect();
        assert_eq!(texts, ["Widget", "A", "3", "12.50", "37.50"]);
        let wide: Vec<bool> = w.iter().map(|w| w.wide_before).collect();
        assert_eq!(wide, [false, false, true, true, false]);
        assert_eq!(cells(line), ["Widget A", "3", "12.50 37.50"]);
        assert!(cells("   ").is_empty());
    }
}
