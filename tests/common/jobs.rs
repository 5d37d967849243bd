//! Jobs over the REST API of a `jobcast serve` child: create from files,
//! read back, wait for the end.

use std::time::{Duration, Instant};

use jobcast_core::wire::CreatedJobs;
use jobcast_core::{Event, EventType, JobSnapshot};
use serde_json::Value;

pub struct Api {
    pub base: String,
    pub token: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Api {
        Api {
            base: base.to_string(),
            token: token.to_string(),
            http: reqwest::Client::new(),
        }
    }

    /// One job of `kind` per file; panics unless the server creates them.
    pub async fn create(&self, kind: &str, files: &[(String, Vec<u8>)]) -> Vec<String> {
        let mut form = reqwest::multipart::Form::new().text("kind", kind.to_string());
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
            );
        }
        let response = self
            .http
            .post(format!("{}/api/jobs", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .expect("POST /api/jobs");
        let status = response.status();
        let body = response.text().await.expect("body");
        assert!(status.is_success(), "{status}: {body}");
        let created: CreatedJobs = serde_json::from_str(&body).expect("created jobs");
        created.jobs.iter().map(|j| j.job_id.to_string()).collect()
    }

    pub async fn job(&self, id: &str) -> JobSnapshot {
        self.get(&format!("/api/jobs/{id}")).await
    }

    pub async fn events(&self, id: &str) -> Vec<Event> {
        let list: Value = self.get(&format!("/api/jobs/{id}/events?limit=1000")).await;
        serde_json::from_value(list["events"].clone()).expect("events")
    }

    pub async fn cancel(&self, id: &str) {
        let response = self
            .http
            .post(format!("{}/api/jobs/{id}/cancel", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("cancel");
        assert!(response.status().is_success(), "{}", response.status());
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET");
        let status = response.status();
        let body = response.text().await.expect("body");
        assert!(status.is_success(), "{path}: {status}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// Waits for every job in `ids` to end (completed, failed, cancelled).
    pub async fn wait_all(&self, ids: &[String], limit: Duration) -> Vec<JobSnapshot> {
        let start = Instant::now();
        let mut done = Vec::new();
        for id in ids {
            loop {
                let job = self.job(id).await;
                if job.status.is_terminal() {
                    done.push(job);
                    break;
                }
                assert!(
                    start.elapsed() < limit,
                    "job {id} not over after {limit:?}: {job:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        done
    }

    /// True when the job ran exactly one attempt and was never retried.
    pub async fn ran_once(&self, id: &str) -> bool {
        let events = self.events(id).await;
        events.iter().all(|e| e.kind != EventType::Retrying)
            && events
                .iter()
                .filter(|e| e.kind == EventType::Started)
                .count()
                == 1
    }
}
