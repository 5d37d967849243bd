//! The REST API's routes. One file per resource; shared extractors in
//! `extract`, input admission in `intake`.

pub mod create;
pub mod dev_sign_in;
pub mod extract;
pub mod health;
pub mod intake;
pub mod invoices;
pub mod jobs;
pub mod kinds;
pub mod stream;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// Body limit of the JSON routes other than job creation.
const SMALL_BODY: usize = 256 * 1024;

pub fn router(state: AppState) -> Router {
    let limits = state.limits;
    // A whole batch at the per-file limit, plus room for the form's framing.
    let upload_limit = (limits.max_upload_bytes as usize)
        .saturating_mul(limits.max_files)
        .saturating_add(1024 * 1024);
    let api = Router::new()
        .route(
            "/jobs",
            post(create::create)
                .layer(DefaultBodyLimit::max(upload_limit))
                .get(jobs::list),
        )
        .route("/jobs/{id}", get(jobs::get))
        .route("/jobs/{id}/events", get(jobs::events))
        .route("/jobs/{id}/cancel", post(jobs::cancel))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/jobs/{id}/clarifications/{cid}", post(jobs::answer))
        .route("/jobs/{id}/input", get(jobs::input))
        .route("/invoices/{id}", get(invoices::get))
        .route("/kinds", get(kinds::list))
        .route(
            "/dev/sign-in",
            get(dev_sign_in::offer).post(dev_sign_in::sign_in),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(SMALL_BODY));
    Router::new()
        .nest("/api", api)
        .merge(crate::dashboard::router())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}
