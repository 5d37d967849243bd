//! How well `pdf.sentences` recovers the sentences of a generated novel
//! (English and French, dialogue, abbreviations, numbers, hyphenated line
//! breaks, running headers, page numbers). Fails under 98 %.
//!
//! Accuracy = expected sentences found exactly (as a multiset) / expected
//! sentences. Run with `--nocapture` to see the figure and the misses.

mod common;

use std::collections::HashMap;

use common::novel::novel;
use common::pdf::text_pdf;
use common::recorder::{context, Recorder};
use jobcast_core::Processor;
use jobcast_processors::pdf::PdfSentences;
use serde_json::json;

const REQUIRED: f64 = 0.98;

#[tokio::test]
async fn sentence_split_accuracy_on_a_generated_novel_is_at_least_98_percent() {
    let book = novel(30);
    assert!(
        book.pages.len() >= 30,
        "the novel has {} pages",
        book.pages.len()
    );
    let bytes = text_pdf(&book.pages);

    let events = Recorder::new();
    let ctx = context(
        "pdf.sentences",
        json!({}),
        "input.pdf",
        &bytes,
        events.clone(),
    );
    let result = PdfSentences::default()
        .run(ctx)
        .await
        .expect("the job succeeds");
    let found: Vec<String> = result["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();

    let mut available: HashMap<&str, usize> = HashMap::new();
    for sentence in &found {
        *available.entry(sentence.as_str()).or_default() += 1;
    }
    let mut hits = 0;
    let mut misses = Vec::new();
    for expected in &book.sentences {
        match available.get_mut(expected.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                hits += 1;
            }
            _ => misses.push(expected.as_str()),
        }
    }
    let unexpected: Vec<&str> = available
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, _)| *s)
        .collect();
    let accuracy = hits as f64 / book.sentences.len() as f64;
    println!(
        "pdf.sentences accuracy: {:.2} % ({hits}/{} sentences, {} pages, {} sentences returned)",
        accuracy * 100.0,
        book.sentences.len(),
        book.pages.len(),
        found.len()
    );
    for miss in misses.iter().take(20) {
        println!("  missed:     {miss}");
    }
    for extra in unexpected.iter().take(20) {
        println!("  unexpected: {extra}");
    }
    assert_eq!(result["pages"], json!(book.pages.len()));
    assert!(
        accuracy >= REQUIRED,
        "accuracy {:.2} % is under {:.0} %",
        accuracy * 100.0,
        REQUIRED * 100.0
    );
}
