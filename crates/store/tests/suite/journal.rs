//! The journal on a real store: every event it stores is published, even when
//! the caller stops waiting at any point of the write (issue 11: 58 cancels
//! stored, 16 never delivered, when the HTTP client hung up mid-`cancel`).

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jobcast_core::{EventBus, EventDraft, EventType, JobId, JobQuery, Journal, LocalBus};

use super::{in_secs, new_job, Shared};

/// Polls `write` `polls` times (letting the runtime run in between), then
/// drops it, as a caller that goes away would.
async fn abandon<F: Future>(write: F, polls: usize) {
    let mut write = std::pin::pin!(write);
    for _ in 0..polls {
        if futures::poll!(write.as_mut()).is_ready() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

pub async fn a_write_whose_caller_stops_waiting_is_published(store: Shared) {
    let bus = Arc::new(LocalBus::new(1 << 16));
    let mut feed = bus.subscribe();
    let journal = Journal::new(store.clone(), bus.clone() as Arc<dyn EventBus>);
    let owner = "dropper";
    for polls in 0..8 {
        let kind = |step: &str| format!("{step}-{polls}");
        // A create whose caller goes away.
        abandon(
            journal.create_jobs(owner, None, vec![new_job(owner, &kind("created"))]),
            polls,
        )
        .await;
        // A claim whose caller goes away.
        journal
            .create_jobs(owner, None, vec![new_job(owner, &kind("claimed"))])
            .await
            .expect("create");
        abandon(journal.claim(&[kind("claimed")], "w", in_secs(60)), polls).await;
        // Progress and a cancel whose callers go away, on a running job.
        let job = journal
            .create_jobs(owner, None, vec![new_job(owner, &kind("cancelled"))])
            .await
            .expect("create")
            .jobs[0]
            .job_id;
        journal
            .claim(&[kind("cancelled")], "w", in_secs(60))
            .await
            .expect("claim")
            .expect("claimable");
        abandon(
            journal.append(job, EventDraft::new(EventType::Progress).progress(50.0)),
            polls,
        )
        .await;
        abandon(
            journal.append(job, EventDraft::new(EventType::Cancelled)),
            polls,
        )
        .await;
    }

    // Every event stored is published once, and nothing else: wait for the
    // writes still under way to end.
    let mut published: HashMap<JobId, Vec<u64>> = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Ok(message) = feed.try_recv() {
            assert_eq!(message.owner, owner);
            published
                .entry(message.event.job_id)
                .or_default()
                .push(message.event.seq);
        }
        let stored = stored_seqs(&store, owner).await;
        let seen: HashMap<JobId, Vec<u64>> = published.clone();
        let matches = stored.len() == seen.len()
            && stored.iter().all(|(id, seqs)| {
                seen.get(id).is_some_and(|p| {
                    p.len() == seqs.len() && p.iter().copied().collect::<BTreeSet<_>>() == *seqs
                })
            });
        if matches {
            let cancels = stored.values().filter(|s| s.len() >= 3).count();
            assert!(cancels > 0, "some writes were stored: {stored:?}");
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "stored but not published (or published twice):\nstored    {stored:?}\npublished {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The seqs stored for each of `owner`'s jobs.
async fn stored_seqs(store: &Shared, owner: &str) -> HashMap<JobId, BTreeSet<u64>> {
    let page = store
        .list_jobs(&JobQuery {
            owner: Some(owner.into()),
            limit: 1000,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    let mut stored = HashMap::new();
    for job in page.jobs {
        let events = store
            .events_after(job.job_id, 0, 1000)
            .await
            .expect("events");
        stored.insert(job.job_id, events.iter().map(|e| e.seq).collect());
    }
    stored
}
