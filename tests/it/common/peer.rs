//! What hand-made peer clients need: a node's TLS files, a client for
//! its parent, posting to the peer protocol, whole records signed as their
//! origin would and pushes carrying them.

use std::path::Path;

use serde_json::{Value, json};

use super::{Net, finding};

/// The TLS files of node `id` as written by `network init`.
pub fn tls_of(net: &Net, id: &str) -> xunlian::identity::TlsFiles {
    xunlian::identity::TlsFiles {
        ca: net.root().join("ca/ca.pem"),
        cert: net.nodes[id].dir.join("node.pem"),
        key: net.nodes[id].dir.join("node.key"),
        crl: None,
    }
}

/// An HTTPS client presenting `files`, accepting only `parent`.
pub fn peer_client(files: &xunlian::identity::TlsFiles, parent: &str) -> reqwest::Client {
    let cfg = xunlian::identity::client_config(files, &xunlian::node::NodeId::new(parent).unwrap())
        .unwrap();
    reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .build()
        .unwrap()
}

/// POSTs raw `body` to `path` on `parent`'s peer listener.
pub async fn peer_post(
    net: &Net,
    client: &reqwest::Client,
    parent: &str,
    path: &str,
    body: Vec<u8>,
) -> Result<(u16, Value), String> {
    let url = format!(
        "https://127.0.0.1:{}{path}",
        net.nodes[parent].peer_addr.port()
    );
    let resp = client
        .post(url)
        .header("x-xunlian-protocol", "1")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{e:#}"))?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

/// POSTs `body` as JSON to `parent`'s peer listener at `path`, expecting
/// a 200; its answer.
pub async fn peer_post_ok(
    net: &Net,
    client: &reqwest::Client,
    parent: &str,
    path: &str,
    body: &Value,
) -> Value {
    let body = serde_json::to_vec(body).unwrap();
    let (status, answer) = peer_post(net, client, parent, path, body).await.unwrap();
    assert_eq!(status, 200, "{path} at {parent}: {answer}");
    answer
}

/// A whole finding record written by `origin` and bound for central, as a
/// child would push it (for hand-made clients).
pub fn finding_record(origin: &str, title: &str) -> Value {
    let now = chrono::Utc::now().to_rfc3339();
    json!({
        "id": uuid::Uuid::new_v4().to_string(), "kind": "finding", "origin": origin,
        "version": 1, "created_at": now, "updated_at": now, "classification": "internal",
        "route": {"up_to": "central"}, "body": finding(title),
    })
}

/// `record` (a whole record as JSON) signed alone, as a chunk of one, with
/// the signing key at `key` (see [`Net::sign_key`]), as its origin's
/// daemon signs what it submits; a hand-made client's records need it to
/// be admitted.
pub fn signed(record: Value, key: &Path) -> Value {
    let key = xunlian::trust::SigningKey::load(key).expect("signing key");
    let mut one = [serde_json::from_value::<xunlian::records::Record>(record).expect("a record")];
    xunlian::trust::sign_chunk(&mut one, &key).expect("sign the record");
    serde_json::to_value(&one[0]).expect("record JSON")
}

/// The body of a `POST /peer/v1/push` carrying `records` (whole records as
/// JSON) on the bulk lane with seqs from 1, from generation `generation`
/// of a child that announced nothing below it (for hand-made clients).
pub fn push_of<'a>(generation: &str, records: impl IntoIterator<Item = &'a Value>) -> Value {
    let items: Vec<Value> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            json!({"lane": "bulk", "seq": i + 1, "id": r["id"], "version": r["version"],
                "chain": format!("c{i}"), "record": r})
        })
        .collect();
    json!({"generation": generation,
        "subtree_hash": xunlian::engine::topology_hash(&[]), "records": items})
}
