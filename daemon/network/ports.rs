//! Listen ports for a generated network.
//!
//! Ports come from a range outside the kernel's ephemeral range (the ports
//! the kernel hands to outgoing connections and to `bind(0)`): a port taken
//! from the ephemeral range is only free while nobody connects anywhere, so
//! a node stopped for a moment could find its port held by some client's
//! outgoing connection and fail to start again with "address in use". Each
//! port is checked free by binding it, and held until the whole network is
//! chosen, so no two nodes get the same one.

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::str::FromStr;

use anyhow::bail;

/// An inclusive range of TCP ports, `LOW-HIGH` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub low: u16,
    pub high: u16,
}

impl PortRange {
    /// The ports below the kernel's ephemeral range (20000-32767 with
    /// Linux's default 32768-60999), or above it when nothing is left below.
    pub fn outside_ephemeral() -> PortRange {
        let (eph_low, eph_high) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|s| {
                let mut it = s.split_whitespace().map(|p| p.parse::<u16>().ok());
                Some((it.next()??, it.next()??))
            })
            .unwrap_or((32768, 60999));
        if eph_low > 2048 {
            PortRange {
                low: eph_low.saturating_sub(12768).max(1024),
                high: eph_low - 1,
            }
        } else {
            PortRange {
                low: eph_high.saturating_add(1),
                high: 65535,
            }
        }
    }

    fn len(&self) -> u32 {
        u32::from(self.high) - u32::from(self.low) + 1
    }
}

impl FromStr for PortRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (low, high) = s
            .split_once('-')
            .ok_or_else(|| format!("{s:?}: expected LOW-HIGH, e.g. 20000-20099"))?;
        let port = |p: &str| {
            p.trim()
                .parse::<u16>()
                .map_err(|_| format!("{s:?}: {p:?} is not a port number (1-65535)"))
        };
        let (low, high) = (port(low)?, port(high)?);
        if low == 0 || low > high {
            return Err(format!("{s:?}: need 1 <= LOW <= HIGH"));
        }
        Ok(PortRange { low, high })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.low, self.high)
    }
}

/// Takes free loopback ports from a range, starting at a random place in
/// it (so two networks written at once rarely probe the same ports) and
/// keeping every chosen port bound until it is dropped.
pub struct PortPicker {
    range: PortRange,
    next: u32,
    tried: u32,
    held: Vec<TcpListener>,
    skipped: std::collections::BTreeSet<u16>,
}

impl PortPicker {
    pub fn new(range: PortRange) -> PortPicker {
        let next = rand::random_range(0..range.len());
        PortPicker {
            range,
            next,
            tried: 0,
            held: Vec::new(),
            skipped: std::collections::BTreeSet::new(),
        }
    }

    /// Never takes `ports` (those of offices not running now).
    pub fn skip(&mut self, ports: impl IntoIterator<Item = u16>) {
        self.skipped.extend(ports);
    }

    /// The next free loopback port of the range, held until the picker is
    /// dropped.
    pub fn take(&mut self) -> anyhow::Result<SocketAddr> {
        while self.tried < self.range.len() {
            let port = u32::from(self.range.low) + (self.next % self.range.len());
            self.next += 1;
            self.tried += 1;
            let port = u16::try_from(port).expect("within a u16 range");
            if self.skipped.contains(&port) {
                continue;
            }
            if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
                let addr = l.local_addr()?;
                self.held.push(l);
                return Ok(addr);
            }
        }
        bail!(
            "no free loopback port left in {} (give a wider range with --ports LOW-HIGH)",
            self.range
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_refuse_nonsense() {
        assert_eq!(
            "20000-20099".parse::<PortRange>(),
            Ok(PortRange {
                low: 20000,
                high: 20099
            })
        );
        for bad in ["20000", "0-10", "30-20", "1-70000", "a-b"] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn picked_ports_are_distinct_and_in_range() {
        let range = PortRange::outside_ephemeral();
        let mut p = PortPicker::new(range);
        let ports: std::collections::BTreeSet<u16> =
            (0..20).map(|_| p.take().unwrap().port()).collect();
        assert_eq!(ports.len(), 20);
        assert!(ports.iter().all(|&x| x >= range.low && x <= range.high));
    }

    #[test]
    fn an_exhausted_range_says_so() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let mut p = PortPicker::new(PortRange {
            low: port,
            high: port,
        });
        let err = p.take().unwrap_err().to_string();
        assert!(err.contains("no free loopback port"), "{err}");
    }
}
