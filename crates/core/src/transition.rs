//! The rules that turn an `EventDraft` into a stored `Event` and the job's next
//! snapshot. Both store backends call `apply` inside the transaction that
//! writes the event, so the rules live in exactly one place:
//!
//! - `seq` is the snapshot's `last_seq + 1`: no gaps, no duplicates.
//! - Terminal states are final; the only way out is an explicit retry of a
//!   failed or cancelled job, which starts a new attempt.
//! - A hand-back (a drain) starts a new attempt without using one: the
//!   job's `max_attempts` grows with its `attempt`. Crashes, lost leases and
//!   transient errors use theirs.
//! - Progress is clamped to 0..=100 and never decreases within an attempt.
//! - `eta_ms` is taken from the draft, or estimated from the progress rate.

use crate::{Event, EventDraft, EventType, JobError, JobSnapshot, Status, Timestamp};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransitionError {
    #[error("job is already {0}")]
    Finished(Status),
    #[error("a {event:?} event is not allowed while the job is {status}")]
    NotAllowed { event: EventType, status: Status },
    #[error("the job moved on to attempt {current}; attempt {expected} may no longer write")]
    StaleAttempt { expected: u32, current: u32 },
    #[error("a failed event needs data with code and message: {0}")]
    BadErrorData(String),
}

/// Applies `draft` to `job` at time `now`, returning the event to store.
/// On error `job` is left unchanged.
pub fn apply(
    job: &mut JobSnapshot,
    draft: EventDraft,
    now: Timestamp,
) -> Result<Event, TransitionError> {
    if let Some(expected) = draft.attempt {
        if expected != job.attempt {
            return Err(TransitionError::StaleAttempt {
                expected,
                current: job.attempt,
            });
        }
    }
    let from = job.status;
    let not_allowed = || TransitionError::NotAllowed {
        event: draft.kind,
        status: from,
    };
    let mut next = job.clone();
    match draft.kind {
        EventType::Queued => {
            if from != Status::Queued || job.last_seq != 0 {
                return Err(not_allowed());
            }
            next.message = draft.message.clone().unwrap_or_else(|| "Queued".into());
        }
        EventType::Started => {
            if from != Status::Queued {
                return Err(not_allowed());
            }
            next.status = Status::Running;
            next.started_at = Some(now);
            next.stage = None;
            next.progress = 0.0;
            next.message = draft.message.clone().unwrap_or_else(|| "Started".into());
        }
        EventType::StageStart | EventType::Progress | EventType::Log | EventType::Partial => {
            if from != Status::Running {
                return Err(refuse_if_finished(from).unwrap_or_else(not_allowed));
            }
            if draft.kind == EventType::StageStart {
                next.stage = draft.stage.clone();
            }
            if let Some(message) = &draft.message {
                next.message = message.clone();
            }
        }
        EventType::Clarification => {
            if from != Status::Running {
                return Err(refuse_if_finished(from).unwrap_or_else(not_allowed));
            }
            next.status = Status::WaitingInput;
            next.message = draft
                .message
                .clone()
                .unwrap_or_else(|| "Waiting for an answer".into());
        }
        EventType::Answered => {
            if from != Status::WaitingInput {
                return Err(refuse_if_finished(from).unwrap_or_else(not_allowed));
            }
            next.status = Status::Running;
            next.message = draft.message.clone().unwrap_or_else(|| "Answered".into());
        }
        EventType::Retrying => {
            // From a live attempt (automatic retry, lease expiry, drain) or from
            // failed/cancelled (an explicit retry). A completed job stays completed.
            if from == Status::Completed {
                return Err(TransitionError::Finished(from));
            }
            next.status = Status::Queued;
            next.attempt = job.attempt + 1;
            if draft.handed_back {
                // A drain: only a live attempt can be handed back, and it
                // is not used, so the limit moves on with the attempt.
                if !matches!(from, Status::Running | Status::WaitingInput) {
                    return Err(refuse_if_finished(from).unwrap_or_else(not_allowed));
                }
                next.max_attempts = job.max_attempts.saturating_add(1);
            } else {
                next.max_attempts = job.max_attempts.max(next.attempt);
            }
            next.stage = None;
            next.progress = 0.0;
            next.result = None;
            next.error = None;
            next.started_at = None;
            next.finished_at = None;
            next.message = draft
                .message
                .clone()
                .unwrap_or_else(|| format!("Retrying (attempt {})", next.attempt));
        }
        EventType::Completed => {
            if from != Status::Running {
                return Err(refuse_if_finished(from).unwrap_or_else(not_allowed));
            }
            next.status = Status::Completed;
            next.progress = 100.0;
            next.result = Some(draft.data.clone().unwrap_or(serde_json::Value::Null));
            next.finished_at = Some(now);
            next.message = draft.message.clone().unwrap_or_else(|| "Completed".into());
        }
        EventType::Failed => {
            if from.is_terminal() {
                return Err(TransitionError::Finished(from));
            }
            let error: JobError = draft
                .data
                .clone()
                .ok_or_else(|| TransitionError::BadErrorData("no data".into()))
                .and_then(|d| {
                    serde_json::from_value(d)
                        .map_err(|e| TransitionError::BadErrorData(e.to_string()))
                })?;
            next.status = Status::Failed;
            next.message = draft
                .message
                .clone()
                .unwrap_or_else(|| error.message.clone());
            next.error = Some(error);
            next.finished_at = Some(now);
        }
        EventType::Cancelled => {
            if from.is_terminal() {
                return Err(TransitionError::Finished(from));
            }
            next.status = Status::Cancelled;
            next.finished_at = Some(now);
            next.message = draft.message.clone().unwrap_or_else(|| "Cancelled".into());
        }
    }

    if let Some(p) = draft.progress {
        if next.status == Status::Running || next.status == Status::WaitingInput {
            let p = if p.is_finite() {
                p.clamp(0.0, 100.0)
            } else {
                0.0
            };
            next.progress = next.progress.max(p);
        }
    }
    next.eta_ms = match next.status {
        Status::Running | Status::WaitingInput => draft
            .eta_ms
            .or_else(|| estimate_eta(next.started_at, next.progress, now)),
        _ => None,
    };
    next.last_seq = job.last_seq + 1;
    let data = if draft.kind == EventType::Retrying && draft.handed_back {
        Some(handed_back_data(next.max_attempts))
    } else {
        draft.data
    };

    let event = Event {
        job_id: job.job_id,
        seq: next.last_seq,
        kind: draft.kind,
        status: next.status,
        stage: next.stage.clone(),
        progress: next.progress,
        message: next.message.clone(),
        eta_ms: next.eta_ms,
        data,
        timestamp: now,
    };
    *job = next;
    Ok(event)
}

/// The data of a hand-back's `retrying` event: that it is one, and the job's
/// new `max_attempts`, so a client following events keeps the limit without
/// reading a snapshot.
fn handed_back_data(max_attempts: u32) -> serde_json::Value {
    serde_json::json!({"handed_back": true, "max_attempts": max_attempts})
}

fn refuse_if_finished(status: Status) -> Option<TransitionError> {
    status
        .is_terminal()
        .then_some(TransitionError::Finished(status))
}

/// Time remaining at the rate progress has moved since the attempt started.
/// No estimate before 1 % or within the first 200 ms: too little to go on.
pub fn estimate_eta(started_at: Option<Timestamp>, progress: f64, now: Timestamp) -> Option<u64> {
    let started = started_at?;
    let elapsed = now.millis_since(started) as f64;
    if !(1.0..100.0).contains(&progress) || elapsed < 200.0 {
        return None;
    }
    Some((elapsed * (100.0 - progress) / progress).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{JobId, JobInput, MediaType, NewJob};
    use serde_json::json;

    fn job() -> JobSnapshot {
        let new = NewJob {
            id: JobId::new(),
            kind: "demo.steps".into(),
            owner: "alice".into(),
            options: json!({}),
            max_attempts: 3,
            input: JobInput {
                filename: Some("a.txt".into()),
                media_type: MediaType::Text,
                bytes: b"hi".to_vec(),
            },
        };
        let mut job = JobSnapshot::fresh(&new, Timestamp::from_millis(0));
        apply(
            &mut job,
            EventDraft::new(EventType::Queued),
            Timestamp::from_millis(0),
        )
        .expect("queued");
        job
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn seq_counts_from_one_without_gaps() {
        let mut j = job();
        assert_eq!(j.last_seq, 1);
        let e = apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        assert_eq!((e.seq, e.status), (2, Status::Running));
        let e = apply(&mut j, EventDraft::new(EventType::Log).message("x"), at(2)).expect("log");
        assert_eq!(e.seq, 3);
    }

    #[test]
    fn progress_never_decreases_within_an_attempt() {
        let mut j = job();
        apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        apply(
            &mut j,
            EventDraft::new(EventType::Progress).progress(40.0),
            at(2),
        )
        .expect("p");
        let e = apply(
            &mut j,
            EventDraft::new(EventType::Progress).progress(10.0),
            at(3),
        )
        .expect("p");
        assert_eq!(e.progress, 40.0);
        let e = apply(
            &mut j,
            EventDraft::new(EventType::Progress).progress(f64::NAN),
            at(4),
        )
        .expect("p");
        assert_eq!(e.progress, 40.0);
        let e = apply(
            &mut j,
            EventDraft::new(EventType::Progress).progress(500.0),
            at(5),
        )
        .expect("p");
        assert_eq!(e.progress, 100.0);
    }

    #[test]
    fn a_new_attempt_starts_from_zero() {
        let mut j = job();
        apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        apply(
            &mut j,
            EventDraft::new(EventType::Progress).progress(60.0),
            at(2),
        )
        .expect("p");
        let e = apply(&mut j, EventDraft::new(EventType::Retrying), at(3)).expect("retry");
        assert_eq!((e.status, e.progress, j.attempt), (Status::Queued, 0.0, 2));
    }

    #[test]
    fn terminal_states_are_final() {
        let mut j = job();
        apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        apply(
            &mut j,
            EventDraft::new(EventType::Completed).data(json!(1)),
            at(2),
        )
        .expect("done");
        let before = j.clone();
        for kind in [
            EventType::Progress,
            EventType::Failed,
            EventType::Cancelled,
            EventType::Retrying,
            EventType::Started,
        ] {
            let err = apply(&mut j, EventDraft::new(kind), at(3)).expect_err("refused");
            assert!(matches!(
                err,
                TransitionError::Finished(_) | TransitionError::NotAllowed { .. }
            ));
        }
        assert_eq!(j, before);
    }

    #[test]
    fn a_hand_back_uses_no_attempt_and_says_so() {
        let mut j = job();
        for n in 1..=3 {
            apply(&mut j, EventDraft::new(EventType::Started), at(n)).expect("start");
            let e = apply(&mut j, EventDraft::hand_back(n as u32), at(n)).expect("hand back");
            assert_eq!((e.kind, e.status), (EventType::Retrying, Status::Queued));
            assert_eq!(e.message, "Handed back: worker draining");
            assert_eq!(
                e.data,
                Some(json!({"handed_back": true, "max_attempts": 3 + n}))
            );
            assert_eq!((j.attempt, j.max_attempts), (n as u32 + 1, 3 + n as u32));
            assert!(j.has_attempts_left());
        }
        // A crash (an ordinary retry) uses its attempt.
        apply(&mut j, EventDraft::new(EventType::Started), at(9)).expect("start");
        let e = apply(&mut j, EventDraft::new(EventType::Retrying), at(9)).expect("retry");
        assert_eq!(e.data, None);
        assert_eq!((j.attempt, j.max_attempts), (5, 6));
    }

    #[test]
    fn a_job_waiting_for_an_answer_can_be_handed_back() {
        let mut j = job();
        apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        apply(&mut j, EventDraft::new(EventType::Clarification), at(2)).expect("ask");
        apply(&mut j, EventDraft::hand_back(1), at(3)).expect("hand back");
        assert_eq!(
            (j.status, j.attempt, j.max_attempts),
            (Status::Queued, 2, 4)
        );
    }

    #[test]
    fn only_a_live_attempt_can_be_handed_back() {
        // Queued: nothing runs, nothing to hand back.
        let mut j = job();
        let before = j.clone();
        let err = apply(&mut j, EventDraft::hand_back(1), at(1)).expect_err("queued");
        assert!(matches!(err, TransitionError::NotAllowed { .. }), "{err:?}");
        assert_eq!(j, before);
        // Failed or cancelled: a retry is an explicit one, never a free attempt.
        for end in [EventType::Failed, EventType::Cancelled] {
            let mut j = job();
            apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
            let draft = EventDraft::new(end)
                .data(json!({"code": "x", "message": "y", "stage": null, "retryable": true}));
            apply(&mut j, draft, at(2)).expect("end");
            let before = j.clone();
            let err = apply(&mut j, EventDraft::hand_back(1), at(3)).expect_err("finished");
            assert!(matches!(err, TransitionError::Finished(_)), "{err:?}");
            assert_eq!(j, before);
        }
        // Another attempt's worker hands back nothing.
        let mut j = job();
        apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        let err = apply(&mut j, EventDraft::hand_back(2), at(2)).expect_err("stale");
        assert!(
            matches!(err, TransitionError::StaleAttempt { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn the_limit_cannot_overflow() {
        let mut j = job();
        j.max_attempts = u32::MAX;
        apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        apply(&mut j, EventDraft::hand_back(1), at(2)).expect("hand back");
        assert_eq!(j.max_attempts, u32::MAX);
    }

    #[test]
    fn a_stale_attempt_cannot_write() {
        let mut j = job();
        apply(&mut j, EventDraft::new(EventType::Started), at(1)).expect("start");
        apply(&mut j, EventDraft::new(EventType::Retrying), at(2)).expect("retry");
        let err =
            apply(&mut j, EventDraft::new(EventType::Log).on_attempt(1), at(3)).expect_err("stale");
        assert_eq!(
            err,
            TransitionError::StaleAttempt {
                expected: 1,
                current: 2
            }
        );
    }

    #[test]
    fn eta_follows_the_progress_rate() {
        let mut j = job();
        apply(&mut j, EventDraft::new(EventType::Started), at(1_000)).expect("start");
        let e = apply(
            &mut j,
            EventDraft::new(EventType::Progress).progress(25.0),
            at(3_000),
        )
        .expect("p");
        assert_eq!(e.eta_ms, Some(6_000));
    }

    #[test]
    fn failed_needs_a_well_formed_error() {
        let mut j = job();
        let err = apply(
            &mut j,
            EventDraft::new(EventType::Failed).data(json!({"x":1})),
            at(1),
        )
        .expect_err("bad");
        assert!(matches!(err, TransitionError::BadErrorData(_)));
        assert_eq!(j.status, Status::Queued);
    }
}
