//! A real jobcast server for a test: a fresh data directory, port 0, the same
//! `App::build` as the binary, spoken to over HTTP.

#![allow(dead_code)]

pub mod live;

use std::sync::Arc;
use std::time::{Duration, Instant};

use jobcast_core::wire::{CreatedJobs, EventList, JobList};
use jobcast_core::{Event, JobSnapshot, Processors, Status};
use jobcast_server::auth::{Authenticator, Role};
use jobcast_server::config::Config;
use jobcast_server::App;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub auth: Arc<Authenticator>,
    pub data_dir: tempfile::TempDir,
    /// The PostgreSQL schema this server's data lives in (`service-tests`).
    pg_schema: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(edit: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(None, None, None, edit).await
    }

    /// Like `start_with`, serving on a listener bound to `bind` instead of
    /// `127.0.0.1:0` (`config.listen` is left as `edit` sets it), so that a
    /// test can reach the server from a peer address beyond loopback.
    pub async fn start_bound_to(
        bind: std::net::SocketAddr,
        edit: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start_on(None, None, Some(bind), edit).await
    }

    /// Like `start_with`, running only `processors` (`App::build_with`):
    /// test-only kinds, instead of the ones that ship.
    pub async fn start_with_processors(
        processors: Processors,
        edit: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start_on(Some(processors), None, None, edit).await
    }

    /// Like `start_with`, with the kernel send buffer of every accepted
    /// socket fixed at `bytes` (accepted sockets inherit it from the
    /// listener). Left to autotuning, loopback send buffers grow to
    /// megabytes, and a client that stops reading takes that long to fill
    /// the server's own per-socket buffer.
    pub async fn start_with_send_buffer(bytes: u32, edit: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(None, Some(bytes), None, edit).await
    }

    async fn start_on(
        processors: Option<Processors>,
        send_buffer: Option<u32>,
        bind: Option<std::net::SocketAddr>,
        edit: impl FnOnce(&mut Config),
    ) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(data_dir.path());
        config.workers = 2;
        let pg_schema = database::use_fresh_postgres(&mut config).await;
        edit(&mut config);
        let app = match processors {
            Some(processors) => App::build_with(&config, processors).await,
            None => App::build(&config).await,
        }
        .expect("app builds");
        let auth = app.auth().clone();
        let listener = match send_buffer {
            None => {
                TcpListener::bind(bind.unwrap_or(std::net::SocketAddr::from(([127, 0, 0, 1], 0))))
                    .await
                    .expect("bind")
            }
            Some(bytes) => {
                let socket = tokio::net::TcpSocket::new_v4().expect("socket");
                socket.set_send_buffer_size(bytes).expect("SO_SNDBUF");
                socket
                    .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
                    .expect("bind");
                socket.listen(1024).expect("listen")
            }
        };
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(e) = app.serve(listener, shutdown).await {
                panic!("server failed: {e}");
            }
        });
        TestServer {
            base,
            http: reqwest::Client::new(),
            auth,
            data_dir,
            pg_schema,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Drains and stops the server.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("server stops within 30 s")
                .expect("server task");
        }
        if let Some(schema) = self.pg_schema.take() {
            database::drop_schema(&schema).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn token(&self, user: &str) -> String {
        self.auth
            .mint(user, Role::User, Duration::from_secs(3600))
            .expect("mint")
    }

    pub fn admin_token(&self) -> String {
        self.auth
            .mint("root", Role::Admin, Duration::from_secs(3600))
            .expect("mint")
    }

    pub fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(token)
    }

    /// Creates one `demo.steps` job from text and returns its snapshot.
    pub async fn create_demo(&self, token: &str, options: Value) -> JobSnapshot {
        let response = self
            .post(token, "/api/jobs")
            .json(&json!({"kind": "demo.steps", "text": "one\ntwo\nthree", "filename": "t.txt", "options": options}))
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            202,
            "create: {}",
            response.text().await.unwrap_or_default()
        );
        let created: CreatedJobs = response.json().await.expect("body");
        created.jobs.into_iter().next().expect("one job")
    }

    /// `GET path` answered 200 with a job list.
    pub async fn list(&self, token: &str, path: &str) -> JobList {
        let response = self.get(token, path).send().await.expect("request");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("job list")
    }

    pub async fn job(&self, token: &str, id: &str) -> JobSnapshot {
        let response = self
            .get(token, &format!("/api/jobs/{id}"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        response.json().await.expect("snapshot")
    }

    pub async fn events(&self, token: &str, id: &str, after_seq: u64) -> Vec<Event> {
        let response = self
            .get(
                token,
                &format!("/api/jobs/{id}/events?after_seq={after_seq}"),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        let list: EventList = response.json().await.expect("events");
        list.events
    }

    /// Polls the job until `done` holds, failing the test after `limit`.
    pub async fn wait_for(
        &self,
        token: &str,
        id: &str,
        limit: Duration,
        done: impl Fn(&JobSnapshot) -> bool,
    ) -> JobSnapshot {
        let start = Instant::now();
        loop {
            let job = self.job(token, id).await;
            if done(&job) {
                return job;
            }
            assert!(
                start.elapsed() < limit,
                "job {id} did not get there within {limit:?}; it is {:?} at {} ({})",
                job.status,
                job.progress,
                job.message
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn wait_status(&self, token: &str, id: &str, status: Status) -> JobSnapshot {
        self.wait_for(token, id, Duration::from_secs(20), |j| j.status == status)
            .await
    }
}

/// The event log is 1..=n with no gap, and ends in a terminal event.
pub fn assert_contiguous(events: &[Event]) {
    for (i, event) in events.iter().enumerate() {
        assert_eq!(
            event.seq,
            i as u64 + 1,
            "seq gap or duplicate at index {i}: {events:#?}"
        );
    }
}

/// Reads an `{"error":{"code","message"}}` body and returns the code.
pub async fn error_code(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("error body is JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_string();
    let message = body["error"]["message"]
        .as_str()
        .expect("error.message")
        .to_string();
    (status, code, message)
}

/// Where a test server keeps its data: SQLite in its temp directory, or with
/// the `service-tests` feature a fresh schema of the live PostgreSQL named by
/// `JOBCAST_TEST_DATABASE_URL`, reached through an ordinary `postgres://` URL.
#[cfg(feature = "service-tests")]
mod database {
    use jobcast_server::config::Config;
    use sqlx::Connection;

    pub fn base_url() -> String {
        std::env::var("JOBCAST_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
    }

    pub async fn use_fresh_postgres(config: &mut Config) -> Option<String> {
        let base = base_url();
        let schema = format!(
            "jobcast_api_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let store = jobcast_store::PgStore::connect_in_schema(&base, &schema)
            .await
            .unwrap_or_else(|e| panic!("service-tests need PostgreSQL at {base}: {e}"));
        store.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        config.database_url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        Some(schema)
    }

    pub async fn drop_schema(schema: &str) {
        let mut conn = sqlx::PgConnection::connect(&base_url())
            .await
            .expect("connect to drop the schema");
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .execute(&mut conn)
            .await
            .expect("drop schema");
    }
}

#[cfg(not(feature = "service-tests"))]
mod database {
    use jobcast_server::config::Config;

    pub async fn use_fresh_postgres(_config: &mut Config) -> Option<String> {
        None
    }

    pub async fn drop_schema(_schema: &str) {}
}
