//! Issue 11, failure 10: an API key is bound to the provider it was
//! configured for (`JOBCAST_LLM_PROVIDER`). Two fake providers on real local
//! listeners record every request with its key; a job naming another
//! provider is refused before anything is sent, so the key only ever
//! reaches the configured provider's host.

mod llm_support;

use std::time::Duration;

use jobcast_core::OptionValue;
use jobcast_processors::llm::{model_for, LlmError};
use jobcast_processors::{builtin, ProcessorSettings};
use llm_support::*;
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Asks `provider` once; what the answer is does not matter here.
async fn ask(provider: &str, settings: &jobcast_processors::LlmSettings) -> Result<(), LlmError> {
    let model = model_for(provider, settings, TIMEOUT)?;
    let (progress, _) = watch_progress();
    let _ = model.complete_json(&request(), &progress).await;
    Ok(())
}

fn header(recorded: &Recorded, name: &str) -> Option<String> {
    recorded
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn a_key_is_only_sent_to_the_provider_it_was_configured_for() {
    let anthropic_host = serve(Reply::status(400, "{}")).await;
    let openai_host = serve(Reply::status(400, "{}")).await;

    // An Anthropic key: only Anthropic may be asked.
    let anthropic = settings("anthropic", Some(&anthropic_host.base), Some(KEY), None);
    for other in ["openai", "ollama", "compatible"] {
        let err = ask(other, &anthropic).await.expect_err(other);
        assert!(matches!(err, LlmError::Config(_)), "{other}: {err:?}");
        let message = err.to_string();
        assert!(
            message.contains("`anthropic` (JOBCAST_LLM_PROVIDER)"),
            "{other}: {message}"
        );
        assert_no_key(&err);
    }
    ask("anthropic", &anthropic).await.expect("anthropic");
    let seen = anthropic_host.only_request();
    assert_eq!(header(&seen, "x-api-key").as_deref(), Some(KEY));
    assert!(openai_host.requests.lock().expect("lock").is_empty());

    // An OpenAI key: only OpenAI may be asked.
    let openai = settings("openai", Some(&openai_host.base), Some(KEY), None);
    for other in ["anthropic", "ollama", "compatible"] {
        assert!(ask(other, &openai).await.is_err(), "{other}");
    }
    ask("openai", &openai).await.expect("openai");
    let seen = openai_host.only_request();
    assert_eq!(
        header(&seen, "authorization"),
        Some(format!("Bearer {KEY}"))
    );
    assert_eq!(anthropic_host.requests.lock().expect("lock").len(), 1);

    // A key that names no provider is used by none.
    let unbound = settings("", Some(&openai_host.base), Some(KEY), None);
    for provider in ["openai", "anthropic", "ollama", "compatible"] {
        let err = ask(provider, &unbound).await.expect_err(provider);
        assert!(err.to_string().contains("no LLM is configured"), "{err}");
    }
    assert_eq!(openai_host.requests.lock().expect("lock").len(), 1);
    assert_eq!(anthropic_host.requests.lock().expect("lock").len(), 1);
}

#[test]
fn invoice_jobs_may_choose_only_the_configured_provider() {
    let processors = builtin(&ProcessorSettings {
        llm: settings("anthropic", None, Some(KEY), None),
        ..ProcessorSettings::default()
    });
    let invoice = processors.get("invoice.extract").expect("invoice.extract");
    let refused = invoice
        .check_options(&json!({"model_provider": "openai"}))
        .expect_err("openai with an Anthropic key");
    assert!(refused.contains("JOBCAST_LLM_PROVIDER"), "{refused}");
    assert!(!refused.contains(KEY), "{refused}");
    assert_eq!(
        invoice.check_options(&json!({"model_provider": "anthropic"})),
        Ok(())
    );
    // The form offers what the server accepts.
    let spec = invoice
        .options()
        .iter()
        .find(|s| s.name == "model_provider")
        .expect("model_provider described");
    let OptionValue::Choice { choices, .. } = &spec.value else {
        panic!("model_provider is a choice: {spec:?}");
    };
    assert_eq!(choices.as_ref(), ["builtin", "anthropic"]);
}
