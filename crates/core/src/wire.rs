//! Bodies of the REST API that are more than a snapshot or an event.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Event, JobSnapshot, KindInfo};

/// The names of the Socket.IO events (SPEC section 4; docs/protocol.md),
/// for the server, the client crate and the SSE stream alike.
pub mod events {
    /// Server → client: one stored event of a watched job (also the SSE
    /// event name).
    pub const JOB_UPDATE: &str = "job_update";
    /// Server → client, just before it closes a socket: why.
    pub const DISCONNECT_REASON: &str = "disconnect_reason";
    /// Client → server requests, each answered by an acknowledgement.
    pub const JOIN_JOB: &str = "join_job";
    pub const LEAVE_JOB: &str = "leave_job";
    pub const JOIN_USER: &str = "join_user";
    pub const CANCEL_JOB: &str = "cancel_job";
    pub const ANSWER: &str = "answer";
}

/// `{"error":{"code","message"}}`: every REST error, and the `error` of a
/// failed Socket.IO acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

/// How a client goes on to watch the jobs it just created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketHint {
    pub path: String,
    pub join: String,
    pub event: String,
}

impl Default for SocketHint {
    fn default() -> Self {
        SocketHint {
            path: "/socket.io/".into(),
            join: events::JOIN_JOB.into(),
            event: events::JOB_UPDATE.into(),
        }
    }
}

/// `202` answer of `POST /api/jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedJobs {
    pub jobs: Vec<JobSnapshot>,
    pub socket: SocketHint,
}

/// Answer of `GET /api/jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    pub jobs: Vec<JobSnapshot>,
    pub next_cursor: Option<String>,
}

/// Answer of `GET /api/jobs/{id}/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventList {
    pub events: Vec<Event>,
}

// ---- Socket.IO (SPEC section 4) ----

/// `join_job` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinJob {
    pub job_id: String,
    #[serde(default)]
    pub after_seq: Option<u64>,
}

/// `leave_job` and `cancel_job` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRef {
    pub job_id: String,
}

/// `answer` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerClarification {
    pub job_id: String,
    pub clarification_id: String,
    pub answer: serde_json::Value,
}

/// `join_job` acknowledgement: the snapshot, then the replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinJobAck {
    pub ok: bool,
    pub job: JobSnapshot,
    pub events: Vec<Event>,
}

/// `join_user` payload. Every field is optional: `{}` joins the user room
/// and lists the first page of unfinished jobs, as it always did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinUser {
    /// Resume points: job id → the last `seq` the client applied. Every event
    /// of these jobs after it is sent (as `job_update`s, after the ack), then
    /// live ones.
    #[serde(default)]
    pub jobs: BTreeMap<String, u64>,
    /// The `next` of the previous acknowledgement: the page after it.
    #[serde(default)]
    pub after: Option<String>,
}

/// `join_user` acknowledgement: a page of the user's unfinished jobs, newest
/// first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinUserAck {
    pub ok: bool,
    pub jobs: Vec<JobSnapshot>,
    /// Set when more unfinished jobs follow: the `after` of the next call.
    #[serde(default)]
    pub next: Option<String>,
    /// The ids of the request's `jobs` that are not the caller's jobs (or
    /// do not exist): nothing is sent for them.
    #[serde(default)]
    pub unknown: Vec<String>,
}

/// `cancel_job` acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobAck {
    pub ok: bool,
    pub job: JobSnapshot,
}

/// `leave_job` and `answer` acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OkAck {
    pub ok: bool,
}

/// Every refused acknowledgement: `{"ok":false,"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorAck {
    pub ok: bool,
    pub error: ErrorDetail,
}

/// `GET /api/kinds`: the kinds an instance runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindList {
    pub kinds: Vec<KindInfo>,
}

/// `POST /api/dev/sign-in`: a development token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevSignIn {
    pub token: String,
    pub user: String,
    pub expires_in_s: u64,
}

/// `GET /api/dev/sign-in`: whether the development sign-in is offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevSignInOffer {
    pub available: bool,
}
