//! Invoice fixtures made on the fly: a seeded generator draws an invoice
//! (vendor, customer, dates, items, tax, currency) and renders it in one of
//! five layouts — English `label: value`, French `label : valeur` with
//! `1 234,56` and TVA, a table with a row of labels and side-by-side blocks,
//! a free layout with totals on the right, and a quantity-first US layout —
//! as text or as a PDF. The drawn invoice is the expected answer, so every
//! fixture's truth is known exactly and no binary fixture is kept.
//! It must stay a writer: reading invoices is the job of the code under test.
//! One concern a file: `vocabulary` (the words), `drawing` (the invoice and
//! its amounts), `writing` (amounts, dates, columns) and `layouts` (one file
//! per layout).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

mod drawing;
mod layouts;
mod vocabulary;
mod writing;

use jobcast_processors::invoice::Invoice;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::Value;

use super::pdf::text_pdf;
use drawing::draw;
use writing::DateStyle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    EnglishLabels,
    FrenchLabels,
    Table,
    TotalsRight,
    QuantityFirst,
}

impl Layout {
    pub const ALL: [Layout; 5] = [
        Layout::EnglishLabels,
        Layout::FrenchLabels,
        Layout::Table,
        Layout::TotalsRight,
        Layout::QuantityFirst,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layout::EnglishLabels => "english-labels",
            Layout::FrenchLabels => "french-labels",
            Layout::Table => "table",
            Layout::TotalsRight => "totals-right",
            Layout::QuantityFirst => "quantity-first",
        }
    }
}

/// One generated invoice: what it says, and how it was written.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub layout: Layout,
    pub pdf: bool,
    pub expected: Invoice,
    pub bytes: Vec<u8>,
    pub text: String,
}

/// One fixture, drawn with `rng`.
pub fn generate(rng: &mut StdRng, layout: Layout, index: usize, pdf: bool) -> Fixture {
    let (region, style) = layout.style(rng);
    let draft = draw(rng, layout, style.currency, region);
    let inv = &draft.invoice;
    let proves_month_first = [inv.invoice_date, inv.due_date]
        .iter()
        .flatten()
        .any(|d| d.day() > 12);
    let dates = *layout
        .dates(proves_month_first)
        .choose(rng)
        .unwrap_or(&DateStyle::Iso);
    let lines = layout.write(rng, &draft, &style, dates);
    let text = lines.join("\n") + "\n";
    let bytes = if pdf {
        // Long invoices go over two pages, split after the items header.
        let pages: Vec<Vec<String>> = if lines.len() > 40 {
            vec![lines[..30].to_vec(), lines[30..].to_vec()]
        } else {
            vec![lines.clone()]
        };
        text_pdf(&pages)
    } else {
        text.clone().into_bytes()
    };
    Fixture {
        name: format!(
            "{:02}-{}.{}",
            index,
            layout.name(),
            if pdf { "pdf" } else { "txt" }
        ),
        layout,
        pdf,
        expected: draft.invoice,
        bytes,
        text,
    }
}

/// `per_layout` fixtures of each layout, alternately text and PDF.
pub fn corpus(seed: u64, per_layout: usize) -> Vec<Fixture> {
    fixtures(seed, per_layout, |i| i % 2 == 1)
}

/// Only text fixtures (for benchmarks that measure the extractor alone).
pub fn text_corpus(seed: u64, per_layout: usize) -> Vec<Fixture> {
    fixtures(seed, per_layout, |_| false)
}

/// `per_layout` rounds of every layout, round `i` as PDF when `pdf(i)`.
fn fixtures(seed: u64, per_layout: usize, pdf: impl Fn(usize) -> bool) -> Vec<Fixture> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::new();
    for i in 0..per_layout {
        for layout in Layout::ALL {
            let index = out.len();
            out.push(generate(&mut rng, layout, index, pdf(i)));
        }
    }
    out
}

/// The fields accuracy is reported for, as JSON paths into `extracted_data`.
pub const FIELDS: [&str; 14] = [
    "invoice_number",
    "invoice_date",
    "due_date",
    "vendor.name",
    "vendor.address",
    "vendor.tax_id",
    "customer.name",
    "customer.address",
    "customer.tax_id",
    "currency",
    "line_items",
    "subtotal",
    "tax",
    "total",
];

pub fn get<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| &v[key])
}

/// Whether an extracted value equals the expected one: text after squeezing
/// spaces, numbers to the cent, line items all of them field by field.
pub fn same(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() < 0.005,
            _ => false,
        },
        (Value::String(a), Value::String(b)) => {
            a.split_whitespace().collect::<Vec<_>>() == b.split_whitespace().collect::<Vec<_>>()
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        (a, b) => a == b,
    }
}
