//! French `label : valeur` invoices: `1 234,56` (or `1.234,56`), HT, TVA
//! and TTC, SIRET in the footer. France or Switzerland.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::super::drawing::Draft;
use super::super::vocabulary::{digits, pick};
use super::super::writing::{columns, rate, write_date, DateStyle, Mark, NumberStyle, Style};

/// Region and how amounts are written, drawn.
pub fn style(rng: &mut StdRng) -> (&'static str, Style) {
    let (region, currency) = *[("fr", "EUR"), ("fr", "EUR"), ("ch", "CHF")]
        .choose(rng)
        .unwrap_or(&("fr", "EUR"));
    let numbers = *[
        NumberStyle::Space(false),
        NumberStyle::Space(true),
        NumberStyle::Dot,
    ]
    .choose(rng)
    .unwrap_or(&NumberStyle::Space(false));
    let marks: &[Mark] = if currency == "EUR" {
        &[Mark::SymbolAfter, Mark::CodeAfter, Mark::None]
    } else {
        &[Mark::CodeAfter, Mark::CodeBefore]
    };
    (region, Style::drawn(rng, numbers, currency, marks))
}

/// The date styles it may use.
pub fn dates(_proves_month_first: bool) -> &'static [DateStyle] {
    &[
        DateStyle::DayFirstSlash,
        DateStyle::FrenchLong,
        DateStyle::DayFirstDots,
        DateStyle::Iso,
    ]
}

pub fn write(rng: &mut StdRng, d: &Draft, s: &Style, date_style: DateStyle) -> Vec<String> {
    let inv = &d.invoice;
    let mut out = Vec::new();
    let number = inv.invoice_number.clone().unwrap_or_default();
    let explicit_vendor = rng.gen_bool(0.5);
    if explicit_vendor {
        out.push(format!("FACTURE N° {number}"));
        out.push(String::new());
        out.push("Émetteur :".to_string());
    }
    out.extend(d.vendor());
    out.push(format!(
        "Tél. : 0{} {} {} {} {}",
        rng.gen_range(1..=9),
        digits(rng, 2),
        digits(rng, 2),
        digits(rng, 2),
        digits(rng, 2)
    ));
    out.push(String::new());
    if !explicit_vendor {
        out.push("FACTURE".to_string());
        out.push(format!(
            "{} : {number}",
            pick(rng, &["N° de facture", "Numéro de facture", "Facture n°"])
        ));
    }
    let issued = d.issued(date_style);
    out.push(format!(
        "{} : {issued}",
        pick(rng, &["Date", "Date de facture", "Date d'émission"])
    ));
    if let Some(due) = inv.due_date {
        out.push(format!(
            "{} : {}",
            pick(rng, &["Échéance", "Date d'échéance", "À payer avant le"]),
            write_date(due, date_style)
        ));
    }
    if s.mark == Mark::None {
        out.push(format!("Devise : {}", s.currency));
    }
    out.push(String::new());
    out.push(format!(
        "{} :",
        pick(rng, &["Client", "Facturé à", "Destinataire"])
    ));
    out.extend(d.customer());
    if let Some(id) = &inv.customer.tax_id {
        out.push(format!("N° TVA : {id}"));
    }
    out.push(String::new());
    let mut rows = vec![vec![
        "Désignation".to_string(),
        pick(rng, &["Qté", "Quantité"]).to_string(),
        pick(rng, &["Prix unitaire HT", "P.U. HT", "Prix unitaire"]).to_string(),
        pick(rng, &["Montant HT", "Total HT", "Montant"]).to_string(),
    ]];
    rows.extend(inv.line_items.iter().map(|item| s.item_row(item)));
    out.extend(columns(&rows, false));
    out.push(String::new());
    out.push(format!(
        "{} : {}",
        pick(rng, &["Total HT", "Sous-total", "Montant HT"]),
        s.money(inv.subtotal.unwrap_or(0.0))
    ));
    if let Some(tax) = inv.tax {
        out.push(format!(
            "TVA {} % : {}",
            rate(d.tax_rate, true),
            s.money(tax)
        ));
    }
    out.push(format!(
        "{} : {}",
        pick(rng, &["Total TTC", "Net à payer", "Montant TTC"]),
        s.money(inv.total.unwrap_or(0.0))
    ));
    out.push(String::new());
    let mut footer = format!(
        "SIRET : {} {} {} {}",
        digits(rng, 3),
        digits(rng, 3),
        digits(rng, 3),
        digits(rng, 5)
    );
    if let Some(id) = &inv.vendor.tax_id {
        footer.push_str(&format!(" — N° TVA : {id}"));
    }
    out.push(footer);
    out
}
