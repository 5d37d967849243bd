//! Group commit: the events that this process's jobs append at the same
//! moment share one write transaction.
//!
//! `GroupCommit::append` hands its draft to one task per store and waits for
//! the answer. The task takes the first draft waiting plus every other one
//! already queued (at most `MAX_BATCH`), stores them in one transaction and
//! answers each caller only after the commit. So "stored before told" holds
//! for every event; an idle store commits a lone event at once (no timer,
//! no waiting for company), and a busy one pays one transaction, one WAL
//! write on SQLite or one fsync on PostgreSQL, for many events.
//!
//! Each draft still goes through the transition rules on its own (`apply`):
//! a draft that is refused, or names no job, fails alone and the rest of its
//! batch is stored. When the transaction itself fails, the batch's drafts
//! are tried again one per transaction, so an error reaches only the draft
//! that causes it.
//!
//! A `COMMIT` that fails may still have been applied (a PostgreSQL connection
//! lost after the server committed). Before anything is tried again, the
//! task reads back the first event the batch was storing: found as written,
//! the batch is answered as stored; absent, it is tried again; unreadable
//! for a while, its callers are told the outcome is unknown. So a batch is
//! stored once at most, and a seq never holds two events.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};

use jobcast_core::{Event, EventDraft, JobId, JobSnapshot, StoreError, Timestamp};

use crate::error::{OutcomeUnknown, WriterStopped};
use crate::rows::JobRow;

/// The most drafts one transaction stores.
pub(crate) const MAX_BATCH: usize = 512;
/// Drafts waiting for the task; callers wait for room beyond this.
const QUEUE: usize = 4 * MAX_BATCH;

/// What one append answers: the job as the event left it, and the event.
pub(crate) type Appended = Result<(JobSnapshot, Event), StoreError>;

/// A backend's way of storing drafts in one transaction.
#[async_trait]
pub(crate) trait AppendBatch: Send + Sync + 'static {
    /// Loads the jobs named (locking them where the backend locks rows),
    /// `apply`s the drafts in order, stores the changed jobs and the new
    /// events, and commits. `Err` when the transaction failed: then nothing
    /// of the batch is stored, unless the failure came at `COMMIT`
    /// (`BatchFailed::committing`), when it may all be.
    async fn append_batch(
        &self,
        drafts: &[(JobId, EventDraft)],
    ) -> Result<Vec<Appended>, BatchFailed>;

    /// The event stored as `job_id`'s `seq`, if any.
    async fn stored_event(&self, job_id: JobId, seq: u64) -> Result<Option<Event>, StoreError>;
}

/// A batch's transaction failed.
#[derive(Debug)]
pub(crate) struct BatchFailed {
    pub error: StoreError,
    /// When `COMMIT` itself failed: what the batch would answer had it
    /// committed, which it may have.
    pub committing: Option<Vec<Appended>>,
}

impl BatchFailed {
    pub(crate) fn at_commit(error: StoreError, answers: Vec<Appended>) -> Self {
        BatchFailed {
            error,
            committing: Some(answers),
        }
    }
}

impl From<StoreError> for BatchFailed {
    fn from(error: StoreError) -> Self {
        BatchFailed {
            error,
            committing: None,
        }
    }
}

/// How often, and how patiently, a failed `COMMIT`'s outcome is read back.
const SETTLE_TRIES: u32 = 8;
const SETTLE_FIRST_DELAY: Duration = Duration::from_millis(50);

/// The handle `append` goes through; clones share the task.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    requests: mpsc::Sender<Request>,
}

#[derive(Debug)]
struct Request {
    job_id: JobId,
    draft: EventDraft,
    reply: oneshot::Sender<Appended>,
}

impl GroupCommit {
    /// Starts the task on the current tokio runtime. It ends when the last
    /// handle is dropped.
    pub(crate) fn start(backend: impl AppendBatch) -> Self {
        let (requests, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(backend, queue));
        GroupCommit { requests }
    }

    /// Stores `draft` as `job_id`'s next event, in whatever batch it joins,
    /// and answers once that batch is committed.
    pub(crate) async fn append(&self, job_id: JobId, draft: EventDraft) -> Appended {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            job_id,
            draft,
            reply,
        };
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::backend(WriterStopped))?;
        answer
            .await
            .map_err(|_| StoreError::backend(WriterStopped))?
    }
}

async fn run(backend: impl AppendBatch, mut queue: mpsc::Receiver<Request>) {
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        let (drafts, replies): (Vec<_>, Vec<_>) = waiting
            .drain(..)
            .map(|r| ((r.job_id, r.draft), r.reply))
            .unzip();
        tracing::trace!(drafts = drafts.len(), "group commit");
        let answers = match store(&backend, &drafts).await {
            Ok(answers) => answers,
            Err(Unstored::Unknown) => drafts.iter().map(|_| Err(unknown())).collect(),
            Err(Unstored::Not(e)) if drafts.len() == 1 => vec![Err(e)],
            Err(Unstored::Not(e)) => {
                tracing::warn!(error = %e, drafts = drafts.len(), "a group commit failed; storing its events one by one");
                one_by_one(&backend, &drafts).await
            }
        };
        for (reply, answer) in replies.into_iter().zip(answers) {
            // A caller that stopped waiting no longer needs the answer; its
            // event is stored all the same, and readers catch up from the store.
            let _ = reply.send(answer);
        }
    }
}

async fn one_by_one(backend: &impl AppendBatch, drafts: &[(JobId, EventDraft)]) -> Vec<Appended> {
    let mut answers = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let answer = match store(backend, std::slice::from_ref(draft)).await {
            Ok(mut one) => one
                .pop()
                .unwrap_or_else(|| Err(StoreError::NotFound(draft.0))),
            Err(Unstored::Not(e)) => Err(e),
            Err(Unstored::Unknown) => Err(unknown()),
        };
        answers.push(answer);
    }
    answers
}

/// Why `store` stored nothing it can answer for.
enum Unstored {
    /// Nothing of the batch is stored.
    Not(StoreError),
    /// `COMMIT` failed and whether it was applied could not be learned.
    Unknown,
}

/// Stores `drafts` in one transaction.
async fn store(
    backend: &impl AppendBatch,
    drafts: &[(JobId, EventDraft)],
) -> Result<Vec<Appended>, Unstored> {
    let failed = match backend.append_batch(drafts).await {
        Ok(answers) => return Ok(answers),
        Err(failed) => failed,
    };
    let Some(answers) = failed.committing else {
        return Err(Unstored::Not(failed.error));
    };
    // Only the first new event need be read back: a transaction is stored
    // whole or not at all.
    let Some(first) = answers.iter().find_map(|a| a.as_ref().ok()).map(|(_, e)| e) else {
        return Ok(answers);
    };
    let mut delay = SETTLE_FIRST_DELAY;
    for try_number in 1..=SETTLE_TRIES {
        match backend.stored_event(first.job_id, first.seq).await {
            Ok(Some(stored)) if stored == *first => {
                tracing::warn!(error = %failed.error, "a failed COMMIT had been applied; answering its batch as stored");
                return Ok(answers);
            }
            Ok(_) => return Err(Unstored::Not(failed.error)),
            Err(e) if try_number == SETTLE_TRIES => {
                tracing::error!(commit_error = %failed.error, read_error = %e, "whether a batch was stored cannot be learned");
            }
            Err(_) => {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
    Err(Unstored::Unknown)
}

fn unknown() -> StoreError {
    StoreError::backend(OutcomeUnknown)
}

/// The jobs of a batch whose rows changed, and the events to insert.
pub(crate) struct Applied {
    /// One answer per draft, in the drafts' order.
    pub answers: Vec<Appended>,
    /// Each job with at least one new event, once, as its last event left it.
    pub changed: Vec<JobRow>,
    /// Every new event, in the order the drafts came.
    pub events: Vec<Event>,
}

/// Applies `drafts` in order to the loaded `rows` (a job's second draft sees
/// what its first one did). A draft naming a job not in `rows` is answered
/// `NotFound`; one the transition rules refuse leaves its job unchanged.
pub(crate) fn apply(
    mut rows: HashMap<JobId, JobRow>,
    drafts: &[(JobId, EventDraft)],
    now: Timestamp,
) -> Applied {
    let mut answers = Vec::with_capacity(drafts.len());
    let mut events = Vec::with_capacity(drafts.len());
    let mut changed_ids = Vec::new();
    let mut seen = HashSet::new();
    for (job_id, draft) in drafts {
        let Some(row) = rows.get_mut(job_id) else {
            answers.push(Err(StoreError::NotFound(*job_id)));
            continue;
        };
        match row.advance(draft.clone(), now) {
            Ok(event) => {
                if seen.insert(*job_id) {
                    changed_ids.push(*job_id);
                }
                events.push(event.clone());
                answers.push(Ok((row.snapshot.clone(), event)));
            }
            Err(e) => answers.push(Err(e)),
        }
    }
    let changed = changed_ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .collect();
    Applied {
        answers,
        changed,
        events,
    }
}

/// The distinct jobs `drafts` name, in first-named order.
pub(crate) fn job_ids(drafts: &[(JobId, EventDraft)]) -> Vec<JobId> {
    let mut seen = HashSet::new();
    drafts
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| seen.insert(*id))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use jobcast_core::{EventType, JobInput, MediaType, NewJob};

    use super::*;

    /// How the next `COMMIT`s of `InMemory` fail.
    #[derive(Debug, Clone, Copy)]
    enum CommitFault {
        /// Applied, but the answer was lost (a connection dropped after
        /// the server committed).
        AppliedAnswerLost,
        /// Not applied, and the answer was lost.
        NotApplied,
    }

    /// Jobs kept in memory; a batch naming `poison` fails as a whole, and
    /// so does `poison`'s own draft when it is tried alone.
    #[derive(Default)]
    struct InMemory {
        rows: Mutex<HashMap<JobId, JobRow>>,
        events: Mutex<Vec<Event>>,
        poison: Option<JobId>,
        batch_sizes: Arc<Mutex<Vec<usize>>>,
        commit_faults: Mutex<std::collections::VecDeque<CommitFault>>,
        /// How many reads of a stored event fail before one succeeds.
        read_faults: Mutex<u32>,
    }

    fn lost() -> StoreError {
        StoreError::unavailable(std::io::Error::other("connection reset"))
    }

    #[async_trait]
    impl AppendBatch for InMemory {
        async fn append_batch(
            &self,
            drafts: &[(JobId, EventDraft)],
        ) -> Result<Vec<Appended>, BatchFailed> {
            self.batch_sizes.lock().expect("sizes").push(drafts.len());
            if drafts.iter().any(|(id, _)| Some(*id) == self.poison) {
                return Err(StoreError::Corrupt("poisoned batch".into()).into());
            }
            let mut rows = self.rows.lock().expect("rows");
            let ids = job_ids(drafts);
            let loaded = ids
                .iter()
                .filter_map(|id| rows.get(id).map(|row| (*id, row.clone())))
                .collect();
            let applied = apply(loaded, drafts, Timestamp::now());
            let fault = self.commit_faults.lock().expect("faults").pop_front();
            if !matches!(fault, Some(CommitFault::NotApplied)) {
                for row in applied.changed {
                    rows.insert(row.snapshot.job_id, row);
                }
                self.events.lock().expect("events").extend(applied.events);
            }
            match fault {
                None => Ok(applied.answers),
                Some(_) => Err(BatchFailed::at_commit(lost(), applied.answers)),
            }
        }

        async fn stored_event(&self, job_id: JobId, seq: u64) -> Result<Option<Event>, StoreError> {
            {
                let mut read_faults = self.read_faults.lock().expect("read faults");
                if *read_faults > 0 {
                    *read_faults -= 1;
                    return Err(lost());
                }
            }
            let events = self.events.lock().expect("events");
            Ok(events
                .iter()
                .find(|e| e.job_id == job_id && e.seq == seq)
                .cloned())
        }
    }

    impl InMemory {
        fn fail_next_commit(&self, fault: CommitFault) {
            self.commit_faults.lock().expect("faults").push_back(fault);
        }

        fn with_jobs(jobs: &[JobRow]) -> Self {
            InMemory {
                rows: Mutex::new(
                    jobs.iter()
                        .map(|r| (r.snapshot.job_id, r.clone()))
                        .collect(),
                ),
                ..InMemory::default()
            }
        }
    }

    fn running_job(now: Timestamp) -> JobRow {
        let new = NewJob {
            id: JobId::new(),
            kind: "k".into(),
            owner: "alice".into(),
            options: serde_json::json!({}),
            max_attempts: 1,
            input: JobInput {
                filename: None,
                media_type: MediaType::Text,
                bytes: Vec::new(),
            },
        };
        let (mut row, _) = JobRow::create(&new, now).expect("create");
        row.advance(EventDraft::new(EventType::Started), now)
            .expect("start");
        row
    }

    fn progress(p: f64) -> EventDraft {
        EventDraft::new(EventType::Progress).progress(p)
    }

    /// Everything queued while the task was busy goes in one batch; a batch
    /// that fails is stored draft by draft, so only the draft that causes
    /// the failure sees it, and every caller gets its own job's answer.
    #[tokio::test(flavor = "current_thread")]
    async fn queued_drafts_share_a_batch_and_a_failed_batch_is_split() {
        let now = Timestamp::now();
        let jobs: Vec<JobRow> = (0..20).map(|_| running_job(now)).collect();
        let poison = jobs[7].snapshot.job_id;
        let batch_sizes = Arc::new(Mutex::new(Vec::new()));
        let group = GroupCommit::start(InMemory {
            poison: Some(poison),
            batch_sizes: batch_sizes.clone(),
            ..InMemory::with_jobs(&jobs)
        });
        let missing = JobId::new();
        let mut calls: Vec<_> = jobs
            .iter()
            .map(|r| (r.snapshot.job_id, progress(50.0)))
            .collect();
        calls.push((missing, progress(1.0)));
        let answers =
            futures::future::join_all(calls.iter().map(|(id, d)| group.append(*id, d.clone())))
                .await;

        for ((id, _), answer) in calls.iter().zip(&answers) {
            match answer {
                Ok((job, event)) => {
                    assert_eq!((job.job_id, event.job_id, event.seq), (*id, *id, 3));
                    assert_eq!(job.progress, 50.0);
                }
                Err(StoreError::NotFound(m)) => assert_eq!((*id, *m), (missing, missing)),
                Err(StoreError::Corrupt(_)) => assert_eq!(*id, poison),
                Err(e) => panic!("unexpected error for {id}: {e}"),
            }
        }
        let failed: Vec<_> = answers.iter().filter(|a| a.is_err()).collect();
        assert_eq!(
            failed.len(),
            2,
            "the poisoned draft and the missing job only"
        );
        let sizes = batch_sizes.lock().expect("sizes").clone();
        assert_eq!(
            sizes[0], 21,
            "all twenty-one queued drafts in the first batch"
        );
        assert_eq!(&sizes[1..], &[1; 21], "then one transaction per draft");

        // The task is idle again: a lone draft is committed at once, alone.
        let (job, event) = group
            .append(jobs[0].snapshot.job_id, progress(60.0))
            .await
            .expect("append");
        assert_eq!((job.progress, event.seq), (60.0, 4));
        assert_eq!(batch_sizes.lock().expect("sizes").last(), Some(&1));
    }

    /// The (job, seq) pairs stored, in order.
    fn stored(events: &[Event]) -> Vec<(JobId, u64)> {
        events.iter().map(|e| (e.job_id, e.seq)).collect()
    }

    /// A `COMMIT` whose answer is lost is read back, never blindly redone:
    /// applied, its batch is answered as stored (not stored again under new
    /// seqs); not applied, it is stored once; unreadable, its callers are
    /// told the outcome is unknown and nothing is written again.
    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_commit_whose_answer_is_lost_is_stored_once_at_most() {
        let now = Timestamp::now();
        let jobs: Vec<JobRow> = (0..3).map(|_| running_job(now)).collect();
        let ids: Vec<JobId> = jobs.iter().map(|r| r.snapshot.job_id).collect();
        let backend = Arc::new(InMemory::with_jobs(&jobs));
        let group = GroupCommit::start(SharedBackend(backend.clone()));
        let append_all =
            |p: f64| futures::future::join_all(ids.iter().map(|id| group.append(*id, progress(p))));

        backend.fail_next_commit(CommitFault::AppliedAnswerLost);
        for answer in append_all(10.0).await {
            let (_, event) = answer.expect("answered as stored");
            assert_eq!(event.seq, 3);
        }
        let events = backend.events.lock().expect("events").clone();
        assert_eq!(
            stored(&events),
            ids.iter().map(|id| (*id, 3)).collect::<Vec<_>>()
        );

        backend.fail_next_commit(CommitFault::NotApplied);
        for answer in append_all(20.0).await {
            let (job, event) = answer.expect("stored when tried again");
            assert_eq!((event.seq, job.progress), (4, 20.0));
        }
        let events = backend.events.lock().expect("events").clone();
        assert_eq!(events.len(), 6, "each draft once: {:?}", stored(&events));

        backend.fail_next_commit(CommitFault::AppliedAnswerLost);
        *backend.read_faults.lock().expect("read faults") = SETTLE_TRIES;
        for answer in append_all(30.0).await {
            let error = answer.expect_err("the outcome is unknown");
            assert!(error.to_string().contains("unknown"), "{error}");
        }
        let events = backend.events.lock().expect("events").clone();
        assert_eq!(
            events.len(),
            9,
            "stored once, not redone: {:?}",
            stored(&events)
        );
        assert_eq!(
            stored(&events[6..]),
            ids.iter().map(|id| (*id, 5)).collect::<Vec<_>>()
        );
    }

    /// `InMemory` behind an `Arc`, so the test can inspect it while the
    /// group-commit task owns it.
    struct SharedBackend(Arc<InMemory>);

    #[async_trait]
    impl AppendBatch for SharedBackend {
        async fn append_batch(
            &self,
            drafts: &[(JobId, EventDraft)],
        ) -> Result<Vec<Appended>, BatchFailed> {
            self.0.append_batch(drafts).await
        }

        async fn stored_event(&self, job_id: JobId, seq: u64) -> Result<Option<Event>, StoreError> {
            self.0.stored_event(job_id, seq).await
        }
    }
}
