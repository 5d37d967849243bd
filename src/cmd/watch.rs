//! `jobcast watch JOB_ID...`: follows existing jobs from their first event
//! to the end, like `submit --watch`.

use std::process::ExitCode;

use clap::Args;
use jobcast_core::JobId;

use super::follow::Follower;
use super::remote::{Remote, RemoteArgs, RemoteError};

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// The jobs to follow.
    #[arg(required = true, value_name = "JOB_ID")]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

pub async fn run(args: WatchArgs) -> Result<ExitCode, RemoteError> {
    let mut ids = Vec::with_capacity(args.ids.len());
    for text in &args.ids {
        let id: JobId = text
            .trim()
            .parse()
            .map_err(|_| RemoteError::Usage(format!("{text:?} is not a job id")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let remote = Remote::resolve(&args.remote)?;
    Follower::connect(&remote).await?.follow(&ids).await
}
