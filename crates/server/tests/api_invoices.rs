//! `GET /api/invoices/{id}`: an invoice a job saved is its owner's (and any
//! admin's) to read; to everyone else it does not exist. The invoices are
//! saved by a small test processor, so these tests do not depend on how
//! `invoice.extract` extracts.

mod common;

use async_trait::async_trait;
use common::{error_code, TestServer};
use jobcast_core::wire::CreatedJobs;
use jobcast_core::{
    JobContext, JobSnapshot, MediaType, ProcessError, Processor, Processors, Status, StoredInvoice,
};
use serde_json::{json, Value};

const KIND: &str = "test.save_invoice";

/// Saves the job's text as an invoice and returns its id, as
/// `invoice.extract` does with `auto_save`.
struct SavesInvoice;

#[async_trait]
impl Processor for SavesInvoice {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Text]
    }

    async fn run(&self, ctx: JobContext) -> Result<Value, ProcessError> {
        let text = String::from_utf8_lossy(&ctx.input.bytes).into_owned();
        let invoice_id = ctx
            .save_invoice(json!({
                "invoice_number": text,
                "total": 119.5,
                "line_items": [{"description": "Widget", "quantity": 2, "unit_price": 59.75, "amount": 119.5}],
                "confidence_score": 0.9,
                "requires_review": false
            }))
            .await?;
        Ok(json!({"invoice_id": invoice_id}))
    }
}

async fn start() -> TestServer {
    TestServer::start_with_processors(Processors::new().with(SavesInvoice), |_| {}).await
}

/// Runs one job for `token` that saves an invoice numbered `number`; returns
/// the job and the invoice's id.
async fn saved_invoice(server: &TestServer, token: &str, number: &str) -> (JobSnapshot, String) {
    let response = server
        .post(token, "/api/jobs")
        .json(&json!({"kind": KIND, "text": number}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 202);
    let created: CreatedJobs = response.json().await.expect("created");
    let id = created.jobs[0].job_id.to_string();
    let job = server.wait_status(token, &id, Status::Completed).await;
    let invoice_id = job.result.as_ref().expect("a result")["invoice_id"]
        .as_str()
        .expect("the result names the invoice")
        .to_owned();
    (job, invoice_id)
}

async fn get_invoice(server: &TestServer, token: &str, id: &str) -> reqwest::Response {
    server
        .get(token, &format!("/api/invoices/{id}"))
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_reads_a_saved_invoice() {
    let server = start().await;
    let alice = server.token("alice");
    let (job, invoice_id) = saved_invoice(&server, &alice, "INV-7").await;

    let response = get_invoice(&server, &alice, &invoice_id).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    for field in ["invoice_id", "job_id", "owner", "data", "created_at"] {
        assert!(body.get(field).is_some(), "{field} missing from {body}");
    }
    let invoice: StoredInvoice = serde_json::from_value(body).expect("a StoredInvoice");
    assert_eq!(invoice.invoice_id, invoice_id);
    assert_eq!(invoice.job_id, job.job_id);
    assert_eq!(invoice.owner, "alice");
    assert_eq!(invoice.data["invoice_number"], "INV-7");
    assert_eq!(invoice.data["total"], json!(119.5));
    assert_eq!(invoice.data["line_items"][0]["unit_price"], json!(59.75));
    assert!(invoice.created_at >= job.created_at);

    // Ids are read case-insensitively, like job ids.
    let response = get_invoice(&server, &alice, &invoice_id.to_lowercase()).await;
    assert_eq!(response.status(), 200);
    let again: StoredInvoice = response.json().await.expect("invoice");
    assert_eq!(again, invoice);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_invoice_is_not_found_but_an_admin_sees_it() {
    let server = start().await;
    let alice = server.token("alice");
    let (_, invoice_id) = saved_invoice(&server, &alice, "INV-8").await;

    // Bob is told exactly what he is told about an id nobody has used.
    let bob = server.token("bob");
    let (status, code, message) = error_code(get_invoice(&server, &bob, &invoice_id).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    assert!(!message.contains("alice"), "{message}");
    let unknown = ulid::Ulid::new().to_string();
    let (status, code, _) = error_code(get_invoice(&server, &bob, &unknown).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));

    let response = get_invoice(&server, &server.admin_token(), &invoice_id).await;
    assert_eq!(response.status(), 200);
    let invoice: StoredInvoice = response.json().await.expect("invoice");
    assert_eq!(invoice.owner, "alice");
    assert_eq!(invoice.data["invoice_number"], "INV-8");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_malformed_and_unauthenticated_requests() {
    let server = start().await;
    let alice = server.token("alice");

    let unknown = ulid::Ulid::new().to_string();
    let (status, code, _) = error_code(get_invoice(&server, &alice, &unknown).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let (status, code, _) =
        error_code(get_invoice(&server, &server.admin_token(), &unknown).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));

    for malformed in [
        "nope",
        "01ARZ3NDEKTSV4RRFFQ69G5FA",
        "01ARZ3NDEKTSV4RRFFQ69G5FAVX",
        "%27%20OR%201%3D1",
    ] {
        let (status, code, _) = error_code(get_invoice(&server, &alice, malformed).await).await;
        assert_eq!((status, code.as_str()), (400, "bad_request"), "{malformed}");
    }

    let response = server
        .http
        .get(server.url(&format!("/api/invoices/{unknown}")))
        .send()
        .await
        .expect("request");
    let (status, code, _) = error_code(response).await;
    assert_eq!((status, code.as_str()), (401, "unauthorized"));
    server.stop().await;
}
