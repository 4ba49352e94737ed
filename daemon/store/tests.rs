//! Store behaviour on a real SQLite file.

use chrono::Utc;

use super::*;
use crate::records::{Classification, Kind, Lane, Record, Route};

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

#[tokio::test]
async fn applying_is_idempotent_by_id_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    let rid = uuid::Uuid::new_v4();
    let v1 = incoming(rid, Kind::Finding, 1, &["630000"]);
    let v2 = incoming(rid, Kind::Finding, 2, &["630000"]);
    assert!(matches!(
        s.commit(None, std::slice::from_ref(&v1), &[], &[])
            .await
            .unwrap()[0],
        Applied::Stored { .. }
    ));
    assert_eq!(
        s.commit(None, std::slice::from_ref(&v1), &[], &[])
            .await
            .unwrap()[0],
        Applied::Unchanged
    );
    assert!(matches!(
        s.commit(None, std::slice::from_ref(&v2), &[], &[])
            .await
            .unwrap()[0],
        Applied::Stored { .. }
    ));
    assert_eq!(
        s.commit(None, &[v1], &[], &[]).await.unwrap()[0],
        Applied::Unchanged
    );
    assert_eq!(s.get(&rid).await.unwrap().unwrap().version, 2);
    // Two versions queued; the superseded one is skipped but passed.
    let (items, passed) = s
        .outbox_batch(&id("630000"), [0, 0], 10, 1 << 20)
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(passed[Lane::Bulk.as_i64() as usize], 2);
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
    s.commit(Some(&peer), &[], &[(Lane::Bulk, pos("g1", 10))], &[])
        .await
        .unwrap();
    s.commit(Some(&peer), &[], &[(Lane::Bulk, pos("g1", 5))], &[])
        .await
        .unwrap();
    assert_eq!(s.cursor(&peer, Lane::Bulk).await.unwrap().unwrap().seq, 10);
    s.commit(Some(&peer), &[], &[(Lane::Bulk, pos("g2", 3))], &[])
        .await
        .unwrap();
    assert_eq!(
        s.cursor(&peer, Lane::Bulk).await.unwrap().unwrap(),
        pos("g2", 3)
    );
    assert_eq!(s.cursor(&peer, Lane::Urgent).await.unwrap(), None);
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
    s.commit(None, &batch, &[], &[]).await.unwrap();
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
