//! One Socket.IO client on a raw websocket: Engine.IO v4 open and
//! heartbeats, CONNECT with `auth.token`, `join_job` with an ack for each of
//! its jobs (or `join_user`, a watcher of every job of its user), then
//! counting and checking every `job_update` (per-job seq: gaps, duplicates,
//! order) and recording its latency from the event's own emit stamp
//! (`data.t_us`). No client library in the hot path.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;

/// What one client saw.
pub struct ClientReport {
    pub connect: Duration,
    pub joins: Vec<Duration>,
    pub events: u64,
    pub gaps: u64,
    pub duplicates: u64,
    /// Jobs seen reaching `completed`.
    pub completed: u64,
    pub latency_us: Histogram<u64>,
}

/// When a client stops receiving.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// This many events arrived (duplicates included).
    Events(u64),
    /// This many jobs completed.
    Completed(u64),
}

#[derive(Deserialize)]
struct Update {
    job_id: String,
    seq: u64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    data: Option<Stamp>,
}

#[derive(Deserialize)]
struct Stamp {
    #[serde(default)]
    t_us: Option<u64>,
}

pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// A connected and joined client, ready to receive.
pub struct Joined {
    ws: Socket,
    report: ClientReport,
    /// Per job: the next seq expected.
    next: HashMap<String, u64>,
    /// Joined its user's room: a job not seen before starts at seq 1.
    user_feed: bool,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, authenticates and joins `jobs`.
pub async fn connect_and_join(base: &str, token: &str, jobs: &[String]) -> anyhow::Result<Joined> {
    let (mut ws, connect) = connect(base, token).await?;
    let mut joins = Vec::with_capacity(jobs.len());
    let mut next = HashMap::new();
    for (i, job) in jobs.iter().enumerate() {
        let asked = Instant::now();
        let first = ask(
            &mut ws,
            i,
            serde_json::json!(["join_job", { "job_id": job }]),
        )
        .await?;
        joins.push(asked.elapsed());
        if first["ok"] != serde_json::Value::Bool(true) {
            bail!("join_job {job} refused: {first}");
        }
        // jobcast acks with the snapshot: live updates follow its last_seq.
        let after = first["job"]["last_seq"].as_u64().unwrap_or(0);
        next.insert(job.clone(), after + 1);
    }
    Joined::new(ws, connect, joins, next, false)
}

/// Connects, authenticates and joins its user's room (jobcast only): it
/// will see every event of every job its user creates from now on.
pub async fn connect_and_join_user(base: &str, token: &str) -> anyhow::Result<Joined> {
    let (mut ws, connect) = connect(base, token).await?;
    let asked = Instant::now();
    let first = ask(&mut ws, 0, serde_json::json!(["join_user", {}])).await?;
    let joined = asked.elapsed();
    if first["ok"] != serde_json::Value::Bool(true) {
        bail!("join_user refused: {first}");
    }
    Joined::new(ws, connect, vec![joined], HashMap::new(), true)
}

/// Emits `payload` with ack id `id` and returns the ack's first argument.
async fn ask(
    ws: &mut Socket,
    id: usize,
    payload: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    ws.send(Message::text(format!("42{id}{payload}"))).await?;
    let prefix = format!("43{id}[");
    let ack = loop {
        let text = next_text(ws).await?;
        if let Some(rest) = text.strip_prefix(&prefix) {
            break format!("[{rest}");
        }
        if text == "2" {
            ws.send(Message::text("3")).await?;
        }
    };
    let mut ack: serde_json::Value = serde_json::from_str(&ack).context("ack")?;
    Ok(ack[0].take())
}

/// Opens the websocket and completes the Socket.IO CONNECT.
async fn connect(base: &str, token: &str) -> anyhow::Result<(Socket, Duration)> {
    let url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        base.replacen("http://", "ws://", 1)
    );
    let started = Instant::now();
    // TCP_NODELAY: a join sent right after CONNECT must not wait for a
    // delayed ACK (NOTES.md 2 applies to clients too).
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(&url, None, true)
        .await
        .with_context(|| format!("websocket to {url}"))?;
    // Engine.IO open, then Socket.IO CONNECT.
    let open = next_text(&mut ws).await?;
    if !open.starts_with('0') {
        bail!("expected the Engine.IO open packet, got {open:?}");
    }
    let auth = serde_json::json!({ "token": token });
    ws.send(Message::text(format!("40{auth}"))).await?;
    loop {
        let text = next_text(&mut ws).await?;
        if text.starts_with("40") {
            break;
        }
        if text.starts_with("44") {
            bail!("connection refused: {text}");
        }
        if text == "2" {
            ws.send(Message::text("3")).await?;
        }
    }
    Ok((ws, started.elapsed()))
}

impl Joined {
    fn new(
        ws: Socket,
        connect: Duration,
        joins: Vec<Duration>,
        next: HashMap<String, u64>,
        user_feed: bool,
    ) -> anyhow::Result<Self> {
        Ok(Joined {
            ws,
            report: ClientReport {
                connect,
                joins,
                events: 0,
                gaps: 0,
                duplicates: 0,
                completed: 0,
                latency_us: Histogram::new_with_bounds(1, 60_000_000, 3)
                    .map_err(|e| anyhow!("histogram: {e}"))?,
            },
            next,
            user_feed,
        })
    }

    /// How many jobs it joined.
    pub fn jobs(&self) -> usize {
        self.next.len()
    }

    /// The connect time and the mean join time.
    pub fn times(&self) -> (Duration, Duration) {
        let joins = &self.report.joins;
        let mean = if joins.is_empty() {
            Duration::ZERO
        } else {
            joins.iter().sum::<Duration>() / joins.len() as u32
        };
        (self.report.connect, mean)
    }

    /// Receives until `until` or `deadline`, whichever comes first.
    pub async fn receive(
        mut self,
        until: Until,
        deadline: Instant,
    ) -> anyhow::Result<ClientReport> {
        loop {
            let done = match until {
                Until::Events(n) => self.report.events + self.report.duplicates >= n,
                Until::Completed(n) => self.report.completed >= n,
            };
            if done {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let message = match tokio::time::timeout(left, self.ws.next()).await {
                Err(_) => break,
                Ok(None) => bail!("the server closed the connection"),
                Ok(Some(message)) => message?,
            };
            let Message::Text(text) = message else {
                continue;
            };
            let text = text.as_str();
            if text == "2" {
                self.ws.send(Message::text("3")).await?;
                continue;
            }
            let Some(body) = text.strip_prefix("42[\"job_update\",") else {
                continue;
            };
            let arrived = now_us();
            let body = body.strip_suffix(']').unwrap_or(body);
            let update: Update = serde_json::from_str(body).context("job_update")?;
            if self.user_feed && !self.next.contains_key(&update.job_id) {
                self.next.insert(update.job_id.clone(), 1);
            }
            let Some(next) = self.next.get_mut(&update.job_id) else {
                continue;
            };
            if update.seq < *next {
                self.report.duplicates += 1;
                continue;
            }
            if update.seq > *next {
                self.report.gaps += update.seq - *next;
            }
            *next = update.seq + 1;
            self.report.events += 1;
            if update.status.as_deref() == Some("completed") {
                self.report.completed += 1;
            }
            if let Some(t) = update.data.and_then(|d| d.t_us) {
                let _ = self
                    .report
                    .latency_us
                    .record(arrived.saturating_sub(t).max(1));
            }
        }
        let _ = self.ws.close(None).await;
        Ok(self.report)
    }
}

async fn next_text(ws: &mut Socket) -> anyhow::Result<String> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("no frame within 30 s")?
            .ok_or_else(|| anyhow!("the server closed the connection"))??;
        if let Message::Text(text) = message {
            return Ok(text.as_str().to_owned());
        }
    }
}
