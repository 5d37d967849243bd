//! Issue 10: no document can hurt the process that asked for it to be read.
//! Every hostile PDF of `common::hostile` goes through the parse process
//! (`jobcast-parse`, the same code as `jobcast parse-document`) and must come
//! back as its clear failure, within its limits; a parse whose future is
//! dropped, or that runs out of time, leaves no process behind.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::hostile;
use common::novel::novel;
use common::pdf::text_pdf;
use jobcast_processors::pdf::{PdfError, ReadLimits};
use jobcast_processors::{ParseLimits, ParserProgram, Sandbox};

fn sandbox(limits: ParseLimits) -> Sandbox {
    Sandbox::new(
        ParserProgram::standalone(env!("CARGO_BIN_EXE_jobcast-parse")),
        limits,
    )
}

/// The limits of the tests: the defaults, with a timeout that a debug build
/// reading a good document never reaches.
fn limits() -> ParseLimits {
    ParseLimits {
        timeout: Duration::from_secs(20),
        ..ParseLimits::default()
    }
}

/// The running parse processes whose limits carry `mark` as their page
/// limit: tests run at once in one process, so each marks its own.
fn parse_children(mark: u32) -> Vec<u32> {
    let wanted = format!("--pages={mark}");
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        if args.contains(&b"pdf-text".as_slice()) && args.contains(&wanted.as_bytes()) {
            found.push(pid);
        }
    }
    found
}

/// `limits` with `mark` as the page limit (any real mark is far above the
/// pages of the test documents).
fn marked(mark: u32, limits: ParseLimits) -> ParseLimits {
    ParseLimits {
        read: ReadLimits {
            max_pages: mark,
            ..limits.read
        },
        ..limits
    }
}

async fn first_parse_child(mark: u32) -> u32 {
    let start = Instant::now();
    loop {
        if let Some(pid) = parse_children(mark).first().copied() {
            return pid;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no parse process started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn no_parse_children_within(mark: u32, limit: Duration) {
    let start = Instant::now();
    loop {
        let left = parse_children(mark);
        if left.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "parse processes still running: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The codes each hostile file may fail with: the one that says what is
/// wrong with it, and no other.
fn expected(name: &str) -> &'static [&'static str] {
    match name {
        "self_drawing_xobject" | "mutually_recursive_xobjects" => &["pdf_too_complex"],
        "deep_page_tree" => &["pdf_too_complex"],
        "cyclic_page_tree" => &["pdf_too_complex", "pdf_corrupt"],
        "decompression_bomb" | "enormous_content_stream" => &["input_too_large"],
        "self_referencing_object_stream" | "truncated_xref" => &["pdf_corrupt"],
        "many_tiny_pages" => &["pdf_too_complex"],
        "huge_text" => &["result_too_large"],
        other => panic!("no expectation for {other}"),
    }
}

#[tokio::test]
async fn every_hostile_pdf_fails_with_its_clear_code_within_its_limits() {
    let sandbox = sandbox(marked(5_001, limits()));
    let mut report = Vec::new();
    for file in hostile::corpus() {
        let started = Instant::now();
        let outcome = sandbox.pdf_text(Arc::from(file.bytes)).await;
        let took = started.elapsed();
        let code = match &outcome {
            Ok(text) => format!("read {} pages", text.pages.len()),
            Err(error) => error.code().to_string(),
        };
        report.push(format!("{:32} {:20} {:?}", file.name, code, took));
        assert!(
            expected(file.name).contains(&code.as_str()),
            "{}: {outcome:?} ({code}), expected one of {:?}",
            file.name,
            expected(file.name)
        );
        assert!(
            took < limits().timeout + Duration::from_secs(2),
            "{} took {took:?}",
            file.name
        );
    }
    println!("{}", report.join("\n"));
    no_parse_children_within(5_001, Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_good_pdf_is_read_the_same_in_the_parse_process() {
    let book = novel(12);
    let bytes = text_pdf(&book.pages);
    let text = sandbox(limits())
        .pdf_text(Arc::from(bytes.clone()))
        .await
        .expect("a good PDF is read");
    assert_eq!(
        text.pages,
        jobcast_processors::pdf::extract_pages(&bytes).expect("read in process")
    );
}

/// Limits under which `huge_text` is read for far longer than a test waits:
/// its text is allowed, the time limit is far away.
fn slow(mark: u32) -> ParseLimits {
    ParseLimits {
        max_memory: 4 << 30,
        timeout: Duration::from_secs(300),
        read: ReadLimits {
            max_pages: mark,
            max_text_bytes: 1 << 30,
            ..ReadLimits::default()
        },
    }
}

#[tokio::test]
async fn dropping_the_parse_kills_its_process_at_once() {
    let sandbox = sandbox(slow(5_002));
    let parse =
        tokio::spawn(async move { sandbox.pdf_text(Arc::from(hostile::huge_text())).await });
    first_parse_child(5_002).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !parse.is_finished(),
        "the parse ended before it was dropped"
    );
    parse.abort();
    no_parse_children_within(5_002, Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_parse_over_its_time_is_killed_and_says_timeout() {
    let limits = ParseLimits {
        timeout: Duration::from_millis(300),
        ..slow(5_003)
    };
    let started = Instant::now();
    let outcome = sandbox(limits)
        .pdf_text(Arc::from(hostile::huge_text()))
        .await;
    assert_eq!(outcome.map(|_| ()), Err(PdfError::TimedOut(1)));
    assert!(started.elapsed() < Duration::from_secs(3));
    no_parse_children_within(5_003, Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_small_memory_limit_turns_a_big_document_into_input_too_large() {
    let limits = ParseLimits {
        max_memory: 160 << 20,
        read: ReadLimits {
            max_decoded_bytes: 4 << 30,
            ..ReadLimits::default()
        },
        ..limits()
    };
    let outcome = sandbox(limits)
        .pdf_text(Arc::from(hostile::enormous_content_stream()))
        .await;
    let error = outcome.expect_err("over the memory limit");
    assert_eq!(error.code(), "input_too_large", "{error:?}");
}

#[tokio::test]
async fn a_missing_parse_program_is_a_server_fault_worth_a_retry() {
    let sandbox = Sandbox::new(
        ParserProgram::standalone("/nonexistent/jobcast-parse"),
        limits(),
    );
    let error = sandbox
        .pdf_text(Arc::from(b"%PDF-1.4".as_slice()))
        .await
        .expect_err("no program");
    assert_eq!(error.code(), "parser_unavailable");
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn the_parse_process_sees_none_of_the_servers_environment_and_is_confined() {
    // The child is started with an empty environment (the test process has
    // one: PATH, CARGO_*): nothing of ours shows in /proc/<pid>/environ.
    let limits = ParseLimits {
        max_memory: 1 << 30,
        timeout: Duration::from_secs(60),
        ..slow(5_004)
    };
    let sandbox = sandbox(limits);
    let parse =
        tokio::spawn(async move { sandbox.pdf_text(Arc::from(hostile::huge_text())).await });
    let child = first_parse_child(5_004).await;
    // Its limits are set before it reads its input: give it time to start.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let environ = std::fs::read(format!("/proc/{child}/environ")).expect("environ");
    let limits = std::fs::read_to_string(format!("/proc/{child}/limits")).expect("limits");
    let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).expect("stat");
    parse.abort();
    // Field 19 of stat, the 17th after the command name: its nice value.
    let nice = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.split_whitespace().nth(16))
        .unwrap_or_default()
        .to_string();
    assert_eq!(nice, "19", "{stat}");
    assert!(environ.is_empty(), "{}", String::from_utf8_lossy(&environ));
    let line = |name: &str| {
        limits
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let gib = (1u64 << 30).to_string();
    assert_eq!(
        line("Max address space"),
        format!("Max address space {gib} {gib} bytes")
    );
    assert_eq!(line("Max open files"), "Max open files 3 3 files");
    assert_eq!(line("Max file size"), "Max file size 0 0 bytes");
    assert_eq!(line("Max cpu time"), "Max cpu time 61 62 seconds");
    assert_eq!(line("Max core file size"), "Max core file size 0 0 bytes");
    no_parse_children_within(5_004, Duration::from_secs(2)).await;
}
