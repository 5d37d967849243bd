//! `jobcast jobs`: the caller's jobs, newest first, as a table.

use std::process::ExitCode;

use clap::Args;
use jobcast_core::Status;

use super::remote::{Remote, RemoteArgs, RemoteError};

#[derive(Debug, Clone, Args)]
pub struct JobsArgs {
    /// Only jobs in these statuses (repeatable, or comma-separated):
    /// queued, running, waiting_input, completed, failed, cancelled.
    #[arg(long = "status", value_name = "STATUS", value_delimiter = ',')]
    pub statuses: Vec<String>,
    /// Only jobs of this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// How many jobs (1..=100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

pub async fn run(args: JobsArgs) -> Result<ExitCode, RemoteError> {
    let mut statuses = Vec::new();
    for name in &args.statuses {
        let status = Status::parse(name.trim()).ok_or_else(|| {
            RemoteError::Usage(format!(
                "unknown status {name:?}: expected queued, running, waiting_input, completed, failed or cancelled"
            ))
        })?;
        statuses.push(status);
    }
    let remote = Remote::resolve(&args.remote)?;
    let list = remote
        .rest()
        .list(&statuses, args.kind.as_deref(), Some(args.limit), None)
        .await
        .map_err(|e| remote.rest_error(e))?;
    if list.jobs.is_empty() {
        println!("no jobs");
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 6]> = list
        .jobs
        .iter()
        .map(|job| {
            let status = match &job.error {
                Some(error) => format!("{} ({})", job.status.as_str(), error.code),
                None => job.status.as_str().to_owned(),
            };
            [
                job.job_id.to_string(),
                job.kind.clone(),
                job.filename.clone().unwrap_or_else(|| "-".into()),
                status,
                format!("{:.0}%", job.progress),
                created(&job.created_at.to_rfc3339()),
            ]
        })
        .collect();
    super::table::print(
        &["ID", "KIND", "FILE", "STATUS", "PROGRESS", "CREATED"],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// `2026-11-22T10:00:03.120Z` as `2026-11-22 10:00:03Z`.
fn created(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..19)) {
        (Some(day), Some(time)) => format!("{day} {time}Z"),
        _ => rfc3339.to_owned(),
    }
}
