//! US invoices as a table: a row of labels over a row of values, bill-to
//! and ship-to side by side, the items and totals in a bordered table.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::super::drawing::Draft;
use super::super::vocabulary::{address, pick, EN_FIRST};
use super::super::writing::{
    columns, lpad, pad, us_dates, widths, write_date, DateStyle, Mark, NumberStyle, Style,
};

/// Region and how amounts are written, drawn.
pub fn style(rng: &mut StdRng) -> (&'static str, Style) {
    let currency = *["USD", "CAD", "EUR"].choose(rng).unwrap_or(&"USD");
    (
        "us",
        Style::drawn(rng, NumberStyle::Comma, currency, &[Mark::None]),
    )
}

/// The date styles it may use.
pub fn dates(proves_month_first: bool) -> &'static [DateStyle] {
    us_dates(proves_month_first)
}

pub fn write(rng: &mut StdRng, d: &Draft, s: &Style, date_style: DateStyle) -> Vec<String> {
    let inv = &d.invoice;
    let mut out = Vec::new();
    out.push(inv.vendor.name.clone().unwrap_or_default());
    out.push(d.vendor_lines.join(", "));
    if let Some(id) = &inv.vendor.tax_id {
        out.push(format!("Tax ID: {id}"));
    }
    out.push(String::new());
    let issued = d.issued(date_style);
    let due = inv
        .due_date
        .map(|x| write_date(x, date_style))
        .unwrap_or_default();
    out.extend(
        columns(
            &[
                vec![
                    "Invoice No.".into(),
                    "Invoice Date".into(),
                    "Due Date".into(),
                    "Currency".into(),
                ],
                vec![
                    inv.invoice_number.clone().unwrap_or_default(),
                    issued,
                    due,
                    s.currency.to_string(),
                ],
            ],
            false,
        )
        .iter()
        .map(|l| l.to_string()),
    );
    out.push(String::new());
    // Bill to and ship to side by side.
    let mut left = vec![
        pick(rng, &["Bill To", "BILL TO", "Sold To"]).to_string(),
        inv.customer.name.clone().unwrap_or_default(),
    ];
    left.extend(d.customer_lines.iter().cloned());
    if let Some(id) = &inv.customer.tax_id {
        left.push(format!("VAT No: {id}"));
    }
    let mut right = vec![
        "Ship To".to_string(),
        format!("{} Warehouse", pick(rng, EN_FIRST)),
    ];
    right.extend(address(rng, "us"));
    let width = left.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 6;
    for i in 0..left.len().max(right.len()) {
        let l = left.get(i).cloned().unwrap_or_default();
        let r = right.get(i).cloned().unwrap_or_default();
        out.push(format!("{}{r}", pad(&l, width)).trim_end().to_string());
    }
    out.push(String::new());
    let header = ["Item", "Qty", "Unit Price", "Amount"];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for item in &inv.line_items {
        rows.push(vec![
            item.description.clone().unwrap_or_default(),
            s.quantity(item.quantity.unwrap_or(0.0)),
            s.plain(item.unit_price.unwrap_or(0.0)),
            s.plain(item.amount.unwrap_or(0.0)),
        ]);
    }
    let mut totals = vec![("Subtotal", inv.subtotal)];
    if inv.tax.is_some() {
        totals.push((pick(rng, &["Sales Tax", "Tax", "VAT"]), inv.tax));
    }
    totals.push(("Total", inv.total));
    for (label, value) in totals {
        rows.push(vec![
            String::new(),
            String::new(),
            label.to_string(),
            s.plain(value.unwrap_or(0.0)),
        ]);
    }
    let widths = widths(&rows);
    let line = |r: &Vec<String>| {
        format!(
            "| {} | {} | {} | {} |",
            pad(&r[0], widths[0]),
            lpad(&r[1], widths[1]),
            lpad(&r[2], widths[2]),
            lpad(&r[3], widths[3])
        )
    };
    out.push(line(&rows[0]));
    out.push(format!(
        "|{}|",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    ));
    for r in &rows[1..] {
        out.push(line(r));
    }
    out
}
