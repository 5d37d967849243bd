//! `jobcast jobs`: the table of the user's jobs, filtered by status.

use jobcast_core::Status;
use serde_json::json;

use crate::harness::{code, stderr, stdout, Setup};

#[test]
fn jobs_prints_a_filtered_table() {
    let setup = Setup::new();
    let ids: Vec<String> = (0..3)
        .map(|_| setup.create_demo(json!({"steps": 1, "step_ms": 0})))
        .collect();
    let failed = setup.create_demo(json!({"steps": 1, "fail_at": 1}));
    for id in &ids {
        setup.wait_job(id, "completed", |j| j.status == Status::Completed);
    }
    setup.wait_job(&failed, "failed", |j| j.status == Status::Failed);

    let out = setup.cli(&["jobs", "--status", "completed", "--limit", "2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and 2 rows:\n{text}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "KIND", "FILE", "STATUS", "PROGRESS", "CREATED"]
    );
    assert!(
        lines[1].starts_with(ids[2].as_str()) && lines[2].starts_with(ids[1].as_str()),
        "newest first:\n{text}"
    );
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cells[1..5],
            ["demo.steps", "made.txt", "completed", "100%"],
            "{line}"
        );
    }

    let out = setup.cli(&["jobs", "--status", "failed,cancelled"]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(failed.as_str()) && l.contains("failed (demo_failure)")),
        "{text}"
    );

    let out = setup.cli(&["jobs", "--status", "running", "--status", "queued"]);
    assert_eq!((code(&out), stdout(&out).trim()), (0, "no jobs"));
}
