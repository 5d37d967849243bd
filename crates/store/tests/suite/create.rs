//! Creating jobs: what a new job looks like, its input, idempotency keys, and
//! batches that are stored whole or not at all.

use std::collections::HashSet;

use jobcast_core::{EventType, JobId, JobInput, JobQuery, MediaType, Status, StoreError};
use serde_json::json;

use super::{in_secs, new_job, Shared};

pub async fn backend_identifies_itself(store: Shared) {
    assert!(matches!(store.backend(), "sqlite" | "postgres"));
    assert_eq!(store.is_shared(), store.backend() == "postgres");
    store.ping().await.expect("ping");
}

pub async fn create_get_and_input_round_trip(store: Shared) {
    let mut pdf = new_job("alice", "pdf.sentences");
    pdf.input = JobInput {
        filename: None,
        media_type: MediaType::Binary,
        bytes: vec![0, 1, 2, 255, 0, 7],
    };
    pdf.options = json!({"nested": {"x": [1.5, null, "é"]}});
    pdf.max_attempts = 5;
    let text = new_job("alice", "invoice.extract");
    let wanted = [pdf.clone(), text.clone()];

    let out = store
        .create_jobs("alice", None, vec![pdf, text])
        .await
        .expect("create");
    assert!(!out.replayed);
    assert_eq!(out.jobs.len(), 2);
    assert_eq!(out.events.len(), 2);

    for ((job, event), new) in out.jobs.iter().zip(&out.events).zip(&wanted) {
        assert_eq!(job.job_id, new.id);
        assert_eq!(job.room, format!("job:{}", new.id));
        assert_eq!(job.kind, new.kind);
        assert_eq!(job.owner, "alice");
        assert_eq!(job.filename, new.input.filename);
        assert_eq!(job.status, Status::Queued);
        assert_eq!(job.message, "Queued");
        assert_eq!((job.attempt, job.max_attempts), (1, new.max_attempts));
        assert_eq!(job.options, new.options);
        assert_eq!(job.last_seq, 1);
        assert_eq!((job.result.as_ref(), job.error.as_ref()), (None, None));

        assert_eq!(event.job_id, new.id);
        assert_eq!((event.seq, event.kind), (1, EventType::Queued));
        assert_eq!(event.status, Status::Queued);

        let stored = store.job(new.id).await.expect("job");
        assert_eq!(stored.as_ref(), Some(job));
        let input = store.input(new.id).await.expect("input");
        assert_eq!(input.as_ref(), Some(&new.input));
        let events = store.events_after(new.id, 0, 10).await.expect("events");
        assert_eq!(events, vec![event.clone()]);
    }

    let nobody = JobId::new();
    assert_eq!(store.job(nobody).await.expect("job"), None);
    assert_eq!(store.input(nobody).await.expect("input"), None);
    assert!(store
        .events_after(nobody, 0, 10)
        .await
        .expect("events")
        .is_empty());
}

pub async fn idempotency_key_returns_the_first_jobs(store: Shared) {
    let first = vec![new_job("alice", "k"), new_job("alice", "k")];
    let first_ids: Vec<JobId> = first.iter().map(|j| j.id).collect();
    let out = store
        .create_jobs("alice", Some("upload-1"), first)
        .await
        .expect("create");
    assert!(!out.replayed);

    let again = vec![new_job("alice", "k")];
    let again_id = again[0].id;
    let replay = store
        .create_jobs("alice", Some("upload-1"), again)
        .await
        .expect("replay");
    assert!(replay.replayed);
    assert!(replay.events.is_empty());
    assert_eq!(replay.jobs, out.jobs);
    assert_eq!(store.job(again_id).await.expect("job"), None);

    // A replay returns the jobs as they are now, not as they were created.
    let (running, _) = store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .expect("claimed");
    let replay = store
        .create_jobs("alice", Some("upload-1"), vec![new_job("alice", "k")])
        .await
        .expect("replay");
    let ids: Vec<JobId> = replay.jobs.iter().map(|j| j.job_id).collect();
    assert_eq!(ids, first_ids);
    assert!(replay.jobs.contains(&running));

    // Without a key, or with another key, jobs are created every time.
    for key in [None, None, Some("upload-2")] {
        let out = store
            .create_jobs("alice", key, vec![new_job("alice", "k")])
            .await
            .expect("create");
        assert!(!out.replayed);
    }
    let all = store
        .list_jobs(&JobQuery {
            limit: 100,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(all.jobs.len(), 5);
}

pub async fn idempotency_keys_belong_to_their_owner(store: Shared) {
    let alice = store
        .create_jobs("alice", Some("same"), vec![new_job("alice", "k")])
        .await
        .expect("alice");
    let bob = store
        .create_jobs("bob", Some("same"), vec![new_job("bob", "k")])
        .await
        .expect("bob");
    assert!(!alice.replayed);
    assert!(!bob.replayed);
    assert_ne!(alice.jobs[0].job_id, bob.jobs[0].job_id);
    assert_eq!(bob.jobs[0].owner, "bob");

    let bob_again = store
        .create_jobs("bob", Some("same"), vec![new_job("bob", "k")])
        .await
        .expect("bob again");
    assert!(bob_again.replayed);
    assert_eq!(bob_again.jobs, bob.jobs);
}

pub async fn concurrent_creates_with_one_key_agree(store: Shared) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .create_jobs(
                    "alice",
                    Some("double-click"),
                    vec![new_job("alice", "k"), new_job("alice", "k")],
                )
                .await
                .expect("create")
        });
    }
    let outcomes = tasks.join_all().await;
    let winners: Vec<_> = outcomes.iter().filter(|o| !o.replayed).collect();
    assert_eq!(winners.len(), 1, "exactly one create wins the key");
    let winner_ids: Vec<JobId> = winners[0].jobs.iter().map(|j| j.job_id).collect();
    for outcome in &outcomes {
        let ids: Vec<JobId> = outcome.jobs.iter().map(|j| j.job_id).collect();
        assert_eq!(ids, winner_ids);
    }
    let stored = store
        .list_jobs(&JobQuery {
            owner: Some("alice".into()),
            limit: 100,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    let stored: HashSet<JobId> = stored.jobs.iter().map(|j| j.job_id).collect();
    assert_eq!(stored, winner_ids.into_iter().collect());
}

pub async fn batch_create_is_all_or_nothing(store: Shared) {
    // A batch repeating an id fails as a whole.
    let a = new_job("alice", "k");
    let b = new_job("alice", "k");
    let mut dup = new_job("alice", "k");
    dup.id = a.id;
    let err = store
        .create_jobs("alice", Some("batch"), vec![a.clone(), b.clone(), dup])
        .await
        .expect_err("duplicate id");
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    for id in [a.id, b.id] {
        assert_eq!(store.job(id).await.expect("job"), None);
        assert_eq!(store.input(id).await.expect("input"), None);
        assert!(store
            .events_after(id, 0, 10)
            .await
            .expect("events")
            .is_empty());
    }

    // The failed batch did not take its idempotency key.
    let out = store
        .create_jobs("alice", Some("batch"), vec![a.clone()])
        .await
        .expect("create");
    assert!(!out.replayed);

    // A batch colliding with a stored job fails whole, leaving that job as it was.
    let c = new_job("alice", "k");
    let mut clash = new_job("alice", "other");
    clash.id = a.id;
    store
        .create_jobs("alice", None, vec![c.clone(), clash])
        .await
        .expect_err("id already stored");
    assert_eq!(store.job(c.id).await.expect("job"), None);
    assert_eq!(
        store.job(a.id).await.expect("job"),
        Some(out.jobs[0].clone())
    );

    let all = store
        .list_jobs(&JobQuery {
            limit: 100,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(all.jobs, out.jobs);
}
