//! Reading and acting on existing jobs: list, get, events, cancel, retry,
//! answer a clarification, download the input.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use jobcast_core::wire::{EventList, JobList};
use jobcast_core::{JobQuery, JobSnapshot, Status};
use serde::Deserialize;
use serde_json::Value;

use crate::access::{parse_job_id, visible_job};
use crate::actions;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::extract::{Json, Path, Query};
use crate::http::stream;
use crate::state::AppState;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;
const DEFAULT_EVENTS: u32 = 1000;
const MAX_EVENTS: u32 = 10_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    status: Option<String>,
    kind: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<Json<JobList>, ApiError> {
    let statuses = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| {
                Status::parse(s.trim()).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "unknown status {s:?}; expected one of queued, running, waiting_input, completed, failed, cancelled"
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be 1..={MAX_PAGE}"
        )));
    }
    let before = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(
            cursor
                .parse()
                .map_err(|_| ApiError::bad_request("bad cursor"))?,
        ),
        None => None,
    };
    let query = JobQuery {
        owner: (!caller.is_admin()).then(|| caller.user.clone()),
        statuses,
        kind: params.kind.filter(|k| !k.is_empty()),
        limit,
        before,
    };
    let page = state.store().list_jobs(&query).await?;
    Ok(Json(JobList {
        jobs: page.jobs,
        next_cursor: page.next_cursor.map(|id| id.to_string()),
    }))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobSnapshot>, ApiError> {
    let id = parse_job_id(&id)?;
    Ok(Json(
        visible_job(state.store().as_ref(), &caller, id).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventParams {
    after_seq: Option<u64>,
    limit: Option<u32>,
}

pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<EventParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_job_id(&id)?;
    visible_job(state.store().as_ref(), &caller, id).await?;
    if wants_event_stream(&headers) {
        let resume = match headers.get("last-event-id") {
            Some(value) => Some(
                value
                    .to_str()
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .ok_or_else(|| ApiError::bad_request("Last-Event-ID must be a seq number"))?,
            ),
            None => None,
        };
        let after = resume.or(params.after_seq).unwrap_or(0);
        return Ok(stream::respond(
            state.journal.clone(),
            id,
            after,
            state.limits.sse_keep_alive,
            caller.time_left(),
            state.shutdown.clone(),
        ));
    }
    let limit = params.limit.unwrap_or(DEFAULT_EVENTS);
    if !(1..=MAX_EVENTS).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be 1..={MAX_EVENTS}"
        )));
    }
    let events = state
        .store()
        .events_after(id, params.after_seq.unwrap_or(0), limit)
        .await?;
    Ok(Json(EventList { events }).into_response())
}

fn wants_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobSnapshot>, ApiError> {
    let id = parse_job_id(&id)?;
    Ok(Json(actions::cancel(&state, &caller, id).await?))
}

pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobSnapshot>, ApiError> {
    let id = parse_job_id(&id)?;
    Ok(Json(actions::retry(&state, &caller, id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    answer: Option<Value>,
}

pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, clarification_id)): Path<(String, String)>,
    Json(body): Json<AnswerBody>,
) -> Result<Json<JobSnapshot>, ApiError> {
    let id = parse_job_id(&id)?;
    let answer = body
        .answer
        .ok_or_else(|| ApiError::bad_request("missing \"answer\""))?;
    Ok(Json(
        actions::answer(&state, &caller, id, &clarification_id, answer).await?,
    ))
}

pub async fn input(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_job_id(&id)?;
    visible_job(state.store().as_ref(), &caller, id).await?;
    let input = state
        .store()
        .input(id)
        .await?
        .ok_or_else(|| ApiError::not_found("this job has no stored input"))?;
    let filename = input.filename.unwrap_or_else(|| format!("{id}.bin"));
    let ascii_name: String = filename
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii_name}\"");
    let mut response = Body::from(input.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(input.media_type.mime()),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
