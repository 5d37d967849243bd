//! `pdf.sentences` run alone against a recording context: its checkpoints,
//! partial results, options, and its failures on PDFs it cannot read.

mod common;

use std::time::Duration;

use common::novel::novel;
use common::pdf::{empty_pdf, encrypted_pdf, image_only_pdf, text_pdf};
use common::recorder::{context, Recorder};
use jobcast_core::{EventType, ProcessError, Processor};
use jobcast_processors::pdf::{count_words, extract_pages, PdfError, PdfSentences, KIND};
use jobcast_processors::{builtin, ParseLimits, ParserProgram, ProcessorSettings, Sandbox};
use serde_json::{json, Value};

fn lines(text: &[&str]) -> Vec<String> {
    text.iter().map(|s| s.to_string()).collect()
}

async fn run(
    options: Value,
    bytes: &[u8],
) -> (Result<Value, ProcessError>, std::sync::Arc<Recorder>) {
    let events = Recorder::new();
    let ctx = context(KIND, options, "input.pdf", bytes, events.clone());
    (PdfSentences::default().run(ctx).await, events)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn input_code(result: Result<Value, ProcessError>) -> String {
    match result {
        Err(ProcessError::Input { code, message }) => {
            assert!(!message.is_empty());
            code
        }
        other => panic!("expected an input failure, got {other:?}"),
    }
}

#[test]
fn the_kind_is_registered_with_the_builtin_processors() {
    let processors = builtin(&ProcessorSettings::default());
    assert!(processors.get(KIND).is_some(), "{:?}", processors.kinds());
}

#[tokio::test]
async fn the_checkpoints_partials_and_result_follow_the_spec() {
    let book = novel(30);
    let pages = book.pages.len();
    let (result, events) = run(json!({}), &text_pdf(&book.pages)).await;
    let result = result.expect("the job succeeds");

    let stages: Vec<(String, f64)> = events
        .of(EventType::StageStart)
        .into_iter()
        .map(|d| (d.stage.unwrap_or_default(), d.progress.unwrap_or(-1.0)))
        .collect();
    let expected: Vec<(String, f64)> = [
        ("analyze", 5.0),
        ("split", 10.0),
        ("process", 15.0),
        ("merge", 75.0),
    ]
    .iter()
    .map(|(s, p)| (s.to_string(), *p))
    .collect();
    assert_eq!(stages, expected);
    let analyze = &events.of(EventType::StageStart)[0];
    assert_eq!(analyze.message.as_deref(), Some("Analyzing PDF"));
    let counted = events
        .of(EventType::Progress)
        .into_iter()
        .filter_map(|d| d.message)
        .any(|m| m == format!("Analyzing PDF: {pages} pages"));
    assert!(counted, "a progress event gives the page count");

    let chunks = pages.div_ceil(10);
    let partials = events.of(EventType::Partial);
    assert_eq!(partials.len(), chunks);
    let mut streamed = Vec::new();
    let mut last = 15.0;
    for (i, partial) in partials.iter().enumerate() {
        let data = partial.data.clone().expect("partial data");
        assert_eq!(data["chunk"], json!(i + 1));
        assert_eq!(data["chunks"], json!(chunks));
        assert_eq!(
            partial.message.as_deref(),
            Some(format!("Chunk {}/{chunks}", i + 1).as_str())
        );
        let progress = partial.progress.expect("progress");
        assert!(
            progress > last && progress <= 75.0,
            "{progress} after {last}"
        );
        last = progress;
        streamed.extend(strings(&data["sentences"]));
    }
    assert_eq!(last, 75.0);

    // Everything happens in order: analyze < split < process < partials < merge.
    let order: Vec<EventType> = events.drafts().into_iter().map(|d| d.kind).collect();
    assert_eq!(order.first(), Some(&EventType::StageStart));
    assert_eq!(order.last(), Some(&EventType::StageStart));

    let sentences = strings(&result["sentences"]);
    assert_eq!(streamed, sentences, "the partials add up to the result");
    assert_eq!(result["pages"], json!(pages));
    assert_eq!(result["chunks"], json!(chunks));
    let words: usize = sentences.iter().map(|s| count_words(s)).sum();
    assert_eq!(result["words"], json!(words));
    assert!(words > 1000);
}

#[tokio::test]
async fn sentences_do_not_depend_on_the_chunk_size() {
    let book = novel(30);
    let bytes = text_pdf(&book.pages);
    let (one, events) = run(json!({ "chunk_pages": 1 }), &bytes).await;
    let (all, _) = run(json!({ "chunk_pages": 1000 }), &bytes).await;
    let (one, all) = (one.expect("chunks of 1"), all.expect("one chunk"));
    assert_eq!(one["chunks"], json!(book.pages.len()));
    assert_eq!(all["chunks"], json!(1));
    assert_eq!(events.of(EventType::Partial).len(), book.pages.len());
    assert_eq!(one["sentences"], all["sentences"]);
}

#[tokio::test]
async fn a_sentence_running_over_a_page_break_is_whole() {
    let pages = vec![
        lines(&["First page starts here. This sentence is long and goes on to the next extra-"]),
        lines(&["ordinary page, where it ends. The end."]),
    ];
    let (result, _) = run(json!({ "chunk_pages": 1 }), &text_pdf(&pages)).await;
    assert_eq!(
        strings(&result.expect("ok")["sentences"]),
        [
            "First page starts here.",
            "This sentence is long and goes on to the next extraordinary page, where it ends.",
            "The end."
        ]
    );
}

#[tokio::test]
async fn max_words_cuts_long_sentences_without_losing_words() {
    let book = novel(30);
    let bytes = text_pdf(&book.pages);
    let (whole, _) = run(json!({}), &bytes).await;
    let (cut, _) = run(json!({ "max_words": 6, "language": "auto" }), &bytes).await;
    let (whole, cut) = (whole.expect("whole"), cut.expect("cut"));
    let pieces = strings(&cut["sentences"]);
    assert!(pieces.len() > strings(&whole["sentences"]).len());
    for piece in &pieces {
        let n = count_words(piece);
        assert!((1..=6).contains(&n), "{piece:?} has {n} words");
    }
    assert_eq!(cut["words"], whole["words"]);
    assert_eq!(
        pieces.join(" "),
        strings(&whole["sentences"]).join(" "),
        "cutting only adds boundaries"
    );
}

#[test]
fn options_are_checked_and_unknown_ones_refused() {
    let p = PdfSentences::default();
    for ok in [
        json!(null),
        json!({}),
        json!({ "chunk_pages": 1, "max_words": 3, "language": "fr" }),
        json!({ "chunk_pages": 1000, "language": "en" }),
    ] {
        assert!(p.check_options(&ok).is_ok(), "{ok}");
    }
    for bad in [
        json!({ "chunk_pages": 0 }),
        json!({ "chunk_pages": 1001 }),
        json!({ "chunk_pages": "10" }),
        json!({ "max_words": 2 }),
        json!({ "language": "de" }),
        json!({ "colour": "red" }),
        json!([1, 2]),
    ] {
        assert!(p.check_options(&bad).is_err(), "{bad} should be refused");
    }
    let problems = p
        .check_options(&json!({ "chunk_pages": 0, "language": "de" }))
        .expect_err("two problems");
    assert!(
        problems.contains("chunk_pages") && problems.contains("language"),
        "{problems}"
    );
}

#[tokio::test]
async fn bad_options_fail_the_job_as_input() {
    let bytes = text_pdf(&[lines(&["Hello."])]);
    let (result, _) = run(json!({ "nope": 1 }), &bytes).await;
    assert_eq!(input_code(result), "invalid_options");
}

/// A deterministic byte generator for corrupt inputs.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[tokio::test]
async fn a_corrupt_pdf_fails_with_pdf_corrupt() {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend(noise(7, 4096));
    let (result, events) = run(json!({}), &bytes).await;
    assert_eq!(input_code(result), "pdf_corrupt");
    assert!(events.of(EventType::Partial).is_empty());
}

#[tokio::test]
async fn an_encrypted_pdf_fails_with_pdf_encrypted() {
    let bytes = encrypted_pdf(&[lines(&["Secret text."])], "s3cret");
    let (result, _) = run(json!({}), &bytes).await;
    assert_eq!(input_code(result), "pdf_encrypted");
}

#[tokio::test]
async fn a_pdf_encrypted_without_a_user_password_is_read() {
    // Readers open these without asking; so do we.
    let bytes = encrypted_pdf(&[lines(&["Open text. Nothing hidden."])], "");
    let (result, _) = run(json!({}), &bytes).await;
    assert_eq!(
        strings(&result.expect("readable")["sentences"]),
        ["Open text.", "Nothing hidden."]
    );
}

#[tokio::test]
async fn an_image_only_pdf_fails_with_pdf_no_text() {
    let (result, _) = run(json!({}), &image_only_pdf(3)).await;
    assert_eq!(input_code(result), "pdf_no_text");
}

#[tokio::test]
async fn a_pdf_without_pages_fails_with_pdf_empty() {
    let (result, _) = run(json!({}), &empty_pdf()).await;
    assert_eq!(input_code(result), "pdf_empty");
}

#[tokio::test]
async fn an_extraction_over_its_time_limit_fails_with_timeout() {
    let book = novel(30);
    let events = Recorder::new();
    let ctx = context(
        KIND,
        json!({}),
        "input.pdf",
        &text_pdf(&book.pages),
        events.clone(),
    );
    let limits = ParseLimits {
        timeout: Duration::from_nanos(1),
        ..ParseLimits::default()
    };
    let slow = PdfSentences::new(Sandbox::new(ParserProgram::default(), limits));
    let result = slow.run(ctx).await;
    assert_eq!(input_code(result), "timeout");
}

#[tokio::test]
async fn a_stopped_job_stops_between_chunks() {
    let book = novel(30);
    // analyze, page count, split, process, then the first partial: stop there.
    let events = Recorder::stopping_after(5);
    let ctx = context(
        KIND,
        json!({ "chunk_pages": 1 }),
        "input.pdf",
        &text_pdf(&book.pages),
        events.clone(),
    );
    let result = PdfSentences::default().run(ctx).await;
    assert_eq!(result, Err(ProcessError::Stopped));
    assert_eq!(events.of(EventType::Partial).len(), 1);
}

#[tokio::test]
async fn damaged_copies_of_a_good_pdf_never_panic_and_fail_as_input() {
    let good = text_pdf(&novel(5).pages);
    for seed in 1..=40u64 {
        let mut bytes = good.clone();
        let flips = noise(seed, 64);
        for pair in flips.chunks(2) {
            let at = (usize::from(pair[0]) * 257 + usize::from(pair[1]) * 31 + seed as usize * 101)
                % bytes.len();
            bytes[at] = pair[1];
        }
        if seed % 4 == 0 {
            bytes.truncate(bytes.len() / 2);
        }
        let (result, _) = run(json!({}), &bytes).await;
        match result {
            Ok(value) => assert!(value["sentences"].is_array()),
            Err(ProcessError::Input { code, .. }) => {
                assert!(code.starts_with("pdf_"), "seed {seed}: {code}")
            }
            Err(other) => panic!("seed {seed}: {other:?}"),
        }
    }
}

#[test]
fn extract_pages_gives_the_text_of_each_page() {
    let bytes = text_pdf(&[
        lines(&["Invoice 42", "Total: 1 000,50 €"]),
        lines(&["Page two « guillemets » — dash…"]),
    ]);
    let pages = extract_pages(&bytes).expect("readable");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0], "Invoice 42\nTotal: 1 000,50 €");
    assert_eq!(pages[1], "Page two « guillemets » — dash…");
}

#[test]
fn extract_pages_reports_why_it_cannot_read() {
    assert_eq!(extract_pages(&empty_pdf()), Err(PdfError::Empty));
    assert_eq!(extract_pages(&image_only_pdf(1)), Err(PdfError::NoText));
    assert_eq!(
        extract_pages(&encrypted_pdf(&[lines(&["x"])], "pw")),
        Err(PdfError::Encrypted)
    );
    assert!(matches!(
        extract_pages(b"%PDF-1.4\nnot really"),
        Err(PdfError::Corrupt(_))
    ));
    assert!(matches!(extract_pages(b""), Err(PdfError::Corrupt(_))));
    for error in [
        PdfError::Empty,
        PdfError::NoText,
        PdfError::Encrypted,
        PdfError::TooComplex("nested".into()),
    ] {
        assert!(error.code().starts_with("pdf_"));
        assert!(!error.to_string().is_empty());
    }
}
