//! A free layout: `From:` and `To:` on one line each, items as
//! `3 x Widget @ 12.50 = 37.50`, totals pushed to the right; sometimes
//! payment terms instead of a due date.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::super::drawing::Draft;
use super::super::vocabulary::pick;
use super::super::writing::{lpad, pad, rate, write_date, DateStyle, Mark, NumberStyle, Style};

/// Region and how amounts are written, drawn.
pub fn style(rng: &mut StdRng) -> (&'static str, Style) {
    let numbers = *[
        NumberStyle::Comma,
        NumberStyle::Space(false),
        NumberStyle::Dot,
    ]
    .choose(rng)
    .unwrap_or(&NumberStyle::Comma);
    let currency = *["EUR", "GBP", "CHF"].choose(rng).unwrap_or(&"EUR");
    let marks: &[Mark] = if currency == "CHF" {
        &[Mark::CodeAfter, Mark::CodeBefore]
    } else {
        &[Mark::SymbolBefore, Mark::SymbolAfter, Mark::CodeAfter]
    };
    ("uk", Style::drawn(rng, numbers, currency, marks))
}

/// The date styles it may use.
pub fn dates(_proves_month_first: bool) -> &'static [DateStyle] {
    &[
        DateStyle::MonthDayLong,
        DateStyle::DayMonthLong,
        DateStyle::Iso,
        DateStyle::DayMonthShort,
    ]
}

pub fn write(rng: &mut StdRng, d: &Draft, s: &Style, date_style: DateStyle) -> Vec<String> {
    let inv = &d.invoice;
    let french = matches!(s.numbers, NumberStyle::Space(_) | NumberStyle::Dot);
    let mut out = Vec::new();
    out.push(format!(
        "Invoice #{}",
        inv.invoice_number.clone().unwrap_or_default()
    ));
    let issued = d.issued(date_style);
    out.push(format!(
        "{}: {issued}",
        pick(rng, &["Issued", "Date", "Issue date"])
    ));
    match (d.terms, inv.due_date) {
        (Some(days), _) => out.push(format!("Payment terms: Net {days}")),
        (None, Some(due)) => out.push(format!("Due: {}", write_date(due, date_style))),
        (None, None) => {}
    }
    out.push(String::new());
    out.push(format!(
        "From: {}, {}",
        inv.vendor.name.clone().unwrap_or_default(),
        d.vendor_lines.join(", ")
    ));
    if let Some(id) = &inv.vendor.tax_id {
        out.push(format!("VAT No: {id}"));
    }
    out.push(String::new());
    out.push(format!(
        "To: {}, {}",
        inv.customer.name.clone().unwrap_or_default(),
        d.customer_lines.join(", ")
    ));
    if let Some(id) = &inv.customer.tax_id {
        out.push(format!("VAT No: {id}"));
    }
    out.push(String::new());
    for item in &inv.line_items {
        out.push(format!(
            "{} {} {} @ {} = {}",
            s.quantity(item.quantity.unwrap_or(0.0)),
            pick(rng, &["×", "x"]),
            item.description.clone().unwrap_or_default(),
            s.money(item.unit_price.unwrap_or(0.0)),
            s.money(item.amount.unwrap_or(0.0)),
        ));
    }
    out.push(String::new());
    let mut totals = vec![(
        pick(rng, &["Net total", "Subtotal", "Total excl. VAT"]).to_string(),
        inv.subtotal,
    )];
    if inv.tax.is_some() {
        totals.push((format!("VAT {}%", rate(d.tax_rate, french)), inv.tax));
    }
    totals.push((
        pick(rng, &["Amount due", "Total due", "Total"]).to_string(),
        inv.total,
    ));
    for (label, value) in totals {
        out.push(format!(
            "{}{}{}",
            " ".repeat(40),
            pad(&label, 18),
            lpad(&s.money(value.unwrap_or(0.0)), 16)
        ));
    }
    out
}
