//! Store behaviour on a real SQLite file.

use chrono::Utc;

use super::checkpoint::CHECKPOINT_BYTES;
use super::*;
use crate::records::{Classification, Kind, Lane, Record, Route};

mod chunks;

fn id(s: &str) -> NodeId {
    NodeId::new(s).unwrap()
}

/// The store URL of this test: a SQLite file in `dir`, or, with
/// `XUNLIAN_TEST_STORE=postgres`, a fresh database on the test PostgreSQL
/// (the same suite runs on both backends).
fn url(dir: &tempfile::TempDir) -> String {
    if std::env::var("XUNLIAN_TEST_STORE").ok().as_deref() != Some("postgres") {
        return format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    }
    let remembered = dir.path().join("pg-url");
    if let Ok(u) = std::fs::read_to_string(&remembered) {
        return u;
    }
    let admin = std::env::var("XUNLIAN_TEST_PG").expect("XUNLIAN_TEST_PG: run ./tests/run.sh");
    let name = format!("xunlian_{}", uuid::Uuid::new_v4().simple());
    let out = std::process::Command::new("psql")
        .args([
            admin.as_str(),
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let u = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    std::fs::write(&remembered, &u).unwrap();
    u
}

async fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&url(dir), &id("630100"), None).await.unwrap()
}

fn incoming(rid: uuid::Uuid, kind: Kind, version: u64, hops: &[&str]) -> Incoming {
    let record = Record {
        id: rid,
        kind,
        origin: id("630102"),
        version,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        round_id: None,
        classification: Classification::Internal,
        route: Route::default(),
        body: serde_json::json!({"v": version}),
        signature: None,
    };
    let doc = serde_json::to_string(&record).unwrap();
    Incoming {
        record,
        doc,
        hops: hops.iter().map(|h| id(h)).collect(),
        park: false,
    }
}

/// What the link to 630000 would send from the start: (records, the bulk
/// lane's position passed).
async fn queued_for_the_province(s: &Store) -> (usize, i64) {
    let (items, passed) = s
        .outbox_batch(&id("630000"), [0, 0], 1000, 1 << 24)
        .await
        .unwrap();
    (items.len(), passed[Lane::Bulk.as_i64() as usize])
}

/// Commits `items` from `from` with `cursors`; what happened to each item.
async fn apply(
    s: &Store,
    from: Option<&str>,
    items: Vec<Incoming>,
    cursors: Vec<(Lane, CursorPos)>,
) -> Vec<Applied> {
    s.commit(Commit {
        from: from.map(id),
        items,
        cursors,
        quarantine: Vec::new(),
    })
    .await
    .unwrap()
    .applied
}

#[tokio::test]
async fn applying_is_idempotent_by_id_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let rid = uuid::Uuid::new_v4();
    let v = |version| vec![incoming(rid, Kind::Finding, version, &["630000"])];
    assert!(matches!(
        apply(&s, None, v(1), vec![]).await[0],
        Applied::Stored { .. }
    ));
    assert_eq!(apply(&s, None, v(1), vec![]).await[0], Applied::Unchanged);
    assert!(matches!(
        apply(&s, None, v(2), vec![]).await[0],
        Applied::Stored { .. }
    ));
    assert_eq!(apply(&s, None, v(1), vec![]).await[0], Applied::Unchanged);
    assert_eq!(s.get(&rid).await.unwrap().unwrap().version, 2);
    // Two versions queued; the superseded one is skipped but passed.
    assert_eq!(queued_for_the_province(&s).await, (1, 2));
    let first = s.change_at(1).await.unwrap().unwrap();
    assert_eq!(
        (first.record_id.as_str(), first.version),
        (rid.to_string().as_str(), 1)
    );
    assert_eq!(first.chain, chain_next("", &rid.to_string(), 1));
    assert_eq!(
        s.change_at(2).await.unwrap().unwrap().chain,
        chain_next(&first.chain, &rid.to_string(), 2)
    );
}

#[tokio::test]
async fn cursors_move_forward_within_a_generation_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let peer = id("630000");
    let pos = |g: &str, seq| CursorPos {
        generation: g.into(),
        seq,
        chain: "c".into(),
    };
    let at = |g, seq| vec![(Lane::Bulk, pos(g, seq))];
    apply(&s, Some("630000"), vec![], at("g1", 10)).await;
    apply(&s, Some("630000"), vec![], at("g1", 5)).await;
    assert_eq!(s.cursor(&peer, Lane::Bulk).await.unwrap().unwrap().seq, 10);
    apply(&s, Some("630000"), vec![], at("g2", 3)).await;
    assert_eq!(
        s.cursor(&peer, Lane::Bulk).await.unwrap().unwrap(),
        pos("g2", 3)
    );
    assert_eq!(s.cursor(&peer, Lane::Urgent).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_share_commits_and_each_gets_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let writers: Vec<_> = (0..60)
        .map(|k| {
            let s = s.clone();
            tokio::spawn(async move {
                let child = format!("6301{k:02}");
                let record = incoming(uuid::Uuid::new_v4(), Kind::Finding, 1, &["630000"]);
                let cursor = CursorPos {
                    generation: "g".into(),
                    seq: k + 1,
                    chain: "c".into(),
                };
                let applied =
                    apply(&s, Some(&child), vec![record], vec![(Lane::Bulk, cursor)]).await;
                (child, applied)
            })
        })
        .collect();
    let mut seqs = std::collections::BTreeSet::new();
    for (k, w) in writers.into_iter().enumerate() {
        let (child, applied) = w.await.unwrap();
        match applied[..] {
            [Applied::Stored { seq }] => assert!(seqs.insert(seq)),
            ref other => panic!("{child}: {other:?}"),
        }
        let cursor = s.cursor(&id(&child), Lane::Bulk).await.unwrap().unwrap();
        assert_eq!(cursor.seq, k as i64 + 1, "{child}'s own cursor");
    }
    assert_eq!(seqs, (1..=60).collect(), "one seq each, no gaps");
    assert_eq!(s.outbox_stats(&id("630000")).await.unwrap().records, 60);
}

#[tokio::test]
async fn urgent_lane_is_served_first_and_acks_trim() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let peer = id("630000");
    let mut batch = Vec::new();
    for _ in 0..5 {
        batch.push(incoming(
            uuid::Uuid::new_v4(),
            Kind::Finding,
            1,
            &["630000"],
        ));
    }
    batch.push(incoming(uuid::Uuid::new_v4(), Kind::Notice, 1, &["630000"]));
    apply(&s, None, batch, vec![]).await;
    let (items, _) = s.outbox_batch(&peer, [0, 0], 2, 1 << 20).await.unwrap();
    assert_eq!(items[0].lane, Lane::Urgent);
    assert_eq!(items[1].lane, Lane::Bulk);
    assert_eq!(s.outbox_stats(&peer).await.unwrap().records, 6);
    s.ack(&peer, &[(Lane::Bulk, 3)]).await.unwrap();
    assert_eq!(s.outbox_stats(&peer).await.unwrap().records, 3);
    assert_eq!(s.acked(&peer, Lane::Bulk).await.unwrap(), 3);
}

#[tokio::test]
async fn generation_survives_reopen_and_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let g1 = open(&dir).await.generation();
    let s = open(&dir).await;
    assert_eq!(s.generation(), g1);
    let g2 = s.rotate_generation().await.unwrap();
    assert_ne!(g1, g2);
    assert_eq!(open(&dir).await.generation(), g2);
    let url = url(&dir);
    assert!(matches!(
        Store::open(&url, &id("630200"), None).await,
        Err(StoreError::WrongNode { .. })
    ));
}

#[test]
fn the_chain_hash_is_sha256_of_prev_id_and_version() {
    // Both ends of every link compute it; it must never change.
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"abc\nrid\n7");
    assert_eq!(chain_next("abc", "rid", 7), crate::hex::encode(d.as_ref()));
    assert_eq!(
        chain_next("", "x", 1),
        "720e96d7a97fcf67acd2434a98d406bd4c2ff38279b6dd168c26a8c2d9f27549"
    );
}

#[tokio::test]
async fn a_parked_record_with_somewhere_new_to_go_is_reissued_at_the_log_end() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let a = id("630102");
    let rid = uuid::Uuid::new_v4();
    let mut parked = incoming(rid, Kind::Notice, 1, &["630102"]);
    parked.park = true;
    apply(&s, None, vec![parked], vec![]).await;
    let other = uuid::Uuid::new_v4();
    apply(
        &s,
        None,
        vec![incoming(other, Kind::Notice, 1, &["630102"])],
        vec![],
    )
    .await;
    // 630102 has passed both rows; the parked one is not confirmed yet.
    let after = [2, 0];

    // Nowhere new to go: nothing moves.
    let again = |links: &[&str], park| Rerouted {
        seq: 1,
        links: links.iter().map(|l| id(l)).collect(),
        park,
    };
    assert!(
        s.reissue_parked(&[again(&["630102"], true)])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.parked().await.unwrap()[0].item.seq, 1);

    // A new link: re-issued at seq 3 for both links, still parked there.
    let woken = s
        .reissue_parked(&[again(&["630102", "630103"], true)])
        .await
        .unwrap();
    assert_eq!(woken, [a.clone(), id("630103")].into_iter().collect());
    let reissued = s.change_at(3).await.unwrap().unwrap();
    assert_eq!((reissued.record_id, reissued.version), (rid.to_string(), 1));
    let now = &s.parked().await.unwrap()[0];
    assert_eq!(now.item.seq, 3);
    assert_eq!(
        now.queued_on,
        ["630102".to_string(), "630103".to_string()].into()
    );
    assert!(!again(&["630102", "630103"], true).changes(now));
    for (peer, from) in [(&a, after), (&id("630103"), [0, 0])] {
        let (items, _) = s.outbox_batch(peer, from, 10, 1 << 20).await.unwrap();
        let seqs: Vec<i64> = items.iter().map(|i| i.seq).collect();
        assert_eq!(seqs, vec![3], "{peer}");
    }
    // Nothing waits any more: it leaves the parked list where it is.
    let done = Rerouted {
        seq: 3,
        links: vec![a.clone(), id("630103")],
        park: false,
    };
    assert!(s.reissue_parked(&[done]).await.unwrap().is_empty());
    assert!(s.parked().await.unwrap().is_empty());
}

#[tokio::test]
async fn queries_combine_exactly_the_filters_given() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let at = |h: u32| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-12-03T{h:02}:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    };
    let rows = [
        (Kind::Finding, "630102", Some("r1"), 1),
        (Kind::Finding, "630103", Some("r1"), 2),
        (Kind::Finding, "630102", Some("r2"), 3),
        (Kind::Notice, "630102", None, 4),
    ];
    let mut items = Vec::new();
    for (kind, origin, round, hour) in rows {
        let mut item = incoming(uuid::Uuid::new_v4(), kind, 1, &[]);
        item.record.origin = id(origin);
        item.record.round_id = round.map(str::to_string);
        item.record.updated_at = at(hour);
        item.doc = serde_json::to_string(&item.record).unwrap();
        items.push(item);
    }
    apply(&s, None, items, vec![]).await;
    let hours = |f: RecordFilter| {
        let s = &s;
        async move {
            let found = s.query(&RecordFilter { limit: 100, ..f }).await.unwrap();
            found
                .iter()
                .map(|(_, r)| r.updated_at.format("%H").to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    assert_eq!(hours(RecordFilter::default()).await, "01,02,03,04");
    let findings = || RecordFilter {
        kind: Some(Kind::Finding),
        ..Default::default()
    };
    assert_eq!(hours(findings()).await, "01,02,03");
    let of_r1_from_630102 = RecordFilter {
        round_id: Some("r1".into()),
        origin: Some(id("630102")),
        ..findings()
    };
    assert_eq!(hours(of_r1_from_630102).await, "01");
    let since = RecordFilter {
        since_time: Some(at(2).to_rfc3339()),
        since_seq: Some(2),
        ..findings()
    };
    assert_eq!(hours(since).await, "03");
    let first = s
        .query(&RecordFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
}

#[tokio::test]
async fn compaction_drops_superseded_entries_and_keeps_every_position_a_peer_can_name() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let peer = id("630000");
    let [a, b, c] = [(); 3].map(|_| uuid::Uuid::new_v4());
    // Seqs 1..=4: versions 1..=4 of `a`; 5: `b`; 6: `a` v5; 7: `c`.
    let mut writes: Vec<(uuid::Uuid, u64)> = (1..=4).map(|v| (a, v)).collect();
    writes.extend([(b, 1), (a, 5), (c, 1)]);
    for (rid, v) in writes {
        apply(
            &s,
            None,
            vec![incoming(rid, Kind::Finding, v, &["630000"])],
            vec![],
        )
        .await;
    }
    let entries = async |s: &Store| {
        let mut held = Vec::new();
        for seq in 1..=7 {
            if s.change_at(seq).await.unwrap().is_some() {
                held.push(seq);
            }
        }
        held
    };
    // The parent confirmed up to seq 2; 3..=7 are still queued on the link.
    s.ack(&peer, &[(Lane::Bulk, 2)]).await.unwrap();
    let done = s.compact_log().await.unwrap();
    assert_eq!(
        done,
        Compacted {
            removed: 1,
            through: 6
        }
    );
    assert_eq!(
        entries(&s).await,
        [2, 3, 4, 5, 6, 7],
        "queued and confirmed kept"
    );

    // Once confirmed, superseded entries go; current ones and the end stay.
    let chain5 = s.change_at(5).await.unwrap().unwrap().chain;
    s.ack(&peer, &[(Lane::Bulk, 5)]).await.unwrap();
    assert_eq!(s.compact_log().await.unwrap().removed, 3);
    assert_eq!(entries(&s).await, [5, 6, 7]);
    let (items, passed) = s.outbox_batch(&peer, [0, 5], 10, 1 << 20).await.unwrap();
    assert_eq!(items.iter().map(|i| i.seq).collect::<Vec<_>>(), [6, 7]);
    assert_eq!(passed, [0, 7]);

    // Positions: a kept entry is checked against its hash; a compacted one
    // is this log's only within what the receiver confirmed; one past the
    // end is not this log's.
    let at = |seq, chain: &str| CursorPos {
        generation: s.generation(),
        seq,
        chain: chain.to_string(),
    };
    assert!(s.holds_position(&at(5, &chain5), 5).await.unwrap());
    assert!(!s.holds_position(&at(5, "other"), 5).await.unwrap());
    assert!(s.holds_position(&at(3, ""), 5).await.unwrap());
    assert!(!s.holds_position(&at(3, ""), 2).await.unwrap());
    assert!(!s.holds_position(&at(9, ""), 5).await.unwrap());
}

#[tokio::test]
async fn counts_per_kind_follow_commits_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    // A new record twice in one group, a second one, a newer version of
    // the first, and an older one: two findings and one notice in all.
    let applied = apply(
        &s,
        None,
        vec![
            incoming(a, Kind::Finding, 1, &[]),
            incoming(a, Kind::Finding, 2, &[]),
            incoming(b, Kind::Notice, 1, &["630000"]),
        ],
        vec![],
    )
    .await;
    assert_eq!(applied.len(), 3);
    apply(&s, None, vec![incoming(a, Kind::Finding, 3, &[])], vec![]).await;
    apply(&s, None, vec![incoming(a, Kind::Finding, 1, &[])], vec![]).await;
    apply(
        &s,
        None,
        vec![incoming(uuid::Uuid::now_v7(), Kind::Finding, 1, &[])],
        vec![],
    )
    .await;
    let expected = vec![("finding".to_string(), 2), ("notice".to_string(), 1)];
    assert_eq!(s.count_by_kind(), expected);
    s.close().await;
    assert_eq!(open(&dir).await.count_by_kind(), expected);
}

#[tokio::test]
async fn text_that_would_end_a_field_or_row_comes_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    // A peer may send a record pretty-printed (raw newlines and tabs
    // between tokens) with escapes in its strings; it is kept as received.
    let mut item = incoming(uuid::Uuid::now_v7(), Kind::Finding, 1, &["630000"]);
    item.record.body = serde_json::json!({"text": "反斜杠 \\ 制表\t换行\n回车\r \"引号\" \\N"});
    item.doc = serde_json::to_string_pretty(&item.record)
        .unwrap()
        .replace("  ", "\t");
    let doc = item.doc.clone();
    // In a group large enough for PostgreSQL's writer to stream it (COPY).
    let mut group = vec![item];
    group.extend((0..20).map(|_| incoming(uuid::Uuid::now_v7(), Kind::Finding, 1, &[])));
    apply(&s, None, group, vec![]).await;
    let refused = QuarantineEntry {
        id: 0,
        at: 0,
        peer: Some("630102".into()),
        record_id: None,
        kind: None,
        code: Some("schema".into()),
        reason: "bad\tfield\nreason \\".into(),
        raw: "{\"a\":\r\n\t\"\\\\N\"}".into(),
    };
    s.quarantine(&refused).await.unwrap();
    s.close().await;

    // Reopened, the outbox is read back from the database, not the tail.
    let s = open(&dir).await;
    let (items, _) = s
        .outbox_batch(&id("630000"), [0, 0], 10, 1 << 20)
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].doc, doc);
    let kept = &s.quarantine_list(10).await.unwrap()[0];
    assert_eq!(
        (&kept.code, &kept.reason, &kept.raw),
        (&refused.code, &refused.reason, &refused.raw)
    );
}

#[tokio::test]
async fn commits_go_on_after_the_database_cut_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let first = uuid::Uuid::now_v7();
    apply(
        &s,
        None,
        vec![incoming(first, Kind::Finding, 1, &[])],
        vec![],
    )
    .await;
    // What an administrator's restart or a failover does to the store's
    // sessions (SQLite has none to cut: the test then cuts nothing).
    let u = url(&dir);
    if let Some((admin, db)) = u.rsplit_once('/').filter(|_| u.starts_with("postgres")) {
        let out = std::process::Command::new("psql")
            .args([
                &format!("{admin}/postgres"),
                "-qAt",
                "-c",
                &format!(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE datname = '{db}'"
                ),
            ])
            .output()
            .unwrap();
        let cut: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert!(cut >= 2, "the writer's and a reader's sessions: {cut}");
    }
    let second = uuid::Uuid::now_v7();
    let applied = apply(
        &s,
        None,
        vec![incoming(second, Kind::Finding, 1, &[])],
        vec![],
    )
    .await;
    assert!(
        matches!(applied[0], Applied::Stored { seq: 2 }),
        "{applied:?}"
    );
    assert_eq!(s.get(&second).await.unwrap().unwrap().version, 1);
}

#[tokio::test]
async fn large_groups_store_and_replace_records_as_small_ones_do() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    // Large enough for PostgreSQL's writer to stream (COPY), small ones
    // take an INSERT: both must leave the same store.
    let ids: Vec<uuid::Uuid> = (0..40).map(|_| uuid::Uuid::now_v7()).collect();
    let group = |version, ids: &[uuid::Uuid]| -> Vec<Incoming> {
        ids.iter()
            .map(|id| incoming(*id, Kind::Finding, version, &["630000"]))
            .collect()
    };
    apply(&s, None, group(1, &ids), vec![]).await;
    // Newer versions of half of them, with as many new records.
    let more: Vec<uuid::Uuid> = (0..20).map(|_| uuid::Uuid::now_v7()).collect();
    let mut second = group(2, &ids[..20]);
    second.extend(group(1, &more));
    let applied = apply(&s, None, second, vec![]).await;
    assert!(applied.iter().all(|a| matches!(a, Applied::Stored { .. })));
    // One newer version alone (the small path) of a record copied in.
    apply(&s, None, group(3, &ids[..1]), vec![]).await;
    assert_eq!(s.count_by_kind(), vec![("finding".to_string(), 60)]);
    s.close().await;
    let s = open(&dir).await;
    assert_eq!(s.count_by_kind(), vec![("finding".to_string(), 60)]);
    assert_eq!(s.get(&ids[0]).await.unwrap().unwrap().version, 3);
    assert_eq!(s.get(&ids[1]).await.unwrap().unwrap().version, 2);
    assert_eq!(s.get(&ids[39]).await.unwrap().unwrap().version, 1);
    assert_eq!(s.get(&more[19]).await.unwrap().unwrap().version, 1);
    // The outbox holds each record's newest version once: 60 records.
    assert_eq!(queued_for_the_province(&s).await, (60, 81));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_links_reading_their_backlog_at_once_each_get_all_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let children: Vec<String> = (1..=12).map(|k| format!("6301{k:02}")).collect();
    let hops: Vec<&str> = children.iter().map(String::as_str).collect();
    let group: Vec<Incoming> = (0..50)
        .map(|_| incoming(uuid::Uuid::now_v7(), Kind::Finding, 1, &hops))
        .collect();
    apply(&s, None, group, vec![]).await;
    s.close().await;

    // Reopened, every link reads the table (more links than read
    // connections: the rest wait their turn, none is refused).
    let s = open(&dir).await;
    let reads = children.iter().map(|c| {
        let s = s.clone();
        let c = id(c);
        tokio::spawn(async move { s.outbox_batch(&c, [0, 0], 1000, 1 << 24).await })
    });
    for read in futures::future::join_all(reads).await {
        let (items, passed) = read.unwrap().unwrap();
        assert_eq!(items.len(), 50);
        assert!(items.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(passed[Lane::Bulk.as_i64() as usize], items[49].seq);
    }
}

#[tokio::test]
async fn sqlite_copies_its_log_into_the_database_while_it_writes() {
    if std::env::var("XUNLIAN_TEST_STORE").ok().as_deref() == Some("postgres") {
        return; // A SQLite matter: PostgreSQL checkpoints by itself.
    }
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let file = dir.path().join("s.db");
    let before = std::fs::metadata(&file).unwrap().len();
    // Twice the bytes that start a checkpoint, in commits of 500 records
    // of about 1 KiB each.
    let text = "巡察".repeat(170);
    let written = 2 * CHECKPOINT_BYTES;
    for _ in 0..written / (500 * 1024) {
        let items = (0..500)
            .map(|_| {
                let mut i = incoming(uuid::Uuid::now_v7(), Kind::Finding, 1, &["630000"]);
                i.record.body = serde_json::json!({ "facts": text });
                i.doc = serde_json::to_string(&i.record).unwrap();
                i
            })
            .collect();
        apply(&s, None, items, vec![]).await;
    }
    // Every connection runs with automatic checkpoints off: only the
    // checkpoint thread moves pages into the database file before close.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&file).unwrap().len() < before + CHECKPOINT_BYTES {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file stayed at {} bytes while {written} were committed",
            std::fs::metadata(&file).unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.close().await;
}

/// Operators settle entries: looked up by id (unknown ones left out),
/// kept with a new code and reason, removed.
#[tokio::test]
async fn quarantine_entries_are_found_refused_again_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let raw = r#"{"id": "r1", "kind": "finding"}"#;
    for _ in 0..2 {
        let e = QuarantineEntry::new(Some(&id("630102")), raw, "schema", "bad body".into());
        s.quarantine(&e).await.unwrap();
    }
    let listed = s.quarantine_list(10).await.unwrap();
    let (newer, older) = (listed[0].id, listed[1].id);
    assert_eq!(listed[1].code.as_deref(), Some("schema"));
    assert_eq!(
        (listed[1].record_id.as_deref(), listed[1].kind.as_deref()),
        (Some("r1"), Some("finding"))
    );

    let found = s.quarantine_get(&[older, newer + 100]).await.unwrap();
    assert_eq!(found.iter().map(|e| e.id).collect::<Vec<_>>(), [older]);

    s.quarantine_refused_again(older, "not_allowed", "still outside")
        .await
        .unwrap();
    let again = &s.quarantine_get(&[older]).await.unwrap()[0];
    assert_eq!(
        (
            again.code.as_deref(),
            again.reason.as_str(),
            again.raw.as_str()
        ),
        (Some("not_allowed"), "still outside", raw)
    );

    assert_eq!(s.quarantine_remove(&[newer, newer + 100]).await.unwrap(), 1);
    assert_eq!(s.quarantine_count().await.unwrap(), 1);
}
