//! The builtin extractor: rules, no model, no network. It reads an
//! invoice's text in phases — labels, line items, parties, totals — so the
//! processor can report progress between them, and it says which values it
//! is unsure of (`Doubt`) instead of hiding guesses. It never fails: what
//! it cannot find stays `None` and validation judges the result.
//!
//! Document-wide evidence is gathered first: which decimal mark amounts
//! use, which order numeric dates follow, whether the labels are French.

use std::collections::BTreeMap;

use super::currency;
use super::items::{self, ColumnOrder};
use super::labels::{key_tokens, totals_label, Label};
use super::model::{round_to, Date, Doubt, Extraction, Field, Invoice};
use super::pairs::{invoice_id, label_row, pairs, tax_id, Pair};
use super::parse_dates::{day_order_evidence, find_date, find_dates, DayOrder, FoundDate};
use super::parse_numbers::{decimal_mark_evidence, last_amount, parse_amount, piece, DecimalMark};
use super::parties::{read_parties, BlockStart, Line, Role, TaxIdAt};
use super::text::{cells, fold, normalize, words};

/// Reads the whole text at once.
pub fn extract(text: &str) -> Extraction {
    let mut extractor = Extractor::new(text);
    extractor.read_labels();
    extractor.read_items();
    extractor.read_parties();
    extractor.read_totals();
    extractor.finish()
}

/// A total-like amount and the line it was on.
#[derive(Debug, Clone, PartialEq)]
struct TotalAt {
    label: Label,
    value: f64,
    /// `Total TVA`: a sum of the tax lines above it.
    is_sum: bool,
}

pub struct Extractor {
    lines: Vec<Line>,
    mark: DecimalMark,
    order: DayOrder,
    invoice: Invoice,
    doubts: Vec<Doubt>,
    blocks: Vec<BlockStart>,
    tax_ids: Vec<TaxIdAt>,
    totals: Vec<TotalAt>,
    terms_days: Option<i64>,
    explicit_currency: Option<&'static str>,
    ambiguous: Vec<Field>,
    inconsistent_rows: usize,
}

impl Extractor {
    pub fn new(text: &str) -> Self {
        let text = normalize(text);
        let mark = decimal_mark_evidence(&text);
        let folded = fold(&text);
        let french = ["facture", "tva", "echeance", "montant", "designation"]
            .iter()
            .filter(|w| folded.contains(*w))
            .count()
            >= 2;
        let order = match day_order_evidence(&text) {
            DayOrder::Unknown if french => DayOrder::DayFirst,
            other => other,
        };
        let lines = text
            .lines()
            .map(|l| Line {
                text: l.trim_end().to_string(),
                role: if l.trim().is_empty() {
                    Role::Blank
                } else {
                    Role::Text
                },
                residual: Vec::new(),
                fields_at: None,
            })
            .collect();
        Extractor {
            lines,
            mark,
            order,
            invoice: Invoice::default(),
            doubts: Vec::new(),
            blocks: Vec::new(),
            tax_ids: Vec::new(),
            totals: Vec::new(),
            terms_days: None,
            explicit_currency: None,
            ambiguous: Vec::new(),
            inconsistent_rows: 0,
        }
    }

    /// Phase 1: the role of every line, and the values labels announce.
    pub fn read_labels(&mut self) {
        let mut i = 0;
        while i < self.lines.len() {
            if self.lines[i].role == Role::Blank {
                i += 1;
                continue;
            }
            let text = self.lines[i].text.clone();
            if items::header(&text).is_some() {
                self.lines[i].role = Role::ItemsHeader;
            } else if let Some((label, value, is_sum)) = self.totals_line(&text) {
                self.totals.push(TotalAt {
                    label,
                    value,
                    is_sum,
                });
                self.lines[i].role = Role::Totals;
            } else if let Some(labels) = label_row(&text) {
                self.lines[i].role = Role::LabelRow;
                if let Some(next) =
                    (i + 1..self.lines.len()).find(|&j| self.lines[j].role != Role::Blank)
                {
                    let row = self.lines[next].text.clone();
                    if self.read_value_row(&labels, &row) {
                        self.lines[next].role = Role::ValueRow;
                        i = next;
                    }
                }
            } else {
                let found = pairs(&text);
                if !found.pairs.is_empty() {
                    self.lines[i].role = self.classify(&found.pairs);
                    self.lines[i].residual = found.residual;
                    self.lines[i].fields_at = found.pairs.iter().map(|p| p.offset).min();
                    for pair in &found.pairs {
                        self.apply(i, pair);
                    }
                }
            }
            i += 1;
        }
    }

    fn classify(&self, pairs: &[Pair]) -> Role {
        if pairs
            .iter()
            .any(|p| matches!(p.label, Label::Vendor | Label::Customer | Label::OtherParty))
        {
            Role::Block
        } else if pairs
            .iter()
            .all(|p| matches!(p.label, Label::TaxId(_) | Label::Ignored))
        {
            Role::Identifiers
        } else if pairs
            .iter()
            .all(|p| p.label == Label::InvoiceNumber && !p.colon)
        {
            Role::Title
        } else {
            Role::Fields
        }
    }

    /// `Subtotal   1 234,56 €`, `TVA 20 % : 246,91`: a totals label and the
    /// amount ending the line, with no other amount before it.
    fn totals_line(&self, text: &str) -> Option<(Label, f64, bool)> {
        let ws = words(text);
        let amount = last_amount(&ws, self.mark)?;
        let before = &ws[..amount.first];
        for (k, w) in before.iter().enumerate() {
            if let Some(p) = piece(w.text) {
                let rate = p.percent || before.get(k + 1).is_some_and(|n| n.text.starts_with('%'));
                if !rate {
                    return None;
                }
            }
        }
        let label_text = before.iter().map(|w| w.text).collect::<Vec<_>>().join(" ");
        let label = totals_label(&label_text)?;
        match label {
            Label::Subtotal | Label::Total(_) => Some((label, amount.value, false)),
            Label::Tax => {
                // `VAT 123456789` is an identifier, not an amount of tax.
                let bare = matches!(
                    key_tokens(&label_text).first().map(String::as_str),
                    Some("vat" | "tva")
                );
                if bare && amount.fraction_digits == 0 && !text.contains('%') {
                    return None;
                }
                let is_sum = key_tokens(&label_text).first().map(String::as_str) == Some("total");
                Some((label, amount.value, is_sum))
            }
            _ => None,
        }
    }

    fn date_of(&mut self, field: Field, value: &str) -> Option<Date> {
        let found = find_date(value, self.order)?;
        if found.ambiguous {
            self.ambiguous.push(field);
        }
        Some(found.date)
    }

    fn apply(&mut self, line: usize, pair: &Pair) {
        let value = pair.value.as_str();
        match pair.label {
            Label::InvoiceNumber => {
                if self.invoice.invoice_number.is_none() {
                    self.invoice.invoice_number = invoice_id(value);
                }
                // `Facture n° 2026/0457 du 14/02/2026`, `Invoice 12 dated …`.
                let lower = value.to_ascii_lowercase();
                let dated = [" du ", " dated ", " of ", " from "]
                    .iter()
                    .find_map(|w| lower.find(w).map(|i| i + w.len()));
                if let (Some(at), None) = (dated, self.invoice.invoice_date) {
                    if value.is_char_boundary(at) {
                        self.invoice.invoice_date = self.date_of(Field::InvoiceDate, &value[at..]);
                    }
                }
            }
            Label::InvoiceDate => {
                if self.invoice.invoice_date.is_none() {
                    self.invoice.invoice_date = self.date_of(Field::InvoiceDate, value);
                }
            }
            Label::DueDate => {
                if self.invoice.due_date.is_none() {
                    self.invoice.due_date = self.date_of(Field::DueDate, value);
                    if self.invoice.due_date.is_none() {
                        self.terms_days = self.terms_days.or_else(|| terms_days(value));
                    }
                }
            }
            Label::Terms => self.terms_days = self.terms_days.or_else(|| terms_days(value)),
            Label::Currency => {
                self.explicit_currency = self
                    .explicit_currency
                    .or_else(|| value.split_whitespace().find_map(currency::word_code));
            }
            Label::TaxId(priority) => {
                if let Some(value) = tax_id(value) {
                    self.tax_ids.push(TaxIdAt {
                        line,
                        offset: pair.offset,
                        priority,
                        value,
                    });
                }
            }
            Label::Vendor | Label::Customer | Label::OtherParty => self.blocks.push(BlockStart {
                line,
                offset: pair.offset,
                label: pair.label,
                name: value.to_string(),
            }),
            Label::Subtotal | Label::Tax | Label::Total(_) => {
                if let Some(v) = parse_amount(value, self.mark) {
                    let is_sum = pair.label == Label::Tax && fold(value).starts_with("total");
                    self.totals.push(TotalAt {
                        label: pair.label,
                        value: v,
                        is_sum,
                    });
                }
            }
            Label::Ignored => {}
        }
    }

    /// The values under a row of labels: one per column when the columns
    /// line up, else read left to right by the shape each label expects.
    fn read_value_row(&mut self, labels: &[Label], row: &str) -> bool {
        let row_cells = cells(row);
        let values: Vec<String> = if row_cells.len() == labels.len() {
            row_cells.iter().map(|c| c.to_string()).collect()
        } else {
            match split_values(labels, row, self.order) {
                Some(v) => v,
                None => return false,
            }
        };
        for (label, value) in labels.iter().zip(values) {
            let pair = Pair {
                label: *label,
                value,
                offset: 0,
                colon: true,
            };
            self.apply(usize::MAX, &pair);
        }
        true
    }

    /// Phase 2: line items, under each table header (or, with no header,
    /// rows whose arithmetic holds).
    pub fn read_items(&mut self) {
        let has_header = self.lines.iter().any(|l| l.role == Role::ItemsHeader);
        let mut table: Option<ColumnOrder> = None;
        for i in 0..self.lines.len() {
            match self.lines[i].role {
                Role::ItemsHeader => table = items::header(&self.lines[i].text),
                Role::Totals | Role::Block | Role::LabelRow => table = None,
                Role::Text => {
                    if has_header && table.is_none() {
                        continue;
                    }
                    if let Some(row) = items::parse_row(&self.lines[i].text, self.mark, table) {
                        if !row.consistent {
                            self.inconsistent_rows += 1;
                        }
                        self.invoice.line_items.push(row.item);
                        self.lines[i].role = Role::Item;
                    }
                }
                _ => {}
            }
        }
    }

    /// Phase 3: vendor and customer.
    pub fn read_parties(&mut self) {
        let (vendor, customer) = read_parties(&self.lines, &self.blocks, &self.tax_ids);
        self.invoice.vendor = vendor;
        self.invoice.customer = customer;
    }

    /// Phase 4: subtotal, tax, total, currency.
    pub fn read_totals(&mut self) {
        self.invoice.subtotal = self
            .totals
            .iter()
            .find(|t| t.label == Label::Subtotal)
            .map(|t| t.value);
        let taxes: Vec<&TotalAt> = self
            .totals
            .iter()
            .filter(|t| t.label == Label::Tax)
            .collect();
        self.invoice.tax = match taxes.iter().find(|t| t.is_sum) {
            Some(sum) => Some(sum.value),
            None if taxes.is_empty() => None,
            None => Some(round_to(taxes.iter().map(|t| t.value).sum(), 2)),
        };
        // The invoice total (the last one), else what is left to pay.
        self.invoice.total = self
            .totals
            .iter()
            .rev()
            .find(|t| t.label == Label::Total(2))
            .or_else(|| self.totals.iter().find(|t| t.label == Label::Total(1)))
            .map(|t| t.value);
        self.invoice.currency = self
            .explicit_currency
            .or_else(|| self.counted_currency())
            .map(str::to_string);
    }

    /// The currency most amounts and codes of the document show.
    fn counted_currency(&self) -> Option<&'static str> {
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for line in &self.lines {
            for w in words(&line.text) {
                let code = piece(w.text)
                    .and_then(|p| p.currency)
                    .or_else(|| currency::word_code(w.text));
                if let Some(code) = code {
                    *counts.entry(code).or_default() += 1;
                }
            }
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(code, _)| code)
    }

    /// Fallbacks for what no rule found, each marked as a doubt.
    pub fn finish(mut self) -> Extraction {
        if self.invoice.invoice_date.is_none() {
            let due = self.invoice.due_date;
            let all: Vec<FoundDate> = self
                .lines
                .iter()
                .flat_map(|l| find_dates(&l.text, self.order))
                .collect();
            if let Some(found) = all.iter().find(|f| Some(f.date) != due) {
                self.invoice.invoice_date = Some(found.date);
                self.doubt(
                    Field::InvoiceDate,
                    "no labelled invoice date: took the first date of the document",
                    0.15,
                );
            }
        }
        if self.invoice.due_date.is_none() {
            if let (Some(days), Some(date)) = (self.terms_days, self.invoice.invoice_date) {
                self.invoice.due_date = date.plus_days(days);
                self.doubt(
                    Field::DueDate,
                    &format!("due date computed from payment terms ({days} days)"),
                    0.05,
                );
            }
        }
        for field in std::mem::take(&mut self.ambiguous) {
            self.doubt(
                field,
                "day and month could be read either way (read day first)",
                0.1,
            );
        }
        if self.inconsistent_rows > 0 {
            let n = self.inconsistent_rows;
            self.doubt(
                Field::LineItems,
                &format!("{n} line item(s) where quantity × unit price ≠ amount"),
                0.1,
            );
        }
        Extraction {
            invoice: self.invoice,
            doubts: self.doubts,
        }
    }

    fn doubt(&mut self, field: Field, reason: &str, penalty: f64) {
        self.doubts.push(Doubt {
            field,
            reason: reason.to_string(),
            penalty,
        });
    }
}

/// `Net 30`, `30 days`, `à 30 jours`: the number of days, if plausible.
fn terms_days(value: &str) -> Option<i64> {
    let folded = fold(value);
    if !(folded.contains("net") || folded.contains("day") || folded.contains("jour")) {
        return None;
    }
    folded
        .split(|c: char| !c.is_ascii_digit())
        .find(|d| !d.is_empty())
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| (1..=180).contains(d))
}

/// Values for a row of labels, read left to right: a date takes as many
/// words as a date needs, anything else one word.
fn split_values(labels: &[Label], row: &str, order: DayOrder) -> Option<Vec<String>> {
    let ws = words(row);
    let mut out = Vec::new();
    let mut i = 0;
    for (k, label) in labels.iter().enumerate() {
        if i >= ws.len() {
            return None;
        }
        let take = match label {
            Label::InvoiceDate | Label::DueDate => {
                (1..=(ws.len() - i).min(5)).rev().find(|&n| {
                    let text = &row[ws[i].start..ws[i + n - 1].end];
                    find_date(text, order).is_some_and(|f| f.start == 0 && f.end == text.len())
                })?
            }
            Label::Terms if k == labels.len() - 1 => ws.len() - i,
            _ => 1,
        };
        out.push(row[ws[i].start..ws[i + take - 1].end].to_string());
        i += take;
    }
    Some(out)
}

#[cfg(test)]
mod tests;
