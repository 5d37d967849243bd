//! The `jobcast` binary: parses the command line, reads the environment (the
//! only place that does), and hands over to a subcommand. Errors become exit
//! codes here and nowhere else.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("jobcast: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Some(Command::Serve(flags)) => cmd::serve::run(flags).await,
            Some(Command::Token(args)) => cmd::token::run(args).await,
            None => cmd::serve::run(cli.serve).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jobcast: {e:#}");
            ExitCode::FAILURE
        }
    }
}
