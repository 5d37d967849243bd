//! The LLM path of `invoice.extract`: a prompt that asks for exactly the
//! `extracted_data` schema, the streamed token count turned into throttled
//! progress events (10 → 80 %), and a strict check of the JSON that comes
//! back. Wrong shapes or types are the model's fault and fail the job as
//! `llm_invalid_output`; a date or currency that does not parse becomes
//! `null` plus a doubt, for validation to weigh. Retrying is the worker's
//! business: a retryable `LlmError` becomes `ProcessError::transient`.

use std::time::Duration;

use jobcast_core::{JobContext, ProcessError};
use serde_json::{Map, Value};
use tokio::sync::watch;

use super::currency;
use super::model::{Date, Doubt, Extraction, Field, Invoice, LineItem, Party};
use super::parse_dates::{parse_date, DayOrder};
use crate::llm::{ChatModel, LlmError, LlmRequest};

/// Where the LLM stage's progress starts and ends.
pub const PROGRESS_FROM: f64 = 10.0;
pub const PROGRESS_TO: f64 = 80.0;
/// At most one progress event per this interval.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// The answer for a long invoice is about this many streamed chunks; the
/// bar approaches 80 % as the count grows past it.
const EXPECTED_CHUNKS: f64 = 400.0;
/// Longest document text sent to a model.
const MAX_INPUT_CHARS: usize = 60_000;
const MAX_TOKENS: u32 = 4096;

pub const SYSTEM_PROMPT: &str = "You extract structured data from invoices. \
Answer with one JSON object and nothing else, with exactly these keys:\n\
{\"invoice_number\": string|null, \"invoice_date\": \"YYYY-MM-DD\"|null, \
\"due_date\": \"YYYY-MM-DD\"|null, \
\"vendor\": {\"name\": string|null, \"address\": string|null, \"tax_id\": string|null}, \
\"customer\": {\"name\": string|null, \"address\": string|null, \"tax_id\": string|null}, \
\"currency\": ISO 4217 code such as \"EUR\"|null, \
\"line_items\": [{\"description\": string|null, \"quantity\": number|null, \
\"unit_price\": number|null, \"amount\": number|null}], \
\"subtotal\": number|null, \"tax\": number|null, \"total\": number|null}\n\
Rules: numbers are JSON numbers with a dot for decimals and no thousands \
separators or currency signs; dates are ISO (YYYY-MM-DD); an address is one \
string with its lines joined by \", \"; tax_id is the VAT number, else another \
tax or company identifier (SIRET, EIN); use null for anything the invoice does \
not show and never invent values.";

/// The request for one invoice's text.
pub fn request(text: &str) -> LlmRequest {
    let text: String = text.chars().take(MAX_INPUT_CHARS).collect();
    LlmRequest {
        system: SYSTEM_PROMPT.to_string(),
        user: format!("Extract the data of this invoice.\n\n<invoice>\n{text}\n</invoice>"),
        max_tokens: MAX_TOKENS,
    }
}

/// Why a model's answer does not have the schema's shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutputError {
    #[error("the answer is not a JSON object")]
    NotAnObject,
    #[error("`{path}` must be {expected}, not {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: String,
    },
}

fn wrong(path: &str, expected: &'static str, found: &Value) -> OutputError {
    let mut found = found.to_string();
    if found.len() > 60 {
        found = format!("{}…", found.chars().take(60).collect::<String>());
    }
    OutputError::WrongType {
        path: path.to_string(),
        expected,
        found,
    }
}

/// Reads the model's JSON into an extraction. Missing keys count as `null`.
pub fn invoice_from_json(value: &Value) -> Result<Extraction, OutputError> {
    let root = value.as_object().ok_or(OutputError::NotAnObject)?;
    let mut doubts = Vec::new();
    let invoice = Invoice {
        invoice_number: text(root, "invoice_number", "invoice_number")?,
        invoice_date: date(root, "invoice_date", Field::InvoiceDate, &mut doubts)?,
        due_date: date(root, "due_date", Field::DueDate, &mut doubts)?,
        vendor: party(root, "vendor")?,
        customer: party(root, "customer")?,
        currency: currency_code(root, &mut doubts)?,
        line_items: items(root)?,
        subtotal: number(root, "subtotal", "subtotal")?,
        tax: number(root, "tax", "tax")?,
        total: number(root, "total", "total")?,
    };
    Ok(Extraction { invoice, doubts })
}

fn text(map: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, OutputError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_string()))
        }
        Some(other) => Err(wrong(path, "a string or null", other)),
    }
}

fn number(map: &Map<String, Value>, key: &str, path: &str) -> Result<Option<f64>, OutputError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| wrong(path, "a finite number or null", &Value::Number(n.clone()))),
        Some(other) => Err(wrong(path, "a number or null", other)),
    }
}

fn date(
    map: &Map<String, Value>,
    key: &str,
    field: Field,
    doubts: &mut Vec<Doubt>,
) -> Result<Option<Date>, OutputError> {
    let Some(raw) = text(map, key, key)? else {
        return Ok(None);
    };
    match parse_date(&raw, DayOrder::Unknown) {
        Some(found) => {
            if found.ambiguous {
                doubts.push(Doubt {
                    field,
                    reason: format!("the model wrote {raw:?}, not an ISO date"),
                    penalty: 0.1,
                });
            }
            Ok(Some(found.date))
        }
        None => {
            doubts.push(Doubt {
                field,
                reason: format!("the model's date {raw:?} does not parse"),
                penalty: 0.2,
            });
            Ok(None)
        }
    }
}

fn currency_code(
    map: &Map<String, Value>,
    doubts: &mut Vec<Doubt>,
) -> Result<Option<String>, OutputError> {
    let Some(raw) = text(map, "currency", "currency")? else {
        return Ok(None);
    };
    if let Some(code) = currency::word_code(&raw) {
        return Ok(Some(code.to_string()));
    }
    if raw.len() == 3 && raw.chars().all(|c| c.is_ascii_alphabetic()) {
        return Ok(Some(raw.to_ascii_uppercase()));
    }
    doubts.push(Doubt {
        field: Field::Currency,
        reason: format!("the model's currency {raw:?} is not an ISO 4217 code"),
        penalty: 0.05,
    });
    Ok(None)
}

fn party(root: &Map<String, Value>, key: &str) -> Result<Party, OutputError> {
    match root.get(key) {
        None | Some(Value::Null) => Ok(Party::default()),
        Some(Value::Object(map)) => Ok(Party {
            name: text(map, "name", &format!("{key}.name"))?,
            address: text(map, "address", &format!("{key}.address"))?,
            tax_id: text(map, "tax_id", &format!("{key}.tax_id"))?,
        }),
        Some(other) => Err(wrong(key, "an object or null", other)),
    }
}

fn items(root: &Map<String, Value>) -> Result<Vec<LineItem>, OutputError> {
    let list = match root.get("line_items") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(wrong("line_items", "an array", other)),
    };
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let path = |k: &str| format!("line_items[{i}].{k}");
            let map = item
                .as_object()
                .ok_or_else(|| wrong(&format!("line_items[{i}]"), "an object", item))?;
            Ok(LineItem {
                description: text(map, "description", &path("description"))?,
                quantity: number(map, "quantity", &path("quantity"))?,
                unit_price: number(map, "unit_price", &path("unit_price"))?,
                amount: number(map, "amount", &path("amount"))?,
            })
        })
        .collect()
}

/// The LLM error as the job's error: retryable ones are transient.
pub fn process_error(error: LlmError) -> ProcessError {
    if error.retryable() {
        ProcessError::transient(error.code(), error.to_string())
    } else {
        ProcessError::input(error.code(), error.to_string())
    }
}

/// Progress for `chunks` streamed so far: 10 % rising towards 80 %.
pub fn progress_for(chunks: u64) -> f64 {
    let share = 1.0 - (-(chunks as f64) / EXPECTED_CHUNKS).exp();
    let p = PROGRESS_FROM + (PROGRESS_TO - PROGRESS_FROM) * share;
    (p * 10.0).round() / 10.0
}

/// Asks `model` for the invoice in `text`, reporting progress as the
/// answer streams in, and checks the answer.
pub async fn extract_with(
    ctx: &JobContext,
    model: &dyn ChatModel,
    text: &str,
) -> Result<Extraction, ProcessError> {
    let request = request(text);
    let (sender, mut receiver) = watch::channel(0u64);
    let call = model.complete_json(&request, &sender);
    tokio::pin!(call);
    let mut ticker = tokio::time::interval(PROGRESS_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reported = 0u64;
    let mut last_progress = PROGRESS_FROM;
    let answer = loop {
        tokio::select! {
            answer = &mut call => break answer,
            _ = ticker.tick() => {
                let chunks = *receiver.borrow_and_update();
                let progress = progress_for(chunks);
                if chunks > reported && progress > last_progress {
                    reported = chunks;
                    last_progress = progress;
                    ctx.progress(progress, format!("Analyzing invoice with AI... ({chunks} tokens)")).await?;
                }
            }
            _ = ctx.stopped() => return Err(ProcessError::Stopped),
        }
    };
    let value = answer.map_err(process_error)?;
    invoice_from_json(&value).map_err(|e| ProcessError::input("llm_invalid_output", e.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn full() -> Value {
        json!({
            "invoice_number": "INV-1", "invoice_date": "2026-11-22", "due_date": "22 Dec 2026",
            "vendor": {"name": "Acme", "address": "1 Road, Town", "tax_id": "GB1"},
            "customer": {"name": "Globex", "address": null, "tax_id": null},
            "currency": "eur",
            "line_items": [{"description": "A", "quantity": 2, "unit_price": 5.5, "amount": 11}],
            "subtotal": 11, "tax": 2.2, "total": 13.2
        })
    }

    #[test]
    fn a_well_formed_answer_becomes_an_invoice() {
        let ex = invoice_from_json(&full()).expect("valid");
        assert_eq!(ex.invoice.invoice_number.as_deref(), Some("INV-1"));
        assert_eq!(ex.invoice.due_date, Date::new(2026, 12, 22));
        assert_eq!(ex.invoice.currency.as_deref(), Some("EUR"));
        assert_eq!(ex.invoice.line_items[0].amount, Some(11.0));
        assert_eq!(ex.invoice.total, Some(13.2));
        assert_eq!(ex.doubts, []);
        // Missing keys are nulls.
        let ex = invoice_from_json(&json!({"total": 5})).expect("valid");
        assert_eq!(ex.invoice.total, Some(5.0));
        assert_eq!(ex.invoice.vendor, Party::default());
    }

    #[test]
    fn wrong_shapes_and_types_are_refused() {
        assert_eq!(
            invoice_from_json(&json!([1])),
            Err(OutputError::NotAnObject)
        );
        for (key, value, path) in [
            ("total", json!("13.20"), "total"),
            ("invoice_number", json!(12), "invoice_number"),
            ("vendor", json!("Acme"), "vendor"),
            ("line_items", json!({"a": 1}), "line_items"),
            (
                "line_items",
                json!([{"quantity": "two"}]),
                "line_items[0].quantity",
            ),
            ("line_items", json!([3]), "line_items[0]"),
        ] {
            let mut answer = full();
            answer[key] = value;
            match invoice_from_json(&answer) {
                Err(OutputError::WrongType { path: p, .. }) => assert_eq!(p, path),
                other => panic!("{key}: {other:?}"),
            }
        }
    }

    #[test]
    fn unreadable_dates_and_currencies_become_doubts() {
        let mut answer = full();
        answer["invoice_date"] = json!("sometime in November");
        answer["currency"] = json!("euros");
        let ex = invoice_from_json(&answer).expect("valid shape");
        assert_eq!(ex.invoice.invoice_date, None);
        assert_eq!(ex.invoice.currency, None);
        let fields: Vec<Field> = ex.doubts.iter().map(|d| d.field).collect();
        assert_eq!(fields, [Field::InvoiceDate, Field::Currency]);
    }

    #[test]
    fn progress_rises_from_10_towards_80() {
        assert_eq!(progress_for(0), 10.0);
        let mut last = 10.0;
        for n in [1, 10, 100, 400, 2000] {
            let p = progress_for(n);
            assert!(p >= last && p < 80.0, "{n}: {p}");
            last = p;
        }
        assert!(progress_for(100_000) <= 80.0);
    }

    #[test]
    fn retryable_llm_errors_are_transient() {
        assert!(process_error(LlmError::Timeout).retryable());
        assert!(process_error(LlmError::RateLimited("slow down".into())).retryable());
        let refused = process_error(LlmError::Refused("HTTP 401".into()));
        assert!(matches!(refused, ProcessError::Input { ref code, .. } if code == "llm_refused"));
    }

    #[test]
    fn the_prompt_names_every_field() {
        for key in [
            "invoice_number",
            "invoice_date",
            "due_date",
            "vendor",
            "customer",
            "currency",
            "line_items",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "subtotal",
            "tax",
            "total",
            "tax_id",
            "address",
        ] {
            assert!(SYSTEM_PROMPT.contains(key), "{key}");
        }
        assert!(request("x").user.contains("<invoice>\nx\n</invoice>"));
    }
}
