//! Splitting one line into `label: value` pairs: `Invoice No: INV-7`,
//! `Date 22/11/2026`, `N° TVA : FR12…  SIRET : 123…`, `Invoice No.   INV-7`
//! (label and value in neighbouring columns), and the rows of labels whose
//! values sit on the line below (`Invoice No.   Date   Due Date`).
//! A value is only accepted when it has the shape its label announces, so
//! `To be paid within 30 days` is not a `To:` block and `Invoice for March`
//! is not an invoice number. Interpreting the values is the extractor's job.

use super::currency;
use super::labels::{label_of, Label};
use super::parse_dates::{find_date, DayOrder};
use super::parse_numbers::piece;
use super::text::{cells, words};

/// A label and the text of its value (possibly empty: `Bill to:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub label: Label,
    pub value: String,
    /// Byte offset of the label in the line (tells columns apart).
    pub offset: usize,
    /// Written with a colon (then a block label may carry a name).
    pub colon: bool,
}

/// The pairs of a line, and the text cells that belong to none of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinePairs {
    pub pairs: Vec<Pair>,
    pub residual: Vec<(usize, String)>,
}

/// Cells of a line with their byte offsets.
fn cells_at(line: &str) -> Vec<(usize, &str)> {
    cells(line)
        .into_iter()
        .map(|c| (c.as_ptr() as usize - line.as_ptr() as usize, c))
        .collect()
}

pub fn pairs(line: &str) -> LinePairs {
    let mut out = LinePairs::default();
    let cells = cells_at(line);
    let mut i = 0;
    while i < cells.len() {
        let (offset, cell) = cells[i];
        let found = if cell.contains(':') {
            colon_pairs(cell, offset)
        } else {
            // `SIRET 812… - TVA intracommunautaire FR…`: pieces set apart
            // by dashes may each be a pair.
            let pieces = dash_pieces(cell, offset);
            let found: Vec<Pair> = pieces
                .iter()
                .filter_map(|(o, piece)| prefix_pair(piece, *o))
                .collect();
            if !found.is_empty() && pieces.len() > 1 {
                for (o, piece) in &pieces {
                    if prefix_pair(piece, *o).is_none() {
                        out.residual.push((*o, piece.to_string()));
                    }
                }
            }
            found
        };
        if found.is_empty() {
            out.residual.push((offset, cell.to_string()));
            i += 1;
            continue;
        }
        let mut found = found;
        // `Invoice No:      INV-7`: the value is the next cell.
        if let Some(last) = found.last_mut() {
            if last.value.is_empty() && wants_value(last.label) {
                if let Some(&(_, next)) = cells.get(i + 1) {
                    let next_is_label = !colon_pairs(next, 0).is_empty()
                        || prefix_pair(next, 0).is_some()
                        || label_of(next).is_some();
                    if !next_is_label && fits(last.label, next) {
                        last.value = next.to_string();
                        i += 1;
                    }
                }
            }
        }
        out.pairs.extend(found);
        i += 1;
    }
    out
}

/// A cell split at ` - `, ` – `, ` — ` and ` | `, with offsets.
fn dash_pieces(cell: &str, offset: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < cell.len() {
        let rest = &cell[i..];
        let sep = [" - ", " – ", " — ", " | "]
            .iter()
            .find(|s| rest.starts_with(**s));
        match sep {
            Some(sep) => {
                out.push((offset + start, cell[start..i].trim()));
                i += sep.len();
                start = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out.push((offset + start, cell[start..].trim()));
    out.retain(|(_, piece)| !piece.is_empty());
    out
}

/// Labels whose value is one short item that may sit in the next column.
fn wants_value(label: Label) -> bool {
    matches!(
        label,
        Label::InvoiceNumber
            | Label::InvoiceDate
            | Label::DueDate
            | Label::Currency
            | Label::TaxId(_)
            | Label::Terms
            | Label::Subtotal
            | Label::Tax
            | Label::Total(_)
    )
}

/// `Label: value Label2: value2` within one cell.
fn colon_pairs(cell: &str, offset: usize) -> Vec<Pair> {
    let parts: Vec<&str> = cell.split(':').collect();
    if parts.len() < 2 {
        return Vec::new();
    }
    let mut out: Vec<Pair> = Vec::new();
    let first = parts[0];
    let Some(label) = label_of(first) else {
        return Vec::new();
    };
    let mut current = Pair {
        label,
        value: String::new(),
        offset: offset + (first.len() - first.trim_start().len()),
        colon: true,
    };
    let mut pos = first.len() + 1;
    // Whether the value of `current` has just begun (right after its colon);
    // otherwise a colon met now belongs to the value (`10:30`, `https://`).
    let mut fresh = true;
    for (k, part) in parts.iter().enumerate().skip(1) {
        let is_last = k == parts.len() - 1;
        let split = if is_last { None } else { label_suffix(part) };
        if !fresh {
            current.value.push(':');
        }
        match split {
            Some((value_len, label)) => {
                current.value.push_str(&part[..value_len]);
                out.push(current);
                let label_text = &part[value_len..];
                let indent = label_text.len() - label_text.trim_start().len();
                current = Pair {
                    label,
                    value: String::new(),
                    offset: offset + pos + value_len + indent,
                    colon: true,
                };
                fresh = true;
            }
            None => {
                current.value.push_str(part);
                fresh = false;
            }
        }
        pos += part.len() + 1;
    }
    out.push(current);
    for pair in &mut out {
        pair.value = pair
            .value
            .trim()
            .trim_end_matches(['—', '–', '-', '|', ',', ';'])
            .trim()
            .to_string();
    }
    out
}

/// The longest run of words ending `part` that is a label, as (where the
/// value before it ends, the label). The value before must not be empty.
fn label_suffix(part: &str) -> Option<(usize, Label)> {
    let ws = words(part);
    let n = ws.len();
    for k in (1..=n.min(6)).rev() {
        let start = ws[n - k].start;
        if start == 0 || part[..start].trim().is_empty() {
            continue;
        }
        if let Some(label) = label_of(&part[start..]) {
            // A bare "No" or "To" ending a value is too common to be a label.
            if k == 1 && matches!(ws[n - 1].text.to_lowercase().as_str(), "no" | "to") {
                continue;
            }
            return Some((start, label));
        }
    }
    None
}

/// `Invoice INV-7`, `Date 22 Nov 2026`, `Bill To`: a label opening the cell
/// without a colon, followed by a value of the right shape (or nothing).
fn prefix_pair(cell: &str, offset: usize) -> Option<Pair> {
    let ws = words(cell);
    for k in (1..=ws.len().min(5)).rev() {
        let label_end = ws[k - 1].end;
        let Some(label) = label_of(&cell[..label_end]) else {
            continue;
        };
        let value = cell[label_end..].trim();
        let ok = if value.is_empty() {
            !matches!(label, Label::Ignored)
        } else {
            !matches!(
                label,
                Label::Vendor | Label::Customer | Label::OtherParty | Label::Ignored
            ) && fits(label, value)
        };
        if ok {
            return Some(Pair {
                label,
                value: value.to_string(),
                offset: offset + ws[0].start,
                colon: false,
            });
        }
    }
    None
}

/// Whether `value` has the shape `label` announces.
fn fits(label: Label, value: &str) -> bool {
    match label {
        Label::InvoiceNumber => invoice_id(value).is_some(),
        Label::InvoiceDate | Label::DueDate => find_date(value, DayOrder::Unknown)
            .is_some_and(|f| value[..f.start].split_whitespace().count() <= 2),
        Label::Currency => value
            .split_whitespace()
            .next()
            .and_then(currency::word_code)
            .is_some(),
        Label::TaxId(_) => tax_id(value).is_some(),
        Label::Terms => value.chars().any(|c| c.is_ascii_digit()),
        Label::Subtotal | Label::Tax | Label::Total(_) => value
            .split_whitespace()
            .any(|w| piece(w).is_some_and(|p| !p.percent)),
        Label::Vendor | Label::Customer | Label::OtherParty => !value.is_empty(),
        Label::Ignored => true,
    }
}

/// An invoice number: the first word, without `#`/`N°`, with a digit in it
/// and only the characters identifiers use.
pub fn invoice_id(value: &str) -> Option<String> {
    let mut word = value.split_whitespace().next()?;
    for prefix in ["N°", "Nº", "n°", "nº", "No.", "no.", "NO.", "#", ":"] {
        if let Some(rest) = word.strip_prefix(prefix) {
            word = rest;
            break;
        }
    }
    if word.is_empty() {
        // `N° 123`, `# 123`.
        word = value.split_whitespace().nth(1)?;
    }
    let word = word.trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':' | '(' | ')'));
    let ok = !word.is_empty()
        && word.len() <= 40
        && word.chars().any(|c| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '_' | '.'))
        && find_date(word, DayOrder::Unknown).is_none();
    ok.then(|| word.to_string())
}

/// A tax or company identifier: the value up to a separator, with digits.
pub fn tax_id(value: &str) -> Option<String> {
    let mut end = value.len();
    for sep in [" — ", " – ", " - ", " | ", " / ", ";", "  "] {
        if let Some(i) = value.find(sep) {
            end = end.min(i);
        }
    }
    let id = value[..end]
        .trim()
        .trim_end_matches(['.', ',', ';', '—', '–'])
        .trim();
    let digits = id.chars().filter(char::is_ascii_digit).count();
    let ok = digits >= 5
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/'));
    ok.then(|| id.to_string())
}

/// `Invoice No.   Date   Due Date`: a line made only of value labels
/// (two or more), whose values are on the next line.
pub fn label_row(line: &str) -> Option<Vec<Label>> {
    if line.contains(':') {
        return None;
    }
    let value_label = |l: Label| {
        matches!(
            l,
            Label::InvoiceNumber
                | Label::InvoiceDate
                | Label::DueDate
                | Label::Currency
                | Label::Terms
                | Label::TaxId(_)
                | Label::Ignored
        )
    };
    let cells = cells(line);
    if cells.len() >= 2 {
        let labels: Option<Vec<Label>> = cells.iter().map(|c| label_of(c)).collect();
        if let Some(labels) = labels {
            let useful = labels.iter().filter(|l| **l != Label::Ignored).count();
            return (labels.iter().all(|l| value_label(*l)) && useful >= 1).then_some(labels);
        }
    }
    // Columns squeezed to single spaces: cover the words with labels,
    // longest first.
    let ws = words(line);
    let mut labels = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let found = (1..=(ws.len() - i).min(5))
            .rev()
            .find_map(|k| label_of(&line[ws[i].start..ws[i + k - 1].end]).map(|l| (l, k)));
        let (label, k) = found?;
        if !value_label(label) {
            return None;
        }
        labels.push(label);
        i += k;
    }
    (labels.len() >= 2 && labels.iter().any(|l| *l != Label::Ignored)).then_some(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair_list(line: &str) -> Vec<(Label, String)> {
        pairs(line)
            .pairs
            .into_iter()
            .map(|p| (p.label, p.value))
            .collect()
    }

    #[test]
    fn colon_pairs_one_or_many_per_line() {
        assert_eq!(
            pair_list("Invoice No: INV-2026-0042"),
            [(Label::InvoiceNumber, "INV-2026-0042".into())]
        );
        assert_eq!(
            pair_list("Invoice No: INV-7 Date: 22/11/2026 Due Date: 22/12/2026"),
            [
                (Label::InvoiceNumber, "INV-7".into()),
                (Label::InvoiceDate, "22/11/2026".into()),
                (Label::DueDate, "22/12/2026".into())
            ]
        );
        assert_eq!(
            pair_list("SIRET : 123 456 789 00012 — N° TVA : FR12345678901"),
            [
                (Label::TaxId(1), "123 456 789 00012".into()),
                (Label::TaxId(3), "FR12345678901".into())
            ]
        );
        assert_eq!(pair_list("Bill To:"), [(Label::Customer, String::new())]);
        assert_eq!(
            pair_list("Client : Dupont SA"),
            [(Label::Customer, "Dupont SA".into())]
        );
        assert_eq!(pair_list("Note: delivered on time"), []);
    }

    #[test]
    fn pairs_without_colons() {
        assert_eq!(
            pair_list("INVOICE #INV-88"),
            [(Label::InvoiceNumber, "#INV-88".into())]
        );
        assert_eq!(
            pair_list("Facture N° F2026-118"),
            [(Label::InvoiceNumber, "F2026-118".into())]
        );
        assert_eq!(
            pair_list("Invoice No.      INV-9      Date      22 Nov 2026"),
            [
                (Label::InvoiceNumber, "INV-9".into()),
                (Label::InvoiceDate, "22 Nov 2026".into())
            ]
        );
        assert_eq!(
            pair_list("FACTURE"),
            [(Label::InvoiceNumber, String::new())]
        );
        assert_eq!(pair_list("To be paid within 30 days"), []);
        assert_eq!(pair_list("Invoice for March"), []);
        let p = pairs("ACME LTD                      INVOICE");
        assert_eq!(p.residual, [(0, "ACME LTD".to_string())]);
    }

    #[test]
    fn dashes_separate_pairs_without_colons() {
        assert_eq!(
            pair_list("SIRET 812 345 678 00019 - TVA intracommunautaire FR 45 812345678"),
            [
                (Label::TaxId(1), "812 345 678 00019".into()),
                (Label::TaxId(3), "FR 45 812345678".into())
            ]
        );
    }

    #[test]
    fn values_have_the_right_shape() {
        assert_eq!(invoice_id("#INV-88").as_deref(), Some("INV-88"));
        assert_eq!(invoice_id("N° 2026-118").as_deref(), Some("2026-118"));
        assert_eq!(invoice_id("22/11/2026"), None);
        assert_eq!(invoice_id("pending"), None);
        assert_eq!(
            tax_id("FR 12 345678901").as_deref(),
            Some("FR 12 345678901")
        );
        assert_eq!(
            tax_id("GB123456789 — Registered in England").as_deref(),
            Some("GB123456789")
        );
        assert_eq!(tax_id("n/a"), None);
    }

    #[test]
    fn rows_of_labels() {
        assert_eq!(
            label_row("Invoice No.     Invoice Date     Due Date     Currency"),
            Some(vec![
                Label::InvoiceNumber,
                Label::InvoiceDate,
                Label::DueDate,
                Label::Currency
            ])
        );
        assert_eq!(
            label_row("Invoice No. Invoice Date Due Date"),
            Some(vec![
                Label::InvoiceNumber,
                Label::InvoiceDate,
                Label::DueDate
            ])
        );
        assert_eq!(label_row("Bill To     Ship To"), None);
        assert_eq!(label_row("Description Qty Price"), None);
    }
}
