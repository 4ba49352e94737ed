//! What the benchmarks read of a running daemon: how many records of a
//! kind it holds (its status report), and from `/proc` its resident memory
//! and the CPU time it used. A process that is gone reads as 0.

use crate::common::Net;

impl Net {
    /// How many records of `kind` `id` holds, from its status report.
    pub async fn count(&self, id: &str, kind: &str) -> i64 {
        let s = self.status(id).await;
        s["records"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|kv| kv[0] == kind)
            .and_then(|kv| kv[1].as_i64())
            .unwrap_or(0)
    }
}

/// Resident set size of `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> u64 {
    status_field(pid, "VmRSS")
}

/// The number a line of `/proc/PID/status` starts with (`RssAnon` in KiB,
/// `Threads`, ...).
pub fn status_field(pid: u32, name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user + system) `pid` has used so far (`/proc/PID/stat`).
pub fn cpu_seconds(pid: u32) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            // Fields after the command name, which may hold spaces: utime is
            // the 14th field of the line, stime the 15th.
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            let f: Vec<f64> = rest
                .split_whitespace()
                .map(|v| v.parse().unwrap_or(0.0))
                .collect();
            (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / ticks
        })
        .unwrap_or(0.0)
}
