//! The delay before a retry after a transient failure: exponential from a
//! base, capped. Pure arithmetic; it must not sleep or read the clock.

use std::time::Duration;

/// `min(base * 2^(attempt-1), max)` for the attempt that just failed
/// (attempts count from 1). Never overflows.
pub fn retry_delay(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).min(31);
    base.checked_mul(1u32 << exponent).unwrap_or(max).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_the_base_up_to_the_cap() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(60);
        let delays: Vec<u64> = (1..=8)
            .map(|a| retry_delay(a, base, max).as_secs())
            .collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(retry_delay(0, base, max), base);
        assert_eq!(retry_delay(u32::MAX, base, max), max);
        assert_eq!(
            retry_delay(40, Duration::from_secs(u64::MAX / 2), Duration::MAX),
            Duration::MAX
        );
    }
}
