//! The development token: without `--token`, the one made from the local
//! data directory's secret is used; elsewhere the command stops.

use jobcast_core::{JobSnapshot, Status};

use crate::common::{token, Running};
use crate::harness::{cli, code, rest_get, stderr, stdout};
use crate::output::printed_ids;

#[test]
fn without_a_token_the_local_development_token_is_used() {
    // As after `cargo run --release` in this directory: ./jobcast-data
    // holds the generated secret.
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Running::start(&dir.path().join("jobcast-data"));
    std::fs::write(dir.path().join("a.txt"), "x\n").expect("write");
    let out = cli(
        &[
            "submit",
            "--kind",
            "demo.steps",
            "--watch",
            "a.txt",
            "--server",
            &server.base,
        ],
        dir.path(),
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    let id = &printed_ids(&text, 1)[0];
    let dev = token(&dir.path().join("jobcast-data"), "dev");
    let job: JobSnapshot = rest_get(&server.base, &dev, &format!("/api/jobs/{id}"));
    assert_eq!((job.owner.as_str(), job.status), ("dev", Status::Completed));

    // Elsewhere there is no secret: a clear error, and nothing is created.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    std::fs::write(elsewhere.path().join("a.txt"), "x\n").expect("write");
    let out = cli(
        &["submit", "a.txt", "--server", &server.base],
        elsewhere.path(),
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no token: pass --token or set JOBCAST_TOKEN"),
        "{}",
        stderr(&out)
    );
    assert!(!elsewhere.path().join("jobcast-data").exists());
}
