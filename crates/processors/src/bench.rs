//! `bench.emit`: the benchmark's kind (registered only with
//! `JOBCAST_BENCH_KIND=true`). It emits `events` progress events as fast as
//! the pipeline takes them — each stored, then fanned out, as in production —
//! and stamps each with the microsecond it was emitted (`data.t_us`), so a
//! client measures end-to-end latency from the event's own time stamp.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use jobcast_core::{
    Clarification, EventDraft, EventType, JobContext, MediaType, OptionSpec, OptionValue,
    ProcessError, TypedProcessor,
};
use serde_json::{json, Value};

use crate::option_values::{self, boolean, integer};

pub struct BenchEmit;

pub const KIND: &str = "bench.emit";
const MAX_EVENTS: u64 = 1_000_000;
const MAX_INTERVAL_US: u64 = 10_000_000;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "events",
        "Events",
        "How many progress events to emit.",
        OptionValue::Integer {
            min: 1,
            max: MAX_EVENTS,
            default: Some(100),
        },
    ),
    OptionSpec::new(
        "interval_us",
        "Interval (µs)",
        "Pause between events (0: as fast as the pipeline takes them).",
        OptionValue::Integer {
            min: 0,
            max: MAX_INTERVAL_US,
            default: Some(0),
        },
    ),
    OptionSpec::new(
        "wait_for_start",
        "Wait for start",
        "Ask a question first and emit only once it is answered, so that every client can join before the first event.",
        OptionValue::Boolean { default: false },
    ),
];

/// The options of `bench.emit`, read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchOptions {
    events: u64,
    interval_us: u64,
    wait_for_start: bool,
}

impl BenchOptions {
    fn parse(options: &Value) -> Result<Self, String> {
        let map = option_values::object(options)?;
        let mut parsed = BenchOptions {
            events: 100,
            interval_us: 0,
            wait_for_start: false,
        };
        for (key, value) in map {
            match key.as_str() {
                "events" => parsed.events = integer(key, value, 1, MAX_EVENTS)?,
                "interval_us" => parsed.interval_us = integer(key, value, 0, MAX_INTERVAL_US)?,
                "wait_for_start" => parsed.wait_for_start = boolean(key, value)?,
                other => return Err(format!("unknown or bad option {other:?}")),
            }
        }
        Ok(parsed)
    }
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[async_trait]
impl TypedProcessor for BenchEmit {
    type Options = BenchOptions;

    fn kind(&self) -> &'static str {
        KIND
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Text, MediaType::Pdf]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn parse_options(&self, options: &Value) -> Result<BenchOptions, String> {
        BenchOptions::parse(options)
    }

    async fn run_with(
        &self,
        ctx: JobContext,
        options: BenchOptions,
    ) -> Result<Value, ProcessError> {
        let n = options.events;
        if options.wait_for_start {
            ctx.ask(Clarification {
                clarification_id: "start".into(),
                question: "Start emitting?".into(),
                field: None,
                suggestion: Some(Value::Bool(true)),
            })
            .await?;
        }
        for i in 1..=n {
            let progress = 99.0 * i as f64 / n as f64;
            ctx.emit(
                EventDraft::new(EventType::Progress)
                    .stage("emit")
                    .progress(progress)
                    .message(format!("{i}/{n}"))
                    .data(json!({ "i": i, "t_us": now_us() })),
            )
            .await?;
            if options.interval_us > 0 {
                tokio::time::sleep(Duration::from_micros(options.interval_us)).await;
            }
        }
        Ok(json!({ "events": n }))
    }
}

#[cfg(test)]
mod tests {
    use jobcast_core::testing::{job_context, RecordingEvents, TestJob};
    use jobcast_core::Processor;

    use super::*;

    #[tokio::test]
    async fn emits_the_events_asked_each_time_stamped() {
        let events = RecordingEvents::new();
        let ctx = job_context(
            TestJob::new(KIND, "x.txt", b"x").options(json!({"events": 5})),
            events.clone(),
        );
        let result = BenchEmit.run(ctx).await.expect("runs");
        assert_eq!(result, json!({"events": 5}));
        assert!(events.questions().is_empty());
        let drafts = events.of(EventType::Progress);
        assert_eq!(drafts.len(), 5);
        let stamps: Vec<u64> = drafts
            .iter()
            .map(|d| {
                d.data
                    .as_ref()
                    .and_then(|v| v["t_us"].as_u64())
                    .expect("t_us")
            })
            .collect();
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    }

    #[tokio::test]
    async fn waits_for_its_start_question_before_emitting() {
        let events = RecordingEvents::answering(json!(true));
        let ctx = job_context(
            TestJob::new(KIND, "x.txt", b"x").options(json!({"events": 2, "wait_for_start": true})),
            events.clone(),
        );
        BenchEmit.run(ctx).await.expect("runs");
        let questions = events.questions();
        assert_eq!(questions.len(), 1);
        assert_eq!(questions[0].after_events, 0, "asked before any event");
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for bad in [
            json!({"events": 0}),
            json!({"events": "5"}),
            json!({"x": 1}),
            json!(3),
        ] {
            assert!(BenchOptions::parse(&bad).is_err(), "{bad}");
        }
    }
}
