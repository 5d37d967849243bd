//! The parse process: `jobcast parse-document pdf-text --memory=… …`.
//!
//! It confines itself first, then reads the whole document from stdin, reads
//! it on a thread with a fixed stack, and writes one JSON answer — the
//! document's text or why it could not be had — to stdout. What it cannot
//! report (a stack overflow, an allocation refused by its memory limit, the
//! kernel's CPU limit) ends the process; the parent reads that from the exit
//! status and stderr. It must never touch anything but its three standard
//! streams: its limits leave it no other descriptor.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use crate::pdf::{read_pdf, PdfError, PdfText};

use super::limits::{ParseLimits, STACK_BYTES};

/// The hidden subcommand of the `jobcast` binary that runs `child_main`.
pub const SUBCOMMAND: &str = "parse-document";

/// What the child reads. The only operation so far.
const PDF_TEXT: &str = "pdf-text";

/// Exit codes of a child that could not do its work at all.
const USAGE: u8 = 2;
const SETUP: u8 = 3;

/// The answer on stdout.
pub(crate) type Answer = Result<PdfText, PdfError>;

/// Runs the parse process. `args` are its arguments after the subcommand:
/// the operation, then the limits.
pub fn child_main(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let limits = match args.split_first() {
        Some((operation, rest)) if operation == PDF_TEXT => ParseLimits::from_args(rest),
        _ => Err(format!(
            "usage: {SUBCOMMAND} {PDF_TEXT} --memory=… (limits)"
        )),
    };
    let limits = match limits {
        Ok(limits) => limits,
        Err(message) => {
            eprintln!("{SUBCOMMAND}: {message}");
            return ExitCode::from(USAGE);
        }
    };
    if let Err(message) = limits.confine() {
        eprintln!("{SUBCOMMAND}: {message}");
        return ExitCode::from(SETUP);
    }
    let mut document = Vec::new();
    if let Err(e) = io::stdin().lock().read_to_end(&mut document) {
        eprintln!("{SUBCOMMAND}: cannot read the document: {e}");
        return ExitCode::from(SETUP);
    }
    let answer = read_on_thread(document, &limits);
    let written = serde_json::to_writer(io::stdout().lock(), &answer)
        .map_err(io::Error::from)
        .and_then(|()| io::stdout().flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{SUBCOMMAND}: cannot write the answer: {e}");
            ExitCode::from(SETUP)
        }
    }
}

fn read_on_thread(document: Vec<u8>, limits: &ParseLimits) -> Answer {
    let read = limits.read;
    let spawned = std::thread::Builder::new()
        .name("parse".into())
        .stack_size(usize::try_from(STACK_BYTES).unwrap_or(usize::MAX))
        .spawn(move || read_pdf(&document, &read));
    match spawned {
        Ok(thread) => thread.join().unwrap_or_else(|panic| {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(PdfError::Crashed(detail))
        }),
        Err(e) => Err(PdfError::TooLarge(format!(
            "the reader could not start within its memory limit ({e})"
        ))),
    }
}
