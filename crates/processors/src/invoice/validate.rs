//! Validation: does the extracted invoice hold together? Line items add up
//! to the subtotal, subtotal + tax = total, each line's quantity × unit
//! price = amount, the due date is not before the invoice date, and the
//! required fields (invoice number, invoice date, vendor name, total) are
//! there. Each problem — and each doubt the extractor reported — costs a
//! penalty; the confidence score is what is left of 1. Every problem names
//! the field to ask a person about and, where it can, a suggested value.

use serde_json::Value;

use super::items::agrees;
use super::model::{round_to, Doubt, Field, FieldKind, Invoice};

/// One problem found, and what it costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub field: Field,
    pub code: &'static str,
    pub message: String,
    pub penalty: f64,
    /// The best value for the field known here (computed, or the extractor's).
    pub suggestion: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// 0..1, two decimals.
    pub confidence: f64,
    pub issues: Vec<Issue>,
}

impl Validation {
    /// The issue worth asking a person about: the costliest one on a field a
    /// single answer can fix.
    pub fn weakest(&self) -> Option<&Issue> {
        self.issues
            .iter()
            .filter(|i| i.field.kind() != FieldKind::Items)
            .fold(None, |best: Option<&Issue>, i| match best {
                Some(b) if b.penalty >= i.penalty => Some(b),
                _ => Some(i),
            })
    }

    /// The problems, one per line, for a log or a result.
    pub fn summary(&self) -> Vec<String> {
        self.issues
            .iter()
            .map(|i| format!("{}: {}", i.field, i.message))
            .collect()
    }
}

/// Money agrees to the cent.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.011 + a.abs().max(b.abs()) * 1e-9
}

fn money(v: f64) -> Value {
    Value::from(round_to(v, 2))
}

pub fn validate(invoice: &Invoice, doubts: &[Doubt]) -> Validation {
    let mut issues = Vec::new();
    let mut issue = |field: Field,
                     code: &'static str,
                     message: String,
                     penalty: f64,
                     suggestion: Option<Value>| {
        issues.push(Issue {
            field,
            code,
            message,
            penalty,
            suggestion,
        });
    };

    let items_sum = (!invoice.line_items.is_empty())
        .then(|| {
            invoice
                .line_items
                .iter()
                .map(|i| i.amount)
                .sum::<Option<f64>>()
        })
        .flatten()
        .map(|s| round_to(s, 2));
    let base = invoice.subtotal.or(items_sum);
    let expected_total = base.map(|b| round_to(b + invoice.tax.unwrap_or(0.0), 2));

    // Required fields.
    if invoice.invoice_number.is_none() {
        issue(
            Field::InvoiceNumber,
            "missing",
            "no invoice number found".into(),
            0.25,
            None,
        );
    }
    if invoice.invoice_date.is_none() {
        issue(
            Field::InvoiceDate,
            "missing",
            "no invoice date found".into(),
            0.25,
            None,
        );
    }
    if invoice.vendor.name.is_none() {
        issue(
            Field::VendorName,
            "missing",
            "no vendor name found".into(),
            0.2,
            None,
        );
    }
    if invoice.total.is_none() {
        issue(
            Field::Total,
            "missing",
            "no total found".into(),
            0.35,
            expected_total.map(money),
        );
    }

    // Line items.
    if invoice.line_items.is_empty() {
        issue(
            Field::LineItems,
            "missing",
            "no line items found".into(),
            0.1,
            None,
        );
    }
    let bad_rows = invoice
        .line_items
        .iter()
        .filter(|i| match (i.quantity, i.unit_price, i.amount) {
            (Some(q), Some(u), Some(a)) => !agrees(q, u, a),
            _ => false,
        })
        .count();
    let already_doubted = doubts.iter().any(|d| d.field == Field::LineItems);
    if bad_rows > 0 && !already_doubted {
        issue(
            Field::LineItems,
            "line_arithmetic",
            format!("{bad_rows} line item(s) where quantity × unit price ≠ amount"),
            0.1,
            None,
        );
    }
    if let (Some(sum), Some(subtotal)) = (items_sum, invoice.subtotal) {
        if !close(sum, subtotal) {
            issue(
                Field::Subtotal,
                "items_sum",
                format!("line items add up to {sum:.2}, the subtotal says {subtotal:.2}"),
                0.25,
                Some(money(sum)),
            );
        }
    }

    // Totals.
    if let (Some(total), Some(expected)) = (invoice.total, expected_total) {
        if !close(total, expected) {
            match (invoice.subtotal, invoice.tax) {
                (Some(subtotal), None) if total > subtotal => issue(
                    Field::Tax,
                    "missing",
                    format!(
                        "subtotal {subtotal:.2} and total {total:.2} differ, but no tax was found"
                    ),
                    0.15,
                    Some(money(total - subtotal)),
                ),
                _ => issue(
                    Field::Total,
                    "total_sum",
                    format!("the total {total:.2} is not subtotal + tax ({expected:.2})"),
                    0.3,
                    Some(money(expected)),
                ),
            }
        }
    }

    // Dates.
    if let (Some(issued), Some(due)) = (invoice.invoice_date, invoice.due_date) {
        if due < issued {
            issue(
                Field::DueDate,
                "before_issue",
                format!("the due date {due} is before the invoice date {issued}"),
                0.2,
                None,
            );
        }
    }

    // Useful but not required.
    if invoice.currency.is_none() {
        issue(
            Field::Currency,
            "missing",
            "no currency found".into(),
            0.05,
            None,
        );
    }
    if invoice.customer.name.is_none() {
        issue(
            Field::CustomerName,
            "missing",
            "no customer name found".into(),
            0.05,
            None,
        );
    }

    for doubt in doubts {
        issue(
            doubt.field,
            "doubt",
            doubt.reason.clone(),
            doubt.penalty,
            None,
        );
    }

    // Where nothing better is known, the extractor's value is the suggestion.
    for i in &mut issues {
        if i.suggestion.is_none() {
            let current = i.field.get(invoice);
            if !current.is_null() {
                i.suggestion = Some(current);
            }
        }
    }
    let lost: f64 = issues.iter().map(|i| i.penalty).sum();
    Validation {
        confidence: round_to((1.0 - lost).clamp(0.0, 1.0), 2),
        issues,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::model::{Date, LineItem, Party};
    use super::*;

    fn good() -> Invoice {
        Invoice {
            invoice_number: Some("INV-1".into()),
            invoice_date: Date::new(2026, 11, 22),
            due_date: Date::new(2026, 12, 22),
            vendor: Party {
                name: Some("Acme".into()),
                ..Party::default()
            },
            customer: Party {
                name: Some("Globex".into()),
                ..Party::default()
            },
            currency: Some("EUR".into()),
            line_items: vec![
                LineItem {
                    description: Some("A".into()),
                    quantity: Some(3.0),
                    unit_price: Some(12.5),
                    amount: Some(37.5),
                },
                LineItem {
                    description: Some("B".into()),
                    quantity: Some(1.0),
                    unit_price: Some(62.5),
                    amount: Some(62.5),
                },
            ],
            subtotal: Some(100.0),
            tax: Some(20.0),
            total: Some(120.0),
        }
    }

    #[test]
    fn a_consistent_invoice_scores_one() {
        let v = validate(&good(), &[]);
        assert_eq!(v.issues, []);
        assert_eq!(v.confidence, 1.0);
        assert!(v.weakest().is_none());
    }

    #[test]
    fn totals_that_do_not_add_up_point_at_the_total() {
        let mut inv = good();
        inv.total = Some(125.0);
        let v = validate(&inv, &[]);
        assert_eq!(v.confidence, 0.7);
        let weakest = v.weakest().expect("an issue");
        assert_eq!(weakest.field, Field::Total);
        assert_eq!(weakest.suggestion, Some(json!(120.0)));
    }

    #[test]
    fn items_that_do_not_add_up_point_at_the_subtotal() {
        let mut inv = good();
        inv.line_items[1].amount = Some(60.0);
        inv.line_items[1].unit_price = Some(60.0);
        let v = validate(&inv, &[]);
        let weakest = v.weakest().expect("an issue");
        assert_eq!(weakest.field, Field::Subtotal);
        assert_eq!(weakest.suggestion, Some(json!(97.5)));
        assert_eq!(v.confidence, 0.75);
    }

    #[test]
    fn missing_required_fields_and_dates_out_of_order() {
        let mut inv = good();
        inv.invoice_number = None;
        inv.due_date = Date::new(2026, 11, 1);
        let v = validate(&inv, &[]);
        let fields: Vec<Field> = v.issues.iter().map(|i| i.field).collect();
        assert_eq!(fields, [Field::InvoiceNumber, Field::DueDate]);
        assert_eq!(v.confidence, 0.55);
        assert_eq!(v.weakest().map(|i| i.field), Some(Field::InvoiceNumber));

        let mut inv = good();
        inv.total = None;
        let v = validate(&inv, &[]);
        assert_eq!(v.weakest().map(|i| i.field), Some(Field::Total));
        assert_eq!(
            v.weakest().and_then(|i| i.suggestion.clone()),
            Some(json!(120.0))
        );
        assert_eq!(validate(&Invoice::default(), &[]).confidence, 0.0);
    }

    #[test]
    fn doubts_cost_their_penalty_and_suggest_the_current_value() {
        let doubts = [Doubt {
            field: Field::InvoiceDate,
            reason: "ambiguous".into(),
            penalty: 0.1,
        }];
        let v = validate(&good(), &doubts);
        assert_eq!(v.confidence, 0.9);
        assert_eq!(
            v.weakest().and_then(|i| i.suggestion.clone()),
            Some(json!("2026-11-22"))
        );
    }

    #[test]
    fn a_missing_tax_is_named_as_such() {
        let mut inv = good();
        inv.tax = None;
        let v = validate(&inv, &[]);
        assert_eq!(v.weakest().map(|i| i.field), Some(Field::Tax));
        assert_eq!(
            v.weakest().and_then(|i| i.suggestion.clone()),
            Some(json!(20.0))
        );
    }
}
