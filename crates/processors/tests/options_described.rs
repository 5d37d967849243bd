//! Each shipped kind's described options (what the dashboard's form offers)
//! agree with what its parser accepts: defaults, bounds, booleans and every
//! choice are accepted; values past a bound, of the wrong type, or outside
//! the choices are refused.

use jobcast_core::{options, OptionValue, Processor};
use jobcast_processors::llm::LlmProvider;
use jobcast_processors::{builtin, LlmSettings, ProcessorSettings};
use serde_json::{json, Value};

/// An LLM is configured, so that `model_provider` offers it besides
/// `builtin` (and only it: a key is bound to its provider).
fn processors() -> jobcast_core::Processors {
    builtin(&ProcessorSettings {
        llm: LlmSettings {
            provider: Some(LlmProvider::Compatible),
            base_url: Some("http://127.0.0.1:9/v1".into()),
            api_key: Some("test-key".into()),
            model: Some("test-model".into()),
        },
        ..ProcessorSettings::default()
    })
}

/// Whether the options are accepted with `name` set to `value`. Integers
/// with a default are at their maximum and those unset by default stay
/// unset, so that limits between options (demo's `fail_at` must not pass
/// `steps`) do not hide a bound.
fn accepts(processor: &dyn Processor, name: &str, value: Value) -> bool {
    let mut options = options::defaults(processor.options());
    for spec in processor.options() {
        if let OptionValue::Integer {
            max,
            default: Some(_),
            ..
        } = spec.value
        {
            options[spec.name.as_ref()] = json!(max);
        }
    }
    options[name] = value;
    processor.check_options(&options).is_ok()
}

#[test]
fn every_shipped_kind_describes_its_options() {
    let processors = processors();
    let described = processors.describe();
    let kinds: Vec<&str> = described.iter().map(|k| k.kind.as_str()).collect();
    assert_eq!(kinds, ["demo.steps", "invoice.extract", "pdf.sentences"]);
    for info in &described {
        assert!(
            !info.options.is_empty(),
            "{} describes no option",
            info.kind
        );
        assert!(!info.accepts.is_empty(), "{} accepts nothing", info.kind);
    }
}

#[test]
fn described_options_agree_with_the_parsers() {
    let processors = processors();
    for kind in processors.kinds() {
        let processor = processors.get(&kind).expect("registered").as_ref();
        let specs = processor.options();
        let defaults = options::defaults(specs);
        assert_eq!(
            processor.check_options(&defaults),
            Ok(()),
            "{kind}: defaults {defaults}"
        );
        for spec in specs {
            let name = spec.name.as_ref();
            let at = |what: &str| format!("{kind}.{name}: {what}");
            match &spec.value {
                OptionValue::Integer { min, max, .. } => {
                    assert!(accepts(processor, name, json!(min)), "{}", at("min"));
                    assert!(accepts(processor, name, json!(max)), "{}", at("max"));
                    assert!(!accepts(processor, name, json!(max + 1)), "{}", at("max+1"));
                    if *min > 0 {
                        assert!(!accepts(processor, name, json!(min - 1)), "{}", at("min-1"));
                    }
                    assert!(!accepts(processor, name, json!("1")), "{}", at("text"));
                }
                OptionValue::Number { min, max, .. } => {
                    assert!(accepts(processor, name, json!(min)), "{}", at("min"));
                    assert!(accepts(processor, name, json!(max)), "{}", at("max"));
                    assert!(
                        !accepts(processor, name, json!(max + 1.0)),
                        "{}",
                        at("max+1")
                    );
                    assert!(
                        !accepts(processor, name, json!(min - 1.0)),
                        "{}",
                        at("min-1")
                    );
                }
                OptionValue::Boolean { .. } => {
                    assert!(accepts(processor, name, json!(true)), "{}", at("true"));
                    assert!(accepts(processor, name, json!(false)), "{}", at("false"));
                    assert!(!accepts(processor, name, json!("yes")), "{}", at("\"yes\""));
                }
                OptionValue::Choice { choices, default } => {
                    assert!(choices.contains(default), "{}", at("default is a choice"));
                    for choice in choices.iter() {
                        assert!(
                            accepts(processor, name, json!(choice)),
                            "{}",
                            at(&format!("choice {choice}"))
                        );
                    }
                    assert!(
                        !accepts(processor, name, json!("no-such-choice")),
                        "{}",
                        at("an unknown choice")
                    );
                }
            }
        }
    }
}
