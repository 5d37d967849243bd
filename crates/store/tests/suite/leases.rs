//! Leases: renewing only the current attempt, and finding leased jobs (all
//! of them, or only those whose lease has run out).

use jobcast_core::{EventDraft, EventType, JobId, Status, Timestamp};
use serde_json::json;

use super::{create, Shared};

async fn lease_of(store: &Shared, id: JobId) -> Option<(u32, String, Timestamp)> {
    store
        .leased_jobs(None)
        .await
        .expect("leased")
        .into_iter()
        .find(|l| l.job_id == id)
        .map(|l| (l.attempt, l.lease_owner, l.lease_until))
}

pub async fn renew_lease_extends_only_the_current_attempt(store: Shared) {
    let job = create(&store, "alice", "k").await;
    let t1 = Timestamp::now().plus_millis(10_000);
    store
        .claim(&["k".to_owned()], "w1", t1)
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(
        lease_of(&store, job.job_id).await,
        Some((1, "w1".into(), t1))
    );

    let t2 = t1.plus_millis(10_000);
    let now = store
        .renew_lease(job.job_id, 1, t2)
        .await
        .expect("renew")
        .expect("exists");
    assert_eq!(now.status, Status::Running);
    assert_eq!(
        lease_of(&store, job.job_id).await,
        Some((1, "w1".into(), t2))
    );

    // Another attempt's worker renews nothing, but learns how the job is.
    let stale = store
        .renew_lease(job.job_id, 2, t2.plus_millis(50_000))
        .await
        .expect("renew")
        .expect("exists");
    assert_eq!(stale, now);
    assert_eq!(
        lease_of(&store, job.job_id).await,
        Some((1, "w1".into(), t2))
    );

    // Waiting for an answer keeps the lease, and it can be renewed.
    store
        .append(
            job.job_id,
            EventDraft::new(EventType::Clarification).data(json!({"question": "which?"})),
        )
        .await
        .expect("ask");
    let t3 = t2.plus_millis(10_000);
    let waiting = store
        .renew_lease(job.job_id, 1, t3)
        .await
        .expect("renew")
        .expect("exists");
    assert_eq!(waiting.status, Status::WaitingInput);
    assert_eq!(
        lease_of(&store, job.job_id).await,
        Some((1, "w1".into(), t3))
    );

    // After a retry the old attempt's lease is gone and stays gone.
    store
        .append(job.job_id, EventDraft::new(EventType::Retrying))
        .await
        .expect("retry");
    let queued = store
        .renew_lease(job.job_id, 1, t3.plus_millis(10_000))
        .await
        .expect("renew")
        .expect("exists");
    assert_eq!((queued.status, queued.attempt), (Status::Queued, 2));
    assert_eq!(lease_of(&store, job.job_id).await, None);

    // A cancelled job is reported as such.
    store
        .append(job.job_id, EventDraft::new(EventType::Cancelled))
        .await
        .expect("cancel");
    let cancelled = store
        .renew_lease(job.job_id, 2, t3)
        .await
        .expect("renew")
        .expect("exists");
    assert_eq!(cancelled.status, Status::Cancelled);

    assert_eq!(
        store.renew_lease(JobId::new(), 1, t3).await.expect("renew"),
        None
    );
}

pub async fn leased_jobs_with_and_without_expiry(store: Shared) {
    let now = Timestamp::now();
    let mut jobs = Vec::new();
    for (kind, lease_until) in [
        ("expired", now.plus_millis(-5_000)),
        ("fresh", now.plus_millis(60_000)),
        ("later", now.plus_millis(120_000)),
    ] {
        let job = create(&store, "alice", kind).await;
        store
            .claim(&[kind.to_owned()], &format!("w-{kind}"), lease_until)
            .await
            .expect("claim")
            .expect("claimed");
        jobs.push((job.job_id, lease_until));
    }
    let queued = create(&store, "alice", "never-claimed").await;

    let all = store.leased_jobs(None).await.expect("leased");
    let mut ids: Vec<JobId> = all.iter().map(|l| l.job_id).collect();
    ids.sort();
    let mut expected: Vec<JobId> = jobs.iter().map(|(id, _)| *id).collect();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(!ids.contains(&queued.job_id));
    for lease in &all {
        let (_, until) = jobs
            .iter()
            .find(|(id, _)| *id == lease.job_id)
            .expect("ours");
        assert_eq!(lease.lease_until, *until);
        assert_eq!((lease.attempt, lease.max_attempts), (1, 3));
    }

    let expired = store.leased_jobs(Some(now)).await.expect("expired");
    assert_eq!(
        expired.iter().map(|l| l.job_id).collect::<Vec<_>>(),
        vec![jobs[0].0]
    );
    assert_eq!(expired[0].lease_owner, "w-expired");
    // "Before" is strict.
    let at_fresh = store.leased_jobs(Some(jobs[1].1)).await.expect("expired");
    assert_eq!(at_fresh.len(), 1);
    let before_later = store.leased_jobs(Some(jobs[2].1)).await.expect("expired");
    assert_eq!(before_later.len(), 2);

    // A finished job holds no lease.
    store
        .append(jobs[0].0, EventDraft::new(EventType::Completed))
        .await
        .expect("complete");
    assert!(store
        .leased_jobs(Some(now))
        .await
        .expect("expired")
        .is_empty());
    assert_eq!(store.leased_jobs(None).await.expect("leased").len(), 2);
}
