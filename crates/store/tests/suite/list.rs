//! Listing jobs: filters, newest-first order and cursor pagination.

use std::collections::HashSet;

use jobcast_core::{EventDraft, EventType, JobId, JobQuery, Status};

use super::{create_apart, in_secs, new_job, Shared};

fn query(owner: Option<&str>, statuses: &[Status], kind: Option<&str>) -> JobQuery {
    JobQuery {
        owner: owner.map(str::to_owned),
        statuses: statuses.to_vec(),
        kind: kind.map(str::to_owned),
        limit: 200,
        before: None,
    }
}

async fn ids(store: &Shared, q: JobQuery) -> Vec<JobId> {
    let page = store.list_jobs(&q).await.expect("list");
    assert_eq!(page.next_cursor, None);
    page.jobs.iter().map(|j| j.job_id).collect()
}

pub async fn list_filters_by_owner_status_and_kind(store: Shared) {
    let alice_a = create_apart(&store, "alice", "a", 3).await;
    let alice_b = create_apart(&store, "alice", "b", 2).await;
    let bob_a = create_apart(&store, "bob", "a", 2).await;

    // alice_a[0] runs, alice_a[1] is cancelled.
    let (running, _) = store
        .claim(&["a".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(running.job_id, alice_a[0].job_id);
    store
        .append(alice_a[1].job_id, EventDraft::new(EventType::Cancelled))
        .await
        .expect("cancel");

    let newest_first = |jobs: &[&[jobcast_core::JobSnapshot]]| -> Vec<JobId> {
        let mut ids: Vec<JobId> = jobs
            .iter()
            .flat_map(|j| j.iter().map(|s| s.job_id))
            .collect();
        ids.sort_by(|x, y| y.cmp(x));
        ids
    };

    assert_eq!(
        ids(&store, query(None, &[], None)).await,
        newest_first(&[&alice_a, &alice_b, &bob_a])
    );
    assert_eq!(
        ids(&store, query(Some("alice"), &[], None)).await,
        newest_first(&[&alice_a, &alice_b])
    );
    assert_eq!(
        ids(&store, query(Some("bob"), &[], None)).await,
        newest_first(&[&bob_a])
    );
    assert!(ids(&store, query(Some("carol"), &[], None))
        .await
        .is_empty());
    assert_eq!(
        ids(&store, query(None, &[], Some("a"))).await,
        newest_first(&[&alice_a, &bob_a])
    );
    assert_eq!(
        ids(&store, query(Some("alice"), &[], Some("b"))).await,
        newest_first(&[&alice_b])
    );
    assert_eq!(
        ids(&store, query(None, &[Status::Running], None)).await,
        vec![alice_a[0].job_id]
    );
    assert_eq!(
        ids(
            &store,
            query(None, &[Status::Running, Status::Cancelled], None)
        )
        .await,
        vec![alice_a[1].job_id, alice_a[0].job_id]
    );
    let queued_alice_a = ids(&store, query(Some("alice"), &[Status::Queued], Some("a"))).await;
    assert_eq!(queued_alice_a, vec![alice_a[2].job_id]);
    assert!(ids(&store, query(Some("bob"), &[Status::Completed], None))
        .await
        .is_empty());

    // The snapshots listed are the current ones.
    let page = store
        .list_jobs(&query(None, &[Status::Running], None))
        .await
        .expect("list");
    assert_eq!(page.jobs, vec![running]);
}

pub async fn list_pages_newest_first_without_gaps(store: Shared) {
    let created = create_apart(&store, "alice", "k", 23).await;
    create_apart(&store, "bob", "k", 3).await;
    let expected: Vec<JobId> = created.iter().rev().map(|j| j.job_id).collect();

    for limit in [1, 5, 7, 22, 23] {
        let mut seen = Vec::new();
        let mut before = None;
        let mut pages = 0;
        loop {
            let page = store
                .list_jobs(&JobQuery {
                    owner: Some("alice".into()),
                    limit,
                    before,
                    ..JobQuery::default()
                })
                .await
                .expect("list");
            pages += 1;
            assert!(page.jobs.len() <= limit as usize);
            seen.extend(page.jobs.iter().map(|j| j.job_id));
            match page.next_cursor {
                Some(cursor) => {
                    assert_eq!(page.jobs.len(), limit as usize);
                    assert_eq!(Some(cursor), page.jobs.last().map(|j| j.job_id));
                    before = Some(cursor);
                }
                None => break,
            }
            assert!(pages <= 30, "pagination does not end");
        }
        assert_eq!(seen, expected, "limit {limit}");
        assert_eq!(
            pages,
            created.len().div_ceil(limit as usize),
            "limit {limit}"
        );
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len());
    }

    // Jobs created after the first page was read do not shift later pages.
    let first = store
        .list_jobs(&JobQuery {
            owner: Some("alice".into()),
            limit: 10,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    create_apart(&store, "alice", "k", 2).await;
    let second = store
        .list_jobs(&JobQuery {
            owner: Some("alice".into()),
            limit: 10,
            before: first.next_cursor,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    let second: Vec<JobId> = second.jobs.iter().map(|j| j.job_id).collect();
    assert_eq!(second, expected[10..20].to_vec());
}

pub async fn list_limit_is_clamped(store: Shared) {
    create_apart(&store, "alice", "k", 3).await;
    let page = store
        .list_jobs(&JobQuery {
            limit: 0,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(page.jobs.len(), 1);
    assert!(page.next_cursor.is_some());
    let page = store
        .list_jobs(&JobQuery {
            limit: u32::MAX,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    assert_eq!((page.jobs.len(), page.next_cursor), (3, None));

    let many = (0..200).map(|_| new_job("bob", "k")).collect();
    store.create_jobs("bob", None, many).await.expect("create");
    let page = store
        .list_jobs(&JobQuery {
            limit: 1_000,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(page.jobs.len(), 200);
    assert!(page.next_cursor.is_some());
}

/// `jobs_of`: exactly the owner's jobs among the ids asked for; someone
/// else's job and an unknown id are left out, whatever their number.
pub async fn jobs_of_answers_only_the_owners_jobs(store: Shared) {
    let alice = create_apart(&store, "alice", "a", 3).await;
    let bob = create_apart(&store, "bob", "a", 2).await;
    let mut asked: Vec<JobId> = alice.iter().chain(&bob).map(|j| j.job_id).collect();
    asked.push(JobId::new());
    let found = store.jobs_of("alice", &asked).await.expect("jobs_of");
    let found_ids: HashSet<JobId> = found.iter().map(|j| j.job_id).collect();
    let expected: HashSet<JobId> = alice.iter().map(|j| j.job_id).collect();
    assert_eq!(found_ids, expected);
    assert_eq!(found.len(), 3, "each job once");
    for job in &found {
        let stored = store.job(job.job_id).await.expect("job").expect("exists");
        assert_eq!(job, &stored, "the whole snapshot");
    }
    assert!(store.jobs_of("alice", &[]).await.expect("empty").is_empty());
    assert!(store
        .jobs_of("carol", &asked)
        .await
        .expect("nobody's")
        .is_empty());

    // Many ids at once (unknown ones among them) are one query, and a list
    // longer than the limit is cut, never refused.
    let mut many: Vec<JobId> = (0..jobcast_core::JOBS_OF_LIMIT + 50)
        .map(|_| JobId::new())
        .collect();
    many[10] = alice[0].job_id;
    let found = store.jobs_of("alice", &many).await.expect("many");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].job_id, alice[0].job_id);
}
