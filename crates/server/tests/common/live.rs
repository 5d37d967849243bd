//! Helpers for the live-layer tests: sockets and REST clients from the
//! shipped `jobcast-client`, tokens the server must refuse, and assertions
//! on event streams.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jobcast_client::{ConnectOptions, RestClient, SocketClient};
use jobcast_core::{Event, JobId};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::TestServer;

impl TestServer {
    /// A connected socket of the holder of `token`; panics if refused.
    pub async fn socket(&self, token: &str) -> SocketClient {
        SocketClient::connect(&self.base, token)
            .await
            .expect("socket connects")
    }

    pub async fn socket_with(
        &self,
        options: ConnectOptions,
    ) -> Result<SocketClient, jobcast_client::ConnectError> {
        SocketClient::connect_with(&self.base, options).await
    }

    pub fn rest(&self, token: &str) -> RestClient {
        RestClient::with_http(&self.base, token, self.http.clone())
    }

    /// A token signed with the server's own (generated) key that expired an
    /// hour ago.
    pub fn expired_token(&self, user: &str) -> String {
        let secret = std::fs::read_to_string(self.data_dir.path().join("jwt-secret"))
            .expect("generated secret");
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &json!({"sub": user, "exp": unix_now() - 3600}),
            &jsonwebtoken::EncodingKey::from_secret(secret.trim().as_bytes()),
        )
        .expect("encode")
    }

    /// A well-formed token signed with a key the server does not have.
    pub fn forged_token(&self, user: &str) -> String {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &json!({"sub": user, "exp": unix_now() + 3600, "role": "admin"}),
            &jsonwebtoken::EncodingKey::from_secret(b"not the server's secret"),
        )
        .expect("encode")
    }

    /// Every stored event of the job, however many pages it takes.
    pub async fn all_events(&self, token: &str, id: JobId) -> Vec<Event> {
        let rest = self.rest(token);
        let mut all: Vec<Event> = Vec::new();
        loop {
            let after = all.last().map_or(0, |e| e.seq);
            let page = rest.events(id, after).await.expect("events");
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// `events` are exactly `first, first + 1, ...`: no gap, no duplicate.
pub fn assert_run(label: &str, events: &[Event], first: u64) {
    for (i, event) in events.iter().enumerate() {
        let expected = first + i as u64;
        assert_eq!(
            event.seq,
            expected,
            "{label}: expected seq {expected} at index {i}, got {} (seqs around it: {:?})",
            event.seq,
            events[i.saturating_sub(3)..(i + 3).min(events.len())]
                .iter()
                .map(|e| e.seq)
                .collect::<Vec<_>>()
        );
    }
}

/// Reads `job_update`s of `job` until a terminal one, failing after `limit`
/// without one. Other jobs' updates are skipped.
pub async fn read_to_end(socket: &mut SocketClient, job: JobId, limit: Duration) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut events = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = socket
            .next_update(left)
            .await
            .unwrap_or_else(|e| {
                panic!("reading updates of {job}: {e}; got {} so far", events.len())
            })
            .unwrap_or_else(|| {
                panic!(
                    "no terminal update of {job} within {limit:?}; last seq {:?}",
                    events.last().map(|e: &Event| e.seq)
                )
            });
        if event.job_id != job {
            continue;
        }
        let terminal = event.status.is_terminal();
        events.push(event);
        if terminal {
            return events;
        }
    }
}

/// A well-behaved client that reads one job from seq 1 to its end (within
/// `limit`), in a task; the task gives the events and when the last came.
pub fn watch(
    server: &TestServer,
    token: &str,
    job: JobId,
    limit: Duration,
) -> JoinHandle<(Vec<Event>, Instant)> {
    let base = server.base.clone();
    let token = token.to_owned();
    tokio::spawn(async move {
        let mut socket = SocketClient::connect(&base, &token)
            .await
            .expect("watcher connects");
        let joined = socket.join_job(job, Some(0)).await.expect("watcher joins");
        let mut stream = joined.events;
        if !stream.last().is_some_and(|e| e.status.is_terminal()) {
            stream.extend(read_to_end(&mut socket, job, limit).await);
        }
        (stream, Instant::now())
    })
}

/// `got` is exactly `stored`, event for event; says where they part.
pub fn assert_same(label: &str, got: &[Event], stored: &[Event]) {
    if let Some(i) = (0..got.len().min(stored.len())).find(|&i| got[i] != stored[i]) {
        panic!(
            "{label}: event {i} differs:\n got    {:?}\n stored {:?}",
            got[i], stored[i]
        );
    }
    assert_eq!(
        got.len(),
        stored.len(),
        "{label}: {} events, the store has {} (last seqs {:?} and {:?})",
        got.len(),
        stored.len(),
        got.last().map(|e| e.seq),
        stored.last().map(|e| e.seq)
    );
}

impl TestServer {
    /// A token of `user` that the server accepts for about `secs` more
    /// seconds (its `exp` is set back by the verification leeway), and the
    /// Unix second from which it is refused.
    pub fn short_token(&self, user: &str, secs: u64) -> (String, u64) {
        let secret = std::fs::read_to_string(self.data_dir.path().join("jwt-secret"))
            .expect("generated secret");
        let leeway = jobcast_server::auth::LEEWAY_SECS;
        let exp = unix_now() + secs - leeway;
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &json!({"sub": user, "exp": exp}),
            &jsonwebtoken::EncodingKey::from_secret(secret.trim().as_bytes()),
        )
        .expect("encode");
        (token, exp + leeway + 1)
    }
}
