//! Per-socket rate limiting of the events that do work (`join_job`,
//! `cancel_job`, `answer`): a token bucket, refilled continuously.

use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    bucket: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    pub fn new(per_sec: u32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        RateLimiter {
            per_sec: f64::from(per_sec.max(1)),
            burst,
            bucket: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes one token; `false` when the socket is over its rate.
    pub fn allow(&self) -> bool {
        self.allow_n(1)
    }

    /// Takes `n` tokens at once (at most the burst, so that any request can
    /// pass when the bucket is full); `false`, taking none, when fewer are left.
    pub fn allow_n(&self, n: u32) -> bool {
        let cost = f64::from(n.max(1)).min(self.burst);
        let mut bucket = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = *bucket;
        let now = Instant::now();
        let refilled =
            (tokens + now.duration_since(last).as_secs_f64() * self.per_sec).min(self.burst);
        if refilled >= cost {
            *bucket = (refilled - cost, now);
            true
        } else {
            *bucket = (refilled, now);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals() {
        let limiter = RateLimiter::new(1, 3);
        assert!(limiter.allow() && limiter.allow() && limiter.allow());
        assert!(!limiter.allow());
    }

    #[test]
    fn a_costly_request_takes_several_tokens_and_never_more_than_the_burst() {
        let limiter = RateLimiter::new(1, 10);
        assert!(limiter.allow_n(6));
        assert!(!limiter.allow_n(6), "4 left");
        assert!(limiter.allow_n(4));
        assert!(!limiter.allow());
        let limiter = RateLimiter::new(1, 3);
        assert!(limiter.allow_n(1_000), "capped at the burst");
        assert!(!limiter.allow());
    }
}
