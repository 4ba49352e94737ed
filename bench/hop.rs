//! The cost of one hop, stage by stage, in one process: what a municipal
//! node does with every record its county pushes and it forwards to its
//! province. No network and no other daemon, so the figures are steady on a
//! busy machine, and the run fits under `valgrind --tool=callgrind` for
//! instruction counts (`XUNLIAN_HOP_ROUNDS=1 N_HOP=5000`).
//!
//! Stages, per record: `decode` (gunzip and parse a push request), `admit`
//! (JSON, schema, clock, fingerprint, authorisation, routing, and the
//! origin's signature when checked), `commit` (the store transaction with
//! change log, records and outbox), `read` (cut the next batch for the
//! parent), `encode` (serialise and gzip it), `ack` (trim the outbox once
//! the parent confirmed). Beside them `sign`: what the county paid to sign
//! the records (`trust::sign_chunk`, chunks of `trust::CHUNK`), not part of
//! the hop.
//!
//! Each round pushes the county's records three ways, a batch of each in
//! turn: unsigned and admitted unchecked (the hop before signatures),
//! signed and admitted unchecked, signed and checked with the tree
//! manifest's `trust::Verifier` (the hop today). The last two differ only
//! by the check, so their `admit` difference is what verifying costs; the
//! first two by the signature's bytes carried through every stage.
//!
//! Each stage is measured in the process's CPU time (all threads: the WAL
//! checkpoints SQLite runs beside the commits count, waits for the disk do
//! not). `cargo bench --bench hop`; sizes: `N_HOP` records (20000) per
//! round and way, `XUNLIAN_HOP_ROUNDS` rounds (3); batches of 5000 as on
//! the wire.
//! `XUNLIAN_HOP_KEEP=1` keeps the store and says where (its pages:
//! `sqlite3 hop.db "SELECT name, count(*) FROM dbstat GROUP BY name"`).
//! `XUNLIAN_HOP_WAY=unsigned|unchecked|signed` runs one way alone, in a
//! store of its own: under callgrind, the instructions of one way are the
//! run's total less what the county does (`findings`, `sign`,
//! `push_bodies`) and less a run with `N_HOP=0` (start and store).

mod harness;
mod signed;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::time::Duration;

use serde_json::value::RawValue;
use xunlian::node::{Level, NodeId};
use xunlian::records::{Classification, Kind, Lane, Record, Route, Schemas, origin_doc};
use xunlian::routing::{Source, View};
use xunlian::store::{Commit, CursorPos, Store, chain_next};
use xunlian::sync::wire::{PushRequest, WireItem};
use xunlian::trust::{CHUNK, SigningKey, Verifier, sign_chunk};

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

/// CPU time this process has used, all threads: the stages are measured
/// by it, not by the wall clock, so waits (a commit's sync to disk, other
/// programs on a shared machine) do not count and a checkpoint SQLite runs
/// on a thread of its own does. The target is CPU.
fn cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
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
        successors: HashMap::new(),
    }
}

/// The facts of finding `g`: the first 20 to 168 characters of [`FACTS`]
/// twice over (94 on average, the text's own length), the length spread
/// by a multiplicative hash of `g`. Findings differ in length, and records
/// of one size fill the store's 4 KiB pages unlike real ones: with the
/// whole text in each, five unsigned rows fit a page and three signed
/// ones (20,000 records: 4,011 pages against 6,684, +67 %; spread as
/// here, 4,220 against 6,463, +53 %), which showed as the signatures'
/// cost.
fn facts(g: usize) -> String {
    let len = 20 + (g as u64).wrapping_mul(2_654_435_761) % (1 << 32) % 149;
    let text: String = FACTS
        .chars()
        .chain(FACTS.chars())
        .take(len as usize)
        .collect();
    format!("{text}（编号{g}）")
}

/// `n` findings of county 630202, unsigned.
#[inline(never)] // named in callgrind profiles (see the header)
fn findings(n: usize) -> Vec<Record> {
    let now = chrono::Utc::now();
    (0..n)
        .map(|g| Record {
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
                "category": "policy_delivery", "facts": facts(g)}),
            signature: None,
        })
        .collect()
}

/// Signs `records` as the county does at submit, in chunks of `CHUNK`.
#[inline(never)] // named in callgrind profiles (see the header)
fn sign(records: &mut [Record], key: &SigningKey) {
    for chunk in records.chunks_mut(CHUNK) {
        sign_chunk(chunk, key).expect("signed");
    }
}

/// The gzip-compressed push requests a county sends for `records`, whose
/// change-log positions start after `seq0`.
#[inline(never)] // named in callgrind profiles (see the header)
fn push_bodies(records: &[Record], seq0: i64) -> Vec<Vec<u8>> {
    let mut chain = String::new();
    let items: Vec<WireItem> = records
        .iter()
        .zip(seq0 + 1..)
        .map(|(r, seq)| {
            chain = chain_next(&chain, &r.id.to_string(), 1);
            WireItem {
                lane: Lane::Bulk,
                seq,
                id: r.id.to_string(),
                version: 1,
                chain: chain.clone(),
                record: RawValue::from_string(origin_doc(r).expect("doc")).expect("raw"),
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

/// How the county's records of a round are made and admitted.
#[derive(Clone, Copy)]
enum Way {
    /// Unsigned, admitted without a signature check: the hop before
    /// records were signed.
    Unsigned,
    /// Signed, admitted without a check: the signatures' bytes alone.
    Unchecked,
    /// Signed and checked at admission: the hop as offices run it.
    Signed,
}

const WAYS: [Way; 3] = [Way::Unsigned, Way::Unchecked, Way::Signed];

/// The ways this run takes: all three, or the one `XUNLIAN_HOP_WAY` names.
fn ways() -> Vec<usize> {
    let names = ["unsigned", "unchecked", "signed"];
    match std::env::var("XUNLIAN_HOP_WAY") {
        Ok(name) => vec![
            names
                .iter()
                .position(|n| *n == name)
                .unwrap_or_else(|| panic!("XUNLIAN_HOP_WAY={name:?}: one of {}", names.join(", "))),
        ],
        Err(_) => (0..WAYS.len()).collect(),
    }
}

#[derive(Default)]
struct Stages {
    sign: Duration,
    decode: Duration,
    admit: Duration,
    commit: Duration,
    read: Duration,
    encode: Duration,
    ack: Duration,
}

impl Stages {
    /// The hop's stages, `sign` (the origin's) left out.
    fn hop(&self) -> [(&'static str, Duration); 6] {
        [
            ("decode", self.decode),
            ("admit", self.admit),
            ("commit", self.commit),
            ("read", self.read),
            ("encode", self.encode),
            ("ack", self.ack),
        ]
    }

    fn total(&self) -> Duration {
        self.hop().iter().map(|(_, d)| *d).sum()
    }
}

/// The municipality under test: its store, its view and its links.
struct Hop {
    store: Store,
    view: View,
    child: NodeId,
    parent: NodeId,
    /// Records the parent has acknowledged, as the outbox position.
    sent: i64,
}

impl Hop {
    /// Takes one push request from the county through every stage, adding
    /// each stage's time to `t`.
    async fn push(&mut self, body: &[u8], trust: Option<&Verifier>, t: &mut Stages) {
        let s = cpu();
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut json)
            .expect("gunzip");
        let req: PushRequest = serde_json::from_slice(&json).expect("push request");
        t.decode += cpu() - s;

        let source = Source::Child(self.child.clone());
        let s = cpu();
        let admitted: Vec<_> = req
            .records
            .iter()
            .map(|i| {
                xunlian::engine::admit(
                    Schemas::builtin(),
                    &self.view,
                    trust,
                    1 << 20,
                    &source,
                    i.record.get(),
                    Some((&i.id, i.version)),
                )
                .expect("admitted")
            })
            .collect();
        t.admit += cpu() - s;

        let last = req.records.last().expect("a batch");
        let cursor = CursorPos {
            generation: req.generation.clone(),
            seq: last.seq,
            chain: last.chain.clone(),
        };
        let n_admitted = admitted.len();
        let s = cpu();
        self.store
            .commit(Commit {
                from: Some(self.child.clone()),
                items: admitted,
                cursors: vec![(Lane::Bulk, cursor)],
                quarantine: Vec::new(),
            })
            .await
            .expect("commit");
        t.commit += cpu() - s;

        let s = cpu();
        let (items, passed) = self
            .store
            .outbox_batch(&self.parent, [0, self.sent], BATCH, 64 << 20)
            .await
            .expect("outbox");
        t.read += cpu() - s;
        assert_eq!(items.len(), n_admitted, "everything goes up");

        let s = cpu();
        let out = PushRequest {
            generation: self.store.generation(),
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
        t.encode += cpu() - s;

        let s = cpu();
        self.sent = passed[Lane::Bulk.as_i64() as usize];
        self.store
            .ack(&self.parent, &[(Lane::Bulk, self.sent)])
            .await
            .expect("ack");
        t.ack += cpu() - s;
    }
}

fn main() {
    harness::main(run());
}

async fn run() {
    let n = env("N_HOP", 20_000);
    let rounds = env("XUNLIAN_HOP_ROUNDS", 3);
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = if std::env::var_os("XUNLIAN_HOP_KEEP").is_some() {
        let kept = temp.keep();
        eprintln!("store kept in {}/hop.db", kept.display());
        kept
    } else {
        temp.path().to_path_buf()
    };
    let url = format!("sqlite://{}/hop.db?mode=rwc", dir.display());
    let key = signed::county_key(&dir);
    let verifier = Verifier::new(signed::manifest(&key)).expect("verifier");
    let mut hop = Hop {
        store: Store::open(&url, &id("630200"), None).await.expect("store"),
        view: view(),
        child: id("630202"),
        parent: id("630000"),
        sent: 0,
    };
    let mut t: [Stages; 3] = Default::default();
    let mut pushed = 0i64;
    let ways = ways();
    for round in 0..rounds {
        // Every way's records are made first, then pushed a batch of each
        // way in turn (who goes first rotating), so a change in the
        // machine's load or in the store's size falls on all ways alike.
        let mut made = Vec::new();
        for &w in &ways {
            let mut records = findings(n);
            if !matches!(WAYS[w], Way::Unsigned) {
                let s = cpu();
                sign(&mut records, &key);
                t[w].sign += cpu() - s;
            }
            made.push((w, records));
        }
        for (b, start) in (0..n).step_by(BATCH).enumerate() {
            for k in 0..made.len() {
                let (w, records) = &made[(round + b + k) % made.len()];
                let batch = &records[start..(start + BATCH).min(n)];
                let trust = matches!(WAYS[*w], Way::Signed).then_some(&verifier);
                for body in push_bodies(batch, pushed) {
                    hop.push(&body, trust, &mut t[*w]).await;
                }
                pushed += batch.len() as i64;
            }
        }
    }
    report(&t, n * rounds);
}

/// Prints the stages of each way side by side, what verifying costs and
/// what signatures add to the hop.
fn report(t: &[Stages; 3], records: usize) {
    let us = |d: Duration| d.as_secs_f64() * 1e6 / records as f64;
    let [plain, unchecked, signed] = t;
    println!(
        "one hop, CPU µs per record ({records} records each way, batches of {BATCH}, \
         signed in chunks of {CHUNK}):"
    );
    println!(
        "  {:<8} {:>9} {:>9} {:>9}",
        "", "unsigned", "unchecked", "signed"
    );
    println!(
        "  {:<8} {:>9} {:>9.2} {:>9.2}   (at the origin, not in the hop)",
        "sign",
        "-",
        us(unchecked.sign),
        us(signed.sign)
    );
    let hop = |s: &Stages| s.hop().map(|(_, d)| us(d));
    let (a, b, c) = (hop(plain), hop(unchecked), hop(signed));
    for (i, (name, _)) in plain.hop().iter().enumerate() {
        println!("  {name:<8} {:>9.2} {:>9.2} {:>9.2}", a[i], b[i], c[i]);
    }
    let totals = [plain, unchecked, signed].map(|s| us(s.total()));
    println!(
        "  {:<8} {:>9.2} {:>9.2} {:>9.2}",
        "total", totals[0], totals[1], totals[2]
    );
    println!(
        "  verify   {:>9.2}   (admit signed − admit unchecked)",
        us(signed.admit) - us(unchecked.admit)
    );
    println!(
        "  signatures on: the hop {:+.1} % (signed vs unsigned total)",
        (totals[2] / totals[0] - 1.0) * 100.0
    );
    if totals.iter().all(|t| *t > 0.0) {
        // In one store, the checkpoints of the signed ways' bytes run
        // during the unsigned way's stages too.
        println!("  (ways in one store; the ratio to quote: bench/hop_ratio.sh)");
    }
}
