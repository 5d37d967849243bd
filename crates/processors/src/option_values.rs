//! Reading a kind's `options` object: what every processor's option parser
//! shares (the object itself, each key in turn with every problem reported
//! at once, bounded integers, booleans, unknown keys), with the same wording
//! of refusals everywhere.

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

/// Reads each option with `read`, which stores what it reads and refuses
/// what it cannot use; returns every refusal, in order, so that a user sees
/// them all at once. Only options that are not an object stop it early.
pub fn each(
    options: &Value,
    mut read: impl FnMut(&str, &Value) -> Result<(), String>,
) -> Result<Vec<String>, String> {
    Ok(object(options)?
        .iter()
        .filter_map(|(key, value)| read(key, value).err())
        .collect())
}

/// `parsed`, unless there were `problems`: then all of them, joined by "; ".
pub fn unless_problems<T>(parsed: T, problems: Vec<String>) -> Result<T, String> {
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(problems.join("; "))
    }
}

/// The refusal of an option the kind does not have, naming those it has.
pub fn unknown(key: &str, known: &[&str]) -> String {
    format!("unknown option {key:?} (known: {})", known.join(", "))
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
