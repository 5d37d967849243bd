//! The client commands end to end: `submit` (with and without `--watch`),
//! `watch` (catching up, cancelled jobs, questions, a server restart), `jobs`,
//! the development token, and the errors, run as child processes against a
//! real `jobcast serve` whose output is checked line by line. One test
//! binary (`cargo test --test cli`), one file per subcommand; `harness`
//! runs the binary and `output` reads what it printed.

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod output;

mod errors;
mod jobs;
mod serve;
mod submit;
mod token;
mod watch;
