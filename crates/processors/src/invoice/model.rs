//! The types `invoice.extract` produces: the invoice (the `extracted_data` of
//! the result, SPEC section 6), its parts, a calendar date, and the names of
//! its fields. Types only: no parsing and no judgement live here, so the
//! builtin extractor, the LLM path and validation all speak the same words.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, always valid (built by `Date::new`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists in the proleptic Gregorian calendar
    /// (years 1900..=2199: invoices outside that range are typos).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1900..=2199).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let month = month as u8;
        if day > u32::from(days_in_month(year, month)) {
            return None;
        }
        Some(Date {
            year,
            month,
            day: day as u8,
        })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01 (negative before), for date arithmetic.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after (or before) this one, if still in range.
    pub fn plus_days(self, days: i64) -> Option<Date> {
        let z = self.days_since_epoch() + days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(
            i32::try_from(year).ok()?,
            u32::try_from(month).ok()?,
            u32::try_from(day).ok()?,
        )
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    /// ISO 8601, `yyyy-mm-dd`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_dates::parse_iso(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an ISO date: {text:?}")))
    }
}

/// The seller or the buyer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Party {
    pub name: Option<String>,
    /// Address lines joined with ", ".
    pub address: Option<String>,
    /// VAT number, or another tax or company identifier (SIRET, EIN...).
    pub tax_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub description: Option<String>,
    pub quantity: Option<f64>,
    pub unit_price: Option<f64>,
    pub amount: Option<f64>,
}

/// `extracted_data`: every field is present in the JSON, `null` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub invoice_number: Option<String>,
    pub invoice_date: Option<Date>,
    pub due_date: Option<Date>,
    pub vendor: Party,
    pub customer: Party,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: Option<String>,
    pub line_items: Vec<LineItem>,
    pub subtotal: Option<f64>,
    pub tax: Option<f64>,
    pub total: Option<f64>,
}

impl Invoice {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// A field of the invoice, named as in the JSON (`vendor.name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    InvoiceNumber,
    InvoiceDate,
    DueDate,
    VendorName,
    VendorAddress,
    VendorTaxId,
    CustomerName,
    CustomerAddress,
    CustomerTaxId,
    Currency,
    LineItems,
    Subtotal,
    Tax,
    Total,
}

/// The kind of value a field holds, which decides how an answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Date,
    Amount,
    Currency,
    Items,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::InvoiceNumber,
        Field::InvoiceDate,
        Field::DueDate,
        Field::VendorName,
        Field::VendorAddress,
        Field::VendorTaxId,
        Field::CustomerName,
        Field::CustomerAddress,
        Field::CustomerTaxId,
        Field::Currency,
        Field::LineItems,
        Field::Subtotal,
        Field::Tax,
        Field::Total,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Field::InvoiceNumber => "invoice_number",
            Field::InvoiceDate => "invoice_date",
            Field::DueDate => "due_date",
            Field::VendorName => "vendor.name",
            Field::VendorAddress => "vendor.address",
            Field::VendorTaxId => "vendor.tax_id",
            Field::CustomerName => "customer.name",
            Field::CustomerAddress => "customer.address",
            Field::CustomerTaxId => "customer.tax_id",
            Field::Currency => "currency",
            Field::LineItems => "line_items",
            Field::Subtotal => "subtotal",
            Field::Tax => "tax",
            Field::Total => "total",
        }
    }

    /// Words for a question to a person.
    pub fn label(self) -> &'static str {
        match self {
            Field::InvoiceNumber => "invoice number",
            Field::InvoiceDate => "invoice date",
            Field::DueDate => "due date",
            Field::VendorName => "vendor name",
            Field::VendorAddress => "vendor address",
            Field::VendorTaxId => "vendor tax id",
            Field::CustomerName => "customer name",
            Field::CustomerAddress => "customer address",
            Field::CustomerTaxId => "customer tax id",
            Field::Currency => "currency",
            Field::LineItems => "line items",
            Field::Subtotal => "subtotal",
            Field::Tax => "tax amount",
            Field::Total => "total",
        }
    }

    pub fn kind(self) -> FieldKind {
        match self {
            Field::InvoiceDate | Field::DueDate => FieldKind::Date,
            Field::Subtotal | Field::Tax | Field::Total => FieldKind::Amount,
            Field::Currency => FieldKind::Currency,
            Field::LineItems => FieldKind::Items,
            _ => FieldKind::Text,
        }
    }

    /// The field's value as JSON (`null` when unknown).
    pub fn get(self, invoice: &Invoice) -> serde_json::Value {
        use serde_json::Value;
        let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
        let amount = |v: Option<f64>| v.map_or(Value::Null, Value::from);
        let date = |v: Option<Date>| v.map_or(Value::Null, |d| Value::String(d.to_string()));
        match self {
            Field::InvoiceNumber => text(&invoice.invoice_number),
            Field::InvoiceDate => date(invoice.invoice_date),
            Field::DueDate => date(invoice.due_date),
            Field::VendorName => text(&invoice.vendor.name),
            Field::VendorAddress => text(&invoice.vendor.address),
            Field::VendorTaxId => text(&invoice.vendor.tax_id),
            Field::CustomerName => text(&invoice.customer.name),
            Field::CustomerAddress => text(&invoice.customer.address),
            Field::CustomerTaxId => text(&invoice.customer.tax_id),
            Field::Currency => text(&invoice.currency),
            Field::LineItems => serde_json::to_value(&invoice.line_items).unwrap_or(Value::Null),
            Field::Subtotal => amount(invoice.subtotal),
            Field::Tax => amount(invoice.tax),
            Field::Total => amount(invoice.total),
        }
    }

    /// The text slot of a text-kind field (`None` for other kinds).
    pub fn text_slot(self, invoice: &mut Invoice) -> Option<&mut Option<String>> {
        match self {
            Field::InvoiceNumber => Some(&mut invoice.invoice_number),
            Field::VendorName => Some(&mut invoice.vendor.name),
            Field::VendorAddress => Some(&mut invoice.vendor.address),
            Field::VendorTaxId => Some(&mut invoice.vendor.tax_id),
            Field::CustomerName => Some(&mut invoice.customer.name),
            Field::CustomerAddress => Some(&mut invoice.customer.address),
            Field::CustomerTaxId => Some(&mut invoice.customer.tax_id),
            Field::Currency => Some(&mut invoice.currency),
            _ => None,
        }
    }

    pub fn date_slot(self, invoice: &mut Invoice) -> Option<&mut Option<Date>> {
        match self {
            Field::InvoiceDate => Some(&mut invoice.invoice_date),
            Field::DueDate => Some(&mut invoice.due_date),
            _ => None,
        }
    }

    pub fn amount_slot(self, invoice: &mut Invoice) -> Option<&mut Option<f64>> {
        match self {
            Field::Subtotal => Some(&mut invoice.subtotal),
            Field::Tax => Some(&mut invoice.tax),
            Field::Total => Some(&mut invoice.total),
            _ => None,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// Why a value the extractor produced is less certain than the others.
#[derive(Debug, Clone, PartialEq)]
pub struct Doubt {
    pub field: Field,
    pub reason: String,
    /// How much it lowers the confidence score (0..1).
    pub penalty: f64,
}

/// An extractor's answer: the invoice and what it is unsure about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    pub invoice: Invoice,
    pub doubts: Vec<Doubt>,
}

/// Rounds money to cents (and quantities to 1/10000), hiding float noise.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_and_printed_as_iso() {
        assert!(Date::new(2026, 2, 29).is_none());
        assert!(Date::new(2028, 2, 29).is_some());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(2026, 4, 31).is_none());
        let d = Date::new(2026, 11, 22).expect("valid");
        assert_eq!(d.to_string(), "2026-11-22");
        assert_eq!(
            d.plus_days(30).map(|d| d.to_string()).as_deref(),
            Some("2026-12-22")
        );
        assert_eq!(
            d.plus_days(40).map(|d| d.to_string()).as_deref(),
            Some("2027-01-01")
        );
        assert_eq!(Date::new(1970, 1, 1).map(Date::days_since_epoch), Some(0));
    }

    #[test]
    fn the_invoice_serialises_every_field() {
        let json = Invoice::default().to_json();
        assert_eq!(
            json,
            serde_json::json!({
                "invoice_number": null, "invoice_date": null, "due_date": null,
                "vendor": {"name": null, "address": null, "tax_id": null},
                "customer": {"name": null, "address": null, "tax_id": null},
                "currency": null, "line_items": [], "subtotal": null, "tax": null, "total": null
            })
        );
    }
}
