//! How a reconnecting link waits and reports: exponential back-off with
//! full jitter, the short probe delay used while the parent's host refuses
//! connections, and the log cadence of a failure that repeats.

use std::time::Duration;

use rand::Rng;

/// Delays grow from `min` to `max`, each drawn uniformly from
/// `[min, current]` so many children restarting together spread out.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max,
            current: min,
        }
    }

    /// The next delay to wait before retrying.
    pub fn next_delay(&mut self) -> Duration {
        let upper = self.current;
        self.current = (self.current * 2).min(self.max);
        let lo = self.min.as_millis() as u64;
        let hi = (upper.as_millis() as u64).max(lo);
        Duration::from_millis(rand::rng().random_range(lo..=hi))
    }

    /// The delay after a refused connection: drawn from `[min, 2 × min]`
    /// (at most `max`), and the exponential delay is left where it was.
    ///
    /// A refusal is the parent's host answering that nothing listens on the
    /// port: the daemon is down (stopped, restarting, being upgraded), and
    /// asking again costs it nothing. Probing at this pace reaches a
    /// restarted parent within moments instead of after a delay that grew
    /// to `max` while it was down. Errors that reach the parent (timeouts,
    /// TLS failures, refused requests) keep the growing delay: retrying
    /// those loads it.
    pub fn next_refused_delay(&self) -> Duration {
        let lo = self.min.as_millis() as u64;
        let hi = ((self.min * 2).min(self.max).as_millis() as u64).max(lo);
        Duration::from_millis(rand::rng().random_range(lo..=hi))
    }

    /// Back to the shortest delay after a success.
    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

/// Keeps a link that keeps failing the same way from logging a warning
/// per attempt: a repeated error is logged at warning level once per
/// `every` (with how many attempts failed since), otherwise at debug.
pub struct FailureLog {
    every: Duration,
    last: Option<(String, std::time::Instant)>,
    since: u64,
}

impl FailureLog {
    pub fn new(every: Duration) -> Self {
        FailureLog {
            every,
            last: None,
            since: 0,
        }
    }

    /// The next failure is news again (the link was up in between).
    pub fn forget(&mut self) {
        self.last = None;
        self.since = 0;
    }

    /// Whether this failure is worth a warning; if so, returns how many
    /// failures were logged at debug level since the last warning.
    pub fn warn(&mut self, error: &str) -> Option<u64> {
        let fresh = match &self.last {
            Some((text, at)) => text != error || at.elapsed() >= self.every,
            None => true,
        };
        if !fresh {
            self.since += 1;
            return None;
        }
        self.last = Some((error.to_string(), std::time::Instant::now()));
        Some(std::mem::take(&mut self.since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_secs(2));
        }
        assert_eq!(b.current, Duration::from_secs(2));
        b.reset();
        assert_eq!(b.current, Duration::from_millis(100));
    }

    #[test]
    fn refused_connections_are_probed_at_the_short_pace_without_growing() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(60));
        for _ in 0..5 {
            b.next_delay();
        }
        let grown = b.current;
        assert_eq!(grown, Duration::from_millis(3200));
        for _ in 0..50 {
            let d = b.next_refused_delay();
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(200));
        }
        assert_eq!(
            b.current, grown,
            "a refusal neither grows nor resets the delay"
        );
        let tight = Backoff::new(Duration::from_millis(100), Duration::from_millis(150));
        assert!(tight.next_refused_delay() <= Duration::from_millis(150));
    }

    #[test]
    fn a_repeated_failure_warns_once_per_interval_and_news_warns_at_once() {
        let mut log = FailureLog::new(Duration::from_secs(3600));
        assert_eq!(log.warn("refused"), Some(0), "the first failure warns");
        assert_eq!(log.warn("refused"), None);
        assert_eq!(log.warn("refused"), None);
        assert_eq!(
            log.warn("timed out"),
            Some(2),
            "a different error warns, with the quiet ones counted"
        );
        assert_eq!(log.warn("timed out"), None);
        log.forget();
        assert_eq!(
            log.warn("timed out"),
            Some(0),
            "after the link was up, the same error is news"
        );
        let mut every_time = FailureLog::new(Duration::ZERO);
        assert_eq!(every_time.warn("refused"), Some(0));
        assert_eq!(every_time.warn("refused"), Some(0));
    }
}
