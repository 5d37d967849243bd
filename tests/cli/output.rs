//! Reading what the client commands printed: the progress lines, the
//! summary's rows, the ids `submit` printed, and the checks every followed
//! job must pass (shown from its first event, progress never going back).

use jobcast_core::JobId;

/// A progress line, `<job_id> <file> <status> <stage> <percent>% <message>`.
#[derive(Debug)]
pub(crate) struct Line {
    pub(crate) status: String,
    pub(crate) stage: String,
    pub(crate) percent: f64,
    pub(crate) text: String,
}

/// The progress lines of job `id`, in order (the summary's row has no
/// percentage and is left out).
pub(crate) fn progress_lines(out: &str, id: &str) -> Vec<Line> {
    out.lines()
        .filter(|l| l.starts_with(&format!("{id} ")))
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let percent = words.get(4)?.strip_suffix('%')?.parse().ok()?;
            Some(Line {
                status: words[2].to_string(),
                stage: words[3].to_string(),
                percent,
                text: l.to_string(),
            })
        })
        .collect()
}

/// The summary's row of job `id`: `<job_id>  <file>  <status>  <outcome>`.
pub(crate) fn summary_row<'a>(out: &'a str, id: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{id}  ")))
        .unwrap_or_else(|| panic!("no summary row for {id}:\n{out}"))
}

/// Checks that `id` was shown from its first event (queued at 0 %), that
/// its progress never went back within an attempt (a `queued` line starts
/// the next one), and that its last line has `status`.
pub(crate) fn check_shown(out: &str, id: &str, status: &str) {
    let lines = progress_lines(out, id);
    let first = lines
        .first()
        .unwrap_or_else(|| panic!("no line for {id}:\n{out}"));
    assert!(
        first.status == "queued" && first.percent == 0.0,
        "{id} shown from its start: {first:?}\n{out}"
    );
    let mut last = -1.0;
    for line in &lines {
        if line.status == "queued" {
            last = -1.0;
        }
        assert!(
            line.percent >= last,
            "progress went back: {}\n{out}",
            line.text
        );
        last = line.percent;
    }
    let end = lines.last().expect("a line");
    assert_eq!(end.status, status, "{}\n{out}", end.text);
    let finals = lines.iter().filter(|l| l.status == status).count();
    assert_eq!(finals, 1, "one final line for {id}:\n{out}");
}

/// The job ids `submit` printed, one per line before anything else.
pub(crate) fn printed_ids(out: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = out
        .lines()
        .take(n)
        .map(|line| line.split('\t').next().expect("id").to_string())
        .collect();
    for id in &ids {
        assert!(id.parse::<JobId>().is_ok(), "not a job id: {id:?}\n{out}");
    }
    ids
}
