//! `serve` and `token` on a bad configuration: they refuse to start, say
//! why, and exit 2.

use crate::harness::{code, jobcast};
use std::io::{BufRead, BufReader};

/// `serve` (and `token`) used to start on a 12-byte `JOBCAST_JWT_SECRET`,
/// with only a warning. Both must refuse it and say why, and exit 2 as every
/// subcommand does when it cannot work (they exited 1, the client commands
/// 2).
#[test]
fn a_jwt_secret_under_32_bytes_stops_serve_and_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        jobcast(args)
            .env("JOBCAST_DATA_DIR", &data)
            .env("JOBCAST_JWT_SECRET", "twelve bytes")
            .env_remove("JOBCAST_CONFIG")
            .env_remove("JOBCAST_DATABASE_URL")
            .spawn()
            .expect("run jobcast")
    };

    let mut serve = run(&["serve", "--listen", "127.0.0.1:0", "--workers", "1"]);
    let stdout = serve.stdout.take().expect("stdout");
    // The server names its address once it listens: it must never get there.
    let mut listening = None;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line.contains("listening on") {
            listening = Some(line);
            break;
        }
    }
    if let Some(line) = listening {
        let _ = serve.kill();
        let _ = serve.wait();
        panic!("serve started on a 12-byte secret: {line}");
    }
    let out = serve.wait_with_output().expect("serve exits");
    assert_eq!(code(&out), 2, "serve on a bad configuration");
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("JOBCAST_JWT_SECRET: is 12 bytes long; at least 32 are needed"),
        "{message}"
    );
    assert!(
        !message.contains("twelve bytes"),
        "the secret is shown: {message}"
    );

    let out = run(&["token", "--user", "alice"])
        .wait_with_output()
        .expect("token exits");
    assert!(
        !out.status.success(),
        "token signed with a 12-byte secret: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(code(&out), 2, "token on a bad configuration");
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is 12 bytes long"));
}
