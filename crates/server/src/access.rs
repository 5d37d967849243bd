//! Who may see which job, and which invoice. A job (or an invoice) owned by
//! someone else is `not_found` — never `forbidden`, never its data — and
//! `visible_job` (`visible_invoice`) is the one function that decides it, for
//! every route and transport.

use jobcast_core::{JobId, JobSnapshot, Store, StoredInvoice};

use crate::auth::Caller;
use crate::error::ApiError;

pub fn parse_job_id(text: &str) -> Result<JobId, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request("not a job id (expected a 26-character ULID)"))
}

/// The job, if it exists and the caller may see it.
pub async fn visible_job(
    store: &dyn Store,
    caller: &Caller,
    id: JobId,
) -> Result<JobSnapshot, ApiError> {
    match store.job(id).await? {
        Some(job) if caller.is_admin() || job.owner == caller.user => Ok(job),
        _ => Err(ApiError::not_found(format!("no job {id}"))),
    }
}

/// An invoice id in its canonical (upper-case ULID) form, as the store keeps it.
pub fn parse_invoice_id(text: &str) -> Result<String, ApiError> {
    ulid::Ulid::from_string(text)
        .map(|id| id.to_string())
        .map_err(|_| ApiError::bad_request("not an invoice id (expected a 26-character ULID)"))
}

/// The invoice, if it exists and the caller may see it: its owner's (the
/// owner of the job that saved it), or any for an admin.
pub async fn visible_invoice(
    store: &dyn Store,
    caller: &Caller,
    invoice_id: &str,
) -> Result<StoredInvoice, ApiError> {
    match store.invoice(invoice_id).await? {
        Some(invoice) if caller.is_admin() || invoice.owner == caller.user => Ok(invoice),
        _ => Err(ApiError::not_found(format!("no invoice {invoice_id}"))),
    }
}
