//! The attempts running in this process, so that what the bus says about a
//! job (cancelled, retried elsewhere, answered) reaches the attempt running it.
//! It only routes signals; it must not touch the store or decide outcomes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use jobcast_core::{Event, EventType, JobId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct Entry {
    attempt: u32,
    /// The seq of this attempt's `started` event: anything at or before it
    /// belongs to an earlier attempt.
    started_seq: u64,
    stop: CancellationToken,
    answers: mpsc::UnboundedSender<Event>,
}

/// A running attempt, as the lag check needs it.
pub(crate) struct Running {
    pub job_id: JobId,
    pub attempt: u32,
    pub stop: CancellationToken,
}

#[derive(Default)]
pub(crate) struct Registry {
    entries: Mutex<HashMap<JobId, Entry>>,
}

impl Registry {
    fn entries(&self) -> MutexGuard<'_, HashMap<JobId, Entry>> {
        // A panic while holding this lock cannot leave the map half-updated
        // (every operation is a single insert, remove or read).
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records an attempt; it is forgotten when the returned guard drops.
    /// The receiver gets the `answered` events of this attempt.
    pub fn register(
        self: &Arc<Self>,
        job_id: JobId,
        attempt: u32,
        started_seq: u64,
        stop: CancellationToken,
    ) -> (Registration, mpsc::UnboundedReceiver<Event>) {
        let (answers, receiver) = mpsc::unbounded_channel();
        self.entries().insert(
            job_id,
            Entry {
                attempt,
                started_seq,
                stop,
                answers,
            },
        );
        let registration = Registration {
            registry: Arc::clone(self),
            job_id,
            attempt,
        };
        (registration, receiver)
    }

    /// Routes one published event to the attempt it concerns, if it runs here.
    /// A terminal status or a `retrying` event ends the attempt.
    pub fn on_event(&self, event: &Event) {
        let entries = self.entries();
        let Some(entry) = entries.get(&event.job_id) else {
            return;
        };
        if event.seq <= entry.started_seq {
            return;
        }
        if event.status.is_terminal() || event.kind == EventType::Retrying {
            entry.stop.cancel();
        }
        if event.kind == EventType::Answered {
            // The receiver is gone only when the attempt is ending.
            let _ = entry.answers.send(event.clone());
        }
    }

    pub fn running(&self) -> Vec<Running> {
        self.entries()
            .iter()
            .map(|(job_id, entry)| Running {
                job_id: *job_id,
                attempt: entry.attempt,
                stop: entry.stop.clone(),
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }
}

/// Removes its attempt from the registry when dropped, but never a later
/// attempt of the same job that another worker here has claimed since.
pub(crate) struct Registration {
    registry: Arc<Registry>,
    job_id: JobId,
    attempt: u32,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut entries = self.registry.entries();
        if entries
            .get(&self.job_id)
            .is_some_and(|e| e.attempt == self.attempt)
        {
            entries.remove(&self.job_id);
        }
    }
}
