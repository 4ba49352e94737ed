//! Chaos: random crashes (kill -9) and network faults (cut, stall, trickle,
//! reset) while records flow up and down and every node compacts its change
//! log each second; after healing, every record is at every destination
//! exactly once and nothing was quarantined.
//!
//! CI runs one short trial with a fixed seed. For a long run:
//! `XUNLIAN_CHAOS_TRIALS=20 XUNLIAN_CHAOS_STEPS=200 XUNLIAN_CHAOS_SEED=7 cargo nextest run --test it chaos::`
//! (figures are printed at the end; see docs/testing.md "Chaos").

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::Net;
use crate::common::proxy::{Fault, FaultProxy};
use crate::common::tree::small_tree;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where each record must end up.
struct Expected {
    id: String,
    at: &'static [&'static str],
}

const COUNTIES: [&str; 3] = ["630102", "630103", "630202"];
const INNER: [&str; 3] = ["630100", "630200", "630000"];
const ALL: [&str; 7] = [
    "000000", "630000", "630100", "630102", "630103", "630200", "630202",
];

fn up_path(county: &str) -> &'static [&'static str] {
    match county {
        "630102" => &["630102", "630100", "630000", "000000"],
        "630103" => &["630103", "630100", "630000", "000000"],
        _ => &["630202", "630200", "630000", "000000"],
    }
}

#[derive(Default)]
struct Figures {
    trials: u64,
    faults: BTreeMap<&'static str, u64>,
    records: u64,
    worst_convergence: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_survive_crashes_and_network_faults() {
    let trials = env("XUNLIAN_CHAOS_TRIALS", 1);
    let steps = env("XUNLIAN_CHAOS_STEPS", 40);
    let seed = env("XUNLIAN_CHAOS_SEED", 20261124);
    let mut figures = Figures::default();
    for trial in 0..trials {
        let trial_seed = seed.wrapping_add(trial);
        eprintln!("chaos trial {trial} seed {trial_seed}");
        run_trial(trial_seed, steps, &mut figures).await;
        figures.trials += 1;
    }
    let faults: Vec<String> = figures
        .faults
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!(
        "chaos: trials {}, faults injected: {}, records written {}, lost 0, duplicated 0, worst convergence after heal {:.2}s",
        figures.trials,
        faults.join(", "),
        figures.records,
        figures.worst_convergence.as_secs_f64()
    );
}

async fn run_trial(seed: u64, steps: u64, figures: &mut Figures) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net = Net::new(&small_tree().toml());
    // A fault proxy on every link.
    let mut proxies = BTreeMap::new();
    for (child, parent) in [
        ("630102", "630100"),
        ("630103", "630100"),
        ("630202", "630200"),
        ("630100", "630000"),
        ("630200", "630000"),
        ("630000", "000000"),
    ] {
        let p = FaultProxy::start(net.nodes[parent].peer_addr).await;
        net.set_parent_addr(child, p.addr);
        proxies.insert(child, p);
    }
    // Every log compacted each second, under the same faults.
    for id in net.nodes.keys() {
        net.set_config_line(id, "store", "compact_secs = 1");
    }
    net.start_all().await;

    let mut expected: Vec<Expected> = Vec::new();
    for step in 0..steps {
        match rng.random_range(0..10) {
            0 => {
                let victim = ALL[rng.random_range(0..ALL.len())];
                net.kill(victim);
                *figures.faults.entry("kill -9").or_default() += 1;
            }
            1 => {
                let link = *proxies
                    .keys()
                    .nth(rng.random_range(0..proxies.len()))
                    .unwrap();
                let fault = [Fault::Cut, Fault::Stall, Fault::Trickle, Fault::Reset]
                    [rng.random_range(0..4)];
                proxies[link].set(fault);
                let name = match fault {
                    Fault::Cut => "cut",
                    Fault::Stall => "stall",
                    Fault::Trickle => "trickle",
                    Fault::Reset => "reset",
                    Fault::Pass => "pass",
                };
                *figures.faults.entry(name).or_default() += 1;
            }
            2 => {
                // Heal one link or restart one node.
                let link = *proxies
                    .keys()
                    .nth(rng.random_range(0..proxies.len()))
                    .unwrap();
                proxies[link].set(Fault::Pass);
                for id in INNER {
                    if !net.is_running(id) {
                        net.start(id).await;
                        break;
                    }
                }
            }
            _ => {
                // Write: a finding at a county (up), a linked plan at central
                // (down to all) or a notice at 630100 (its counties only).
                let pick = rng.random_range(0..5);
                let (at, kind, body, dest): (
                    &str,
                    &str,
                    serde_json::Value,
                    &'static [&'static str],
                ) = match pick {
                    0..=2 => {
                        let c = COUNTIES[pick];
                        (
                            c,
                            "finding",
                            crate::common::finding(&format!("chaos {seed}-{step}")),
                            up_path(c),
                        )
                    }
                    3 => (
                        "000000",
                        "round_plan",
                        json!({"round_id": format!("chaos-{seed}-{step}"), "term": "2021-2026", "round_no": step + 1, "kind": "linked", "title": format!("chaos {step}")}),
                        &ALL,
                    ),
                    _ => (
                        "630100",
                        "notice",
                        json!({"title": format!("chaos {step}"), "text": "督办"}),
                        &["630100", "630102", "630103"],
                    ),
                };
                if !net.is_running(at) {
                    net.start(at).await;
                }
                let r = net.submit(at, kind, body).await;
                expected.push(Expected {
                    id: r["id"].as_str().unwrap().to_string(),
                    at: dest,
                });
                figures.records += 1;
            }
        }
    }

    // Heal everything and measure convergence.
    let healed = Instant::now();
    for p in proxies.values() {
        p.set(Fault::Pass);
    }
    for id in ALL {
        if !net.is_running(id) {
            net.start(id).await;
        }
    }
    for e in &expected {
        for at in e.at {
            net.wait_for(at, &e.id).await;
        }
    }
    let took = healed.elapsed();
    figures.worst_convergence = figures.worst_convergence.max(took);

    // Exactly where routing says, once, and nothing quarantined.
    for e in &expected {
        for at in ALL {
            if !e.at.contains(&at) {
                assert!(
                    !net.has(at, &e.id).await,
                    "{} reached {at}, which it is not addressed to",
                    e.id
                );
            }
        }
    }
    for at in ALL {
        let q = net.quarantine(at).await;
        assert!(q.is_empty(), "false quarantine at {at}: {q:?}");
    }
    for at in ALL {
        net.stop(at);
        let dups = net.applied_twice(at).await;
        assert!(dups.is_empty(), "applied twice at {at}: {dups:?}");
    }
}
