//! The options of `invoice.extract`, read once and checked all at once:
//! `auto_save` (default true), `confidence_threshold` (0..1, default 0.8),
//! `model_provider` (`builtin` default, `openai`, `anthropic`, `ollama`,
//! `compatible`) and `human_in_loop` (default false). Unknown options are
//! refused so that a typo does not silently change nothing.

use std::borrow::Cow;

use jobcast_core::{OptionSpec, OptionValue};
use serde_json::Value;

use crate::option_values::{self, boolean, unknown, unless_problems};

/// Who reads the invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// The rule-based extractor in this crate: offline, no configuration.
    Builtin,
    /// An LLM through `crate::llm::model_for` (its provider name).
    Llm(&'static str),
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Builtin => "builtin",
            Provider::Llm(name) => name,
        }
    }
}

const PROVIDERS: [&str; 5] = ["builtin", "openai", "anthropic", "ollama", "compatible"];

/// The options `InvoiceOptions::parse` reads, described for forms.
pub const SPECS: &[OptionSpec] = &[
    OptionSpec::new(
        "model_provider",
        "Extractor",
        "builtin reads common layouts offline; an LLM choice calls the LLM this server is configured for.",
        OptionValue::choice(
            &[
                Cow::Borrowed("builtin"),
                Cow::Borrowed("openai"),
                Cow::Borrowed("anthropic"),
                Cow::Borrowed("ollama"),
                Cow::Borrowed("compatible"),
            ],
            "builtin",
        ),
    ),
    OptionSpec::new(
        "confidence_threshold",
        "Confidence threshold",
        "Below this confidence the invoice needs review (or a question is asked).",
        OptionValue::Number {
            min: 0.0,
            max: 1.0,
            default: 0.8,
        },
    ),
    OptionSpec::new(
        "human_in_loop",
        "Ask me when unsure",
        "Below the threshold, ask about the weakest field and wait for the answer.",
        OptionValue::Boolean { default: false },
    ),
    OptionSpec::new(
        "auto_save",
        "Save the invoice",
        "Store the extracted invoice (GET /api/invoices/{id}).",
        OptionValue::Boolean { default: true },
    ),
];

/// [`SPECS`] with the `model_provider` choices narrowed to `builtin` and the
/// LLM providers in `llm` — the ones this server can use — so that a form
/// never offers a provider the server would refuse.
pub fn specs_offering(llm: &[&'static str]) -> Vec<OptionSpec> {
    SPECS
        .iter()
        .cloned()
        .map(|mut spec| {
            if spec.name == "model_provider" {
                let choices = std::iter::once("builtin")
                    .chain(llm.iter().copied())
                    .map(Cow::Borrowed)
                    .collect::<Vec<_>>();
                spec.value = OptionValue::Choice {
                    choices: Cow::Owned(choices),
                    default: Cow::Borrowed("builtin"),
                };
            }
            spec
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceOptions {
    pub auto_save: bool,
    pub confidence_threshold: f64,
    pub provider: Provider,
    pub human_in_loop: bool,
}

impl Default for InvoiceOptions {
    fn default() -> Self {
        InvoiceOptions {
            auto_save: true,
            confidence_threshold: 0.8,
            provider: Provider::Builtin,
            human_in_loop: false,
        }
    }
}

impl InvoiceOptions {
    /// Reads the options, reporting every problem at once.
    pub fn parse(options: &Value) -> Result<Self, String> {
        let mut parsed = InvoiceOptions::default();
        let problems = option_values::each(options, |key, value| match key {
            "auto_save" => boolean(key, value).map(|b| parsed.auto_save = b),
            "human_in_loop" => boolean(key, value).map(|b| parsed.human_in_loop = b),
            "confidence_threshold" => value
                .as_f64()
                .filter(|t| (0.0..=1.0).contains(t))
                .map(|t| parsed.confidence_threshold = t)
                .ok_or_else(|| {
                    format!("confidence_threshold must be a number from 0 to 1, not {value}")
                }),
            "model_provider" => value
                .as_str()
                .and_then(|name| PROVIDERS.iter().find(|p| **p == name))
                .map(|name| {
                    parsed.provider = match *name {
                        "builtin" => Provider::Builtin,
                        other => Provider::Llm(other),
                    }
                })
                .ok_or_else(|| {
                    format!(
                        "model_provider must be one of {}, not {value}",
                        PROVIDERS.join(", ")
                    )
                }),
            other => Err(unknown(
                other,
                &[
                    "auto_save",
                    "confidence_threshold",
                    "model_provider",
                    "human_in_loop",
                ],
            )),
        })?;
        unless_problems(parsed, problems)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_and_every_option() {
        assert_eq!(
            InvoiceOptions::parse(&json!({})),
            Ok(InvoiceOptions::default())
        );
        assert_eq!(
            InvoiceOptions::parse(&Value::Null),
            Ok(InvoiceOptions::default())
        );
        assert_eq!(
            InvoiceOptions::parse(&json!({"auto_save": false, "confidence_threshold": 0.95,
                "model_provider": "anthropic", "human_in_loop": true})),
            Ok(InvoiceOptions {
                auto_save: false,
                confidence_threshold: 0.95,
                provider: Provider::Llm("anthropic"),
                human_in_loop: true,
            })
        );
        assert_eq!(
            InvoiceOptions::parse(&json!({"confidence_threshold": 1}))
                .map(|o| o.confidence_threshold),
            Ok(1.0)
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let problems =
            InvoiceOptions::parse(&json!({"auto_save": "yes", "confidence_threshold": 1.5,
            "model_provider": "gpt-17", "colour": "red", "human_in_loop": 1}))
            .expect_err("invalid");
        for needle in [
            "auto_save must be true or false",
            "confidence_threshold must be a number from 0 to 1",
            "model_provider must be one of builtin, openai, anthropic, ollama, compatible",
            "unknown option \"colour\"",
            "human_in_loop must be true or false",
        ] {
            assert!(
                problems.contains(needle),
                "{needle:?} missing from {problems:?}"
            );
        }
        assert!(InvoiceOptions::parse(&json!({"confidence_threshold": -0.1})).is_err());
        assert!(InvoiceOptions::parse(&json!({"confidence_threshold": "0.8"})).is_err());
        assert!(InvoiceOptions::parse(&json!([1])).is_err());
    }
}
