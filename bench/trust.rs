//! What origin signatures cost per record, in one process: the canonical
//! form and its Merkle leaf, signing in chunks of `CHUNK` at the origin,
//! and a hop's verification with a cold cache (one ECDSA check per chunk);
//! and what building a `serde_json::Value` of the record costs, which the
//! canonical form, written straight from the `Record`, no longer pays.
//! Beside `bench/hop.rs`'s stages these say what signatures add to a hop.
//!
//! `cargo bench --bench trust`; sizes: `N_TRUST` findings (19200, a whole
//! number of chunks) per round, `XUNLIAN_TRUST_ROUNDS` rounds (3), the
//! fastest round reported.

mod harness;
mod signed;

use std::time::{Duration, Instant};

use signed::{county_key, manifest};
use xunlian::records::{Record, canonical_bytes};
use xunlian::trust::{CHUNK, Verifier, sign_chunk};

/// About 300 bytes of UTF-8, as the findings of the other benchmarks.
const TEXT: &str = "巡察发现该局党组履行主体责任不到位，对巡察反馈问题整改敷衍，\
专项资金拨付程序不规范，部分项目未按规定公开招标，干部选拔任用存在超职数配备现象，\
要求限期整改并将整改情况报巡察办。";

/// `N_TRUST` and `XUNLIAN_TRUST_ROUNDS`, or their defaults.
fn sizes() -> (usize, usize) {
    let read = |name: &str, default| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    (
        read("N_TRUST", 19_200),
        read("XUNLIAN_TRUST_ROUNDS", 3).max(1),
    )
}

/// `n` findings of county 630202, as its API would take them.
fn findings(n: usize) -> Vec<Record> {
    let now = chrono::Utc::now().to_rfc3339();
    (0..n)
        .map(|g| {
            serde_json::from_value(serde_json::json!({
                "id": uuid::Uuid::now_v7(), "kind": "finding", "origin": "630202",
                "version": 1, "created_at": now, "updated_at": now,
                "round_id": "630202-2026-1", "classification": "internal",
                "route": {"up_to": "central"},
                "body": {"title": format!("bulk-{g}"), "severity": "general",
                    "category": "policy_delivery", "facts": format!("{TEXT}（编号{g}）")},
            }))
            .expect("finding")
        })
        .collect()
}

fn main() {
    harness::main(async { run() });
}

fn run() {
    let (n, rounds) = sizes();
    let dir = tempfile::tempdir().expect("temp dir");
    let key = county_key(dir.path());
    let manifest = manifest(&key);
    let mut best = [Duration::MAX; 5];
    let mut added = 0.0;
    for _ in 0..rounds {
        let mut records = findings(n);
        let plain: usize = records
            .iter()
            .map(|r| serde_json::to_vec(r).expect("json").len())
            .sum();

        let s = Instant::now();
        for r in &records {
            let bytes = canonical_bytes(r).expect("canonical");
            std::hint::black_box(aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                &bytes,
            ));
        }
        best[0] = best[0].min(s.elapsed());

        // Turning the record into a `serde_json::Value`: what the canonical
        // form cost more when it was made through one (the direct writer's
        // saving).
        let s = Instant::now();
        for r in &records {
            std::hint::black_box(serde_json::to_value(r).expect("value"));
        }
        best[4] = best[4].min(s.elapsed());

        let s = Instant::now();
        for chunk in records.chunks_mut(CHUNK) {
            sign_chunk(chunk, &key).expect("signed");
        }
        best[1] = best[1].min(s.elapsed());

        let verifier = Verifier::new(manifest.clone()).expect("verifier");
        let s = Instant::now();
        for r in &records {
            verifier.verify(r).expect("verified");
        }
        best[2] = best[2].min(s.elapsed());
        assert_eq!(verifier.signature_checks() as usize, n.div_ceil(CHUNK));

        // Chunks of one: what a signature per record would cost a hop.
        let mut single = findings(n / CHUNK);
        for r in single.chunks_mut(1) {
            sign_chunk(r, &key).expect("signed");
        }
        let verifier = Verifier::new(manifest.clone()).expect("verifier");
        let s = Instant::now();
        for r in &single {
            verifier.verify(r).expect("verified");
        }
        best[3] = best[3].min(s.elapsed() * CHUNK as u32);

        let signed: usize = records
            .iter()
            .map(|r| serde_json::to_vec(r).expect("json").len())
            .sum();
        added = (signed - plain) as f64 / n as f64;
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "origin signatures, µs per record ({n} findings, chunks of {CHUNK}, best of {rounds}):"
    );
    println!("  canonical+hash  {:>7.2}", us(best[0]));
    println!("  (Value, saved)  {:>7.2}", us(best[4]));
    println!("  sign_chunk      {:>7.2}", us(best[1]));
    println!("  verify (cold)   {:>7.2}", us(best[2]));
    println!(
        "  verify chunk=1  {:>7.2}  (one ECDSA check per record)",
        us(best[3])
    );
    println!("  bytes added     {added:>7.0}  per record (JSON)");
}
