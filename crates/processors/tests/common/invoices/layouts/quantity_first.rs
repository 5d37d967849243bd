//! US invoices with the quantity first on each item line and the totals
//! indented under the amounts.

use rand::rngs::StdRng;

use super::super::drawing::Draft;
use super::super::vocabulary::pick;
use super::super::writing::{
    lpad, pad, rate, us_dates, widths, write_date, DateStyle, Mark, NumberStyle, Style,
};

/// Region and how amounts are written, drawn.
pub fn style(rng: &mut StdRng) -> (&'static str, Style) {
    let marks = [Mark::SymbolBefore, Mark::CodeBefore];
    ("us", Style::drawn(rng, NumberStyle::Comma, "USD", &marks))
}

/// The date styles it may use.
pub fn dates(proves_month_first: bool) -> &'static [DateStyle] {
    us_dates(proves_month_first)
}

pub fn write(rng: &mut StdRng, d: &Draft, s: &Style, date_style: DateStyle) -> Vec<String> {
    let inv = &d.invoice;
    let mut out = Vec::new();
    out.push(format!("{}:", pick(rng, &["Seller", "Vendor", "From"])));
    out.extend(d.vendor());
    if let Some(id) = &inv.vendor.tax_id {
        out.push(format!("EIN: {id}"));
    }
    out.push(format!(
        "www.{}.example",
        inv.vendor
            .name
            .clone()
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("shop")
            .to_lowercase()
    ));
    out.push(String::new());
    let number = inv.invoice_number.clone().unwrap_or_default();
    let issued = d.issued(date_style);
    out.push(format!("Invoice No: {number}    Date: {issued}"));
    if let Some(due) = inv.due_date {
        out.push(format!("Due Date: {}", write_date(due, date_style)));
    }
    out.push(String::new());
    out.push(format!(
        "{}:",
        pick(rng, &["Sold To", "Bill To", "Customer"])
    ));
    out.extend(d.customer());
    if let Some(id) = &inv.customer.tax_id {
        out.push(format!("Tax ID: {id}"));
    }
    out.push(String::new());
    let mut rows = vec![vec![
        "Qty".to_string(),
        "Description".to_string(),
        "Unit Price".to_string(),
        "Line Total".to_string(),
    ]];
    // Quantity first, then the description.
    rows.extend(inv.line_items.iter().map(|item| {
        let mut row = s.item_row(item);
        row.swap(0, 1);
        row
    }));
    // Quantity right-aligned, description left-aligned, amounts right.
    let widths = widths(&rows);
    for r in &rows {
        out.push(format!(
            "{}   {}   {}   {}",
            lpad(&r[0], widths[0]),
            pad(&r[1], widths[1]),
            lpad(&r[2], widths[2]),
            lpad(&r[3], widths[3])
        ));
    }
    out.push(String::new());
    out.push(format!(
        "{}Subtotal   {}",
        " ".repeat(30),
        s.money(inv.subtotal.unwrap_or(0.0))
    ));
    if let Some(tax) = inv.tax {
        out.push(format!(
            "{}Sales Tax ({}%)   {}",
            " ".repeat(30),
            rate(d.tax_rate, false),
            s.money(tax)
        ));
    }
    out.push(format!(
        "{}{}   {}",
        " ".repeat(30),
        pick(rng, &["Amount Due", "Balance Due", "Total"]),
        s.money(inv.total.unwrap_or(0.0))
    ));
    out
}
