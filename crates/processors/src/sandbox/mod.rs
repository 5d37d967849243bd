//! Untrusted documents are read in a separate, limited process.
//!
//! A PDF reaches the most complex code we run — a parser and an interpreter
//! written by others — and a hostile one can make it recurse without end
//! (a stack overflow aborts the whole process; `catch_unwind` cannot catch
//! it), inflate kilobytes into gigabytes, or loop. So the server never parses
//! a document itself: each parse runs in a child process of the same binary
//! (`jobcast parse-document`), which confines itself (`limits`) before it
//! reads a byte of its input, gets the document on stdin and answers on
//! stdout (`child`). The parent (`run`) feeds it, bounds its answer and its
//! time, kills it when the job is cancelled, timed out or drained (dropping
//! the future kills the child), and turns a child that died into the clear,
//! permanent failure of that one job (`PdfError`): never a server crash,
//! never a retry.
//!
//! It must not interpret what it reads: that is `pdf` and `invoice`'s work.

mod child;
mod limits;
mod run;

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

pub use child::{child_main, SUBCOMMAND};
pub use limits::ParseLimits;

use crate::pdf::{PdfError, PdfText};

/// The program that parses: a path and the arguments that select the parse
/// subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParserProgram {
    pub path: PathBuf,
    pub args: Vec<OsString>,
}

impl ParserProgram {
    /// `exe parse-document`: the `jobcast` binary itself (its hidden
    /// subcommand).
    pub fn subcommand_of(exe: impl Into<PathBuf>) -> Self {
        ParserProgram {
            path: exe.into(),
            args: vec![SUBCOMMAND.into()],
        }
    }

    /// A program whose whole job is to parse (`jobcast-parse`, built for
    /// the tests of the crates below the binary).
    pub fn standalone(path: impl Into<PathBuf>) -> Self {
        ParserProgram {
            path: path.into(),
            args: Vec::new(),
        }
    }
}

impl ParserProgram {
    /// The parse program that belongs with the running one: the running
    /// `jobcast` binary itself, else (a test or benchmark of a crate below
    /// it) `jobcast-parse` or `jobcast` in the directory of the running
    /// program or the one above it (`target/debug` for `target/debug/deps`).
    /// When none is found, `jobcast-parse` on the `PATH`: starting it then
    /// fails with a clear `parser_unavailable`.
    pub fn locate() -> Self {
        let Ok(exe) = std::env::current_exe() else {
            return ParserProgram::standalone("jobcast-parse");
        };
        if exe.file_stem().is_some_and(|stem| stem == "jobcast") {
            return ParserProgram::subcommand_of(exe);
        }
        let dirs = exe
            .parent()
            .into_iter()
            .chain(exe.parent().and_then(|d| d.parent()));
        for dir in dirs {
            let standalone = dir.join(format!("jobcast-parse{}", std::env::consts::EXE_SUFFIX));
            if standalone.is_file() {
                return ParserProgram::standalone(standalone);
            }
            let binary = dir.join(format!("jobcast{}", std::env::consts::EXE_SUFFIX));
            if binary.is_file() {
                return ParserProgram::subcommand_of(binary);
            }
        }
        ParserProgram::standalone("jobcast-parse")
    }
}

impl Default for ParserProgram {
    fn default() -> Self {
        ParserProgram::locate()
    }
}

/// Where documents are parsed, and within which limits. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sandbox {
    inner: Arc<(ParserProgram, ParseLimits)>,
}

impl Sandbox {
    pub fn new(program: ParserProgram, limits: ParseLimits) -> Self {
        Sandbox {
            inner: Arc::new((program, limits)),
        }
    }

    /// The program `ParserProgram::locate` finds, with `limits`.
    pub fn located(limits: ParseLimits) -> Self {
        Sandbox::new(ParserProgram::locate(), limits)
    }

    pub fn program(&self) -> &ParserProgram {
        &self.inner.0
    }

    pub fn limits(&self) -> &ParseLimits {
        &self.inner.1
    }

    /// The text of each page of a PDF, read in a parse process. Dropping
    /// the future kills the process.
    pub async fn pdf_text(&self, bytes: Arc<[u8]>) -> Result<PdfText, PdfError> {
        run::pdf_text(self.program(), self.limits(), bytes).await
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::located(ParseLimits::default())
    }
}
