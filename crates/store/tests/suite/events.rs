//! Appending events: contiguous seqs, reading them back, final terminal
//! states, monotonic progress, and many writers on one job.

use jobcast_core::{EventDraft, EventType, JobId, Status, StoreError, TransitionError};
use serde_json::json;

use super::{create, log, start, Shared};

pub async fn append_numbers_events_without_gaps(store: Shared) {
    let job = create(&store, "alice", "k").await;
    assert_eq!(start(&store, "k").await.job_id, job.job_id);
    let drafts = vec![
        EventDraft::new(EventType::StageStart).stage("fetch"),
        EventDraft::new(EventType::Progress)
            .progress(10.0)
            .message("Fetching"),
        log("fetched 3 pages"),
        EventDraft::new(EventType::Partial).data(json!({"sentences": ["a", "b"]})),
        EventDraft::new(EventType::StageStart).stage("split"),
        // A value with no short decimal form: an event must read back equal
        // to the one appended (group commit compares them to learn whether
        // a failed COMMIT was applied).
        EventDraft::new(EventType::Progress).progress(200.0 / 3.0),
        EventDraft::new(EventType::Completed).data(json!({"count": 2})),
    ];
    let mut appended = Vec::new();
    for (i, draft) in drafts.into_iter().enumerate() {
        let (snapshot, event) = store.append(job.job_id, draft).await.expect("append");
        assert_eq!(event.seq, i as u64 + 3);
        assert_eq!(snapshot.last_seq, event.seq);
        assert_eq!(
            store.job(job.job_id).await.expect("job"),
            Some(snapshot),
            "the snapshot is stored with its event"
        );
        appended.push(event);
    }
    let done = store.job(job.job_id).await.expect("job").expect("exists");
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.stage.as_deref(), Some("split"));
    assert_eq!(done.result, Some(json!({"count": 2})));
    assert_eq!(done.progress, 100.0);

    let all = store
        .events_after(job.job_id, 0, 100)
        .await
        .expect("events");
    let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=9).collect::<Vec<_>>());
    assert_eq!(all[2..], appended[..]);
    assert_eq!(
        (all[0].kind, all[1].kind),
        (EventType::Queued, EventType::Started)
    );

    let some = store.events_after(job.job_id, 3, 2).await.expect("events");
    assert_eq!(some, all[3..5].to_vec());
    assert!(store
        .events_after(job.job_id, 9, 10)
        .await
        .expect("events")
        .is_empty());
    assert!(store
        .events_after(job.job_id, 0, 0)
        .await
        .expect("events")
        .is_empty());
}

pub async fn append_to_a_missing_job_is_not_found(store: Shared) {
    let nobody = JobId::new();
    let err = store.append(nobody, log("x")).await.expect_err("missing");
    assert!(
        matches!(err, StoreError::NotFound(id) if id == nobody),
        "{err:?}"
    );
}

pub async fn terminal_states_are_final(store: Shared) {
    let job = create(&store, "alice", "k").await;
    start(&store, "k").await;
    store
        .append(
            job.job_id,
            EventDraft::new(EventType::Completed).data(json!(1)),
        )
        .await
        .expect("complete");
    let done = store.job(job.job_id).await.expect("job").expect("exists");
    let events = store
        .events_after(job.job_id, 0, 100)
        .await
        .expect("events");

    let refused = [
        EventDraft::new(EventType::Progress).progress(5.0),
        log("late"),
        EventDraft::new(EventType::Failed)
            .data(json!({"code": "x", "message": "m", "stage": null, "retryable": true})),
        EventDraft::new(EventType::Cancelled),
        EventDraft::new(EventType::Retrying),
        EventDraft::new(EventType::Started),
        EventDraft::new(EventType::Completed),
    ];
    for draft in refused {
        let kind = draft.kind;
        let err = store.append(job.job_id, draft).await.expect_err("refused");
        assert!(
            matches!(
                err,
                StoreError::Transition(
                    TransitionError::Finished(Status::Completed)
                        | TransitionError::NotAllowed { .. }
                )
            ),
            "{kind:?}: {err:?}"
        );
    }
    assert_eq!(store.job(job.job_id).await.expect("job"), Some(done));
    assert_eq!(
        store
            .events_after(job.job_id, 0, 100)
            .await
            .expect("events"),
        events
    );
    // Nothing claims it either.
    assert!(store
        .claim(&["k".to_owned()], "w", super::in_secs(60))
        .await
        .expect("claim")
        .is_none());

    // A cancelled job is final too, except for an explicit retry.
    let other = create(&store, "alice", "k2").await;
    store
        .append(other.job_id, EventDraft::new(EventType::Cancelled))
        .await
        .expect("cancel");
    let err = store
        .append(other.job_id, EventDraft::new(EventType::Started))
        .await
        .expect_err("refused");
    assert!(matches!(err, StoreError::Transition(_)), "{err:?}");
}

pub async fn progress_never_decreases(store: Shared) {
    let job = create(&store, "alice", "k").await;
    start(&store, "k").await;
    let mut last = 0.0;
    for (sent, kept) in [
        (40.0, 40.0),
        (10.0, 40.0),
        (55.5, 55.5),
        (f64::NAN, 55.5),
        (250.0, 100.0),
    ] {
        let (snapshot, event) = store
            .append(
                job.job_id,
                EventDraft::new(EventType::Progress).progress(sent),
            )
            .await
            .expect("progress");
        assert_eq!(
            (snapshot.progress, event.progress),
            (kept, kept),
            "sent {sent}"
        );
        assert!(kept >= last);
        last = kept;
    }
    let stored = store.job(job.job_id).await.expect("job").expect("exists");
    assert_eq!(stored.progress, 100.0);
    let events = store
        .events_after(job.job_id, 2, 100)
        .await
        .expect("events");
    let progress: Vec<f64> = events.iter().map(|e| e.progress).collect();
    assert_eq!(progress, vec![40.0, 40.0, 55.5, 55.5, 100.0]);
}

pub async fn concurrent_appends_get_contiguous_seqs(store: Shared) {
    const TASKS: u64 = 16;
    const EACH: u64 = 10;
    let job = create(&store, "alice", "k").await;
    start(&store, "k").await;
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let store = store.clone();
        tasks.spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..EACH {
                let (_, event) = store
                    .append(job.job_id, log(&format!("task {t} line {i}")))
                    .await
                    .expect("append");
                seqs.push(event.seq);
            }
            seqs
        });
    }
    let mut seqs: Vec<u64> = tasks.join_all().await.into_iter().flatten().collect();
    seqs.sort_unstable();
    let last = 2 + TASKS * EACH;
    assert_eq!(seqs, (3..=last).collect::<Vec<_>>());

    let stored = store
        .events_after(job.job_id, 0, 1_000)
        .await
        .expect("events");
    let stored: Vec<u64> = stored.iter().map(|e| e.seq).collect();
    assert_eq!(stored, (1..=last).collect::<Vec<_>>());
    let snapshot = store.job(job.job_id).await.expect("job").expect("exists");
    assert_eq!(snapshot.last_seq, last);
}

/// Many jobs appending at once (what group commit batches): every job's
/// events stay whole and in order, each answer is its own job's, and the
/// drafts refused in the same bursts (a missing job, a finished job, a
/// stale attempt) fail alone, changing nothing.
pub async fn concurrent_appends_across_jobs_stay_whole(store: Shared) {
    const JOBS: usize = 40;
    const EACH: u64 = 15;
    let mut jobs = Vec::new();
    for _ in 0..JOBS {
        create(&store, "alice", "many").await;
        jobs.push(start(&store, "many").await);
    }
    let finished = create(&store, "alice", "done").await;
    start(&store, "done").await;
    store
        .append(finished.job_id, EventDraft::new(EventType::Completed))
        .await
        .expect("complete");

    let mut tasks = tokio::task::JoinSet::new();
    for job in &jobs {
        let (store, id) = (store.clone(), job.job_id);
        tasks.spawn(async move {
            let mut answers = Vec::new();
            for i in 1..=EACH {
                let draft = EventDraft::new(EventType::Progress)
                    .progress(i as f64)
                    .message(format!("{id} {i}"));
                answers.push(store.append(id, draft).await.expect("append"));
                // Refused drafts, racing the good ones into the same batches.
                let stale = EventDraft::new(EventType::Progress).on_attempt(7);
                assert!(matches!(
                    store.append(id, stale).await,
                    Err(StoreError::Transition(TransitionError::StaleAttempt { .. }))
                ));
            }
            (id, answers)
        });
    }
    for _ in 0..JOBS {
        let store = store.clone();
        tasks.spawn(async move {
            let missing = JobId::new();
            assert!(matches!(
                store.append(missing, log("nobody")).await,
                Err(StoreError::NotFound(id)) if id == missing
            ));
            assert!(matches!(
                store.append(finished.job_id, log("too late")).await,
                Err(StoreError::Transition(_))
            ));
            (missing, Vec::new())
        });
    }
    for (id, answers) in tasks.join_all().await {
        if answers.is_empty() {
            assert_eq!(store.job(id).await.expect("job"), None, "nothing created");
            continue;
        }
        for (i, (snapshot, event)) in answers.iter().enumerate() {
            let i = i as u64 + 1;
            assert_eq!(
                (event.job_id, event.seq),
                (id, i + 2),
                "its own job's answer"
            );
            assert_eq!(event.message, format!("{id} {i}"));
            assert_eq!((snapshot.job_id, snapshot.last_seq), (id, event.seq));
            assert_eq!(snapshot.progress, i as f64);
        }
        let stored = store.events_after(id, 2, 1_000).await.expect("events");
        let returned: Vec<_> = answers.into_iter().map(|(_, e)| e).collect();
        assert_eq!(stored, returned, "what was answered is what was stored");
        let job = store.job(id).await.expect("job").expect("exists");
        assert_eq!((job.last_seq, job.progress), (2 + EACH, EACH as f64));
        assert_eq!(job.status, Status::Running);
    }
    let done = store
        .job(finished.job_id)
        .await
        .expect("job")
        .expect("exists");
    assert_eq!((done.status, done.last_seq), (Status::Completed, 3));
    assert_eq!(
        store
            .events_after(finished.job_id, 0, 100)
            .await
            .expect("events")
            .len(),
        3
    );
}

pub async fn a_stale_attempt_cannot_append(store: Shared) {
    let job = create(&store, "alice", "k").await;
    let first = start(&store, "k").await;
    assert_eq!(first.attempt, 1);
    store
        .append(job.job_id, EventDraft::new(EventType::Retrying))
        .await
        .expect("retry");
    let before = store.job(job.job_id).await.expect("job").expect("exists");
    assert_eq!((before.attempt, before.status), (2, Status::Queued));

    let err = store
        .append(job.job_id, log("from the old worker").on_attempt(1))
        .await
        .expect_err("stale");
    assert!(
        matches!(
            err,
            StoreError::Transition(TransitionError::StaleAttempt {
                expected: 1,
                current: 2
            })
        ),
        "{err:?}"
    );
    assert_eq!(store.job(job.job_id).await.expect("job"), Some(before));
}
