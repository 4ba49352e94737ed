//! The cost of one hop, stage by stage, in one process: what a municipal
//! node does with every record its county pushes and it forwards to its
//! province. No network and no other daemon, so the figures are steady on a
//! busy machine, and the run fits under `valgrind --tool=callgrind` for
//! instruction counts (`XUNLIAN_HOP_ROUNDS=1 N_HOP=5000`).
//!
//! Stages, per record: `decode` (gunzip and parse a push request), `admit`
//! (JSON, schema, clock, fingerprint, authorisation, routing), `commit`
//! (the store transaction with change log, records and outbox), `read`
//! (cut the next batch for the parent), `encode` (serialise and gzip it),
//! `ack` (trim the outbox once the parent confirmed).
//!
//! `cargo bench --bench hop`; sizes: `N_HOP` records (20000) per round,
//! `XUNLIAN_HOP_ROUNDS` rounds (3); batches of 5000 as on the wire.

mod harness;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use xunlian::node::{Level, NodeId};
use xunlian::records::{Classification, Kind, Lane, Record, Route, Schemas};
use xunlian::routing::{Source, View};
use xunlian::store::{Commit, CursorPos, Store, chain_next};
use xunlian::sync::wire::{PushRequest, WireItem};

const BATCH: usize = 5000;

/// The finding text of the network benchmark (about 300 bytes of UTF-8).
const FACTS: &str = "巡察组在对县教育局党组开展常规巡察时发现，该单位落实全面从严治党主体责任不到位，\
对群众反映强烈的校园食堂采购问题整改推进迟缓，部分干部存在形式主义官僚主义问题，\
责令限期整改并报送整改报告。";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn id(s: &str) -> NodeId {
    NodeId::new(s).expect("node id")
}

/// The municipality 630200 between county 630202 and province 630000.
fn view() -> View {
    View {
        me: id("630200"),
        level: Level::Municipal,
        parent: Some((id("630000"), Level::Provincial)),
        ancestors: vec![
            (id("630000"), Level::Provincial),
            (id("000000"), Level::Central),
        ],
        children: vec![id("630202")],
        below: HashMap::from([(id("630202"), id("630202"))]),
        policy: BTreeMap::from([(Kind::Finding, Some(Level::Central))]),
    }
}

/// The gzip-compressed push requests a county sends for `n` findings
/// whose change-log positions start after `seq0`.
fn push_bodies(n: usize, seq0: i64) -> Vec<Vec<u8>> {
    let now = chrono::Utc::now();
    let mut chain = String::new();
    let items: Vec<WireItem> = (0..n)
        .map(|g| {
            let r = Record {
                id: uuid::Uuid::now_v7(),
                kind: Kind::Finding,
                origin: id("630202"),
                version: 1,
                created_at: now,
                updated_at: now,
                round_id: Some("630202-2026-1".into()),
                classification: Classification::Internal,
                route: Route {
                    up_to: Some(Level::Central),
                    ..Route::default()
                },
                body: serde_json::json!({"title": format!("bulk-{g}"), "severity": "general",
                    "category": "policy_delivery", "facts": format!("{FACTS}（编号{g}）")}),
                signature: None,
            };
            chain = chain_next(&chain, &r.id.to_string(), 1);
            WireItem {
                lane: Lane::Bulk,
                seq: seq0 + g as i64 + 1,
                id: r.id.to_string(),
                version: 1,
                chain: chain.clone(),
                record: RawValue::from_string(serde_json::to_string(&r).expect("json"))
                    .expect("raw"),
            }
        })
        .collect();
    let mut items = items.into_iter().peekable();
    let mut out = Vec::new();
    while items.peek().is_some() {
        let req = PushRequest {
            generation: "county-generation".into(),
            subtree_hash: String::new(),
            records: items.by_ref().take(BATCH).collect(),
        };
        out.push(gzip(&serde_json::to_vec(&req).expect("json")));
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

#[derive(Default)]
struct Stages {
    decode: Duration,
    admit: Duration,
    commit: Duration,
    read: Duration,
    encode: Duration,
    ack: Duration,
}

fn main() {
    harness::main(run());
}

async fn run() {
    let n = env("N_HOP", 20_000);
    let rounds = env("XUNLIAN_HOP_ROUNDS", 3);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/hop.db?mode=rwc", dir.path().display());
    let store = Store::open(&url, &id("630200"), None).await.expect("store");
    let schemas = Schemas::builtin();
    let view = view();
    let child = id("630202");
    let parent = id("630000");
    let source = Source::Child(child.clone());
    let mut t = Stages::default();
    let mut sent = 0i64;
    for round in 0..rounds {
        let bodies = push_bodies(n, (round * n) as i64);
        for body in &bodies {
            let s = Instant::now();
            let mut json = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut json)
                .expect("gunzip");
            let req: PushRequest = serde_json::from_slice(&json).expect("push request");
            t.decode += s.elapsed();

            let s = Instant::now();
            let admitted: Vec<_> = req
                .records
                .iter()
                .map(|i| {
                    xunlian::engine::admit(
                        schemas,
                        &view,
                        None,
                        1 << 20,
                        &source,
                        i.record.get(),
                        Some((&i.id, i.version)),
                    )
                    .expect("admitted")
                })
                .collect();
            t.admit += s.elapsed();

            let last = req.records.last().expect("a batch");
            let cursor = CursorPos {
                generation: req.generation.clone(),
                seq: last.seq,
                chain: last.chain.clone(),
            };
            let n_admitted = admitted.len();
            let s = Instant::now();
            store
                .commit(Commit {
                    from: Some(child.clone()),
                    items: admitted,
                    cursors: vec![(Lane::Bulk, cursor)],
                    quarantine: Vec::new(),
                })
                .await
                .expect("commit");
            t.commit += s.elapsed();

            let s = Instant::now();
            let (items, passed) = store
                .outbox_batch(&parent, [0, sent], BATCH, 64 << 20)
                .await
                .expect("outbox");
            t.read += s.elapsed();
            assert_eq!(items.len(), n_admitted, "everything goes up");

            let s = Instant::now();
            let out = PushRequest {
                generation: store.generation(),
                subtree_hash: String::new(),
                records: items
                    .into_iter()
                    .map(|i| WireItem {
                        lane: i.lane,
                        seq: i.seq,
                        id: i.change.record_id,
                        version: i.change.version,
                        chain: i.change.chain,
                        record: RawValue::from_string(i.doc).expect("stored JSON"),
                    })
                    .collect(),
            };
            std::hint::black_box(gzip(&serde_json::to_vec(&out).expect("json")));
            t.encode += s.elapsed();

            let s = Instant::now();
            sent = passed[Lane::Bulk.as_i64() as usize];
            store
                .ack(&parent, &[(Lane::Bulk, sent)])
                .await
                .expect("ack");
            t.ack += s.elapsed();
        }
    }
    let records = (n * rounds) as f64;
    let us = |d: Duration| d.as_secs_f64() * 1e6 / records;
    let rows = [
        ("decode", us(t.decode)),
        ("admit", us(t.admit)),
        ("commit", us(t.commit)),
        ("read", us(t.read)),
        ("encode", us(t.encode)),
        ("ack", us(t.ack)),
    ];
    println!("one hop, µs per record ({records} records, batches of {BATCH}):");
    for (name, v) in rows {
        println!("  {name:<8} {v:>7.2}");
    }
    println!(
        "  {:<8} {:>7.2}",
        "total",
        rows.iter().map(|(_, v)| v).sum::<f64>()
    );
}
