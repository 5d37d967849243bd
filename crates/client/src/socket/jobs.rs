//! The jobcast events of SPEC section 4 on a [`SocketClient`]: typed
//! requests whose acknowledgements are decoded into `jobcast_core::wire`
//! types, and `job_update` events decoded into [`Event`]s.

use std::collections::BTreeMap;
use std::time::Duration;

use jobcast_core::wire::{events, ErrorAck, JobAck, JoinJobAck, JoinUserAck, OkAck};
use jobcast_core::{Event, JobId, JobSnapshot};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::SocketClient;
use crate::error::{AckError, SocketError};

/// The server → client event that carries one job event.
pub use jobcast_core::wire::events::JOB_UPDATE;

/// A joined job: its snapshot and, when joined with `after_seq`, the stored
/// events after it. Live `job_update`s follow the last of them (or the
/// snapshot's `last_seq` when there are none).
#[derive(Debug, Clone, PartialEq)]
pub struct JoinedJob {
    pub job: JobSnapshot,
    pub events: Vec<Event>,
}

impl JoinedJob {
    /// The `seq` after which live updates continue.
    pub fn last_seq(&self) -> u64 {
        self.events.last().map_or(self.job.last_seq, |e| e.seq)
    }
}

/// Resume points one `join_user` call carries at most (the server's limit).
pub const RESUME_PER_CALL: usize = 500;

/// A `join_user` answer: a page of unfinished jobs, the cursor of the next
/// page, and the resumed ids that are not the caller's jobs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPage {
    pub jobs: Vec<JobSnapshot>,
    pub next: Option<String>,
    pub unknown: Vec<String>,
}

impl SocketClient {
    /// Joins `job:<id>`; with `after_seq`, the ack replays every stored event
    /// with a greater `seq`.
    pub async fn join_job(
        &mut self,
        id: JobId,
        after_seq: Option<u64>,
    ) -> Result<JoinedJob, AckError> {
        let mut payload = json!({ "job_id": id.to_string() });
        if let Some(after) = after_seq {
            payload["after_seq"] = json!(after);
        }
        let ack: JoinJobAck = self.call(events::JOIN_JOB, payload).await?;
        Ok(JoinedJob {
            job: ack.job,
            events: ack.events,
        })
    }

    pub async fn leave_job(&mut self, id: JobId) -> Result<(), AckError> {
        let _: OkAck = self
            .call(events::LEAVE_JOB, json!({ "job_id": id.to_string() }))
            .await?;
        Ok(())
    }

    /// Joins `user:<me>`: updates of all the user's jobs follow; answers the
    /// snapshots of the unfinished ones.
    pub async fn join_user(&mut self) -> Result<Vec<JobSnapshot>, AckError> {
        let ack: JoinUserAck = self.call(events::JOIN_USER, json!({})).await?;
        Ok(ack.jobs)
    }

    /// One `join_user` call: joins `user:<me>`, resumes each job of
    /// `resume` (job → the last `seq` applied: the events after it follow as
    /// `job_update`s, then live ones), and answers the page of unfinished
    /// jobs after the cursor `after` (the `next` of the previous page).
    /// At most 500 resume points per call.
    pub async fn join_user_page(
        &mut self,
        resume: &BTreeMap<JobId, u64>,
        after: Option<&str>,
    ) -> Result<UserPage, AckError> {
        let jobs: serde_json::Map<String, Value> = resume
            .iter()
            .map(|(id, seq)| (id.to_string(), json!(seq)))
            .collect();
        let mut payload = json!({ "jobs": jobs });
        if let Some(after) = after {
            payload["after"] = json!(after);
        }
        let ack: JoinUserAck = self.call(events::JOIN_USER, payload).await?;
        Ok(UserPage {
            jobs: ack.jobs,
            next: ack.next,
            unknown: ack.unknown,
        })
    }

    /// Reconnecting: resumes every job of `resume` and lists every unfinished
    /// job, in as few `join_user` calls as the limits allow (one for up to
    /// 500 resume points and 200 unfinished jobs).
    pub async fn resume_user(
        &mut self,
        resume: &BTreeMap<JobId, u64>,
    ) -> Result<UserPage, AckError> {
        let points: Vec<(JobId, u64)> = resume.iter().map(|(id, seq)| (*id, *seq)).collect();
        let mut chunks = points.chunks(RESUME_PER_CALL);
        let mut all = UserPage::default();
        let mut after: Option<String> = None;
        let mut listed = false;
        loop {
            let chunk: BTreeMap<JobId, u64> =
                chunks.next().unwrap_or(&[]).iter().copied().collect();
            let page = self.join_user_page(&chunk, after.as_deref()).await?;
            all.unknown.extend(page.unknown);
            if !listed {
                // Once the listing is through, later calls only carry resume
                // points (their first page again is not taken twice).
                all.jobs.extend(page.jobs);
                after = page.next;
                listed = after.is_none();
            }
            if listed && chunks.len() == 0 {
                return Ok(all);
            }
        }
    }

    pub async fn cancel_job(&mut self, id: JobId) -> Result<JobSnapshot, AckError> {
        let ack: JobAck = self
            .call(events::CANCEL_JOB, json!({ "job_id": id.to_string() }))
            .await?;
        Ok(ack.job)
    }

    /// Answers the job's open clarification `cid`.
    pub async fn answer(&mut self, id: JobId, cid: &str, value: Value) -> Result<(), AckError> {
        let payload = json!({
            "job_id": id.to_string(),
            "clarification_id": cid,
            "answer": value,
        });
        let _: OkAck = self.call(events::ANSWER, payload).await?;
        Ok(())
    }

    /// The next `job_update` (other events are skipped): `Ok(None)` after
    /// `timeout`, `Err(Closed)` once the connection ended and all was read.
    pub async fn next_update(&mut self, timeout: Duration) -> Result<Option<Event>, SocketError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv_event(left).await {
                Ok((name, value)) if name == JOB_UPDATE => {
                    return serde_json::from_value(value)
                        .map(Some)
                        .map_err(|e| SocketError::Decode(format!("job_update: {e}")));
                }
                Ok(_) => {}
                Err(SocketError::Timeout) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends a request and decodes its acknowledgement: `{"ok":true,...}`
    /// into `T`, `{"ok":false,"error"}` into [`AckError::Refused`].
    async fn call<T: DeserializeOwned>(&mut self, event: &str, data: Value) -> Result<T, AckError> {
        let value = self.emit_with_ack(event, data).await?;
        decode_ack(event, value)
    }
}

fn decode_ack<T: DeserializeOwned>(event: &str, value: Value) -> Result<T, AckError> {
    let decode = |e: serde_json::Error| {
        AckError::Socket(SocketError::Decode(format!("{event} acknowledgement: {e}")))
    };
    match value.get("ok") {
        Some(Value::Bool(true)) => serde_json::from_value(value).map_err(decode),
        Some(Value::Bool(false)) => {
            let refused: ErrorAck = serde_json::from_value(value).map_err(decode)?;
            Err(AckError::Refused {
                code: refused.error.code,
                message: refused.error.message,
            })
        }
        _ => Err(AckError::Socket(SocketError::Decode(format!(
            "{event} acknowledgement without \"ok\": {}",
            shorten(&value.to_string())
        )))),
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use jobcast_core::ErrorCode;

    use super::*;

    #[test]
    fn refusals_carry_the_code() {
        let err = decode_ack::<OkAck>(
            "join_job",
            json!({"ok": false, "error": {"code": "not_found", "message": "no such job"}}),
        )
        .expect_err("refused");
        assert_eq!(err.code(), Some(ErrorCode::NotFound));
    }

    #[test]
    fn a_shapeless_ack_is_a_decode_error() {
        for value in [
            json!(null),
            json!({"job": 1}),
            json!({"ok": true, "job": 1}),
        ] {
            let err = decode_ack::<JobAck>("cancel_job", value).expect_err("shapeless");
            assert!(
                matches!(err, AckError::Socket(SocketError::Decode(_))),
                "{err:?}"
            );
        }
        let ok: OkAck = decode_ack("leave_job", json!({"ok": true})).expect("ok");
        assert!(ok.ok);
    }
}
