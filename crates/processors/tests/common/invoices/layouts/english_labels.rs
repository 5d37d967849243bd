//! English `label: value` invoices: vendor block, labelled number and
//! dates, a bill-to block, an item table, labelled totals. UK or US,
//! amounts `1,234.56`.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::super::drawing::Draft;
use super::super::vocabulary::{digits, pick};
use super::super::writing::{columns, rate, write_date, DateStyle, Mark, NumberStyle, Style};

/// Region and how amounts are written, drawn.
pub fn style(rng: &mut StdRng) -> (&'static str, Style) {
    let (region, currency) = *[("uk", "GBP"), ("uk", "EUR"), ("us", "USD")]
        .choose(rng)
        .unwrap_or(&("uk", "GBP"));
    let marks = [
        Mark::SymbolBefore,
        Mark::CodeAfter,
        Mark::CodeBefore,
        Mark::None,
    ];
    (
        region,
        Style::drawn(rng, NumberStyle::Comma, currency, &marks),
    )
}

/// The date styles it may use.
pub fn dates(_proves_month_first: bool) -> &'static [DateStyle] {
    &[
        DateStyle::Iso,
        DateStyle::DayMonthShort,
        DateStyle::DayMonthLong,
        DateStyle::MonthDayLong,
        DateStyle::DayFirstDots,
    ]
}

pub fn write(rng: &mut StdRng, d: &Draft, s: &Style, date_style: DateStyle) -> Vec<String> {
    let inv = &d.invoice;
    let mut out = Vec::new();
    let vendor_label = rng.gen_bool(0.3);
    if vendor_label {
        out.push("INVOICE".to_string());
        out.push(String::new());
        out.push("From:".to_string());
    }
    out.extend(d.vendor());
    if let Some(id) = &inv.vendor.tax_id {
        out.push(format!(
            "{}: {id}",
            pick(rng, &["VAT Number", "VAT No", "VAT Reg No", "Tax ID"])
        ));
    }
    if rng.gen_bool(0.5) {
        out.push(format!(
            "Phone: +44 20 {} {}",
            digits(rng, 4),
            digits(rng, 4)
        ));
    }
    out.push(String::new());
    if !vendor_label {
        out.push(pick(rng, &["INVOICE", "Invoice", "TAX INVOICE"]).to_string());
        out.push(String::new());
    }
    let number = inv.invoice_number.clone().unwrap_or_default();
    out.push(format!(
        "{}: {number}",
        pick(
            rng,
            &["Invoice Number", "Invoice No.", "Invoice #", "Invoice No"]
        )
    ));
    let issued = d.issued(date_style);
    out.push(format!(
        "{}: {issued}",
        pick(
            rng,
            &["Invoice Date", "Date", "Date of issue", "Issue date"]
        )
    ));
    if let Some(due) = inv.due_date {
        out.push(format!(
            "{}: {}",
            pick(rng, &["Due Date", "Payment due", "Due"]),
            write_date(due, date_style)
        ));
    }
    if s.mark == Mark::None {
        out.push(format!("Currency: {}", s.currency));
    }
    out.push(String::new());
    out.push(format!(
        "{}:",
        pick(rng, &["Bill To", "Billed To", "Invoice To", "Customer"])
    ));
    out.extend(d.customer());
    if let Some(id) = &inv.customer.tax_id {
        out.push(format!("VAT: {id}"));
    }
    out.push(String::new());
    let mut rows = vec![vec![
        "Description".to_string(),
        pick(rng, &["Qty", "Quantity"]).to_string(),
        pick(rng, &["Unit Price", "Rate", "Price"]).to_string(),
        "Amount".to_string(),
    ]];
    rows.extend(inv.line_items.iter().map(|item| s.item_row(item)));
    out.extend(columns(&rows, false));
    out.push(String::new());
    out.push(format!(
        "Subtotal: {}",
        s.money(inv.subtotal.unwrap_or(0.0))
    ));
    if let Some(tax) = inv.tax {
        let label = pick(rng, &["VAT", "Tax", "Sales tax"]);
        out.push(format!(
            "{label} ({}%): {}",
            rate(d.tax_rate, false),
            s.money(tax)
        ));
    }
    out.push(format!(
        "{}: {}",
        pick(rng, &["Total", "Total Due", "Grand Total"]),
        s.money(inv.total.unwrap_or(0.0))
    ));
    out.push(String::new());
    out.push("Thank you for your business!".to_string());
    out
}
