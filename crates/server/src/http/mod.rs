//! The REST API's routes. One file per resource; shared extractors in
//! `extract`, input admission in `intake`.

pub mod body;
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
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    // Every route but job creation takes at most a small JSON body: a
    // declared length over it is refused before reading, and the body is
    // cut at it while it streams. Job creation sets its own limits, per form
    // (`body::CreateLimits`), as it reads.
    let small = usize::try_from(body::SMALL_BODY).unwrap_or(usize::MAX);
    let api = Router::new()
        .route("/jobs", get(jobs::list))
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
        .route_layer(middleware::from_fn(body::small_declared))
        .route(
            "/jobs",
            post(create::create).layer(DefaultBodyLimit::disable()),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(small));
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
