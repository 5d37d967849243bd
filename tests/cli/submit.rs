//! `jobcast submit`: one job per file, the ids printed; with `--watch`,
//! followed to the end (completed, and failed with the reason).

use jobcast_core::Status;
use serde_json::json;

use crate::harness::{code, stderr, stdout, Setup};
use crate::output::{check_shown, printed_ids, progress_lines, summary_row};

#[test]
fn submit_prints_one_job_id_per_file() {
    let setup = Setup::new();
    let out = setup.submit_demo(&["steps=2"], false, &["a.txt", "b.txt"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    let ids = printed_ids(&text, 2);
    assert!(text.lines().next().expect("line").ends_with("\ta.txt"));
    for (id, name) in ids.iter().zip(["a.txt", "b.txt"]) {
        let job = setup.job(id);
        assert_eq!(
            (
                job.kind.as_str(),
                job.filename.as_deref(),
                job.owner.as_str()
            ),
            ("demo.steps", Some(name), "alice")
        );
        assert_eq!(job.options, json!({"steps": 2}));
    }
    // `jobs` lists them too.
    let out = setup.cli(&["jobs"]);
    for id in &ids {
        assert!(stdout(&out).contains(id.as_str()), "{}", stdout(&out));
    }
}

#[test]
fn submit_watch_follows_every_file_to_completion() {
    let setup = Setup::new();
    let out = setup.submit_demo(
        &["steps=8", "step_ms=30"],
        true,
        &["a.txt", "b.txt", "c.txt"],
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    let ids = printed_ids(&text, 3);
    for id in &ids {
        let job = setup.job(id);
        assert_eq!(job.status, Status::Completed);
        assert_eq!(job.options, json!({"steps": 8, "step_ms": 30}));
        check_shown(&text, id, "completed");
        let last = progress_lines(&text, id).pop().expect("a line");
        assert_eq!(last.percent, 100.0, "{}", last.text);
        assert!(
            summary_row(&text, id).contains("completed  attempt 1 of 3"),
            "{text}"
        );
    }
    assert!(text.contains("JOB  ") && text.contains("OUTCOME"), "{text}");
    assert!(text.trim_end().ends_with("3 of 3 completed"), "{text}");
}

#[test]
fn submit_watch_exits_1_when_a_job_fails_and_says_why() {
    let setup = Setup::new();
    let out = setup.submit_demo(
        &["steps=3", "fail_at=2", "step_ms=10"],
        true,
        &["a.txt", "b.txt"],
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}\n{}", stderr(&out));
    for id in printed_ids(&text, 2) {
        check_shown(&text, &id, "failed");
        assert!(
            summary_row(&text, &id).contains("failed  demo_failure: failed at step 2 of 3"),
            "{text}"
        );
        assert_eq!(setup.job(&id).status, Status::Failed);
    }
    assert!(text.contains("0 of 2 completed"), "{text}");
}
