//! One value as a source gives it — an environment variable (always text)
//! or a TOML value — and the kinds of setting read from it: text, paths,
//! secrets, lists, booleans, whole numbers, sizes (`25MiB`) and durations
//! (`20s`). Each reader checks only the kind of value; whether the value
//! makes sense is `validate.rs`'s business. Messages never repeat a secret.

use std::path::PathBuf;

use super::Secret;

/// One value from a source.
pub(super) enum Input<'a> {
    /// An environment variable: always text; lists are comma-separated.
    Env(&'a str),
    Toml(&'a toml::Value),
}

impl Input<'_> {
    fn text(&self) -> Result<String, String> {
        match self {
            Input::Env(text) => Ok((*text).to_owned()),
            Input::Toml(toml::Value::String(text)) => Ok(text.clone()),
            Input::Toml(other) => Err(format!("expected a string, found {}", article(other))),
        }
    }

    fn list(&self) -> Result<Vec<String>, String> {
        match self {
            Input::Env(text) => Ok(split_list(text)),
            Input::Toml(toml::Value::String(text)) => Ok(split_list(text)),
            Input::Toml(toml::Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(text) => Ok(text.trim().to_owned()),
                    other => Err(format!(
                        "expected a list of strings, found {} in it",
                        article(other)
                    )),
                })
                .filter(|item| item.as_ref().map_or(true, |text| !text.is_empty()))
                .collect(),
            Input::Toml(other) => Err(format!(
                "expected a list of strings, found {}",
                article(other)
            )),
        }
    }

    fn boolean(&self) -> Result<bool, String> {
        let parse = |text: &str| match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" | "" => Ok(false),
            other => Err(format!("expected true or false, found {other:?}")),
        };
        match self {
            Input::Env(text) => parse(text),
            Input::Toml(toml::Value::Boolean(b)) => Ok(*b),
            Input::Toml(toml::Value::String(text)) => parse(text),
            Input::Toml(other) => Err(format!("expected true or false, found {}", article(other))),
        }
    }

    fn number(&self, parse: fn(&str) -> Result<u64, String>) -> Result<u64, String> {
        match self {
            Input::Env(text) => parse(text),
            Input::Toml(toml::Value::String(text)) => parse(text),
            Input::Toml(toml::Value::Integer(n)) => {
                u64::try_from(*n).map_err(|_| format!("must not be negative, found {n}"))
            }
            Input::Toml(other) => Err(format!("expected a number, found {}", article(other))),
        }
    }
}

fn article(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(_) => "an integer".into(),
        toml::Value::Array(_) => "an array".into(),
        other => format!("a {}", other.type_str()),
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// At most 60 characters of a (non-secret) value, quoted, for a message.
pub(super) fn quote(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head:?}...")
    }
}

/// A plain whole number.
fn parse_count(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    trimmed
        .parse::<u64>()
        .map_err(|_| format!("expected a whole number, found {}", quote(trimmed)))
}

/// A whole number with an optional unit, times the unit's factor:
/// `expected` names the kind of value when the text is not one, and
/// `factor` knows the units (lower case; `""` when none is written).
fn scaled(text: &str, expected: &str, factor: fn(&str) -> Option<u64>) -> Result<u64, String> {
    let trimmed = text.trim();
    let bad = || format!("expected {expected}, found {}", quote(trimmed));
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let number = digits.parse::<u64>().map_err(|_| bad())?;
    let factor = factor(&unit.trim().to_ascii_lowercase()).ok_or_else(bad)?;
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{} is too large", quote(trimmed)))
}

/// Bytes: `26214400`, `25MiB`, `25 MB`, `1GiB`, `512k`.
fn parse_size(text: &str) -> Result<u64, String> {
    scaled(
        text,
        "a size in bytes such as 26214400 or 25MiB",
        |unit| match unit {
            "" | "b" => Some(1),
            "k" | "kb" => Some(1_000),
            "kib" => Some(1 << 10),
            "m" | "mb" => Some(1_000_000),
            "mib" => Some(1 << 20),
            "g" | "gb" => Some(1_000_000_000),
            "gib" => Some(1 << 30),
            _ => None,
        },
    )
}

/// Milliseconds: `20000`, or with a unit: `1500ms`, `20s`, `2m`.
fn parse_millis(text: &str) -> Result<u64, String> {
    scaled(
        text,
        "milliseconds such as 20000, or 20s",
        |unit| match unit {
            "" | "ms" => Some(1),
            "s" => Some(1_000),
            "m" | "min" => Some(60_000),
            "h" => Some(3_600_000),
            _ => None,
        },
    )
}

fn narrow<T: TryFrom<u64>>(n: u64) -> Result<T, String> {
    T::try_from(n).map_err(|_| format!("{n} is too large"))
}

/// How each kind of setting is read from one value: `settings.rs` names
/// one of these for every setting.
pub(super) mod kind {
    use super::{narrow, parse_count, parse_millis, parse_size, Input, PathBuf, Secret};

    pub fn text(value: &Input<'_>) -> Result<String, String> {
        value.text()
    }

    pub fn path(value: &Input<'_>) -> Result<PathBuf, String> {
        value.text().map(PathBuf::from)
    }

    pub fn secret(value: &Input<'_>) -> Result<Secret, String> {
        value.text().map(Secret::new)
    }

    /// Comma-separated in a variable, an array (or such a string) in TOML.
    pub fn list(value: &Input<'_>) -> Result<Vec<String>, String> {
        value.list()
    }

    pub fn boolean(value: &Input<'_>) -> Result<bool, String> {
        value.boolean()
    }

    /// A whole number that fits `T`.
    pub fn count<T: TryFrom<u64>>(value: &Input<'_>) -> Result<T, String> {
        narrow(value.number(parse_count)?)
    }

    /// Bytes: `26214400`, `25MiB`, `25 MB`.
    pub fn size(value: &Input<'_>) -> Result<u64, String> {
        value.number(parse_size)
    }

    /// Milliseconds: `20000`, `1500ms`, `20s`, `2m`.
    pub fn millis(value: &Input<'_>) -> Result<u64, String> {
        value.number(parse_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_take_units() {
        assert_eq!(parse_size("26214400"), Ok(26_214_400));
        assert_eq!(parse_size("25MiB"), Ok(26_214_400));
        assert_eq!(parse_size("25 mib"), Ok(26_214_400));
        assert_eq!(parse_size("1kb"), Ok(1_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("25 parsecs").is_err());
        assert!(parse_size("99999999999999GiB").is_err());
        assert_eq!(parse_millis("20s"), Ok(20_000));
        assert_eq!(parse_millis("1500"), Ok(1_500));
        assert_eq!(parse_millis("1500ms"), Ok(1_500));
        assert!(parse_millis("soon").is_err());
    }
}
