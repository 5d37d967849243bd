//! The live view of followed jobs, for `submit --watch` and `watch`.
//!
//! On a terminal (stdout and stderr both) each job gets an `indicatif` bar:
//! file name, bar, percent, status, stage, ETA and message. Anywhere else
//! (a pipe, a log, a test) nothing is redrawn: one plain line per job on
//! stdout whenever its status, stage, attempt or open question changes,
//!
//! ```text
//! 01JD3... novel.pdf running process 42% Chunk 3/5 · ETA 12s
//! ```
//!
//! Notices about the connection go to stderr in both cases. This module only
//! draws; it decides nothing about the jobs.

use std::collections::HashMap;
use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use jobcast_client::follow::{Followed, Notice, Watcher};
use jobcast_core::{JobId, Status};

pub struct Progress {
    bars: Option<MultiProgress>,
    views: HashMap<JobId, View>,
}

#[derive(Default)]
struct View {
    bar: Option<ProgressBar>,
    /// What the last plain line showed, to print only changes.
    printed: Option<LineKey>,
}

#[derive(Debug, Clone, PartialEq)]
struct LineKey {
    status: Status,
    stage: Option<String>,
    attempt: u32,
    question: Option<String>,
}

impl Progress {
    /// Bars when both stdout and stderr are terminals, plain lines otherwise.
    pub fn for_terminal() -> Progress {
        let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        Progress {
            bars: terminal.then(MultiProgress::new),
            views: HashMap::new(),
        }
    }

    /// Gives `followed` its bar (in the order jobs are added).
    fn add(&mut self, followed: &Followed) {
        let bar = self
            .bars
            .as_ref()
            .map(|multi| multi.add(new_bar(&followed.name())));
        self.views
            .insert(followed.job.job_id, View { bar, printed: None });
    }

    /// Draws the job as it is now.
    fn show(&mut self, followed: &Followed) {
        let view = self.views.entry(followed.job.job_id).or_default();
        let job = &followed.job;
        if let Some(bar) = &view.bar {
            bar.set_position(job.progress.clamp(0.0, 100.0).round() as u64);
            bar.set_message(bar_message(followed));
            return;
        }
        let key = LineKey {
            status: job.status,
            stage: job.stage.clone(),
            attempt: job.attempt,
            question: followed.question.clone(),
        };
        if view.printed.as_ref() == Some(&key) {
            return;
        }
        view.printed = Some(key);
        println!("{}", line(followed));
    }

    /// A notice about the connection, above the bars or on stderr.
    fn say(&self, text: &str) {
        match &self.bars {
            Some(multi) => {
                if multi.println(format!("jobcast: {text}")).is_err() {
                    eprintln!("jobcast: {text}");
                }
            }
            None => eprintln!("jobcast: {text}"),
        }
    }

    /// Leaves the bars as they last were, before the summary.
    pub fn finish(&self) {
        for bar in self.views.values().filter_map(|v| v.bar.as_ref()) {
            bar.finish();
        }
    }
}

/// What the follower sees, drawn.
impl Watcher for Progress {
    fn added(&mut self, job: &Followed) {
        self.add(job);
    }

    fn moved(&mut self, job: &Followed) {
        self.show(job);
    }

    fn notice(&mut self, notice: &Notice) {
        self.say(&match notice {
            Notice::ConnectionLost { reason } => {
                format!("connection lost ({reason}); reconnecting…")
            }
            Notice::Reconnected => "reconnected; caught up".to_owned(),
            // The CLI's renewal makes the development token again.
            Notice::TokenRenewed => "the token expired; made a fresh development token".to_owned(),
        });
    }
}

fn new_bar(name: &str) -> ProgressBar {
    let bar = ProgressBar::new(100);
    let style = ProgressStyle::with_template("{prefix:20!} [{bar:24}] {pos:>3}% {wide_msg}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(name.to_owned());
    bar
}

/// `running · process · ETA 12s · Chunk 3/5`: what a bar shows beside it
/// (the ETA before the message, so a narrow terminal cuts the message).
fn bar_message(followed: &Followed) -> String {
    let job = &followed.job;
    let mut parts = vec![job.status.as_str().to_owned()];
    parts.extend(job.stage.clone());
    parts.extend(eta(followed));
    parts.extend(message(followed));
    parts.join(" · ")
}

/// `<job_id> <file> <status> <stage> <percent>% <message> · ETA 12s`.
fn line(followed: &Followed) -> String {
    let job = &followed.job;
    let mut text = format!(
        "{} {} {} {} {:.0}%",
        job.job_id,
        followed.name(),
        job.status,
        job.stage.as_deref().unwrap_or("-"),
        job.progress
    );
    if let Some(message) = message(followed) {
        text.push(' ');
        text.push_str(&message);
    }
    if let Some(eta) = eta(followed) {
        text.push_str(" · ");
        text.push_str(&eta);
    }
    text
}

fn message(followed: &Followed) -> Option<String> {
    match &followed.question {
        Some(question) => Some(format!("waiting for an answer: {question}")),
        None => Some(followed.job.message.clone()).filter(|m| !m.is_empty()),
    }
}

/// Only while running: a job waiting for an answer has no time left to tell.
fn eta(followed: &Followed) -> Option<String> {
    let job = &followed.job;
    match (job.status, job.eta_ms) {
        (Status::Running, Some(ms)) => Some(format!("ETA {}", format_duration(ms))),
        _ => None,
    }
}

/// `12s`, `3m05s`, `1h02m`.
fn format_duration(ms: u64) -> String {
    let s = ms.div_ceil(1000);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::format_duration;

    #[test]
    fn durations_are_short() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(11_200), "12s");
        assert_eq!(format_duration(185_000), "3m05s");
        assert_eq!(format_duration(3_720_000), "1h02m");
    }
}
