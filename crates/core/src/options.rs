//! What a kind's options are, described for people: the dashboard builds its
//! form from these, and `GET /api/kinds` lists them. A processor's own parser
//! stays the judge of what it accepts; its tests check that the description
//! and the parser agree (every option named here is accepted with its
//! default).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

type Text = Cow<'static, str>;

/// One option of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionSpec {
    /// The key in the job's `options` object.
    pub name: Text,
    /// A short label for a form.
    pub label: Text,
    /// One sentence on what it does.
    pub help: Text,
    #[serde(flatten)]
    pub value: OptionValue,
}

/// The values an option takes, and its default (`None`: unset by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OptionValue {
    Integer {
        min: u64,
        max: u64,
        default: Option<u64>,
    },
    Number {
        min: f64,
        max: f64,
        default: f64,
    },
    Boolean {
        default: bool,
    },
    Choice {
        choices: Cow<'static, [Text]>,
        default: Text,
    },
}

impl OptionSpec {
    /// A spec from static text, for a processor's `const` list.
    pub const fn new(
        name: &'static str,
        label: &'static str,
        help: &'static str,
        value: OptionValue,
    ) -> Self {
        OptionSpec {
            name: Cow::Borrowed(name),
            label: Cow::Borrowed(label),
            help: Cow::Borrowed(help),
            value,
        }
    }

    /// The option's default as a JSON value, if it has one.
    pub fn default_value(&self) -> Option<Value> {
        match &self.value {
            OptionValue::Integer { default, .. } => default.map(Value::from),
            OptionValue::Number { default, .. } => Some(Value::from(*default)),
            OptionValue::Boolean { default } => Some(Value::Bool(*default)),
            OptionValue::Choice { default, .. } => Some(Value::String(default.to_string())),
        }
    }
}

impl OptionValue {
    /// A choice among static names.
    pub const fn choice(choices: &'static [Text], default: &'static str) -> Self {
        OptionValue::Choice {
            choices: Cow::Borrowed(choices),
            default: Cow::Borrowed(default),
        }
    }
}

/// An `options` object holding every described option's default: what a
/// processor's parser must accept.
pub fn defaults(specs: &[OptionSpec]) -> Value {
    let map: Map<String, Value> = specs
        .iter()
        .filter_map(|spec| Some((spec.name.to_string(), spec.default_value()?)))
        .collect();
    Value::Object(map)
}

/// A kind as `GET /api/kinds` describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindInfo {
    pub kind: String,
    /// The contents it accepts (`pdf`, `text`, ...), judged by content.
    pub accepts: Vec<String>,
    pub options: Vec<OptionSpec>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SPECS: &[OptionSpec] = &[
        OptionSpec::new(
            "steps",
            "Steps",
            "How many.",
            OptionValue::Integer {
                min: 1,
                max: 10,
                default: Some(3),
            },
        ),
        OptionSpec::new(
            "limit",
            "Limit",
            "Unset by default.",
            OptionValue::Integer {
                min: 1,
                max: 10,
                default: None,
            },
        ),
        OptionSpec::new(
            "mode",
            "Mode",
            "Which.",
            OptionValue::choice(&[Cow::Borrowed("a"), Cow::Borrowed("b")], "a"),
        ),
    ];

    #[test]
    fn serializes_flat_with_a_type_tag() {
        let value = serde_json::to_value(&SPECS[2]).expect("serialize");
        assert_eq!(
            value,
            json!({"name": "mode", "label": "Mode", "help": "Which.",
                   "type": "choice", "choices": ["a", "b"], "default": "a"})
        );
        let back: OptionSpec = serde_json::from_value(value).expect("deserialize");
        assert_eq!(back, SPECS[2]);
    }

    #[test]
    fn defaults_leave_out_unset_options() {
        assert_eq!(defaults(SPECS), json!({"steps": 3, "mode": "a"}));
    }
}
