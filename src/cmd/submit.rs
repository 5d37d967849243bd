//! `jobcast submit FILE...`: one job per file (one batch, all or nothing),
//! prints their ids; with `--watch`, follows them to the end.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::{Map, Value};

use super::follow::Follower;
use super::remote::{Remote, RemoteArgs, RemoteError};

#[derive(Debug, Clone, Args)]
pub struct SubmitArgs {
    /// The files, one job each (at most the server's limit, 10 by default).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The kind of job (`jobcast submit --kind invoice.extract ...`).
    #[arg(long, default_value = "pdf.sentences")]
    pub kind: String,
    /// An option of the kind, as key=value; the value is read as JSON when
    /// it parses (12, true, "x"), else as text. Repeatable.
    #[arg(long = "option", value_name = "KEY=VALUE")]
    pub options: Vec<String>,
    /// Follow the jobs with a progress bar each until they finish; the exit
    /// code is 0 only if all completed.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

pub async fn run(args: SubmitArgs) -> Result<ExitCode, RemoteError> {
    let options = parse_options(&args.options)?;
    let mut files = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let bytes = std::fs::read(path)
            .map_err(|e| RemoteError::Usage(format!("cannot read {}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        files.push((name, bytes));
    }
    let remote = Remote::resolve(&args.remote)?;
    // Connected before submitting: a server that cannot be followed is
    // known before any job exists.
    let follower = if args.watch {
        Some(Follower::connect(&remote).await?)
    } else {
        None
    };
    let jobs = remote
        .rest()
        .create_files(&args.kind, files, Value::Object(options))
        .await
        .map_err(|e| remote.rest_error(e))?;
    for job in &jobs {
        println!(
            "{}\t{}",
            job.job_id,
            job.filename.as_deref().unwrap_or_default()
        );
    }
    match follower {
        Some(follower) => {
            let ids: Vec<_> = jobs.iter().map(|j| j.job_id).collect();
            follower.follow(&ids).await
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// `key=value` pairs into an options object; the last of a repeated key wins.
fn parse_options(pairs: &[String]) -> Result<Map<String, Value>, RemoteError> {
    let mut options = Map::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(RemoteError::Usage(format!(
                "--option {pair:?}: expected KEY=VALUE"
            )));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(RemoteError::Usage(format!(
                "--option {pair:?}: the key is empty"
            )));
        }
        let value =
            serde_json::from_str(value.trim()).unwrap_or_else(|_| Value::String(value.to_owned()));
        options.insert(key.to_owned(), value);
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::parse_options;

    #[test]
    fn values_are_json_when_they_parse() {
        let options = parse_options(&[
            "max_words=12".into(),
            "ask=true".into(),
            "language=fr".into(),
            "note=\"quoted\"".into(),
            "steps=1".into(),
            "steps=2".into(),
        ])
        .expect("valid");
        assert_eq!(
            serde_json::Value::Object(options),
            json!({"max_words": 12, "ask": true, "language": "fr", "note": "quoted", "steps": 2})
        );
    }

    #[test]
    fn pairs_without_a_key_or_an_equals_sign_are_refused() {
        for bad in ["max_words", "=3", " =x"] {
            assert!(parse_options(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
