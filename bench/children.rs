//! The children benchmark (issue 7, "Scale"): N simulated county clients on
//! one parent, with the parent's memory and CPU.
//!
//! A real network from `network init` — central → one province → one
//! municipality, each a `xunlian daemon` process (release build) on
//! SQLite — where the municipality is the parent under test. N county ids
//! (`c0001`, …) get certificates from the network's CA and become the
//! municipality's configured children; they are not nodes of the tree file
//! (the harness has 100 ports per network, and a simulated county needs
//! none). This process then runs the N counties (`children/county.rs`),
//! each with its own mutual-TLS client, ramped up at a steady rate: a
//! hello, a long poll held open, a health record every few seconds, a
//! finding now and then. Once all are connected it holds a steady-state
//! window and measures the parent: RSS (sampled every second from
//! `/proc`), CPU (utime + stime) as % of one core, health records accepted
//! per second, pushes, errors by kind. At the end the counties stop and
//! the findings the parent accepted must all reach central.
//!
//! Knobs (environment): `N_CHILDREN` (3000), `CHILD_HEALTH_SECS` (5),
//! `CHILD_FINDING_SECS` (60), `CHILD_RAMP_PER_S` (200 new connections per
//! second), `CHILD_WINDOW_SECS` (60), `CHILD_LONG_POLL_SECS` (25, the
//! parent's limit). Prints a summary and writes JSON to
//! `XUNLIAN_BENCH_OUT` (default `bench/results/children-sqlite.json`).
//! Target (a figure, never an assertion): parent RSS < 256 MiB with 3,000
//! children.

// The integration tests' harness; a benchmark drives only part of it.
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code)]
mod common;
#[path = "children/county.rs"]
mod county;
mod harness;
mod procfs;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use common::Net;
use county::{County, Plan, Tally};
use procfs::{cpu_seconds, rss_kib, status_field};
use serde_json::{Value, json};
use xunlian::identity::TlsFiles;
use xunlian::node::NodeId;
use xunlian::pki::{self, IssueRequest};
use xunlian::trust::{Alg, SigningKey};

const CENTRAL: &str = "000000";
const PROVINCE: &str = "630000";
/// The parent under test.
const PARENT: &str = "630200";

const TREE: &str = "[[node]]\nid = \"000000\"\nname = \"中央\"\nlevel = \"central\"\n\
    [[node]]\nid = \"630000\"\nname = \"青海省\"\nlevel = \"provincial\"\nparent = \"000000\"\n\
    [[node]]\nid = \"630200\"\nname = \"海东市\"\nlevel = \"municipal\"\nparent = \"630000\"\n";

/// The parent's RSS target with 3,000 children (a figure, not a test).
const TARGET_RSS_MIB: f64 = 256.0;
/// File descriptors this process needs besides one per county.
const FDS_BESIDES_COUNTIES: u64 = 256;
/// How long the findings accepted may take to reach central after the stop.
const CENTRAL_PATIENCE: Duration = Duration::from_secs(300);

/// The benchmark's knobs, from the environment.
struct Knobs {
    children: usize,
    health_every: Duration,
    finding_every: Duration,
    ramp_per_s: f64,
    window: Duration,
    long_poll: Duration,
}

fn knob(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
        .unwrap_or(default)
}

impl Knobs {
    fn from_env() -> Knobs {
        Knobs {
            children: knob("N_CHILDREN", 3000.0) as usize,
            health_every: Duration::from_secs_f64(knob("CHILD_HEALTH_SECS", 5.0)),
            finding_every: Duration::from_secs_f64(knob("CHILD_FINDING_SECS", 60.0)),
            ramp_per_s: knob("CHILD_RAMP_PER_S", 200.0),
            window: Duration::from_secs_f64(knob("CHILD_WINDOW_SECS", 60.0)),
            long_poll: Duration::from_secs_f64(knob("CHILD_LONG_POLL_SECS", 25.0)),
        }
    }

    fn json(&self) -> Value {
        json!({"children": self.children, "health_every_s": self.health_every.as_secs_f64(),
            "finding_every_s": self.finding_every.as_secs_f64(), "ramp_per_s": self.ramp_per_s,
            "window_s": self.window.as_secs_f64(), "long_poll_s": self.long_poll.as_secs_f64()})
    }
}

fn main() {
    harness::main(run());
}

async fn run() {
    let knobs = Knobs::from_env();
    let n = knobs.children;
    let mut results = json!({"backend": "sqlite", "knobs": knobs.json(),
        "host": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)}});
    results["fd_limit"] = open_files(n);

    let mut net = Net::new(TREE);
    for id in [CENTRAL, PROVINCE, PARENT] {
        // Health as offices run it (every minute), not the tests' every second.
        net.set_config_line(id, "schedules", "health = \"0 * * * * *\"");
        net.set_config_line(id, "schedules", "health_stale_secs = 180");
    }
    let ids: Vec<String> = (1..=n).map(|i| format!("c{i:04}")).collect();
    let t = Instant::now();
    let files = add_children(&net, PARENT, &ids).expect("certificates and keys for the counties");
    eprintln!(
        "issued {n} county certificates in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let counties: Vec<County> = ids
        .iter()
        .zip(files)
        .enumerate()
        .map(|(index, (id, (f, key)))| County {
            id: NodeId::new(id).expect("county id"),
            index,
            http: common::peer::peer_client(&f, PARENT),
            key,
        })
        .collect();
    let plan = Arc::new(Plan {
        parent_url: format!("https://127.0.0.1:{}", net.nodes[PARENT].peer_addr.port()),
        parent: NodeId::new(PARENT).expect("parent id"),
        health_every: knobs.health_every,
        finding_every: knobs.finding_every,
        long_poll: knobs.long_poll,
        tally: Tally::default(),
        stop: tokio_util::sync::CancellationToken::new(),
    });
    if let Some(c) = counties.first() {
        c.check_records(&plan).expect("simulated records are valid");
    }

    for id in [CENTRAL, PROVINCE, PARENT] {
        net.start(id).await;
    }
    let pid = net.pid(PARENT).expect("parent running");
    tokio::time::sleep(Duration::from_secs(2)).await;
    results["parent"] = json!({"open_files_limit": open_files_limit_of(pid),
        "idle_rss_kib": rss_kib(pid)});

    let sampler = Sampler::start(pid);
    let cpu = Cpu::read(&net);
    let t = Instant::now();
    let tasks = ramp(counties, &plan, knobs.ramp_per_s);
    let connected = wait_connected(&plan.tally, n, &knobs).await;
    let connect_s = t.elapsed().as_secs_f64();
    results["ramp"] = json!({
        "all_connected": connected == n, "connected": connected, "connect_s": connect_s,
        "hello_ms": percentiles(&plan.tally.hello_ms.lock().unwrap_or_else(|p| p.into_inner())),
        "cpu_pct": cpu.pct_since(&net, connect_s), "errors": plan.tally.errors(),
        "parent_rss_kib": rss_kib(pid)});
    eprintln!("ramp: {}", results["ramp"]);

    results["window"] = window(&net, &plan, &sampler, knobs.window).await;
    eprintln!("window: {}", results["window"]);

    plan.stop.cancel();
    for t in tasks {
        let _ = t.await;
    }
    results["parent_rss_max_kib"] = json!(sampler.max_kib_since(0.0));
    results["rss_timeline"] = sampler.stop();
    results["central"] = reach_central(&net, &plan.tally).await;
    results["errors"] = plan.tally.errors();
    results["errors_total"] = json!(plan.tally.error_count());
    results["records_refused"] = json!(plan.tally.records_refused.load(Relaxed));

    let out = std::env::var("XUNLIAN_BENCH_OUT")
        .unwrap_or_else(|_| "bench/results/children-sqlite.json".into());
    if let Some(dir) = Path::new(&out).parent() {
        std::fs::create_dir_all(dir).expect("results directory");
    }
    let text = serde_json::to_string_pretty(&results).expect("results as JSON");
    std::fs::write(&out, &text).expect("write results");
    println!("{text}");
    summary(&results);
    println!("written to {out}");
    // Not a speed target but correctness: fail (keeping the daemons' logs)
    // when a finding the parent accepted never reached central.
    assert!(
        results["central"]["all_reached"] == true,
        "findings accepted by the parent did not all reach central: {}",
        results["central"]
    );
}

/// Raises this process's open-files limit and says whether it is enough
/// for `n` counties (the daemons inherit it, and raise theirs too).
fn open_files(n: usize) -> Value {
    let needed = n as u64 + FDS_BESIDES_COUNTIES;
    match xunlian::run::raise_open_files_limit() {
        Ok(l) => {
            let enough = l.soft >= needed;
            if !enough {
                eprintln!(
                    "WARNING: the open-files hard limit ({}) is below the {needed} descriptors {n} \
                     simulated counties need: connections will fail. Raise it (ulimit -Hn as root, \
                     or LimitNOFILE=) or lower N_CHILDREN.",
                    l.hard
                );
            }
            json!({"before": l.before, "soft": l.soft, "hard": l.hard, "needed": needed, "enough": enough})
        }
        Err(e) => {
            eprintln!("WARNING: could not read or raise the open-files limit: {e}");
            json!({"error": e.to_string(), "needed": needed})
        }
    }
}

/// The soft "Max open files" of `pid`, from `/proc/PID/limits`.
fn open_files_limit_of(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/limits"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Issues a certificate for each of `ids` from the network's CA (into
/// `NET/sim/<id>/`) and makes them the configured children of `parent`
/// (call before starting it), each with its own record-signing key listed
/// in the tree manifest. Returns each county's TLS files and signing key.
fn add_children(
    net: &Net,
    parent: &str,
    ids: &[String],
) -> anyhow::Result<Vec<(TlsFiles, SigningKey)>> {
    use anyhow::Context;
    let root = net.root();
    let ca = root.join("ca");
    let issue = |id: &String| -> anyhow::Result<(TlsFiles, SigningKey)> {
        let dir = root.join("sim").join(id);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let now = chrono::Utc::now();
        let req = IssueRequest {
            node: NodeId::new(id).map_err(|e| anyhow::anyhow!("county id {id:?}: {e}"))?,
            dns_names: vec!["localhost".into()],
            ip_addresses: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            not_before: now - chrono::Duration::hours(1),
            not_after: now + chrono::Duration::days(30),
        };
        let files = TlsFiles {
            ca: ca.join("ca.pem"),
            cert: dir.join("node.pem"),
            key: dir.join("node.key"),
            crl: None,
        };
        pki::issue(&ca, &req, &files.cert, &files.key)?;
        let key = SigningKey::create(&dir.join("sign.key"), Alg::EcdsaP256Sha256)?;
        Ok((files, key))
    };
    // Issuing is CPU (key generation) and a sync per key file: use every core.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = ids.len().div_ceil(threads).max(1);
    let files: Vec<(TlsFiles, SigningKey)> = std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(issue).collect::<anyhow::Result<Vec<_>>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("issuing thread"))
            .collect::<anyhow::Result<Vec<Vec<_>>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let list = serde_json::to_string(ids).context("children list")?;
    net.set_config_line(parent, "node", &format!("children = {list}"));
    let keys: Vec<&SigningKey> = files.iter().map(|(_, k)| k).collect();
    add_to_manifest(net, parent, ids, &keys)?;
    Ok(files)
}

/// The version of the tree manifest that lists the simulated counties;
/// they say they hold it, so hellos are not answered with it.
const SIM_MANIFEST_VERSION: u64 = 2;

/// Lists `ids` as counties under `parent`, each with its key of `keys`, in
/// a new tree manifest signed by the network's CA, written over every
/// office's `manifest.json`: the parent admits only the children its
/// manifest places below it, and only records signed by their keys.
fn add_to_manifest(
    net: &Net,
    parent: &str,
    ids: &[String],
    keys: &[&SigningKey],
) -> anyhow::Result<()> {
    use anyhow::Context;
    use xunlian::trust::{self, Office, OfficeKey, Offices, SignedManifest};
    let root = net.root();
    let file = root.join(parent).join("manifest.json");
    let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut m = SignedManifest::from_json(&text)?.manifest;
    let parent_id = NodeId::new(parent).map_err(|e| anyhow::anyhow!("{parent:?}: {e}"))?;
    let mut offices: Vec<Office> = m.offices.iter().cloned().collect();
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    for (id, key) in ids.iter().zip(keys) {
        offices.push(Office {
            id: NodeId::new(id).map_err(|e| anyhow::anyhow!("county id {id:?}: {e}"))?,
            name: format!("模拟县{id}"),
            level: xunlian::node::Level::County,
            parent: Some(parent_id.clone()),
            keys: vec![OfficeKey::of(key, since)],
            seal_keys: Vec::new(),
            successor: None,
        });
    }
    m.offices = Offices::new(offices)?;
    m.version = SIM_MANIFEST_VERSION;
    let ca = SigningKey::load(&root.join("ca").join("ca.key"))?;
    let json = trust::sign(m, &ca)?.to_json()?;
    for entry in std::fs::read_dir(&root)? {
        let path = entry?.path().join("manifest.json");
        if path.is_file() {
            std::fs::write(&path, &json).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

/// Starts the counties at `per_s` new ones per second; returns their tasks.
fn ramp(counties: Vec<County>, plan: &Arc<Plan>, per_s: f64) -> Vec<tokio::task::JoinHandle<()>> {
    let start = tokio::time::Instant::now();
    counties
        .into_iter()
        .map(|c| {
            let plan = plan.clone();
            let at = start + Duration::from_secs_f64(c.index as f64 / per_s);
            tokio::spawn(async move {
                tokio::select! {
                    _ = plan.stop.cancelled() => {}
                    _ = tokio::time::sleep_until(at) => c.run(&plan).await,
                }
            })
        })
        .collect()
}

/// Waits until all `n` counties are connected, or gives up a minute after
/// the ramp should have ended; returns how many are.
async fn wait_connected(tally: &Tally, n: usize, knobs: &Knobs) -> usize {
    let give_up = Instant::now()
        + Duration::from_secs_f64(n as f64 / knobs.ramp_per_s)
        + Duration::from_secs(60);
    loop {
        let connected = tally.connected.load(Relaxed) as usize;
        if connected >= n || Instant::now() > give_up {
            if connected < n {
                eprintln!("WARNING: only {connected} of {n} counties connected");
            }
            return connected;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The steady state: every county connected, for `length`.
async fn window(net: &Net, plan: &Plan, sampler: &Sampler, length: Duration) -> Value {
    let t = &plan.tally;
    let pid = net.pid(PARENT).expect("parent running");
    let (health, findings, pushes, pulls, errors) = (
        t.health_stored.load(Relaxed),
        t.findings_stored.load(Relaxed),
        t.pushes.load(Relaxed),
        t.pulls.load(Relaxed),
        t.error_count(),
    );
    let cpu = Cpu::read(net);
    let from = sampler.now();
    let start = Instant::now();
    tokio::time::sleep(length).await;
    let s = start.elapsed().as_secs_f64();
    let per_s = |now: u64, before: u64| (now - before) as f64 / s;
    json!({
        "seconds": s,
        "cpu_pct": cpu.pct_since(net, s),
        "parent_rss_max_kib": sampler.max_kib_since(from),
        "parent_rss_end_kib": rss_kib(pid),
        "parent_rss_anon_end_kib": status_field(pid, "RssAnon"),
        "parent_threads": status_field(pid, "Threads"),
        "health_per_s": per_s(t.health_stored.load(Relaxed), health),
        "health_offered_per_s": plan.tally.connected.load(Relaxed) as f64 / plan.health_every.as_secs_f64(),
        "findings_per_s": per_s(t.findings_stored.load(Relaxed), findings),
        "pushes_per_s": per_s(t.pushes.load(Relaxed), pushes),
        "pulls_per_s": per_s(t.pulls.load(Relaxed), pulls),
        "errors": t.error_count() - errors,
    })
}

/// After the stop: the findings the parent accepted, counted at central
/// once they have all climbed (or the patience ran out).
async fn reach_central(net: &Net, tally: &Tally) -> Value {
    let accepted = tally.findings_stored.load(Relaxed) as i64;
    let t = Instant::now();
    let mut at_central = net.count(CENTRAL, "finding").await;
    while at_central < accepted && t.elapsed() < CENTRAL_PATIENCE {
        tokio::time::sleep(Duration::from_millis(500)).await;
        at_central = net.count(CENTRAL, "finding").await;
    }
    json!({"findings_accepted_by_parent": accepted, "findings_at_central": at_central,
        "all_reached": at_central >= accepted, "seconds_after_stop": t.elapsed().as_secs_f64(),
        "findings_at_parent": net.count(PARENT, "finding").await,
        "health_records_at_parent": net.count(PARENT, "health").await,
        "health_records_at_central": net.count(CENTRAL, "health").await})
}

/// CPU seconds of the three daemons and of this process at one instant.
struct Cpu {
    daemons: Vec<(&'static str, f64)>,
    bench: f64,
}

impl Cpu {
    fn read(net: &Net) -> Cpu {
        Cpu {
            daemons: [PARENT, PROVINCE, CENTRAL]
                .into_iter()
                .map(|id| (id, net.pid(id).map(cpu_seconds).unwrap_or(0.0)))
                .collect(),
            bench: cpu_seconds(std::process::id()),
        }
    }

    /// CPU used since this reading, as % of one core over `seconds`.
    fn pct_since(&self, net: &Net, seconds: f64) -> Value {
        let now = Cpu::read(net);
        let pct = |a: f64, b: f64| (a - b) * 100.0 / seconds;
        let mut out: serde_json::Map<String, Value> = now
            .daemons
            .iter()
            .zip(&self.daemons)
            .map(|((id, a), (_, b))| (id.to_string(), json!(pct(*a, *b))))
            .collect();
        out.insert("bench".into(), json!(pct(now.bench, self.bench)));
        out.into()
    }
}

/// Samples the parent's RSS every second in the background.
struct Sampler {
    start: Instant,
    /// (seconds since `start`, RSS in KiB). A std lock: never held across
    /// an await.
    timeline: Arc<std::sync::Mutex<Vec<(f64, u64)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let start = Instant::now();
        let timeline = Arc::new(std::sync::Mutex::new(Vec::new()));
        let shared = timeline.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let sample = (start.elapsed().as_secs_f64(), rss_kib(pid));
                shared
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(sample);
            }
        });
        Sampler {
            start,
            timeline,
            task,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(f64, u64)>> {
        self.timeline.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Seconds since sampling started.
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// The largest sample taken from `from` seconds on.
    fn max_kib_since(&self, from: f64) -> u64 {
        let timeline = self.lock();
        let since = timeline.iter().filter(|(t, _)| *t >= from);
        since.map(|(_, kib)| *kib).max().unwrap_or(0)
    }

    /// Stops sampling; returns the timeline as `[[s, kib], ...]`.
    fn stop(self) -> Value {
        self.task.abort();
        let timeline = self.lock();
        json!(
            timeline
                .iter()
                .map(|(t, kib)| (t.round(), *kib))
                .collect::<Vec<_>>()
        )
    }
}

/// p50, p99 and max of `v` (ms).
fn percentiles(v: &[f64]) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    json!({"p50": at(0.5), "p99": at(0.99), "max": v[v.len() - 1]})
}

/// The figures a person reads, with the RSS target.
fn summary(r: &Value) {
    let mib = |v: &Value| v.as_f64().unwrap_or(0.0) / 1024.0;
    let w = &r["window"];
    let max = mib(&r["parent_rss_max_kib"]);
    let (connected, n) = (&r["ramp"]["connected"], &r["knobs"]["children"]);
    println!(
        "\n== {} simulated counties on one municipality ==",
        r["knobs"]["children"]
    );
    println!(
        "connected: {} in {:.1} s (hello p50 {:.0} ms, p99 {:.0} ms)",
        r["ramp"]["connected"],
        r["ramp"]["connect_s"].as_f64().unwrap_or(0.0),
        r["ramp"]["hello_ms"]["p50"].as_f64().unwrap_or(0.0),
        r["ramp"]["hello_ms"]["p99"].as_f64().unwrap_or(0.0)
    );
    println!(
        "parent RSS: idle {:.1} MiB, max {max:.1} MiB, end of window {:.1} MiB (target < {TARGET_RSS_MIB} MiB: {})",
        mib(&r["parent"]["idle_rss_kib"]),
        mib(&w["parent_rss_end_kib"]),
        if connected != n {
            format!("not comparable, only {connected} of {n} connected")
        } else if max < TARGET_RSS_MIB {
            "met".to_string()
        } else {
            format!("{:.1}x off", max / TARGET_RSS_MIB)
        }
    );
    println!(
        "parent CPU: {:.1}% of one core in the window, {:.1}% during the ramp",
        w["cpu_pct"][PARENT].as_f64().unwrap_or(0.0),
        r["ramp"]["cpu_pct"][PARENT].as_f64().unwrap_or(0.0)
    );
    println!(
        "health accepted: {:.0}/s (of {:.0}/s offered), findings {:.1}/s, pushes {:.0}/s, long polls answered {:.0}/s",
        w["health_per_s"].as_f64().unwrap_or(0.0),
        w["health_offered_per_s"].as_f64().unwrap_or(0.0),
        w["findings_per_s"].as_f64().unwrap_or(0.0),
        w["pushes_per_s"].as_f64().unwrap_or(0.0),
        w["pulls_per_s"].as_f64().unwrap_or(0.0)
    );
    println!(
        "findings at central: {} of {} accepted; errors: {} {}",
        r["central"]["findings_at_central"],
        r["central"]["findings_accepted_by_parent"],
        r["errors_total"],
        r["errors"]
    );
}
