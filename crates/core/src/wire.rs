//! Bodies of the REST API that are more than a snapshot or an event.

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Event, JobSnapshot};

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
            join: "join_job".into(),
            event: "job_update".into(),
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
