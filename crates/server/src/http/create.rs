//! `POST /api/jobs`: one job per file of a multipart upload, or one job from a
//! JSON body with `text` or a `url`. A batch is all or nothing: every file is
//! checked before any job is created, and the error names the file.

use std::sync::Arc;

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use jobcast_core::wire::{CreatedJobs, SocketHint};
use jobcast_core::{JobId, JobInput, NewJob, Processor};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::fetch::FetchError;
use crate::http::body::{self, Capped, CreateLimits, Meter};
use crate::http::extract::Json;
use crate::http::intake::{self, Upload};
use crate::state::AppState;

const MAX_KIND_CHARS: usize = 100;
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateFromJson {
    kind: String,
    url: Option<String>,
    text: Option<String>,
    filename: Option<String>,
    options: Option<Value>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    request: Request,
) -> Result<(StatusCode, Json<CreatedJobs>), ApiError> {
    let idempotency_key = idempotency_key(request.headers())?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let limits = CreateLimits::new(state.limits.max_upload_bytes, state.limits.max_files);
    let (kind, options, inputs) = if content_type.starts_with("multipart/form-data") {
        let request = refuse_declared(request, limits.multipart, limits.drain())?;
        let (parts, raw) = request.into_parts();
        // The boundary is case-sensitive: read it from the header as sent.
        let sent_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (metered, meter) = Meter::wrap(raw, limits.multipart, sent_type);
        let multipart = Multipart::from_request(Request::from_parts(parts, metered), &state)
            .await
            .map_err(|e| ApiError::bad_request(format!("bad multipart body: {}", e.body_text())))?;
        from_multipart(&state, multipart, meter).await?
    } else if content_type.starts_with("application/json") {
        let request = refuse_declared(request, limits.json, limits.drain())?;
        let body = read_json(request, limits).await?;
        from_json(&state, body).await?
    } else {
        return Err(ApiError::unsupported(
            "send multipart/form-data (files) or application/json (text or url)",
        ));
    };

    let jobs = inputs
        .into_iter()
        .map(|input| NewJob {
            id: JobId::new(),
            kind: kind.clone(),
            owner: caller.user.clone(),
            options: options.clone(),
            max_attempts: state.limits.max_attempts,
            input,
        })
        .collect();
    let outcome = state
        .journal
        .create_jobs(&caller.user, idempotency_key.as_deref(), jobs)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CreatedJobs {
            jobs: outcome.jobs,
            socket: SocketHint::default(),
        }),
    ))
}

/// `request`, unless it declares a body over `limit`: then a 413 at once,
/// and the body (up to `drain` bytes) read and dropped in the background.
fn refuse_declared(request: Request, limit: u64, drain: u64) -> Result<Request, ApiError> {
    match body::check_declared(request.headers(), limit) {
        Ok(()) => Ok(request),
        Err(e) => {
            body::drain_later(request.into_body().into_data_stream(), drain);
            Err(e)
        }
    }
}

/// A JSON create body, read within `limits.json`; the bytes are dropped
/// once parsed.
async fn read_json(request: Request, limits: CreateLimits) -> Result<CreateFromJson, ApiError> {
    let declared = body::declared_length(request.headers());
    let mut stream = request.into_body().into_data_stream();
    let bytes = match body::read_capped(&mut stream, limits.json, declared).await {
        Ok(bytes) => bytes,
        Err(Capped::TooLarge) => {
            body::drain_later(stream, limits.drain());
            return Err(ApiError::too_large(format!(
                "the JSON body is larger than the limit of {} bytes; send large files as multipart",
                limits.json
            )));
        }
        Err(Capped::Failed(e)) => {
            return Err(ApiError::bad_request(format!(
                "could not read the body: {e}"
            )))
        }
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY_CHARS)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "Idempotency-Key must be 1..={MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters"
            ))
        })?;
    Ok(Some(key.to_string()))
}

fn processor<'a>(state: &'a AppState, kind: &str) -> Result<&'a Arc<dyn Processor>, ApiError> {
    state.processors.get(kind).ok_or_else(|| {
        let shown: String = kind.chars().take(MAX_KIND_CHARS).collect();
        ApiError::bad_request(format!(
            "unknown kind {shown:?}; this server runs: {}",
            state.processors.kinds().join(", ")
        ))
    })
}

type Admitted = (String, Value, Vec<JobInput>);

async fn from_json(state: &AppState, body: CreateFromJson) -> Result<Admitted, ApiError> {
    let processor = processor(state, &body.kind)?.clone();
    let options = intake::options(processor.as_ref(), body.options)?;
    let upload = match (body.text, body.url) {
        (Some(text), None) => Upload {
            filename: body.filename.as_deref().and_then(intake::clean_filename),
            bytes: text.into_bytes(),
        },
        (None, Some(url)) => {
            let fetched = state.fetcher.fetch(&url).await.map_err(fetch_error)?;
            Upload {
                filename: body
                    .filename
                    .or(fetched.filename)
                    .as_deref()
                    .and_then(intake::clean_filename),
                bytes: fetched.bytes,
            }
        }
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of \"text\" or \"url\" (or upload files as multipart)",
            ))
        }
    };
    let input = intake::admit(processor.as_ref(), upload, state.limits.max_upload_bytes)?;
    Ok((body.kind, options, vec![input]))
}

fn fetch_error(e: FetchError) -> ApiError {
    match e {
        FetchError::BadUrl(_) => ApiError::bad_request(e.to_string()),
        FetchError::Blocked { .. } => ApiError::forbidden(e.to_string()),
        FetchError::TooLarge { .. } => ApiError::too_large(e.to_string()),
        _ => ApiError::bad_request(format!("could not download the url: {e}")),
    }
}

async fn from_multipart(
    state: &AppState,
    mut multipart: Multipart,
    meter: Meter,
) -> Result<Admitted, ApiError> {
    let max_bytes = state.limits.max_upload_bytes;
    let max_files = state.limits.max_files;
    let mut kind: Option<String> = None;
    let mut options_text: Option<String> = None;
    let mut uploads: Vec<Upload> = Vec::new();

    let outcome: Result<(), ApiError> = async {
        let failed = |e: MultipartError| multipart_error(&meter, e);
        while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
            let name = field.name().unwrap_or_default().to_string();
            match name.as_str() {
                "file" | "files" | "file[]" | "files[]" => {
                    if uploads.len() == max_files {
                        return Err(ApiError::bad_request(format!(
                            "at most {max_files} files per request"
                        )));
                    }
                    let filename = field.file_name().and_then(intake::clean_filename);
                    let label = match &filename {
                        Some(name) => format!("file {name:?}"),
                        None => format!("file #{}", uploads.len() + 1),
                    };
                    let bytes = match body::read_capped(&mut field, max_bytes, None).await {
                        Ok(bytes) => bytes,
                        Err(Capped::TooLarge) => return Err(intake::too_large(&label, max_bytes)),
                        Err(Capped::Failed(e)) => return Err(failed(e)),
                    };
                    uploads.push(Upload { filename, bytes });
                }
                "kind" => {
                    kind = Some(small_text(&mut field, "kind", body::MAX_KIND_FIELD, failed).await?)
                }
                "options" => {
                    options_text = Some(
                        small_text(&mut field, "options", body::MAX_OPTIONS_FIELD, failed).await?,
                    )
                }
                other => {
                    let shown: String = other.chars().take(50).collect();
                    return Err(ApiError::bad_request(format!(
                        "unexpected form field {shown:?}; expected file, kind, options"
                    )));
                }
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        // Answer now; read what is left (bounded by the meter and in time) in
        // the background, so that a client still sending sees the answer
        // rather than a reset connection.
        drain_multipart(multipart);
        return Err(e);
    }

    let kind = kind.ok_or_else(|| ApiError::bad_request("missing form field \"kind\""))?;
    let processor = processor(state, &kind)?.clone();
    let options =
        match options_text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(text) => Some(serde_json::from_str::<Value>(text).map_err(|e| {
                ApiError::invalid_options(format!("options is not valid JSON: {e}"))
            })?),
            None => None,
        };
    let options = intake::options(processor.as_ref(), options)?;
    if uploads.is_empty() {
        return Err(ApiError::bad_request(
            "no file: send 1 or more \"file\" parts",
        ));
    }
    let inputs = uploads
        .into_iter()
        .map(|upload| intake::admit(processor.as_ref(), upload, max_bytes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((kind, options, inputs))
}

async fn small_text(
    field: &mut axum::extract::multipart::Field<'_>,
    name: &str,
    max: u64,
    failed: impl Fn(MultipartError) -> ApiError,
) -> Result<String, ApiError> {
    let bytes = match body::read_capped(field, max, None).await {
        Ok(bytes) => bytes,
        Err(Capped::TooLarge) => {
            return Err(ApiError::too_large(format!(
                "form field {name:?} is longer than {max} bytes"
            )))
        }
        Err(Capped::Failed(e)) => return Err(failed(e)),
    };
    String::from_utf8(bytes)
        .map(|s| s.trim().to_string())
        .map_err(|_| ApiError::bad_request(format!("form field {name:?} is not UTF-8 text")))
}

/// Reads and drops the rest of a refused form in the background, within the
/// meter's limit and `body::drain_later`'s time.
fn drain_multipart(mut multipart: Multipart) {
    tokio::spawn(async move {
        let drain = async {
            while let Ok(Some(mut field)) = multipart.next_field().await {
                while let Ok(Some(_)) = field.chunk().await {}
            }
        };
        let _ = tokio::time::timeout(body::DRAIN_TIME, drain).await;
    });
}

fn multipart_error(meter: &Meter, e: MultipartError) -> ApiError {
    if let Some(why) = meter.refusal() {
        ApiError::too_large(why.to_string())
    } else if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large("request body too large")
    } else {
        ApiError::bad_request(format!("bad multipart body: {}", e.body_text()))
    }
}
