//! Drawing an invoice: parties, dates, items, tax and totals, with the
//! amounts worked out to the cent. The drawn invoice is the expected answer.

use jobcast_processors::invoice::{Date, Invoice, LineItem, Party};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::vocabulary::{address, company, invoice_number, tax_id, EN_ITEMS, FR_ITEMS};
use super::Layout;

/// The drawn invoice plus what the renderers need beyond it.
pub struct Draft {
    pub invoice: Invoice,
    pub vendor_lines: Vec<String>,
    pub customer_lines: Vec<String>,
    pub tax_rate: f64,
    /// Payment terms in days, when the layout states terms instead of a date.
    pub terms: Option<i64>,
}

pub fn draw(rng: &mut StdRng, layout: Layout, currency: &str, region: &str) -> Draft {
    let french = matches!(region, "fr" | "ch");
    let vendor_name = company(rng, french);
    let mut customer_name = company(rng, french);
    while customer_name == vendor_name {
        customer_name = company(rng, french);
    }
    let vendor_lines = address(rng, region);
    let customer_lines = address(rng, region);
    let vendor_tax = (region != "us" || rng.gen_bool(0.7)).then(|| tax_id(rng, region));
    let customer_tax = rng.gen_bool(0.4).then(|| tax_id(rng, region));
    let issued = random_date(rng);
    let terms_days = *[14i64, 30, 30, 45, 60].choose(rng).unwrap_or(&30);
    let due = issued.plus_days(terms_days);
    let with_terms = layout == Layout::TotalsRight && rng.gen_bool(0.4);

    let catalogue = if french { FR_ITEMS } else { EN_ITEMS };
    let n = rng.gen_range(1..=6);
    let mut names: Vec<&str> = catalogue.to_vec();
    names.shuffle(rng);
    let items: Vec<LineItem> = names
        .into_iter()
        .take(n)
        .map(|description| {
            let quantity = if rng.gen_bool(0.15) {
                f64::from(rng.gen_range(1..=16)) + 0.5
            } else {
                f64::from(rng.gen_range(1..=24))
            };
            let unit_price = if rng.gen_bool(0.2) {
                f64::from(rng.gen_range(100_000..=500_000)) / 100.0
            } else {
                f64::from(rng.gen_range(150..=60_000)) / 100.0
            };
            LineItem {
                description: Some(description.to_string()),
                quantity: Some(quantity),
                unit_price: Some(unit_price),
                amount: Some(round2(quantity * unit_price)),
            }
        })
        .collect();
    let subtotal = round2(items.iter().filter_map(|i| i.amount).sum());
    let tax_rate = match region {
        "fr" => *[20.0, 20.0, 10.0, 5.5].choose(rng).unwrap_or(&20.0),
        "ch" => 8.1,
        "us" => *[8.25, 6.5, 0.0].choose(rng).unwrap_or(&8.25),
        _ => 20.0,
    };
    let tax = (tax_rate > 0.0).then(|| round2(subtotal * tax_rate / 100.0));
    let total = round2(subtotal + tax.unwrap_or(0.0));
    Draft {
        invoice: Invoice {
            invoice_number: Some(invoice_number(rng, french)),
            invoice_date: Some(issued),
            due_date: due,
            vendor: party(vendor_name, &vendor_lines, vendor_tax),
            customer: party(customer_name, &customer_lines, customer_tax),
            currency: Some(currency.to_string()),
            line_items: items,
            subtotal: Some(subtotal),
            tax,
            total: Some(total),
        },
        vendor_lines,
        customer_lines,
        tax_rate,
        terms: with_terms.then_some(terms_days),
    }
}

fn party(name: String, lines: &[String], tax_id: Option<String>) -> Party {
    Party {
        name: Some(name),
        address: Some(lines.join(", ")),
        tax_id,
    }
}

fn random_date(rng: &mut StdRng) -> Date {
    loop {
        if let Some(d) = Date::new(
            rng.gen_range(2025..=2027),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        ) {
            return d;
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
