//! Attempts: a hand-back (a drain) starts a new attempt without using one,
//! on the snapshot and on the row the sweeper reads; a crash uses one.

use jobcast_core::{EventDraft, EventType, JobId, Status, StoreError, TransitionError};
use serde_json::json;

use super::{in_secs, new_job, Shared};

const JOBS: usize = 4;
const DRAINS: u32 = 3;

/// The `retrying` a draining worker writes for `attempt`.
fn hand_back(attempt: u32) -> EventDraft {
    EventDraft::hand_back(attempt)
}

/// Claims every queued job of kind `k`, returning their attempts.
async fn claim_all(store: &Shared) -> Vec<(JobId, u32)> {
    let mut claimed = Vec::new();
    while let Some((job, _)) = store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
    {
        claimed.push((job.job_id, job.attempt));
    }
    claimed.sort();
    claimed
}

async fn leases(store: &Shared) -> Vec<(JobId, u32, u32)> {
    let mut leases: Vec<_> = store
        .leased_jobs(None)
        .await
        .expect("leased")
        .into_iter()
        .map(|l| (l.job_id, l.attempt, l.max_attempts))
        .collect();
    leases.sort();
    leases
}

pub async fn a_hand_back_uses_no_attempt(store: Shared) {
    let jobs: Vec<_> = (0..JOBS).map(|_| new_job("alice", "k")).collect();
    let mut ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
    ids.sort();
    store
        .create_jobs("alice", None, jobs)
        .await
        .expect("create");

    for drain in 1..=DRAINS {
        let claimed = claim_all(&store).await;
        assert_eq!(
            claimed,
            ids.iter().map(|id| (*id, drain)).collect::<Vec<_>>()
        );
        // The whole pool drains at once: the hand-backs may share a batch.
        let mut tasks = tokio::task::JoinSet::new();
        for &id in &ids {
            let store = store.clone();
            tasks.spawn(async move { store.append(id, hand_back(drain)).await });
        }
        for appended in tasks.join_all().await {
            let (job, event) = appended.expect("handed back");
            assert_eq!(
                (event.kind, event.status),
                (EventType::Retrying, Status::Queued)
            );
            assert_eq!(
                event.data,
                Some(json!({"handed_back": true, "max_attempts": 3 + drain}))
            );
            assert_eq!((job.attempt, job.max_attempts), (drain + 1, 3 + drain));
        }
        assert!(
            leases(&store).await.is_empty(),
            "a hand-back frees the lease"
        );
    }

    // Claimable at once, and the row the sweeper reads agrees.
    claim_all(&store).await;
    let expected: Vec<_> = ids.iter().map(|id| (*id, 4, 6)).collect();
    println!(
        "after {DRAINS} hand-backs: (attempt, max_attempts) = {:?}",
        leases(&store).await.first().map(|l| (l.1, l.2))
    );
    assert_eq!(leases(&store).await, expected);
    for &id in &ids {
        let job = store.job(id).await.expect("read").expect("exists");
        assert_eq!((job.attempt, job.max_attempts), (4, 6));
        assert!(job.has_attempts_left());
    }

    // A crash (the sweeper's retry) uses its attempt.
    for &id in &ids {
        let (job, event) = store
            .append(id, EventDraft::new(EventType::Retrying).on_attempt(4))
            .await
            .expect("recovered");
        assert_eq!(event.data, None);
        assert_eq!((job.attempt, job.max_attempts), (5, 6));
    }
    claim_all(&store).await;
    let expected: Vec<_> = ids.iter().map(|id| (*id, 5, 6)).collect();
    assert_eq!(leases(&store).await, expected);
}

pub async fn only_a_live_attempt_is_handed_back(store: Shared) {
    let job = super::create(&store, "alice", "k").await;
    let id = job.job_id;
    let refused = |result: Result<_, StoreError>| match result {
        Err(StoreError::Transition(e)) => e,
        other => panic!("expected a refused transition, got {other:?}"),
    };

    // Queued: nothing runs.
    let e = refused(store.append(id, hand_back(1)).await);
    assert!(matches!(e, TransitionError::NotAllowed { .. }), "{e:?}");

    // Another attempt's worker hands back nothing.
    claim_all(&store).await;
    let e = refused(store.append(id, hand_back(2)).await);
    assert!(matches!(e, TransitionError::StaleAttempt { .. }), "{e:?}");

    // A cancelled job stays cancelled, with its attempts as they were.
    store
        .append(id, EventDraft::new(EventType::Cancelled))
        .await
        .expect("cancel");
    let e = refused(store.append(id, hand_back(1)).await);
    assert!(
        matches!(e, TransitionError::Finished(Status::Cancelled)),
        "{e:?}"
    );
    let job = store.job(id).await.expect("read").expect("exists");
    assert_eq!(
        (job.status, job.attempt, job.max_attempts, job.last_seq),
        (Status::Cancelled, 1, 3, 3)
    );
}
