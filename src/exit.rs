//! The exit codes of every subcommand, chosen here once: a command that
//! could not work exits 2 whichever it is (`serve` on a bad configuration as
//! much as `watch` on an unreachable server).

use std::process::ExitCode;

/// Every job followed to its end, but not all completed.
pub const NOT_COMPLETED: u8 = 1;
/// The command could not do its work: bad arguments or configuration,
/// unreachable server, refused token, unreadable file, refused request, a
/// server that could not start. clap uses it for usage errors too.
pub const UNUSABLE: u8 = 2;
/// The token expired while jobs were being followed: sign in again and run
/// `jobcast watch` to pick up where it stopped.
pub const TOKEN_EXPIRED: u8 = 3;

/// The exit codes, for `--help`.
pub const HELP: &str = "\
Exit codes: 0 done (with --watch / watch: every job completed); 1 a followed \
job failed or was cancelled; 2 the command could not work (bad arguments or \
configuration, unreachable server, refused token, unreadable file, request \
refused by the server); 3 the token expired while following jobs (sign in \
again, then `jobcast watch` the jobs to resume).";

/// Prints why a command could not work; its exit code.
pub fn unusable(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("jobcast: {error}");
    ExitCode::from(UNUSABLE)
}

/// A command that either did its work or could not.
pub fn from_outcome(outcome: anyhow::Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => unusable(format!("{e:#}")),
    }
}
