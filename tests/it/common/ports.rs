//! A block of loopback ports claimed for one test network, so tests run in
//! parallel processes never pick the same port: each network takes its
//! ports from a block of its own, claimed by creating a lock file (holding
//! the claiming process id) in a directory every test process shares.
//! A lock left by a process that no longer exists is taken over.

use std::io::Write;
use std::path::PathBuf;

use xunlian::network::PortRange;

/// Ports per block: two per node, for networks of up to 50 nodes.
const BLOCK: u16 = 100;

/// A claimed block; dropping it releases the claim.
pub struct PortBlock {
    pub range: PortRange,
    lock: PathBuf,
}

impl PortBlock {
    pub fn claim() -> PortBlock {
        let all = PortRange::outside_ephemeral();
        let blocks = (all.high - all.low + 1) / BLOCK;
        assert!(blocks > 0, "no room for a port block in {all}");
        let dir = std::env::temp_dir().join("xunlian-test-ports");
        std::fs::create_dir_all(&dir).expect("port lock directory");
        let start = rand::random_range(0..blocks);
        for i in 0..blocks {
            let low = all.low + ((start + i) % blocks) * BLOCK;
            let lock = dir.join(low.to_string());
            if try_lock(&lock) {
                return PortBlock {
                    range: PortRange {
                        low,
                        high: low + BLOCK - 1,
                    },
                    lock,
                };
            }
        }
        panic!(
            "every port block in {all} is claimed (see {})",
            dir.display()
        );
    }
}

/// Creates `lock` holding this process id, taking over a lock whose
/// process is gone.
fn try_lock(lock: &PathBuf) -> bool {
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(lock)
        {
            Ok(mut f) => {
                write!(f, "{}", std::process::id()).expect("write port lock");
                return true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let owner = std::fs::read_to_string(lock).unwrap_or_default();
                let alive = owner.trim().parse::<u32>().is_ok_and(|pid| {
                    pid == std::process::id() || PathBuf::from(format!("/proc/{pid}")).exists()
                });
                // An empty file is a claim being written right now.
                if alive || owner.is_empty() {
                    return false;
                }
                let _ = std::fs::remove_file(lock);
            }
            Err(e) => panic!("port lock {}: {e}", lock.display()),
        }
    }
    false
}

impl Drop for PortBlock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.lock);
    }
}
