//! Claiming: each job to exactly one worker, only of the kinds asked for,
//! oldest first, and never before its `run_after`.

use std::collections::HashSet;
use std::time::Duration;

use jobcast_core::{EventDraft, EventType, JobId, Status, Timestamp};
use serde_json::json;

use super::{create, create_apart, in_secs, new_job, Shared};

pub async fn claims_are_exclusive(store: Shared) {
    const JOBS: usize = 50;
    let jobs: Vec<_> = (0..JOBS).map(|_| new_job("alice", "k")).collect();
    let created: HashSet<JobId> = jobs.iter().map(|j| j.id).collect();
    store
        .create_jobs("alice", None, jobs)
        .await
        .expect("create");

    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            let worker = format!("worker-{w}");
            let mut claimed = Vec::new();
            while let Some((job, event)) = store
                .claim(&["k".to_owned()], &worker, in_secs(60))
                .await
                .expect("claim")
            {
                assert_eq!(
                    (job.status, job.attempt, job.last_seq),
                    (Status::Running, 1, 2)
                );
                assert_eq!(
                    (event.kind, event.seq, event.job_id),
                    (EventType::Started, 2, job.job_id)
                );
                assert!(job.started_at.is_some());
                claimed.push((job.job_id, worker.clone()));
            }
            claimed
        });
    }
    let claimed: Vec<(JobId, String)> = tasks.join_all().await.into_iter().flatten().collect();
    assert_eq!(claimed.len(), JOBS, "each job claimed exactly once");
    let ids: HashSet<JobId> = claimed.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, created);

    // The lease belongs to the worker that claimed the job.
    let leased = store.leased_jobs(None).await.expect("leased");
    assert_eq!(leased.len(), JOBS);
    for lease in leased {
        let (_, worker) = claimed
            .iter()
            .find(|(id, _)| *id == lease.job_id)
            .expect("claimed job");
        assert_eq!(&lease.lease_owner, worker);
        assert_eq!((lease.attempt, lease.max_attempts), (1, 3));
    }
    assert!(store
        .claim(&["k".to_owned()], "late", in_secs(60))
        .await
        .expect("claim")
        .is_none());
}

pub async fn claim_honours_kinds(store: Shared) {
    let a = create(&store, "alice", "kind.a").await;
    let b = create(&store, "alice", "kind.b").await;
    let claim = |kinds: &[&str]| {
        let store = store.clone();
        let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
        async move {
            store
                .claim(&kinds, "w", in_secs(60))
                .await
                .expect("claim")
                .map(|(job, _)| job.job_id)
        }
    };
    assert_eq!(claim(&[]).await, None, "no kinds, no job");
    assert_eq!(claim(&["kind.c"]).await, None);
    assert_eq!(claim(&["kind"]).await, None, "kinds match exactly");
    assert_eq!(claim(&["kind.c", "kind.b"]).await, Some(b.job_id));
    assert_eq!(claim(&["kind.b"]).await, None);
    assert_eq!(claim(&["kind.a", "kind.b"]).await, Some(a.job_id));
    assert_eq!(claim(&["kind.a", "kind.b"]).await, None);
}

pub async fn claim_takes_the_oldest_first(store: Shared) {
    let created = create_apart(&store, "alice", "k", 4).await;
    for job in &created {
        let (claimed, _) = store
            .claim(&["k".to_owned()], "w", in_secs(60))
            .await
            .expect("claim")
            .expect("claimed");
        assert_eq!(claimed.job_id, job.job_id);
    }
}

pub async fn retried_job_waits_for_run_after(store: Shared) {
    let job = create(&store, "alice", "k").await;
    let (_, _) = store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .expect("claimed");
    let run_after = Timestamp::now().plus_millis(1_000);
    let (queued, event) = store
        .append(
            job.job_id,
            EventDraft::new(EventType::Retrying).run_after(run_after),
        )
        .await
        .expect("retry");
    assert_eq!((queued.status, queued.attempt), (Status::Queued, 2));
    assert_eq!(event.kind, EventType::Retrying);
    assert!(
        store.leased_jobs(None).await.expect("leased").is_empty(),
        "a retry releases the lease"
    );

    // A job created later but claimable now goes first.
    let other = create(&store, "alice", "k").await;
    let (next, _) = store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(next.job_id, other.job_id);
    assert!(store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .is_none());

    let wait = run_after.millis_since(Timestamp::now()) + 50;
    tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    let (again, started) = store
        .claim(&["k".to_owned()], "w2", in_secs(60))
        .await
        .expect("claim")
        .expect("claimable once run_after has passed");
    assert_eq!(again.job_id, job.job_id);
    assert_eq!((again.attempt, again.status), (2, Status::Running));
    assert_eq!(started.seq, 4);
}

pub async fn explicit_retry_is_claimable_at_once(store: Shared) {
    let job = create(&store, "alice", "k").await;
    store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .expect("claimed");
    store
        .append(
            job.job_id,
            EventDraft::new(EventType::Failed).data(json!({
                "code": "processing_failed", "message": "boom", "stage": null, "retryable": false
            })),
        )
        .await
        .expect("fail");
    assert!(store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .is_none());
    let (queued, _) = store
        .append(job.job_id, EventDraft::new(EventType::Retrying))
        .await
        .expect("retry");
    assert_eq!(
        (queued.status, queued.attempt, queued.error),
        (Status::Queued, 2, None)
    );
    let (again, _) = store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .expect("claimable at once");
    assert_eq!(again.job_id, job.job_id);
}
