//! How the client commands fail: every refusal and unusable input is said
//! on stderr, nothing on stdout, and the exit code is 2.

use jobcast_core::JobId;

use crate::harness::{cli, code, stderr, stdout, Setup};

#[test]
fn errors_are_clear_and_exit_2() {
    let setup = Setup::new();
    let file = setup.file("a.txt");
    let file = file.to_str().expect("utf-8");

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("addr");
    drop(closed);
    let nowhere = format!("http://{address}");
    // Every client command, where nobody listens and with a token the
    // server refuses.
    let commands = [
        vec!["jobs"],
        vec!["submit", "--kind", "demo.steps", file],
        vec!["submit", "--kind", "demo.steps", "--watch", file],
        vec!["watch", "01JD3ZZZZZZZZZZZZZZZZZZZZZ"],
    ];
    let each_stops = |server: &str, token: &str, expected: &str| {
        for args in &commands {
            let out = cli(
                &[&args[..], &["--server", server, "--token", token]].concat(),
                setup.dir.path(),
            );
            assert_eq!(code(&out), 2, "{args:?}");
            assert!(
                stderr(&out).starts_with(expected),
                "{args:?}: {}",
                stderr(&out)
            );
        }
    };
    each_stops(
        &nowhere,
        &setup.token,
        &format!("jobcast: cannot reach the server at {nowhere}: "),
    );
    each_stops(
        &setup.server.base,
        "not-a-jwt",
        "jobcast: the server refused the token (unauthorized): ",
    );

    let eleven: Vec<String> = (0..11)
        .map(|i| {
            setup
                .file(&format!("f{i}.txt"))
                .to_str()
                .expect("utf-8")
                .to_string()
        })
        .collect();
    let mut too_many = vec!["submit", "--kind", "demo.steps"];
    too_many.extend(eleven.iter().map(String::as_str));
    let unknown = JobId::new().to_string();
    let cases: [(&[&str], &str); 10] = [
        (
            &["submit", "missing.pdf", file],
            "jobcast: cannot read missing.pdf: ",
        ),
        (&["submit", "--option", "steps", file], "expected KEY=VALUE"),
        (
            &["submit", "--kind", "nope", file],
            "refused the request (bad_request): unknown kind \"nope\"",
        ),
        (
            &[
                "submit",
                "--kind",
                "demo.steps",
                "--option",
                "steps=0",
                file,
            ],
            "refused the request (invalid_options): ",
        ),
        (&too_many, "at most 10 files per request"),
        (&["jobs", "--status", "done"], "unknown status \"done\""),
        (&["watch", "not-an-id"], "is not a job id"),
        (&["watch", &unknown], "refused the request (not_found)"),
        (&["jobs", "--limit", "0"], "--limit"),
        (&["submit", "--kind", "demo.steps"], "<FILES>"),
    ];
    for (args, expected) in cases {
        let out = setup.cli(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
    // The live stream is plain http: a --watch over https stops before
    // anything is submitted.
    let https = setup.server.base.replace("http://", "https://");
    let out = cli(
        &[
            "submit",
            "--kind",
            "demo.steps",
            "--watch",
            file,
            "--server",
            &https,
            "--token",
            &setup.token,
        ],
        setup.dir.path(),
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("TLS (https, wss) is not supported"),
        "{}",
        stderr(&out)
    );
    // None of the refused submissions created a job.
    let out = setup.cli(&["jobs"]);
    assert_eq!(stdout(&out).trim(), "no jobs");
}
