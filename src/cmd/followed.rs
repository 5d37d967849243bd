//! One job as the CLI sees it while following it: a snapshot rebuilt from its
//! events, applied strictly in `seq` order. Pure state, no I/O, so the rules
//! (a duplicate is dropped, a gap is reported, a retry starts a new attempt)
//! are tested here and the connection code only moves events around.

use jobcast_core::{Event, EventType, JobSnapshot, Status};
use serde_json::Value;

/// A followed job: its snapshot as of the last event applied.
#[derive(Debug, Clone)]
pub struct Followed {
    pub job: JobSnapshot,
    /// The open question, while the job waits for an answer.
    pub question: Option<String>,
}

/// What applying one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The event was the next one: the job moved on.
    Yes,
    /// Already seen (`seq` at or below the last one): ignored.
    Duplicate,
    /// Events are missing before this one: nothing was applied; the caller
    /// must catch up from [`Followed::last_seq`].
    Gap,
}

impl Followed {
    /// The job as it was before its first event, to replay its log onto:
    /// what the snapshot says now is rebuilt event by event.
    pub fn from_start(snapshot: JobSnapshot) -> Followed {
        let mut job = snapshot;
        job.last_seq = 0;
        job.attempt = 1;
        job.status = Status::Queued;
        job.stage = None;
        job.progress = 0.0;
        job.message = String::new();
        job.eta_ms = None;
        job.result = None;
        job.error = None;
        Followed {
            job,
            question: None,
        }
    }

    pub fn last_seq(&self) -> u64 {
        self.job.last_seq
    }

    pub fn is_finished(&self) -> bool {
        self.job.status.is_terminal()
    }

    /// The file name, or the id of a job that has none.
    pub fn name(&self) -> String {
        self.job
            .filename
            .clone()
            .unwrap_or_else(|| self.job.job_id.to_string())
    }

    pub fn apply(&mut self, event: &Event) -> Applied {
        if event.seq <= self.job.last_seq {
            return Applied::Duplicate;
        }
        if event.seq > self.job.last_seq + 1 {
            return Applied::Gap;
        }
        let job = &mut self.job;
        job.last_seq = event.seq;
        job.status = event.status;
        job.stage = event.stage.clone();
        job.progress = event.progress;
        job.message = event.message.clone();
        job.eta_ms = event.eta_ms;
        match event.kind {
            EventType::Clarification => {
                self.question = event
                    .data
                    .as_ref()
                    .and_then(|d| d.get("question"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            EventType::Retrying => {
                job.attempt += 1;
                job.max_attempts = job.max_attempts.max(job.attempt);
                job.result = None;
                job.error = None;
            }
            EventType::Completed => job.result = event.data.clone(),
            EventType::Failed => {
                job.error = event
                    .data
                    .clone()
                    .and_then(|d| serde_json::from_value(d).ok());
            }
            _ => {}
        }
        if job.status != Status::WaitingInput {
            self.question = None;
        }
        Applied::Yes
    }
}

#[cfg(test)]
mod tests {
    use jobcast_core::{JobId, Timestamp};
    use serde_json::json;

    use super::*;

    fn snapshot() -> JobSnapshot {
        serde_json::from_value(json!({
            "job_id": JobId::new().to_string(), "room": "job:x", "kind": "demo.steps",
            "owner": "alice", "filename": "a.txt", "status": "completed", "stage": "count",
            "progress": 100.0, "message": "Completed", "eta_ms": null, "attempt": 2,
            "max_attempts": 3, "options": {}, "result": {"steps": 2}, "error": null,
            "created_at": Timestamp::now().to_string(), "started_at": null,
            "finished_at": null, "last_seq": 9
        }))
        .expect("snapshot")
    }

    fn event(job: &JobSnapshot, seq: u64, kind: EventType, status: Status, data: Value) -> Event {
        Event {
            job_id: job.job_id,
            seq,
            kind,
            status,
            stage: Some("count".into()),
            progress: seq as f64,
            message: format!("event {seq}"),
            eta_ms: Some(1000),
            data: (!data.is_null()).then_some(data),
            timestamp: Timestamp::now(),
        }
    }

    #[test]
    fn replays_from_the_start_and_drops_duplicates() {
        let snapshot = snapshot();
        let mut f = Followed::from_start(snapshot.clone());
        assert_eq!(
            (f.last_seq(), f.job.attempt, f.is_finished()),
            (0, 1, false)
        );
        let e1 = event(&snapshot, 1, EventType::Queued, Status::Queued, Value::Null);
        assert_eq!(f.apply(&e1), Applied::Yes);
        assert_eq!(f.apply(&e1), Applied::Duplicate);
        let e3 = event(
            &snapshot,
            3,
            EventType::Progress,
            Status::Running,
            Value::Null,
        );
        assert_eq!(f.apply(&e3), Applied::Gap);
        assert_eq!(f.last_seq(), 1, "nothing applied past a gap");
        let e2 = event(
            &snapshot,
            2,
            EventType::Started,
            Status::Running,
            Value::Null,
        );
        assert_eq!(f.apply(&e2), Applied::Yes);
        assert_eq!(f.apply(&e3), Applied::Yes);
        assert_eq!((f.job.status, f.job.progress), (Status::Running, 3.0));
    }

    #[test]
    fn a_question_is_shown_while_waiting_and_a_retry_is_a_new_attempt() {
        let snapshot = snapshot();
        let mut f = Followed::from_start(snapshot.clone());
        let asked = json!({"clarification_id": "c1", "question": "Which currency?"});
        let events = [
            event(
                &snapshot,
                1,
                EventType::Started,
                Status::Running,
                Value::Null,
            ),
            event(
                &snapshot,
                2,
                EventType::Clarification,
                Status::WaitingInput,
                asked,
            ),
        ];
        for e in &events {
            f.apply(e);
        }
        assert_eq!(f.question.as_deref(), Some("Which currency?"));
        let failed =
            json!({"code": "boom", "message": "went wrong", "stage": null, "retryable": true});
        f.apply(&event(
            &snapshot,
            3,
            EventType::Failed,
            Status::Failed,
            failed,
        ));
        assert!(f.question.is_none() && f.is_finished());
        assert_eq!(f.job.error.as_ref().map(|e| e.code.as_str()), Some("boom"));
        f.apply(&event(
            &snapshot,
            4,
            EventType::Retrying,
            Status::Queued,
            Value::Null,
        ));
        assert_eq!((f.job.attempt, f.job.error.is_none()), (2, true));
        let done = json!({"steps": 2});
        f.apply(&event(
            &snapshot,
            5,
            EventType::Completed,
            Status::Completed,
            done.clone(),
        ));
        assert_eq!(f.job.result, Some(done));
    }
}
