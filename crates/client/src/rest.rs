//! The REST API of SPEC section 5, one method per route. Bodies are the wire
//! types of `jobcast_core`; a refusal becomes [`ClientError::Api`] with the
//! server's code, whatever the route.

use jobcast_core::wire::{CreatedJobs, ErrorBody, EventList, JobList};
use jobcast_core::{Event, JobId, JobSnapshot, Status};
use reqwest::multipart::{Form, Part};
use reqwest::{RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::error::ClientError;

/// A caller of one server's REST API with one token.
#[derive(Debug, Clone)]
pub struct RestClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl RestClient {
    /// `base` is the server's root (`http://127.0.0.1:8080`), without `/api`.
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self::with_http(base, token, reqwest::Client::new())
    }

    /// Like `new`, sharing a `reqwest::Client` (and its connection pool).
    pub fn with_http(
        base: impl Into<String>,
        token: impl Into<String>,
        http: reqwest::Client,
    ) -> Self {
        let base = base.into().trim_end_matches('/').to_owned();
        RestClient {
            base,
            token: token.into(),
            http,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One job from a text (`POST /api/jobs` JSON).
    pub async fn create_text(
        &self,
        kind: &str,
        text: &str,
        options: Value,
    ) -> Result<Vec<JobSnapshot>, ClientError> {
        let body = json!({"kind": kind, "text": text, "options": options});
        let created: CreatedJobs = self
            .send(self.request(reqwest::Method::POST, "/api/jobs").json(&body))
            .await?;
        Ok(created.jobs)
    }

    /// One job per file (`POST /api/jobs` multipart); all or nothing.
    pub async fn create_files(
        &self,
        kind: &str,
        files: Vec<(String, Vec<u8>)>,
        options: Value,
    ) -> Result<Vec<JobSnapshot>, ClientError> {
        let mut form = Form::new()
            .text("kind", kind.to_owned())
            .text("options", options.to_string());
        for (name, bytes) in files {
            form = form.part("file", Part::bytes(bytes).file_name(name));
        }
        let created: CreatedJobs = self
            .send(
                self.request(reqwest::Method::POST, "/api/jobs")
                    .multipart(form),
            )
            .await?;
        Ok(created.jobs)
    }

    pub async fn job(&self, id: JobId) -> Result<JobSnapshot, ClientError> {
        self.send(self.request(reqwest::Method::GET, &format!("/api/jobs/{id}")))
            .await
    }

    /// One page of the caller's jobs, newest first. An empty `statuses`
    /// means any status; `cursor` is the previous page's `next_cursor`.
    pub async fn list(
        &self,
        statuses: &[Status],
        kind: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<JobList, ClientError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if !statuses.is_empty() {
            let list: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            query.push(("status", list.join(",")));
        }
        if let Some(kind) = kind {
            query.push(("kind", kind.to_owned()));
        }
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        self.send(
            self.request(reqwest::Method::GET, "/api/jobs")
                .query(&query),
        )
        .await
    }

    /// Stored events with `seq > after_seq`, in order (one page: the server
    /// caps how many one call returns).
    pub async fn events(&self, id: JobId, after_seq: u64) -> Result<Vec<Event>, ClientError> {
        let list: EventList = self
            .send(
                self.request(reqwest::Method::GET, &format!("/api/jobs/{id}/events"))
                    .query(&[("after_seq", after_seq)]),
            )
            .await?;
        Ok(list.events)
    }

    pub async fn cancel(&self, id: JobId) -> Result<JobSnapshot, ClientError> {
        self.send(self.request(reqwest::Method::POST, &format!("/api/jobs/{id}/cancel")))
            .await
    }

    pub async fn retry(&self, id: JobId) -> Result<JobSnapshot, ClientError> {
        self.send(self.request(reqwest::Method::POST, &format!("/api/jobs/{id}/retry")))
            .await
    }

    /// Answers the job's open clarification `cid`.
    pub async fn answer(
        &self,
        id: JobId,
        cid: &str,
        value: Value,
    ) -> Result<JobSnapshot, ClientError> {
        let url = reqwest::Url::parse(&self.base)
            .and_then(|base| {
                let mut url = base;
                url.path_segments_mut()
                    .map_err(|()| url::ParseError::RelativeUrlWithCannotBeABaseBase)?
                    .extend(["api", "jobs", &id.to_string(), "clarifications", cid]);
                Ok(url)
            })
            .map_err(|e| ClientError::Http(format!("bad URL: {e}")))?;
        self.send(
            self.http
                .post(url)
                .bearer_auth(&self.token)
                .json(&json!({"answer": value})),
        )
        .await
    }

    /// The job's input file, as stored.
    pub async fn input(&self, id: JobId) -> Result<Vec<u8>, ClientError> {
        let response = self
            .checked(self.request(reqwest::Method::GET, &format!("/api/jobs/{id}/input")))
            .await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Http(describe(&e)))?;
        Ok(bytes.to_vec())
    }

    fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ClientError> {
        let response = self.checked(request).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Http(describe(&e)))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Sends the request; a non-2xx answer becomes an error.
    async fn checked(&self, request: RequestBuilder) -> Result<Response, ClientError> {
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Http(describe(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.bytes().await.unwrap_or_default();
        Err(match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error }) => ClientError::Api {
                status: status.as_u16(),
                code: error.code,
                message: error.message,
            },
            Err(_) => {
                let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
                ClientError::Http(format!("{status}: {text}"))
            }
        })
    }
}

/// A request error with its causes ("error sending request: ... Connection
/// refused"), since the first line alone rarely says what went wrong.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
