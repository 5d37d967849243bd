//! `invoice.extract` as the server registers it, on PDF input: the stages
//! and checkpoints a PDF job goes through, what is saved, and the errors a
//! scanned or protected PDF gets.

mod common;

use common::invoices::{generate, Layout};
use common::pdf::{encrypted_pdf, image_only_pdf};
use common::recorder::{context, Recorder};
use jobcast_core::{EventType, MediaType, ProcessError};
use jobcast_processors::{builtin, ProcessorSettings};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

const KIND: &str = "invoice.extract";

#[test]
fn the_kind_is_registered_with_its_options_check() {
    let processors = builtin(&ProcessorSettings::default());
    let p = processors.get(KIND).expect("registered");
    assert_eq!(p.accepts(), [MediaType::Pdf, MediaType::Text]);
    assert!(p
        .check_options(&json!({"confidence_threshold": 0.9}))
        .is_ok());
    assert!(p
        .check_options(&json!({"model_provider": "mystery"}))
        .is_err());
    assert!(p.check_options(&json!({"unknown": true})).is_err());
}

#[tokio::test]
async fn a_pdf_invoice_goes_through_every_stage_and_is_saved() {
    let mut rng = StdRng::seed_from_u64(42);
    let fixture = generate(&mut rng, Layout::FrenchLabels, 0, true);
    let processors = builtin(&ProcessorSettings::default());
    let p = processors.get(KIND).expect("registered");
    let events = Recorder::new();
    let result = p
        .run(context(
            KIND,
            json!({}),
            "facture.pdf",
            &fixture.bytes,
            events.clone(),
        ))
        .await
        .expect("completes");

    let drafts = events.drafts();
    let stages: Vec<(String, f64)> = drafts
        .iter()
        .filter(|d| d.kind == EventType::StageStart)
        .map(|d| {
            (
                d.stage.clone().unwrap_or_default(),
                d.progress.unwrap_or(-1.0),
            )
        })
        .collect();
    assert_eq!(
        stages,
        [
            ("fetch".to_string(), 5.0),
            ("llm_extraction".to_string(), 10.0),
            ("validation".to_string(), 85.0),
            ("save".to_string(), 95.0)
        ]
    );
    assert!(drafts.iter().any(|d| d
        .message
        .as_deref()
        .is_some_and(|m| m.starts_with("Read 1 PDF page(s)"))));
    let progress: Vec<f64> = drafts.iter().filter_map(|d| d.progress).collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");

    assert_eq!(result["invoice_id"], json!("inv-1"));
    assert_eq!(result["extracted_data"], fixture.expected.to_json());
    assert_eq!(result["requires_review"], json!(false));
    let saved = events.saved();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0]["total"], fixture.expected.to_json()["total"]);
    assert_eq!(saved[0]["confidence_score"], result["confidence_score"]);
}

#[tokio::test]
async fn scanned_and_protected_pdfs_are_refused_clearly() {
    let processors = builtin(&ProcessorSettings::default());
    let p = processors.get(KIND).expect("registered");
    let err = p
        .run(context(
            KIND,
            json!({}),
            "scan.pdf",
            &image_only_pdf(1),
            Recorder::new(),
        ))
        .await
        .expect_err("no text layer");
    assert!(
        matches!(err, ProcessError::Input { ref code, ref message } if code == "pdf_unreadable" && message.contains("OCR")),
        "{err:?}"
    );
    let locked = encrypted_pdf(&[vec!["Invoice 1".to_string()]], "secret");
    let err = p
        .run(context(
            KIND,
            json!({}),
            "locked.pdf",
            &locked,
            Recorder::new(),
        ))
        .await
        .expect_err("protected");
    assert!(
        matches!(err, ProcessError::Input { ref code, .. } if code == "pdf_unreadable"),
        "{err:?}"
    );
}
