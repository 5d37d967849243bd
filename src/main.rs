//! The `jobcast` binary: parses the command line, reads the environment (the
//! only place that does), and hands over to a subcommand. Errors become exit
//! codes here, with the codes of `exit`.

mod cmd;
mod exit;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jobcast_processors::sandbox;

#[derive(Debug, Parser)]
#[command(
    name = "jobcast",
    version,
    about = "Runs document-processing jobs and streams their progress live"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Options of `serve`, which runs when no subcommand is given.
    #[command(flatten)]
    serve: cmd::ServeFlags,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: REST API, worker pool, dashboard (the default).
    Serve(cmd::ServeFlags),
    /// Print a token signed with the configured key.
    Token(cmd::TokenArgs),
    /// Start one job per file; with --watch, follow them to the end.
    #[command(after_help = exit::HELP)]
    Submit(cmd::SubmitArgs),
    /// Follow existing jobs from their first event to the end.
    #[command(after_help = exit::HELP)]
    Watch(cmd::WatchArgs),
    /// List your jobs, newest first.
    #[command(after_help = exit::HELP)]
    Jobs(cmd::JobsArgs),
}

fn main() -> ExitCode {
    // The parse process (`jobcast_processors::sandbox`): before anything
    // else, so that it starts no runtime and reads no configuration before
    // it confines itself. Hidden: the server starts it, people do not.
    let mut args = std::env::args_os().skip(1);
    if args
        .next()
        .is_some_and(|first| first == sandbox::SUBCOMMAND)
    {
        return sandbox::child_main(args);
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return exit::unusable(format!("cannot start the async runtime: {e}"));
        }
    };
    runtime.block_on(async {
        match cli.command {
            Some(Command::Serve(flags)) => exit::from_outcome(cmd::serve::run(flags).await),
            Some(Command::Token(args)) => exit::from_outcome(cmd::token::run(args).await),
            // The client commands choose their exit code: 0, 1 when a job
            // did not complete, 2 when the command could not work.
            Some(Command::Submit(args)) => cmd::remote::finish(cmd::submit::run(args).await),
            Some(Command::Watch(args)) => cmd::remote::finish(cmd::watch::run(args).await),
            Some(Command::Jobs(args)) => cmd::remote::finish(cmd::jobs::run(args).await),
            None => exit::from_outcome(cmd::serve::run(cli.serve).await),
        }
    })
}
