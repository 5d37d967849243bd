//! How events are made to flow on the server under test.
//!
//! - **jobcast**: through its real path. Jobs of the benchmark kind
//!   `bench.emit` are created over REST with `wait_for_start`, so each waits
//!   on a question; once every client has joined, the questions are answered
//!   and each job emits its events — stored, then fanned out.
//!   For scenario F the jobs are created as fast as the REST API takes them
//!   and run at once (`submit`), watched from the user's room.
//! - **peer** (bare socketioxide, Node socket.io, python-socketio,
//!   Flask-SocketIO): rooms are named after made-up job ids, and
//!   `POST /publish {"jobs","events","interval_us"}` makes the server emit
//!   the events to the rooms.

use std::time::Duration;

use anyhow::{bail, Context};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Jobcast,
    Peer,
}

pub struct Target {
    pub kind: Kind,
    pub base: String,
    pub token: String,
    http: reqwest::Client,
}

/// REST calls in flight at once while preparing or starting.
const PARALLEL: usize = 32;

impl Target {
    pub fn new(kind: Kind, base: String, token: String) -> Self {
        Target {
            kind,
            base: base.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    /// The job ids the clients will join, with nothing emitted yet.
    pub async fn prepare(
        &self,
        jobs: usize,
        events: u64,
        interval_us: u64,
    ) -> anyhow::Result<Vec<String>> {
        match self.kind {
            Kind::Peer => Ok((0..jobs).map(|i| format!("bench-{i}")).collect()),
            Kind::Jobcast => {
                let ids: Vec<String> = stream::iter(0..jobs)
                    .map(|_| self.create(events, interval_us, true))
                    .buffer_unordered(PARALLEL)
                    .try_collect()
                    .await?;
                for id in &ids {
                    self.wait_waiting(id).await?;
                }
                Ok(ids)
            }
        }
    }

    /// Starts the emission on every job.
    pub async fn start(&self, ids: &[String], events: u64, interval_us: u64) -> anyhow::Result<()> {
        match self.kind {
            Kind::Peer => {
                let body = json!({"jobs": ids, "events": events, "interval_us": interval_us});
                let response = self
                    .http
                    .post(format!("{}/publish", self.base))
                    .bearer_auth(&self.token)
                    .json(&body)
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("POST /publish answered {}", response.status());
                }
                Ok(())
            }
            Kind::Jobcast => {
                stream::iter(ids)
                    .map(|id| async move {
                        let response = self
                            .http
                            .post(format!("{}/api/jobs/{id}/clarifications/start", self.base))
                            .bearer_auth(&self.token)
                            .json(&json!({"answer": true}))
                            .send()
                            .await?;
                        if !response.status().is_success() {
                            bail!("answering {id}: {}", response.status());
                        }
                        Ok(())
                    })
                    .buffer_unordered(PARALLEL)
                    .try_collect::<()>()
                    .await
            }
        }
    }

    /// Creates `jobs` jobcast jobs that run at once, `PARALLEL` requests
    /// in flight, and returns when every one has been accepted.
    pub async fn submit(&self, jobs: usize, events: u64) -> anyhow::Result<Vec<String>> {
        if self.kind != Kind::Jobcast {
            bail!("only jobcast runs jobs");
        }
        stream::iter(0..jobs)
            .map(|_| self.create(events, 0, false))
            .buffer_unordered(PARALLEL)
            .try_collect()
            .await
    }

    async fn create(
        &self,
        events: u64,
        interval_us: u64,
        wait_for_start: bool,
    ) -> anyhow::Result<String> {
        let body = json!({
            "kind": "bench.emit",
            "text": "bench",
            "options": {"events": events, "interval_us": interval_us, "wait_for_start": wait_for_start},
        });
        let created: Value = self
            .http
            .post(format!("{}/api/jobs", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        created["jobs"][0]["job_id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no job in {created}"))
    }

    async fn wait_waiting(&self, id: &str) -> anyhow::Result<()> {
        for _ in 0..600 {
            let job: Value = self
                .http
                .get(format!("{}/api/jobs/{id}", self.base))
                .bearer_auth(&self.token)
                .send()
                .await?
                .json()
                .await?;
            match job["status"].as_str() {
                Some("waiting_input") => return Ok(()),
                Some("queued" | "running") => tokio::time::sleep(Duration::from_millis(50)).await,
                other => bail!("job {id} is {other:?}, not waiting to start"),
            }
        }
        bail!("job {id} never waited for its start")
    }
}
