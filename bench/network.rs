//! The network benchmark: real `xunlian daemon` processes (release build)
//! in a county → municipal → provincial → central chain plus eight more
//! counties for fan-in, driven through the operator API, with the row shape
//! of the PostgreSQL peer (`bench/peers/pg_cascade.sh`): findings of about
//! 300 bytes of Chinese text (or ~1 KiB with `XUNLIAN_BENCH_BODY=1k`).
//!
//! Prints a table and writes JSON to `XUNLIAN_BENCH_OUT` (default
//! `bench/results/xunlian.json`). With `XUNLIAN_TEST_STORE=postgres` and
//! `XUNLIAN_TEST_PG` set, the provincial and central stores are on
//! PostgreSQL. Sizes: `N_BULK` (100000), `N_LAT` (500), `N_CATCHUP`
//! (100000), `FANIN_COUNTIES` (8), `N_FANIN` (20000).

// The integration tests' harness; a benchmark drives only part of it.
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code)]
mod common;
mod harness;
mod procfs;

use std::time::{Duration, Instant};

use common::Net;
use procfs::{cpu_seconds, rss_kib};
use serde_json::{Value, json};

/// The finding text of the peer's driver (about 300 bytes of UTF-8).
const BODY: &str = "巡察组在对县教育局党组开展常规巡察时发现，该单位落实全面从严治党主体责任不到位，\
对群众反映强烈的校园食堂采购问题整改推进迟缓，部分干部存在形式主义官僚主义问题，\
责令限期整改并报送整改报告。";
/// County categories of the current term's taxonomy (三个聚焦).
const CATEGORIES: [&str; 3] = [
    "grassroots_corruption",
    "weak_party_organizations",
    "policy_delivery",
];
/// Records per submit request (one transaction at the county).
const BATCH: usize = 5000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn tree(fanin: usize) -> String {
    let mut t = String::from(
        "[[node]]\nid = \"000000\"\nname = \"中央\"\nlevel = \"central\"\n\
         [[node]]\nid = \"630000\"\nname = \"青海省\"\nlevel = \"provincial\"\nparent = \"000000\"\n\
         [[node]]\nid = \"630200\"\nname = \"海东市\"\nlevel = \"municipal\"\nparent = \"630000\"\n\
         [[node]]\nid = \"630202\"\nname = \"乐都区\"\nlevel = \"county\"\nparent = \"630200\"\n",
    );
    for k in 1..=fanin {
        t += &format!(
            "[[node]]\nid = \"63029{k}\"\nname = \"县{k}\"\nlevel = \"county\"\nparent = \"630200\"\n"
        );
    }
    t
}

struct Bench {
    net: Net,
    http: reqwest::Client,
    body: String,
}

impl Bench {
    fn finding(&self, tag: &str, g: usize) -> Value {
        let severity = ["general", "serious", "major"][g % 3];
        json!({"kind": "finding", "round_id": common::TEST_ROUND, "body": {
            "title": format!("{tag}-{g}"), "severity": severity,
            "category": CATEGORIES[g % CATEGORIES.len()], "facts": format!("{}（编号{g}）", self.body)}})
    }

    fn url(&self, id: &str, path: &str) -> String {
        format!("http://{}{path}", self.net.nodes[id].operator_addr)
    }

    /// Submits `n` findings at `id` in batches, after the round they
    /// belong to is planned there.
    async fn write(&self, id: &str, tag: &str, n: usize) {
        self.net.open_test_round(id).await;
        let token = self.net.token_of(id);
        for lo in (0..n).step_by(BATCH) {
            let batch: Vec<Value> = (lo..(lo + BATCH).min(n))
                .map(|g| self.finding(tag, g))
                .collect();
            let r = self
                .http
                .post(self.url(id, "/api/v1/records"))
                .bearer_auth(&token)
                .json(&batch)
                .send()
                .await
                .unwrap();
            assert!(
                r.status().is_success(),
                "submit: {}",
                r.text().await.unwrap_or_default()
            );
        }
    }

    /// Findings held at `id`.
    async fn count(&self, id: &str) -> i64 {
        self.net.count(id, "finding").await
    }

    async fn wait_count(&self, id: &str, n: i64) {
        let deadline = Instant::now() + Duration::from_secs(900);
        while self.count(id).await < n {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} findings at {id}"
            );
            // Status is not free; 100 ms keeps the probe from loading central.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The change-log position of the newest finding at `id`.
    async fn last_seq(&self, id: &str) -> String {
        let r = self
            .http
            .get(self.url(id, "/api/v1/records"))
            .bearer_auth(self.net.token_of(id))
            .query(&[("kind", "finding"), ("limit", "1"), ("since", "0")])
            .send()
            .await
            .unwrap();
        let mut last = r.headers()["x-xunlian-last-seq"]
            .to_str()
            .unwrap()
            .to_string();
        // Walk to the end in large pages.
        loop {
            let r = self
                .http
                .get(self.url(id, "/api/v1/records"))
                .bearer_auth(self.net.token_of(id))
                .query(&[
                    ("kind", "finding"),
                    ("limit", "100000"),
                    ("since", last.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let next = r.headers()["x-xunlian-last-seq"]
                .to_str()
                .unwrap()
                .to_string();
            if next == "0" {
                return last;
            }
            last = next;
        }
    }
}

/// CPU seconds (user + system) used so far by the running daemons of `net`.
fn daemons_cpu_s(net: &Net) -> f64 {
    net.nodes.keys().map(|id| cpu_s(net, id)).sum()
}

/// CPU seconds (user + system) used so far by the daemon of `id`.
fn cpu_s(net: &Net, id: &str) -> f64 {
    net.pid(id).map(cpu_seconds).unwrap_or(0.0)
}

/// CPU microseconds per row spent by each daemon of the chain since `before`.
fn chain_cpu(net: &Net, before: &[f64; 4], rows: usize) -> Value {
    let mut out = serde_json::Map::new();
    for (id, b) in CHAIN.iter().zip(before) {
        out.insert(
            id.to_string(),
            json!((cpu_s(net, id) - b) * 1e6 / rows as f64),
        );
    }
    Value::Object(out)
}

/// The county → central chain the bulk figure crosses.
const CHAIN: [&str; 4] = ["630202", "630200", "630000", "000000"];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    harness::main(run());
}

async fn run() {
    let n_bulk = env("N_BULK", 100_000);
    let n_lat = env("N_LAT", 500);
    let n_catchup = env("N_CATCHUP", 100_000);
    let fanin = env("FANIN_COUNTIES", 8);
    let n_fanin = env("N_FANIN", 20_000);
    let body = match std::env::var("XUNLIAN_BENCH_BODY").as_deref() {
        Ok("1k") => BODY.repeat(4),
        _ => BODY.to_string(),
    };
    let backend = if common::postgres_admin_url().is_some() {
        "postgresql"
    } else {
        "sqlite"
    };
    let mut results = json!({"backend": backend, "body_bytes": body.len(),
        "host": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)}});

    let mut b = Bench {
        net: Net::new(&tree(fanin)),
        http: reqwest::Client::new(),
        body,
    };
    results["footprint"] = footprint(&mut b).await;
    eprintln!("footprint: {}", results["footprint"]);
    // A phase of size 0 is skipped (to profile one phase alone).
    if n_bulk > 0 {
        results["bulk"] = bulk(&b, n_bulk).await;
        eprintln!("bulk: {}", results["bulk"]);
    }
    if n_lat > 0 {
        results["latency_ms"] = latency(&b, n_lat).await;
        eprintln!("latency: {}", results["latency_ms"]);
    }
    if n_catchup > 0 {
        results["catchup"] = catchup(&mut b, n_catchup).await;
        eprintln!("catch-up: {}", results["catchup"]);
    }
    if fanin > 0 && n_fanin > 0 {
        results["fanin"] = fan_in(&mut b, fanin, n_fanin).await;
        eprintln!("fan-in: {}", results["fanin"]);
    }

    let out = std::env::var("XUNLIAN_BENCH_OUT")
        .unwrap_or_else(|_| format!("bench/results/xunlian-{backend}.json"));
    std::fs::create_dir_all(std::path::Path::new(&out).parent().unwrap()).unwrap();
    std::fs::write(&out, serde_json::to_string_pretty(&results).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(&results).unwrap());
    println!("written to {out}");
}

/// Start-to-ready of the county (its ancestors already up), then its idle RSS.
async fn footprint(b: &mut Bench) -> Value {
    for id in ["000000", "630000", "630200"] {
        b.net.start(id).await;
    }
    let t = Instant::now();
    b.net.start("630202").await;
    let ready_ms = t.elapsed().as_millis() as u64;
    tokio::time::sleep(Duration::from_secs(3)).await;
    json!({"start_to_ready_ms": ready_ms, "county_idle_rss_kib": rss_kib(b.net.pid("630202").unwrap())})
}

/// N findings written at the county until all are at central.
async fn bulk(b: &Bench, n: usize) -> Value {
    let cpu = daemons_cpu_s(&b.net);
    let per_node = CHAIN.map(|id| cpu_s(&b.net, id));
    let before = b.count("000000").await;
    let t = Instant::now();
    b.write("630202", "bulk", n).await;
    let written = t.elapsed().as_secs_f64();
    b.wait_count("000000", before + n as i64).await;
    let s = t.elapsed().as_secs_f64();
    let cpu = daemons_cpu_s(&b.net) - cpu;
    json!({"rows": n, "county_written_s": written, "central_s": s, "rows_per_s": n as f64 / s,
        "daemons_cpu_s": cpu, "cpu_us_per_row": cpu * 1e6 / n as f64,
        "cpu_us_per_row_by_node": chain_cpu(&b.net, &per_node, n)})
}

/// One finding at a time, each until visible at central.
async fn latency(b: &Bench, n: usize) -> Value {
    let mut lat = Vec::with_capacity(n);
    let mut since = b.last_seq("000000").await;
    let token = b.net.token_of("630202");
    let central_token = b.net.token_of("000000");
    for g in 0..n {
        let t = Instant::now();
        let r = b
            .http
            .post(b.url("630202", "/api/v1/records"))
            .bearer_auth(&token)
            .json(&b.finding("lat", g))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        loop {
            let r = b
                .http
                .get(b.url("000000", "/api/v1/records"))
                .bearer_auth(&central_token)
                .query(&[
                    ("kind", "finding"),
                    ("since", since.as_str()),
                    ("wait_ms", "10000"),
                ])
                .send()
                .await
                .unwrap();
            let next = r.headers()["x-xunlian-last-seq"]
                .to_str()
                .unwrap()
                .to_string();
            let got: Vec<Value> = r.json().await.unwrap();
            if !got.is_empty() {
                since = next;
                break;
            }
        }
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // Which sample was the slowest (0: the first after the bulk phase).
    let max_at = (0..lat.len()).max_by(|&i, &j| lat[i].total_cmp(&lat[j]));
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    json!({"n": n, "p50": percentile(&lat, 0.5), "p95": percentile(&lat, 0.95),
        "p99": percentile(&lat, 0.99), "max": lat[lat.len() - 1], "max_at": max_at})
}

/// The municipality down while N findings pile up below it, then started:
/// time until central has them all.
async fn catchup(b: &mut Bench, n: usize) -> Value {
    let before = b.count("000000").await;
    b.net.stop("630200");
    b.write("630202", "catchup", n).await;
    let t = Instant::now();
    b.net.start("630200").await;
    b.wait_count("000000", before + n as i64).await;
    json!({"rows": n, "central_s_from_municipal_start": t.elapsed().as_secs_f64()})
}

/// COUNTIES × N findings written at once into the municipality, until
/// central has them all.
async fn fan_in(b: &mut Bench, counties: usize, n: usize) -> Value {
    let ids: Vec<String> = (1..=counties).map(|k| format!("63029{k}")).collect();
    for id in &ids {
        b.net.start(id).await;
    }
    let before = b.count("000000").await;
    let cpu = daemons_cpu_s(&b.net);
    let counties_cpu: f64 = ids.iter().map(|id| cpu_s(&b.net, id)).sum();
    let chain = CHAIN.map(|id| cpu_s(&b.net, id));
    let log_before = b.net.log("630200").len();
    let t = Instant::now();
    let writers = ids.iter().map(|id| b.write(id, "fanin", n));
    futures::future::join_all(writers).await;
    let written = t.elapsed().as_secs_f64();
    b.wait_count("000000", before + (counties * n) as i64).await;
    let rows = counties * n;
    let mut by_node = chain_cpu(&b.net, &chain, rows);
    let counties_now: f64 = ids.iter().map(|id| cpu_s(&b.net, id)).sum();
    by_node["counties"] = json!((counties_now - counties_cpu) * 1e6 / rows as f64);
    // How the municipality batched what it forwarded (its debug log).
    let log = b.net.log("630200");
    let pushes: Vec<u64> = log[log_before.min(log.len())..]
        .lines()
        .filter(|l| l.contains("Push finished."))
        .filter_map(|l| l.split("records=").nth(1)?.split(' ').next()?.parse().ok())
        .collect();
    let forwarded: u64 = pushes.iter().sum();
    json!({"counties": counties, "rows_per_county": n, "last_county_written_s": written,
        "central_s": t.elapsed().as_secs_f64(), "municipal_rss_kib": rss_kib(b.net.pid("630200").unwrap()),
        "daemons_cpu_s": daemons_cpu_s(&b.net) - cpu, "cpu_us_per_row_by_node": by_node,
        "municipal_pushes": pushes.len(), "municipal_records_per_push": forwarded as f64 / pushes.len().max(1) as f64})
}
