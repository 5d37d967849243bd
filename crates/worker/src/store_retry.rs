//! Riding out a passing store fault. A full disk, a locked database or a
//! lost PostgreSQL connection (`StoreError::Unavailable`) stored nothing and
//! passes by itself; a running job waits for it rather than losing its
//! attempt. Any other error is answered at once.

use std::future::Future;
use std::time::Duration;

use jobcast_core::StoreError;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::retry_delay;

/// How long a running job waits for the store to come back before its
/// attempt gives up (and is retried later, as a transient failure).
pub(crate) const OUTAGE_BUDGET: Duration = Duration::from_secs(60);
const FIRST_DELAY: Duration = Duration::from_millis(100);
const LONGEST_DELAY: Duration = Duration::from_secs(2);

/// Calls `write` until it succeeds, fails for good, `budget` has passed, or
/// `stop` is cancelled; only transient errors are tried again. Returns the
/// last answer.
pub(crate) async fn while_unavailable<T, F, Fut>(
    stop: &CancellationToken,
    budget: Duration,
    mut write: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let give_up = Instant::now() + budget;
    let mut try_number = 1;
    loop {
        let error = match write().await {
            Err(error) if error.is_transient() => error,
            answer => return answer,
        };
        let delay = retry_delay(try_number, FIRST_DELAY, LONGEST_DELAY);
        if Instant::now() + delay > give_up || stop.is_cancelled() {
            return Err(error);
        }
        tracing::warn!(%error, try_number, "the store is unavailable; trying again");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => return Err(error),
        }
        try_number += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn full_disk() -> StoreError {
        StoreError::unavailable(std::io::Error::other("database or disk is full"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_passing_fault_is_waited_out_and_a_lasting_one_is_not() {
        let stop = CancellationToken::new();
        let calls = AtomicU32::new(0);
        let answer = while_unavailable(&stop, OUTAGE_BUDGET, || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0..=4 => Err(full_disk()),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(answer.ok(), Some(5), "answered by the sixth call");

        let calls = AtomicU32::new(0);
        let answer: Result<(), _> = while_unavailable(&stop, OUTAGE_BUDGET, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::Corrupt("bad row".into()))
        })
        .await;
        assert!(matches!(answer, Err(StoreError::Corrupt(_))));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a lasting error is not retried"
        );

        let started = Instant::now();
        let answer: Result<(), _> =
            while_unavailable(&stop, OUTAGE_BUDGET, || async { Err(full_disk()) }).await;
        assert!(answer.is_err_and(|e| e.is_transient()));
        let waited = started.elapsed();
        assert!(
            waited <= OUTAGE_BUDGET && waited >= OUTAGE_BUDGET - LONGEST_DELAY,
            "gave up after {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_attempt_stops_waiting() {
        let stop = CancellationToken::new();
        let stopper = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            stopper.cancel();
        });
        let started = Instant::now();
        let answer: Result<(), _> =
            while_unavailable(&stop, OUTAGE_BUDGET, || async { Err(full_disk()) }).await;
        assert!(answer.is_err());
        assert!(started.elapsed() < Duration::from_secs(4));
    }
}
