//! The parent's side of a parse: start the child, feed it the document,
//! read its answer within bounds, and say what happened. A child that
//! overruns its time is killed here; a child whose future is dropped (the
//! job was cancelled, timed out, or the worker drains) is killed by
//! `kill_on_drop`, so no parse ever outlives the job that asked for it.

use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use crate::pdf::{PdfError, PdfText};

use super::child::Answer;
use super::{ParseLimits, ParserProgram};

/// Bytes of the child's stderr kept to tell why it died.
const STDERR_KEPT: usize = 8 << 10;
/// Answers at most this big are decoded on the async runtime; bigger ones on
/// a blocking thread.
const DECODE_INLINE: usize = 64 << 10;

pub(crate) async fn pdf_text(
    program: &ParserProgram,
    limits: &ParseLimits,
    document: Arc<[u8]>,
) -> Result<PdfText, PdfError> {
    let mut child = Command::new(&program.path)
        .args(&program.args)
        .arg("pdf-text")
        .args(limits.to_args())
        // Nothing of the server's environment (secrets included) reaches it.
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| PdfError::ParserUnavailable(format!("cannot start the parse process: {e}")))?;
    let started = Instant::now();
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(PdfError::ParserUnavailable(
            "the parse process has no pipes".into(),
        ));
    };
    // JSON may escape every byte of text (`\u00XX`); the child itself stops
    // at the text limit, this only bounds what the parent will hold.
    let answer_limit = usize::try_from(limits.read.max_text_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(6)
        .saturating_add(64 << 10);
    let exchange = async {
        let feed = async move {
            // A child that dies early closes its stdin: its status says why.
            let _ = stdin.write_all(&document).await;
            let _ = stdin.shutdown().await;
        };
        let answer = async {
            let answer = read_bounded(stdout, answer_limit, false).await;
            if matches!(answer, Bounded::Over(_)) {
                // Stop it now rather than wait for it to block on the pipe.
                let _ = child.start_kill();
            }
            answer
        };
        let (_, answer, errors) =
            tokio::join!(feed, answer, read_bounded(stderr, STDERR_KEPT, true));
        (answer, errors)
    };
    let (answer, errors) = match tokio::time::timeout(limits.timeout, exchange).await {
        Ok(read) => read,
        Err(_elapsed) => {
            let _ = child.kill().await;
            return Err(PdfError::TimedOut(limits.timeout.as_secs().max(1)));
        }
    };
    let Bounded::Within(answer) = answer else {
        let _ = child.kill().await;
        return Err(PdfError::ResultTooLarge(limits.read.max_text_bytes));
    };
    let status = child
        .wait()
        .await
        .map_err(|e| PdfError::ParserUnavailable(format!("lost the parse process: {e}")))?;
    if status.success() {
        return decode(answer).await;
    }
    let errors = match errors {
        Bounded::Within(bytes) | Bounded::Over(bytes) => bytes,
    };
    Err(died(
        status,
        &String::from_utf8_lossy(&errors),
        started,
        limits,
    ))
}

/// What a child that exited without an answer tells of its end.
fn died(status: ExitStatus, stderr: &str, started: Instant, limits: &ParseLimits) -> PdfError {
    const SIGKILL: i32 = 9;
    const SIGXCPU: i32 = 24;
    if stderr.contains("has overflowed its stack") {
        return PdfError::TooComplex("its structures are nested too deep to read".into());
    }
    if stderr.contains("memory allocation of") || stderr.contains("capacity overflow") {
        return PdfError::TooLarge(format!(
            "reading it needs more than the {} MiB a reader may use",
            limits.max_memory >> 20
        ));
    }
    match status.signal() {
        Some(SIGXCPU) => PdfError::TimedOut(limits.cpu_seconds()),
        Some(SIGKILL) if started.elapsed().as_secs() >= limits.cpu_seconds() => {
            PdfError::TimedOut(limits.cpu_seconds())
        }
        // Killed by the kernel short of its CPU time: out of memory.
        Some(SIGKILL) => PdfError::TooLarge("the reader ran out of memory".into()),
        Some(signal) => PdfError::Crashed(format!("the reader died of signal {signal}")),
        None => {
            let said = stderr.lines().last().unwrap_or("").trim();
            let code = status.code().unwrap_or(-1);
            match code {
                2 | 3 => PdfError::ParserUnavailable(format!(
                    "the parse process refused to start (exit {code}): {said}"
                )),
                _ => PdfError::Crashed(format!("the reader exited with {code}: {said}")),
            }
        }
    }
}

async fn decode(answer: Vec<u8>) -> Result<PdfText, PdfError> {
    let small = answer.len() <= DECODE_INLINE;
    let parse = move || {
        serde_json::from_slice::<Answer>(&answer)
            .unwrap_or_else(|e| Err(PdfError::Crashed(format!("its answer was unreadable: {e}"))))
    };
    if small {
        return parse();
    }
    tokio::task::spawn_blocking(parse)
        .await
        .unwrap_or_else(|e| Err(PdfError::Crashed(format!("its answer was lost: {e}"))))
}

enum Bounded {
    Within(Vec<u8>),
    /// More than the limit came; the first `limit` bytes are kept.
    Over(Vec<u8>),
}

/// Reads `from`, keeping at most `limit` bytes: to its end, or, unless
/// `drain` (read on and drop the rest, so the writer never blocks), until
/// the limit is passed.
async fn read_bounded(mut from: impl AsyncRead + Unpin, limit: usize, drain: bool) -> Bounded {
    let mut kept = Vec::new();
    let mut over = false;
    let mut chunk = vec![0u8; 16 << 10];
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let room = limit - kept.len();
        kept.extend_from_slice(&chunk[..n.min(room)]);
        if n > room {
            over = true;
            if !drain {
                break;
            }
        }
    }
    if over {
        Bounded::Over(kept)
    } else {
        Bounded::Within(kept)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Duration;

    use super::*;

    fn limits() -> ParseLimits {
        ParseLimits {
            timeout: Duration::from_secs(2),
            ..ParseLimits::default()
        }
    }

    /// The raw wait status of a process killed by `signal`.
    fn killed_by(signal: i32) -> ExitStatus {
        ExitStatus::from_raw(signal)
    }

    /// The raw wait status of a process that exited with `code`.
    fn exited(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn how_a_child_died_decides_the_code() {
        let now = Instant::now();
        let stack =
            "\nthread 'parse' has overflowed its stack\nfatal runtime error: stack overflow\n";
        let memory = "memory allocation of 1073741824 bytes failed\n";
        let cases = [
            (killed_by(6), stack, "pdf_too_complex"),
            (killed_by(6), memory, "input_too_large"),
            (killed_by(24), "", "timeout"),
            (killed_by(9), "", "input_too_large"),
            (killed_by(11), "", "pdf_unreadable"),
            (exited(101), "thread 'parse' panicked", "pdf_unreadable"),
            (exited(2), "usage", "parser_unavailable"),
        ];
        for (status, stderr, code) in cases {
            assert_eq!(
                died(status, stderr, now, &limits()).code(),
                code,
                "{status:?} {stderr:?}"
            );
        }
    }

    #[test]
    fn a_kill_at_the_cpu_limit_is_a_timeout() {
        let long_ago = Instant::now() - Duration::from_secs(10);
        let error = died(killed_by(9), "", long_ago, &limits());
        assert_eq!(error, PdfError::TimedOut(3));
    }
}
