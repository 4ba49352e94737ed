//! A hostile child with a valid certificate: every bad request or record is
//! refused with a clear reason, nothing bad is stored, and the link and the
//! good records in the same batch are unaffected.

use crate::common::Net;
use crate::common::peer::{peer_client, peer_post, signed, tls_of};
use crate::common::tree::small_tree;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

fn record(origin: &str, kind: &str, body: Value) -> Value {
    let now = Utc::now().to_rfc3339();
    json!({
        "id": uuid::Uuid::new_v4().to_string(), "kind": kind, "origin": origin, "version": 1,
        "created_at": now, "updated_at": now,
        "classification": if kind == "clue" { "secret" } else { "internal" },
        "route": {"up_to": "central"}, "body": body,
    })
}

/// `r` signed with its origin's own key: genuine but for the one fault
/// the test gives it, so it is refused for that fault alone.
fn genuine(net: &Net, r: Value) -> Value {
    let key = net.sign_key(r["origin"].as_str().unwrap());
    signed(r, &key)
}

fn item(seq: i64, r: &Value) -> Value {
    json!({"lane": "bulk", "seq": seq, "id": r["id"], "version": 1, "chain": format!("c{seq}"), "record": r})
}

fn push(items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "generation": "hostile", "subtree_hash": xunlian::engine::topology_hash(&[]), "records": items
    }))
    .unwrap()
}

fn good() -> Value {
    crate::common::finding("正常问题")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_and_records_are_refused_cleanly() {
    let mut net = Net::new(&small_tree().toml());
    net.set_config_line("630100", "peer", "max_batch_records = 1000");
    net.start("630100").await;
    let http = peer_client(&tls_of(&net, "630102"), "630100");
    let hello = serde_json::to_vec(&json!({"node": "630102", "level": "county", "name": "x",
        "software_version": "0", "generation": "hostile", "subtree": []}))
    .unwrap();
    assert_eq!(
        peer_post(&net, &http, "630100", "/peer/v1/health", hello)
            .await
            .unwrap()
            .0,
        200
    );

    // Whole requests that are not even well-formed.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for (what, body) in [
        ("malformed JSON", b"{\"generation\": ".to_vec()),
        (
            "invalid UTF-8",
            b"{\"generation\": \"\xff\xfe\", \"records\": []}".to_vec(),
        ),
        ("deeply nested JSON", nested.into_bytes()),
    ] {
        let (status, body) = peer_post(&net, &http, "630100", "/peer/v1/push", body)
            .await
            .unwrap();
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(body["reason"], "malformed", "{what}: {body}");
    }

    // A batch mixing one good record with every kind of bad one. Each is
    // signed with its origin's key (the one of 630103 too, so that record
    // is refused for its place in the tree, not its signature), except the
    // one of an unknown kind: not a record at all, it cannot be signed.
    let ok = genuine(&net, record("630102", "finding", good()));
    let mut future = record("630102", "finding", good());
    let later = (Utc::now() + Duration::days(30)).to_rfc3339();
    future["created_at"] = json!(later);
    future["updated_at"] = json!(later);
    // Schema-valid, but 300 KB: over the 256 KiB record limit.
    let evidence: Vec<String> = (0..200).map(|_| "证".repeat(500)).collect();
    let huge = record(
        "630102",
        "finding",
        json!({"title": "大", "severity": "general", "category": "作风",
        "evidence": evidence}),
    );
    let mut deep_body = record("630102", "finding", good());
    deep_body["body"]["evidence"] =
        serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
    let bad: Vec<(&str, Value)> = vec![
        ("unknown record kind", record("630102", "memo", good())),
        (
            "/body/severity",
            genuine(
                &net,
                record(
                    "630102",
                    "finding",
                    json!({"title": "x", "severity": "huge", "category": "作风"}),
                ),
            ),
        ),
        ("exceeds the limit", genuine(&net, huge)),
        ("ahead of this node's clock", genuine(&net, future)),
        (
            "not in the subtree of 630102",
            genuine(&net, record("630103", "finding", good())),
        ),
        ("/body/evidence", genuine(&net, deep_body)),
    ];
    let mut items: Vec<Value> = bad
        .iter()
        .enumerate()
        .map(|(i, (_, r))| item(i as i64 + 1, r))
        .collect();
    items.push(item(100, &ok));
    let batch = push(items);
    let (status, resp) = peer_post(&net, &http, "630100", "/peer/v1/push", batch.clone())
        .await
        .unwrap();
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["stored"], 1, "{resp}");
    let refused = resp["refused"].as_array().unwrap();
    assert_eq!(refused.len(), bad.len(), "{resp}");
    for ((want, r), got) in bad.iter().zip(refused) {
        assert_eq!(got["id"], r["id"]);
        assert!(
            got["reason"].as_str().unwrap().contains(want),
            "{want}: {got}"
        );
        assert!(!net.has("630100", r["id"].as_str().unwrap()).await);
    }
    assert!(net.has("630100", ok["id"].as_str().unwrap()).await);
    assert!(net.quarantine("630100").await.len() >= bad.len());

    // Replaying the same batch changes nothing.
    let (_, again) = peer_post(&net, &http, "630100", "/peer/v1/push", batch)
        .await
        .unwrap();
    assert_eq!(
        (again["stored"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(1)),
        "{again}"
    );

    // A batch over the record limit is refused whole.
    let many: Vec<Value> = (0..1001)
        .map(|i| {
            item(
                1000 + i,
                &genuine(&net, record("630102", "finding", good())),
            )
        })
        .collect();
    let (status, body) = peer_post(&net, &http, "630100", "/peer/v1/push", push(many))
        .await
        .unwrap();
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["reason"], "too_large");

    // The link itself is unaffected: the real county syncs as usual.
    net.start("630102").await;
    let f = net.submit("630102", "finding", good()).await;
    net.wait_for("630100", f["id"].as_str().unwrap()).await;
}
