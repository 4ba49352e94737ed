//! Exponential back-off with full jitter for reconnecting links.

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

    /// Back to the shortest delay after a success.
    pub fn reset(&mut self) {
        self.current = self.min;
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
}
