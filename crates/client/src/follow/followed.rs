//! One followed job: a snapshot rebuilt from its events, applied strictly
//! in `seq` order. Pure state, no I/O, so the rules (a duplicate is dropped,
//! a gap is reported, a retry starts a new attempt, a hand-back one that
//! uses none) are tested here and the connection code only moves events
//! around.

use jobcast_core::{Event, EventType, JobSnapshot, Status};
use serde_json::Value;

/// A followed job: its snapshot as of the last event applied.
#[derive(Debug, Clone)]
pub struct Followed {
    pub job: JobSnapshot,
    /// The open question, while the job waits for an answer.
    pub question: Option<String>,
    /// How many of its attempts were handed back by a draining worker
    /// (`retrying` events with `data.handed_back`): they used no attempt.
    pub handed_back: u32,
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
            handed_back: 0,
        }
    }

    /// The `seq` of the last event applied (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.job.last_seq
    }

    /// Whether the job reached a terminal status (`completed`, `failed`,
    /// `cancelled`): no event follows unless it is retried.
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

    /// Applies `event` if it is the next one; says what it did.
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
                job.attempt = job.attempt.saturating_add(1);
                let data = event.data.as_ref();
                if is_hand_back(data) {
                    // No attempt used: the limit moves on with the attempt.
                    self.handed_back += 1;
                    job.max_attempts = handed_back_limit(data)
                        .unwrap_or_else(|| job.max_attempts.saturating_add(1));
                }
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

/// Whether a `retrying` event's data (`{"handed_back": true, "max_attempts":
/// N}`) says a draining worker handed the attempt back.
fn is_hand_back(data: Option<&Value>) -> bool {
    data.and_then(|d| d.get("handed_back")) == Some(&Value::Bool(true))
}

/// The job's new limit a hand-back carries, if it is a usable count.
fn handed_back_limit(data: Option<&Value>) -> Option<u32> {
    data?
        .get("max_attempts")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::follow::testing::{event, plain, snapshot};

    #[test]
    fn replays_from_the_start_and_drops_duplicates() {
        let snapshot = snapshot();
        let mut f = Followed::from_start(snapshot.clone());
        assert_eq!(
            (f.last_seq(), f.job.attempt, f.is_finished()),
            (0, 1, false)
        );
        let e1 = plain(&snapshot, 1, EventType::Queued, Status::Queued);
        assert_eq!(f.apply(&e1), Applied::Yes);
        assert_eq!(f.apply(&e1), Applied::Duplicate);
        let e3 = plain(&snapshot, 3, EventType::Progress, Status::Running);
        assert_eq!(f.apply(&e3), Applied::Gap);
        assert_eq!(f.last_seq(), 1, "nothing applied past a gap");
        let e2 = plain(&snapshot, 2, EventType::Started, Status::Running);
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
            plain(&snapshot, 1, EventType::Started, Status::Running),
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
        f.apply(&plain(&snapshot, 4, EventType::Retrying, Status::Queued));
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

    /// A job created with 3 attempts and followed from the start.
    fn fresh_snapshot() -> JobSnapshot {
        let mut snapshot = snapshot();
        snapshot.max_attempts = 3;
        snapshot
    }

    #[test]
    fn a_hand_back_is_a_new_attempt_that_uses_none() {
        let snapshot = fresh_snapshot();
        let mut f = Followed::from_start(snapshot.clone());
        let mut seq = 0;
        let mut next = |kind, status, data| {
            seq += 1;
            event(&snapshot, seq, kind, status, data)
        };
        for limit in 4..=6 {
            f.apply(&next(EventType::Started, Status::Running, Value::Null));
            let back = json!({"handed_back": true, "max_attempts": limit});
            f.apply(&next(EventType::Retrying, Status::Queued, back));
        }
        assert_eq!((f.job.attempt, f.job.max_attempts), (4, 6));
        assert_eq!(f.handed_back, 3);
        // A crash uses its attempt.
        f.apply(&next(EventType::Started, Status::Running, Value::Null));
        f.apply(&next(EventType::Retrying, Status::Queued, Value::Null));
        assert_eq!(
            (f.job.attempt, f.job.max_attempts, f.handed_back),
            (5, 6, 3)
        );
    }

    #[test]
    fn hostile_hand_back_data_cannot_lower_the_limit_or_overflow() {
        let snapshot = fresh_snapshot();
        for (data, max_attempts, handed_back) in [
            // No limit given: one more than before.
            (json!({"handed_back": true}), 4, 1),
            (json!({"handed_back": true, "max_attempts": -1}), 4, 1),
            (json!({"handed_back": true, "max_attempts": 1e300}), 4, 1),
            (json!({"handed_back": true, "max_attempts": u64::MAX}), 4, 1),
            (json!({"handed_back": true, "max_attempts": "9"}), 4, 1),
            // Never below the attempt it starts.
            (json!({"handed_back": true, "max_attempts": 0}), 2, 1),
            // Not a hand-back: an ordinary retry.
            (json!({"handed_back": "yes", "max_attempts": 9}), 3, 0),
            (json!([true]), 3, 0),
            (json!("handed_back"), 3, 0),
        ] {
            let mut f = Followed::from_start(snapshot.clone());
            f.apply(&plain(&snapshot, 1, EventType::Started, Status::Running));
            f.apply(&event(
                &snapshot,
                2,
                EventType::Retrying,
                Status::Queued,
                data.clone(),
            ));
            assert_eq!(
                (f.job.attempt, f.job.max_attempts, f.handed_back),
                (2, max_attempts, handed_back),
                "{data}"
            );
        }
    }
}
