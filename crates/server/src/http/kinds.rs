//! `GET /api/kinds`: the kinds this instance runs, what each accepts and its
//! options, described for forms (the dashboard builds its form from this).

use axum::extract::State;
use jobcast_core::wire::KindList;

use crate::auth::Caller;
use crate::http::extract::Json;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, _caller: Caller) -> Json<KindList> {
    Json(KindList {
        kinds: state.processors.describe(),
    })
}
