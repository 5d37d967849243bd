//! Reading the invoices that jobs saved (`invoice.extract` with `auto_save`).
//! Who may see one is decided in `access::visible_invoice`, not here.

use axum::extract::State;
use jobcast_core::StoredInvoice;

use crate::access::{parse_invoice_id, visible_invoice};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::state::AppState;

/// `GET /api/invoices/{id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<StoredInvoice>, ApiError> {
    let id = parse_invoice_id(&id)?;
    Ok(Json(
        visible_invoice(state.store().as_ref(), &caller, &id).await?,
    ))
}
