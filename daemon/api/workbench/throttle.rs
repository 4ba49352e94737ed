//! The workbench's sign-in limit, in memory: failed sign-ins are counted
//! per user name and per address; `operator.sign_in_failures` of them,
//! each within `operator.sign_in_lock_secs` of the one before, refuse
//! every further attempt — the right password too — until that long has
//! passed since the last failure. Refused attempts are not counted (they
//! do not prolong the lock). A successful sign-in clears its name and
//! address; a new password (`xunlian user passwd`) clears the name. A
//! restart clears everything.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::SignInLimit;

/// Whom failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(IpAddr),
}

#[derive(Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failed sign-ins by user name and by address.
#[derive(Debug)]
pub struct SignInThrottle {
    limit: SignInLimit,
    failed: Mutex<HashMap<Key, Failures>>,
}

impl SignInThrottle {
    pub fn new(limit: SignInLimit) -> Self {
        SignInThrottle {
            limit,
            failed: Mutex::default(),
        }
    }

    fn keys(user: &str, address: IpAddr) -> [Key; 2] {
        [Key::User(user.to_string()), Key::Address(address)]
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        self.failed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long `user` or `address` must still wait, when locked out.
    pub fn locked(&self, user: &str, address: IpAddr) -> Option<Duration> {
        let table = self.table();
        Self::keys(user, address)
            .iter()
            .filter_map(|k| table.get(k))
            .filter(|f| f.count >= self.limit.failures)
            .filter_map(|f| self.limit.lock.checked_sub(f.last.elapsed()))
            .filter(|left| !left.is_zero())
            .max()
    }

    /// Counts a failed sign-in of `user` from `address`; whether it locks
    /// either out.
    pub fn failed(&self, user: &str, address: IpAddr) -> bool {
        let lock = self.limit.lock;
        let mut table = self.table();
        table.retain(|_, f| f.last.elapsed() < lock);
        let mut locks = false;
        for key in Self::keys(user, address) {
            let f = table.entry(key).or_insert(Failures {
                count: 0,
                last: Instant::now(),
            });
            f.count += 1;
            f.last = Instant::now();
            locks |= f.count == self.limit.failures;
        }
        locks
    }

    /// A successful sign-in: its name and address start afresh.
    pub fn succeeded(&self, user: &str, address: IpAddr) {
        let mut table = self.table();
        for key in Self::keys(user, address) {
            table.remove(&key);
        }
    }

    /// A new password for `user`: the name's lock is lifted.
    pub fn clear_user(&self, user: &str) {
        self.table().remove(&Key::User(user.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(lock: Duration) -> SignInThrottle {
        SignInThrottle::new(SignInLimit { failures: 3, lock })
    }

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 7));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 8));

    #[test]
    fn the_third_failure_locks_the_name_and_the_address() {
        let t = throttle(Duration::from_secs(600));
        assert!(!t.failed("张三", HOME));
        assert!(!t.failed("张三", HOME));
        assert!(t.locked("张三", HOME).is_none());
        assert!(t.failed("张三", HOME), "the third failure locks");
        assert!(t.locked("张三", OTHER).is_some(), "the name, from anywhere");
        assert!(t.locked("李四", HOME).is_some(), "the address, for anyone");
        assert!(t.locked("李四", OTHER).is_none());
        t.clear_user("张三");
        assert!(t.locked("张三", OTHER).is_none(), "a new password lifts it");
        assert!(t.locked("张三", HOME).is_some(), "not the address's");
    }

    #[test]
    fn success_starts_afresh_and_a_lock_ends_after_its_time() {
        let t = throttle(Duration::from_secs(600));
        t.failed("张三", HOME);
        t.failed("张三", HOME);
        t.succeeded("张三", HOME);
        assert!(!t.failed("张三", HOME), "counting starts again");

        let t = throttle(Duration::ZERO);
        for _ in 0..3 {
            t.failed("张三", HOME);
        }
        assert!(
            t.locked("张三", HOME).is_none(),
            "a lock of no time is over"
        );
    }
}
