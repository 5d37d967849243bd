//! `jobcast-loadgen`: drives one benchmark scenario against one server
//! (jobcast or a peer) and prints one JSON line with what it measured.
//!
//! Scenarios (issue 6): A — 1,000 clients over 100 jobs, 100 events each,
//! as fast as possible; B — 10,000 clients over 1,000 jobs, 20 events each;
//! C — 2,000 events/s for 10 s over 1,000 clients (latency); D — a connect
//! storm of 1,000 clients at 500/s (connect and join times); E — resident
//! memory per idle, joined connection (B reports it at 10,000 too); F — job throughput (jobcast only):
//! 2,000 jobs of 10 progress events each, created over REST as fast as it
//! takes them, run by the workers, and watched by 10 clients in the user's
//! room; jobs/s from the first request to the last `completed` seen.

mod client;
mod target;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use futures::stream::{self, StreamExt};
use hdrhistogram::Histogram;
use serde_json::json;

use client::{connect_and_join, connect_and_join_user, ClientReport, Joined, Until};
use target::{Kind, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    A,
    B,
    C,
    D,
    E,
    F,
}

#[derive(Debug, Parser)]
#[command(about = "Socket.IO load generator for jobcast and its peers")]
struct Args {
    #[arg(long, value_enum)]
    target: Kind,
    /// The server's root, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// The JWT every client presents (and the REST calls use).
    #[arg(long)]
    token: String,
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Overrides the scenario's client count (E: 1,000 or 10,000).
    #[arg(long)]
    clients: Option<usize>,
    /// The server's process id, to read its resident memory (E).
    #[arg(long)]
    server_pid: Option<u32>,
    /// A label for the output (the peer's name).
    #[arg(long, default_value = "")]
    label: String,
}

struct Plan {
    clients: usize,
    jobs: usize,
    events: u64,
    interval_us: u64,
    /// Connections opened per second (0: as fast as handshakes allow).
    connect_rate: u64,
}

fn plan(args: &Args) -> Plan {
    let (clients, jobs, events, interval_us, connect_rate) = match args.scenario {
        Scenario::A => (1_000, 100, 100, 0, 0),
        Scenario::B => (10_000, 1_000, 20, 0, 0),
        // 100 jobs × 20 events/s = 2,000 events/s, for 10 s.
        Scenario::C => (1_000, 100, 200, 50_000, 0),
        Scenario::D => (1_000, 100, 0, 0, 500),
        Scenario::E => (1_000, 100, 0, 0, 0),
        Scenario::F => (10, 2_000, 10, 0, 0),
    };
    Plan {
        clients: args.clients.unwrap_or(clients),
        jobs,
        events,
        interval_us,
        connect_rate,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let plan = plan(&args);
    let target = Arc::new(Target::new(
        args.target,
        args.url.clone(),
        args.token.clone(),
    ));
    if args.scenario == Scenario::F {
        let output = job_throughput(&args, &plan, &target).await?;
        println!("{output}");
        return Ok(());
    }
    let rss_before = args.server_pid.map(rss_kib).transpose()?;

    let ids = target
        .prepare(plan.jobs, plan.events.max(1), plan.interval_us)
        .await?;
    let started = Instant::now();
    let joined = open_all(&target, &ids, &plan).await?;
    let connect_phase = started.elapsed();

    let mut output = json!({
        "target": args.label,
        "scenario": format!("{:?}", args.scenario),
        "clients": plan.clients,
        "jobs": plan.jobs,
        "events_per_job": plan.events,
        "connect_phase_s": connect_phase.as_secs_f64(),
    });
    let (connects, joins): (Vec<Duration>, Vec<Duration>) =
        joined.iter().map(|(c, j, _)| (*c, *j)).unzip();
    output["connect_ms"] = percentiles_ms(&connects);
    output["join_ms"] = percentiles_ms(&joins);

    // B holds 10,000 joined connections before it emits: the server's
    // memory per connection at that scale.
    if args.scenario == Scenario::B {
        output_memory(&mut output, args.server_pid, rss_before, plan.clients).await?;
    }
    match args.scenario {
        // D measured its connects and joins above; F ran in `job_throughput`.
        Scenario::D | Scenario::F => {}
        Scenario::E => {
            output_memory(&mut output, args.server_pid, rss_before, plan.clients).await?
        }
        Scenario::A | Scenario::B | Scenario::C => {
            let per_client: Vec<u64> = joined
                .iter()
                .map(|(_, _, j)| j.jobs() as u64 * plan.events)
                .collect();
            let expected: u64 = per_client.iter().sum();
            let deadline = Instant::now() + Duration::from_secs(120);
            let receivers: Vec<_> = joined
                .into_iter()
                .zip(per_client)
                .map(|((_, _, j), n)| tokio::spawn(j.receive(Until::Events(n), deadline)))
                .collect();
            let emit_start = Instant::now();
            target.start(&ids, plan.events, plan.interval_us).await?;
            let mut reports = Vec::with_capacity(receivers.len());
            for receiver in receivers {
                reports.push(receiver.await??);
            }
            let elapsed = emit_start.elapsed();
            summarize(&mut output, &reports, expected, elapsed)?;
        }
    }
    println!("{output}");
    Ok(())
}

/// Scenario F: watchers join the user's room, then `plan.jobs` jobs are
/// submitted and run; done when every watcher has seen every job complete.
async fn job_throughput(
    args: &Args,
    plan: &Plan,
    target: &Arc<Target>,
) -> anyhow::Result<serde_json::Value> {
    let mut watchers = Vec::with_capacity(plan.clients);
    for i in 0..plan.clients {
        let watcher = connect_and_join_user(&target.base, &target.token)
            .await
            .with_context(|| format!("watcher {i}"))?;
        watchers.push(watcher);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let until = Until::Completed(plan.jobs as u64);
    let receivers: Vec<_> = watchers
        .into_iter()
        .map(|w| tokio::spawn(w.receive(until, deadline)))
        .collect();
    let started = Instant::now();
    let ids = target.submit(plan.jobs, plan.events).await?;
    let submitted = started.elapsed();
    let mut reports = Vec::with_capacity(receivers.len());
    for receiver in receivers {
        reports.push(receiver.await??);
    }
    let elapsed = started.elapsed();
    let completed = reports.iter().map(|r| r.completed).min().unwrap_or(0);
    // queued, started, the progress events, completed: per job, per watcher.
    let expected = (plan.events + 3) * ids.len() as u64 * reports.len() as u64;
    let mut output = json!({
        "target": args.label,
        "scenario": "F",
        "clients": plan.clients,
        "jobs": plan.jobs,
        "events_per_job": plan.events,
        "submit_s": submitted.as_secs_f64(),
        "jobs_completed": completed,
        "jobs_per_s": completed as f64 / elapsed.as_secs_f64(),
    });
    summarize(&mut output, &reports, expected, elapsed)?;
    Ok(output)
}

/// Opens every client (paced for D), each joining its share of the jobs
/// round-robin. Returns (connect time, mean join time, connection).
async fn open_all(
    target: &Arc<Target>,
    ids: &[String],
    plan: &Plan,
) -> anyhow::Result<Vec<(Duration, Duration, Joined)>> {
    let per_client: Vec<Vec<String>> = (0..plan.clients)
        .map(|i| vec![ids[i % ids.len()].clone()])
        .collect();
    let pace =
        (plan.connect_rate > 0).then(|| Duration::from_secs_f64(1.0 / plan.connect_rate as f64));
    let started = Instant::now();
    let results: Vec<anyhow::Result<(Duration, Duration, Joined)>> =
        stream::iter(per_client.into_iter().enumerate())
            .map(|(i, jobs)| {
                let target = target.clone();
                async move {
                    if let Some(pace) = pace {
                        let at = started + pace * i as u32;
                        tokio::time::sleep_until(at.into()).await;
                    }
                    let joined = connect_and_join(&target.base, &target.token, &jobs)
                        .await
                        .with_context(|| format!("client {i}"))?;
                    let (connect, join) = joined.times();
                    Ok((connect, join, joined))
                }
            })
            .buffer_unordered(if pace.is_some() { 10_000 } else { 256 })
            .collect()
            .await;
    results.into_iter().collect()
}

fn summarize(
    output: &mut serde_json::Value,
    reports: &[ClientReport],
    expected: u64,
    elapsed: Duration,
) -> anyhow::Result<()> {
    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut events, mut gaps, mut duplicates) = (0, 0, 0);
    for report in reports {
        latency.add(&report.latency_us)?;
        events += report.events;
        gaps += report.gaps;
        duplicates += report.duplicates;
    }
    output["events_expected"] = json!(expected);
    output["events_received"] = json!(events);
    output["gaps"] = json!(gaps);
    output["duplicates"] = json!(duplicates);
    output["elapsed_s"] = json!(elapsed.as_secs_f64());
    output["events_per_s"] = json!(events as f64 / elapsed.as_secs_f64());
    output["latency_ms"] = json!({
        "p50": latency.value_at_quantile(0.50) as f64 / 1000.0,
        "p99": latency.value_at_quantile(0.99) as f64 / 1000.0,
        "max": latency.max() as f64 / 1000.0,
    });
    if events + duplicates < expected {
        output["error"] = json!(format!("{} events missing", expected - events - duplicates));
    }
    Ok(())
}

fn percentiles_ms(samples: &[Duration]) -> serde_json::Value {
    let mut sorted: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if sorted.is_empty() {
            return 0.0;
        }
        let i = ((sorted.len() - 1) as f64 * q).round() as usize;
        sorted[i]
    };
    json!({"p50": at(0.5), "p99": at(0.99), "max": at(1.0)})
}

/// After 3 s of quiet, the server's resident memory beside what it was
/// before the connections, and the difference per connection.
async fn output_memory(
    output: &mut serde_json::Value,
    server_pid: Option<u32>,
    before: Option<u64>,
    clients: usize,
) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_secs(3)).await;
    if let (Some(pid), Some(before)) = (server_pid, before) {
        let after = rss_kib(pid)?;
        output["rss_before_kib"] = json!(before);
        output["rss_after_kib"] = json!(after);
        output["kib_per_connection"] =
            json!((after.saturating_sub(before)) as f64 / clients as f64);
    }
    Ok(())
}

/// Resident memory of a process, from /proc.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            return rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .context("VmRSS");
        }
    }
    bail!("no VmRSS for {pid}")
}
