//! Reading a kind's `options` object: what every processor's option parser
//! shares (the object itself, bounded integers, booleans), with the same
//! wording of refusals everywhere.

use serde_json::{Map, Value};

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// The options as an object; `null` (no options) reads as an empty one.
pub fn object(options: &Value) -> Result<&Map<String, Value>, String> {
    match options {
        Value::Null => Ok(&EMPTY),
        Value::Object(map) => Ok(map),
        other => Err(format!("options must be a JSON object, not {other}")),
    }
}

/// An integer option within `min..=max`.
pub fn integer(key: &str, value: &Value, min: u64, max: u64) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{key} must be an integer from {min} to {max}, not {value}"))
}

/// A boolean option.
pub fn boolean(key: &str, value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("{key} must be true or false, not {value}"))
}
