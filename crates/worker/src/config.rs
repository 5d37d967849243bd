//! How a pool is tuned. Plain values with defaults; the server's configuration
//! tree fills them in. This module must not read the environment or files.

use std::time::Duration;

use crate::WorkerError;

#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How many jobs run at once in this process. Zero runs no jobs here but
    /// still recovers and sweeps expired leases (e.g. for remote workers).
    pub workers: usize,
    /// Names this instance's leases (`lease_owner`), e.g. `host:pid`.
    pub instance_id: String,
    /// How long a claim or a renewal holds a job; renewed every third of it.
    pub lease: Duration,
    /// How often an idle worker looks for work when nobody wakes it, and how
    /// often a waiting clarification checks the store for its answer.
    pub poll_interval: Duration,
    /// The delay before the second attempt after a transient failure; doubled
    /// for every further attempt, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a clarification waits for its answer.
    pub answer_timeout: Duration,
    /// The longest one attempt may run, if limited.
    pub job_timeout: Option<Duration>,
    /// The largest result (bytes of JSON) a job may return, if limited; a
    /// bigger one fails the job with `result_too_large`.
    pub max_result_bytes: Option<u64>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            instance_id: format!("jobcast-{}", std::process::id()),
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            answer_timeout: Duration::from_secs(24 * 60 * 60),
            job_timeout: None,
            max_result_bytes: None,
        }
    }
}

impl PoolConfig {
    /// Refuses values the pool cannot work with, all problems at once.
    pub(crate) fn validate(&self) -> Result<(), WorkerError> {
        let mut problems = Vec::new();
        if self.instance_id.trim().is_empty() {
            problems.push("instance_id must not be empty".to_string());
        }
        if self.lease < Duration::from_millis(100) {
            problems.push(format!(
                "lease must be at least 100ms (got {:?})",
                self.lease
            ));
        }
        if self.poll_interval.is_zero() {
            problems.push("poll_interval must be more than zero".to_string());
        }
        if self.backoff_max < self.backoff_base {
            problems.push(format!(
                "backoff_max ({:?}) must not be less than backoff_base ({:?})",
                self.backoff_max, self.backoff_base
            ));
        }
        if self.answer_timeout.is_zero() {
            problems.push("answer_timeout must be more than zero".to_string());
        }
        if self.job_timeout.is_some_and(|t| t.is_zero()) {
            problems.push("job_timeout must be more than zero when set".to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(WorkerError::Config(problems.join("; ")))
        }
    }

    /// How long a stopped processor may take to return before it is aborted.
    pub(crate) fn stop_grace(&self) -> Duration {
        (self.lease / 3).min(Duration::from_secs(10))
    }

    pub(crate) fn renew_every(&self) -> Duration {
        self.lease / 3
    }

    pub(crate) fn sweep_every(&self) -> Duration {
        self.lease / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let config = PoolConfig::default();
        assert!(config.workers >= 1);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn reports_every_problem_at_once() {
        let config = PoolConfig {
            instance_id: " ".into(),
            poll_interval: Duration::ZERO,
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(1),
            ..PoolConfig::default()
        };
        let Err(WorkerError::Config(text)) = config.validate() else {
            panic!("an invalid config was accepted");
        };
        assert!(text.contains("instance_id"), "{text}");
        assert!(text.contains("poll_interval"), "{text}");
        assert!(text.contains("backoff_max"), "{text}");
    }
}
