//! Invoices saved by a job (`invoice.extract`): stored whole, each under a
//! new id, owned by the job's owner, and read back by id alone.

use std::collections::HashSet;

use jobcast_core::{JobSnapshot, Timestamp};
use serde_json::json;
use ulid::Ulid;

use super::{create, Shared};

fn extracted() -> serde_json::Value {
    json!({
        "invoice_number": "INV-2026-001",
        "invoice_date": "2026-01-15",
        "due_date": null,
        "vendor": {"name": "Société Générale", "address": "1 rue X", "tax_id": null},
        "currency": "EUR",
        "line_items": [{"description": "Widget", "quantity": 3, "unit_price": 33.33, "amount": 99.99}],
        "subtotal": 99.99,
        "tax": 0.1 + 0.2,
        "total": 100.29,
        "confidence_score": 0.87,
        "requires_review": false
    })
}

pub async fn saved_invoices_read_back_whole(store: Shared) {
    let job = create(&store, "alice", "invoice.extract").await;
    let data = extracted();
    let before = Timestamp::now();
    let id = store.save_invoice(&job, &data).await.expect("save");
    let after = Timestamp::now();

    let id_ulid: Ulid = id.parse().expect("invoice ids are ULIDs");
    assert_eq!(id, id_ulid.to_string(), "written in canonical form");

    let invoice = store
        .invoice(&id)
        .await
        .expect("read")
        .expect("the saved invoice");
    assert_eq!(invoice.invoice_id, id);
    assert_eq!(invoice.job_id, job.job_id);
    assert_eq!(invoice.data, data, "numbers and text read back exactly");
    assert!(before <= invoice.created_at && invoice.created_at <= after);
}

pub async fn an_unknown_invoice_is_none(store: Shared) {
    let job = create(&store, "alice", "invoice.extract").await;
    store.save_invoice(&job, &extracted()).await.expect("save");
    for unknown in [
        Ulid::new().to_string(),
        "not-an-id".to_owned(),
        String::new(),
    ] {
        assert_eq!(
            store.invoice(&unknown).await.expect("read"),
            None,
            "{unknown:?}"
        );
    }
}

pub async fn each_save_is_a_new_invoice(store: Shared) {
    let job = create(&store, "alice", "invoice.extract").await;
    let first = store
        .save_invoice(&job, &json!({"total": 1}))
        .await
        .expect("first");
    let second = store
        .save_invoice(&job, &json!({"total": 2}))
        .await
        .expect("second");
    assert_ne!(first, second);
    for (id, total) in [(&first, 1), (&second, 2)] {
        let invoice = store.invoice(id).await.expect("read").expect("saved");
        assert_eq!(invoice.job_id, job.job_id);
        assert_eq!(invoice.data, json!({"total": total}));
    }
}

pub async fn an_invoice_belongs_to_its_jobs_owner(store: Shared) {
    let alices: JobSnapshot = create(&store, "alice", "invoice.extract").await;
    let bobs: JobSnapshot = create(&store, "bob", "invoice.extract").await;
    let mut ids = HashSet::new();
    for (job, owner) in [(&alices, "alice"), (&bobs, "bob")] {
        let id = store.save_invoice(job, &extracted()).await.expect("save");
        let invoice = store.invoice(&id).await.expect("read").expect("saved");
        assert_eq!(invoice.owner, owner);
        assert_eq!(invoice.job_id, job.job_id);
        assert!(ids.insert(id));
    }
}
