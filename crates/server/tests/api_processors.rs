//! The shipped processors through the real server: a text invoice submitted
//! over REST is extracted, validated and saved, and its invoice is readable
//! by its owner only.

mod common;

use common::{error_code, TestServer};
use jobcast_core::wire::CreatedJobs;
use jobcast_core::{EventType, Status};
use serde_json::{json, Value};

const INVOICE: &str = "\
ACME Tools Ltd
12 Harbour Road, Bristol BS1 4QA
VAT number: GB123456789

INVOICE

Invoice number: INV-2026-0042
Invoice date: 2026-11-02
Due date: 2026-12-02

Bill to:
Northwind Traders
8 Mill Lane, Leeds LS1 2AB

Description        Qty    Unit price    Amount
Steel hammer         2         12.50     25.00
Tape measure         3          8.00     24.00

Subtotal: 49.00
VAT (20%): 9.80
Total: GBP 58.80
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_invoice_is_extracted_saved_and_owned() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let response = server
        .post(&alice, "/api/jobs")
        .json(&json!({"kind": "invoice.extract", "text": INVOICE, "filename": "inv.txt"}))
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 202);
    let created: CreatedJobs = response.json().await.expect("body");
    let id = created.jobs[0].job_id.to_string();
    let done = server
        .wait_for(&alice, &id, std::time::Duration::from_secs(30), |j| {
            j.status.is_terminal()
        })
        .await;
    assert_eq!(done.status, Status::Completed, "{:?}", done.error);
    let result = done.result.expect("result");
    let data = &result["extracted_data"];
    assert_eq!(data["invoice_number"], json!("INV-2026-0042"));
    assert_eq!(data["invoice_date"], json!("2026-11-02"));
    assert_eq!(data["due_date"], json!("2026-12-02"));
    assert_eq!(data["currency"], json!("GBP"));
    assert_eq!(data["total"], json!(58.8));
    assert_eq!(data["line_items"].as_array().map(Vec::len), Some(2));

    let stages: Vec<String> = server
        .events(&alice, &id, 0)
        .await
        .into_iter()
        .filter(|e| e.kind == EventType::StageStart)
        .filter_map(|e| e.stage)
        .collect();
    assert_eq!(stages, ["fetch", "llm_extraction", "validation", "save"]);

    let invoice_id = result["invoice_id"]
        .as_str()
        .expect("saved by default")
        .to_string();
    let mine = server
        .get(&alice, &format!("/api/invoices/{invoice_id}"))
        .send()
        .await
        .expect("get");
    assert_eq!(mine.status(), 200);
    let stored: Value = mine.json().await.expect("invoice");
    assert_eq!(stored["owner"], json!("alice"));
    assert_eq!(stored["job_id"], json!(id));
    let theirs = server
        .get(
            &server.token("mallory"),
            &format!("/api/invoices/{invoice_id}"),
        )
        .send()
        .await
        .expect("get");
    assert_eq!(error_code(theirs).await.0, 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_kinds_refuse_what_they_cannot_read() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    // pdf.sentences takes PDFs only: text is refused at the door (415).
    let response = server
        .post(&alice, "/api/jobs")
        .json(&json!({"kind": "pdf.sentences", "text": "Not a PDF."}))
        .send()
        .await
        .expect("create");
    assert_eq!(error_code(response).await.0, 415);
    // A file that claims to be a PDF but is not fails the job with a clear code.
    let form = reqwest::multipart::Form::new()
        .text("kind", "pdf.sentences")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.7\n\x00\x01garbage garbage".to_vec())
                .file_name("broken.pdf"),
        );
    let created: CreatedJobs = server
        .post(&alice, "/api/jobs")
        .multipart(form)
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("body");
    let id = created.jobs[0].job_id.to_string();
    let failed = server.wait_status(&alice, &id, Status::Failed).await;
    let error = failed.error.expect("error");
    assert!(error.code.starts_with("pdf_"), "{error:?}");
    assert!(!error.retryable);
    // Bad options of a real kind: 422.
    let response = server
        .post(&alice, "/api/jobs")
        .json(&json!({"kind": "invoice.extract", "text": INVOICE, "options": {"confidence_threshold": 7}}))
        .send()
        .await
        .expect("create");
    assert_eq!(error_code(response).await.0, 422);
    server.stop().await;
}
