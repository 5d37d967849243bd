//! A person's answer to a clarification, applied to the field it was about.
//! The answer is read the way the field is written (`22/11/2026` for a date,
//! `1 234,56` for an amount); `true` or "yes" accepts the suggestion that
//! came with the question. Nothing else of the invoice changes.

use serde_json::Value;

use super::currency;
use super::model::{round_to, Field, FieldKind, Invoice};
use super::parse_dates::{parse_date, DayOrder};
use super::parse_numbers::{parse_amount, DecimalMark};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer is empty")]
    Empty,
    #[error("{answer} is not a valid {field}")]
    Invalid { field: &'static str, answer: String },
    #[error("{0} cannot be set by one answer")]
    NotAskable(&'static str),
}

/// Applies `answer` to `field`; `suggestion` is what the question offered.
pub fn apply_answer(
    invoice: &mut Invoice,
    field: Field,
    answer: &Value,
    suggestion: Option<&Value>,
) -> Result<(), AnswerError> {
    let answer = match answer {
        Value::Object(map) => map.get("value").unwrap_or(&Value::Null),
        other => other,
    };
    let accepted = match answer {
        Value::Bool(true) => true,
        Value::String(s) => matches!(
            s.trim().to_lowercase().as_str(),
            "yes" | "ok" | "accept" | "oui"
        ),
        _ => false,
    };
    let answer = if accepted {
        suggestion.ok_or(AnswerError::Empty)?
    } else {
        answer
    };
    let invalid = || AnswerError::Invalid {
        field: field.label(),
        answer: answer.to_string(),
    };
    let text = match answer {
        Value::Null | Value::Bool(false) => return Err(AnswerError::Empty),
        Value::String(s) if s.trim().is_empty() => return Err(AnswerError::Empty),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err(invalid()),
    };
    match field.kind() {
        FieldKind::Text => {
            if let Some(slot) = field.text_slot(invoice) {
                *slot = Some(text);
            }
        }
        FieldKind::Currency => {
            let code = currency::word_code(&text)
                .map(str::to_string)
                .or_else(|| {
                    (text.len() == 3 && text.chars().all(|c| c.is_ascii_alphabetic()))
                        .then(|| text.to_ascii_uppercase())
                })
                .ok_or_else(invalid)?;
            invoice.currency = Some(code);
        }
        FieldKind::Date => {
            let date = parse_date(&text, DayOrder::Unknown)
                .ok_or_else(invalid)?
                .date;
            if let Some(slot) = field.date_slot(invoice) {
                *slot = Some(date);
            }
        }
        FieldKind::Amount => {
            let value = match answer {
                Value::Number(n) => n.as_f64(),
                _ => parse_amount(&text, DecimalMark::Unknown),
            }
            .ok_or_else(invalid)?;
            if let Some(slot) = field.amount_slot(invoice) {
                *slot = Some(round_to(value, 2));
            }
        }
        FieldKind::Items => return Err(AnswerError::NotAskable(field.label())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::model::Date;
    use super::*;

    #[test]
    fn answers_are_read_as_the_field_is_written() {
        let mut inv = Invoice::default();
        apply_answer(&mut inv, Field::Total, &json!("1 234,56"), None).expect("amount");
        assert_eq!(inv.total, Some(1234.56));
        apply_answer(&mut inv, Field::Total, &json!(99.5), None).expect("number");
        assert_eq!(inv.total, Some(99.5));
        apply_answer(&mut inv, Field::InvoiceDate, &json!("22 Nov 2026"), None).expect("date");
        assert_eq!(inv.invoice_date, Date::new(2026, 11, 22));
        apply_answer(
            &mut inv,
            Field::VendorName,
            &json!({"value": " Acme "}),
            None,
        )
        .expect("text");
        assert_eq!(inv.vendor.name.as_deref(), Some("Acme"));
        apply_answer(&mut inv, Field::Currency, &json!("£"), None).expect("currency");
        assert_eq!(inv.currency.as_deref(), Some("GBP"));
        apply_answer(&mut inv, Field::InvoiceNumber, &json!(1234), None).expect("number as text");
        assert_eq!(inv.invoice_number.as_deref(), Some("1234"));
    }

    #[test]
    fn yes_accepts_the_suggestion() {
        let mut inv = Invoice::default();
        apply_answer(&mut inv, Field::Total, &json!(true), Some(&json!(120.0))).expect("accepted");
        assert_eq!(inv.total, Some(120.0));
        assert_eq!(
            apply_answer(&mut inv, Field::Total, &json!("yes"), None),
            Err(AnswerError::Empty)
        );
    }

    #[test]
    fn unusable_answers_change_nothing() {
        let mut inv = Invoice::default();
        assert_eq!(
            apply_answer(&mut inv, Field::Total, &json!(""), None),
            Err(AnswerError::Empty)
        );
        assert!(matches!(
            apply_answer(&mut inv, Field::InvoiceDate, &json!("soon"), None),
            Err(AnswerError::Invalid { .. })
        ));
        assert!(apply_answer(&mut inv, Field::Total, &json!([1]), None).is_err());
        assert!(apply_answer(&mut inv, Field::LineItems, &json!("x"), None).is_err());
        assert_eq!(inv, Invoice::default());
    }
}
