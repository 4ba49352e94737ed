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

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::Net;
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
        let s = self.net.status(id).await;
        s["records"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|kv| kv[0] == "finding")
            .map(|kv| kv[1].as_i64().unwrap_or(0))
            .unwrap_or(0)
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

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user + system) used so far by the running daemons of `net`.
fn daemons_cpu_s(net: &Net) -> f64 {
    net.nodes.keys().map(|id| cpu_s(net, id)).sum()
}

/// CPU seconds (user + system) used so far by the daemon of `id`.
fn cpu_s(net: &Net, id: &str) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    net.pid(id)
        .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
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
    // Test runners list targets with --list: this one holds no tests.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
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

    let mut net = Net::new(&tree(fanin));
    // Footprint: start-to-ready of the county, then its idle RSS.
    for id in ["000000", "630000", "630200"] {
        net.start(id).await;
    }
    let t = Instant::now();
    net.start("630202").await;
    results["start_to_ready_ms"] = json!(t.elapsed().as_millis() as u64);
    tokio::time::sleep(Duration::from_secs(3)).await;
    results["county_idle_rss_kib"] = json!(rss_kib(net.pid("630202").unwrap()));
    let b = Bench {
        net,
        http: reqwest::Client::new(),
        body,
    };
    eprintln!("footprint: {}", results);

    // 1. Bulk: N_BULK findings at the county until all are at central.
    let cpu = daemons_cpu_s(&b.net);
    let per_node = CHAIN.map(|id| cpu_s(&b.net, id));
    let t = Instant::now();
    b.write("630202", "bulk", n_bulk).await;
    let written = t.elapsed().as_secs_f64();
    b.wait_count("000000", n_bulk as i64).await;
    let s = t.elapsed().as_secs_f64();
    let cpu = daemons_cpu_s(&b.net) - cpu;
    results["bulk"] = json!({"rows": n_bulk, "county_written_s": written, "central_s": s, "rows_per_s": n_bulk as f64 / s,
        "daemons_cpu_s": cpu, "cpu_us_per_row": cpu * 1e6 / n_bulk as f64,
        "cpu_us_per_row_by_node": chain_cpu(&b.net, &per_node, n_bulk)});
    eprintln!("bulk: {}", results["bulk"]);

    // 2. Latency: one finding at a time, until visible at central.
    let mut lat = Vec::with_capacity(n_lat);
    let mut since = b.last_seq("000000").await;
    let token = b.net.token_of("630202");
    let central_token = b.net.token_of("000000");
    for g in 0..n_lat {
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
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    results["latency_ms"] = json!({"n": n_lat, "p50": percentile(&lat, 0.5), "p95": percentile(&lat, 0.95),
        "p99": percentile(&lat, 0.99), "max": lat[lat.len() - 1]});
    eprintln!("latency: {}", results["latency_ms"]);

    // 3. Catch-up: the municipality down while N_CATCHUP pile up below it.
    let mut b = b;
    let before = b.count("000000").await;
    b.net.stop("630200");
    b.write("630202", "catchup", n_catchup).await;
    let t = Instant::now();
    b.net.start("630200").await;
    b.wait_count("000000", before + n_catchup as i64).await;
    results["catchup"] =
        json!({"rows": n_catchup, "central_s_from_municipal_start": t.elapsed().as_secs_f64()});
    eprintln!("catch-up: {}", results["catchup"]);

    // 4. Fan-in: FANIN_COUNTIES × N_FANIN at once into the municipality.
    let ids: Vec<String> = (1..=fanin).map(|k| format!("63029{k}")).collect();
    for id in &ids {
        b.net.start(id).await;
    }
    let before = b.count("000000").await;
    let cpu = daemons_cpu_s(&b.net);
    let t = Instant::now();
    let writers = ids.iter().map(|id| b.write(id, "fanin", n_fanin));
    futures::future::join_all(writers).await;
    let written = t.elapsed().as_secs_f64();
    b.wait_count("000000", before + (fanin * n_fanin) as i64)
        .await;
    results["fanin"] = json!({"counties": fanin, "rows_per_county": n_fanin, "last_county_written_s": written,
        "central_s": t.elapsed().as_secs_f64(), "municipal_rss_kib": rss_kib(b.net.pid("630200").unwrap()),
        "daemons_cpu_s": daemons_cpu_s(&b.net) - cpu});
    eprintln!("fan-in: {}", results["fanin"]);

    let out = std::env::var("XUNLIAN_BENCH_OUT")
        .unwrap_or_else(|_| format!("bench/results/xunlian-{backend}.json"));
    std::fs::create_dir_all(std::path::Path::new(&out).parent().unwrap()).unwrap();
    std::fs::write(&out, serde_json::to_string_pretty(&results).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(&results).unwrap());
    println!("written to {out}");
}
