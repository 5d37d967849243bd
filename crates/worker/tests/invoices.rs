//! What a processor saves through `JobContext::save_invoice`: it gets the
//! invoice's id back, and the invoice is in the store, owned by the job's
//! owner and tied to the job.

mod common;

use async_trait::async_trait;
use common::{config, drain, Env};
use jobcast_core::{JobContext, MediaType, ProcessError, Processor, Status, Store};
use serde_json::{json, Value};

/// Saves two invoices (each save is a new one) and returns their ids.
struct SavesInvoices;

#[async_trait]
impl Processor for SavesInvoices {
    fn kind(&self) -> &'static str {
        "test.saves_invoices"
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Text]
    }

    async fn run(&self, ctx: JobContext) -> Result<Value, ProcessError> {
        let first = ctx
            .save_invoice(json!({"invoice_number": "INV-1", "total": 12.5}))
            .await?;
        let second = ctx
            .save_invoice(json!({"invoice_number": "INV-2", "total": 7}))
            .await?;
        Ok(json!({"invoice_ids": [first, second]}))
    }
}

#[tokio::test]
async fn a_saved_invoice_is_stored_for_the_jobs_owner() {
    let env = Env::new().await;
    let processors = jobcast_processors::builtin(&Default::default()).with(SavesInvoices);
    let pool = env.start_with(processors, config(1)).await;
    let id = env
        .job("test.saves_invoices", json!({}), 1, b"Invoice INV-1")
        .await;

    let job = env.wait_for_status(id, Status::Completed).await;
    let result = job.result.expect("a result");
    let ids: Vec<String> =
        serde_json::from_value(result["invoice_ids"].clone()).expect("two invoice ids");
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    for (invoice_id, number) in ids.iter().zip(["INV-1", "INV-2"]) {
        let invoice = env
            .store
            .invoice(invoice_id)
            .await
            .expect("store answers")
            .expect("the invoice is stored");
        assert_eq!(&invoice.invoice_id, invoice_id);
        assert_eq!(invoice.job_id, id);
        assert_eq!(invoice.owner, "alice");
        assert_eq!(invoice.data["invoice_number"], number);
    }
    drain(pool).await;
}
