//! Rolling upgrades: a child on the previous release (protocol 1) keeps
//! working with a parent on this one. The previous release's exchange —
//! hello, push, pull, requests and answers — is recorded under
//! `tests/fixtures/wire-v1/` (recorded from the release before protocol 2
//! with `XUNLIAN_RECORD_WIRE=1`); a hand-made child replays its requests
//! with protocol header 1 and every answer must carry every field, of the
//! same JSON type, that the recorded answer had. And this build's wire
//! types read the recorded answers (a new child under an old parent).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::common::Net;
use crate::common::peer::{finding_record, peer_client, peer_post_ok, push_of, signed, tls_of};
use crate::common::tree::small_tree;

const CHILD: &str = "630102";
const PARENT: &str = "630100";

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/wire-v1/{name}.json"))
}

fn recording() -> bool {
    std::env::var_os("XUNLIAN_RECORD_WIRE").is_some()
}

/// The recorded `name`, or (recording) `made`, written as the fixture.
fn fixture(name: &str, made: Value) -> Value {
    let path = fixture_path(name);
    if recording() {
        std::fs::write(&path, serde_json::to_string_pretty(&made).unwrap() + "\n").unwrap();
        return made;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Paths in `old` (a recorded answer) missing from `new`, or holding
/// another JSON type there; arrays compare their first elements.
fn missing(old: &Value, new: &Value, at: &str) -> Vec<String> {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => o
            .iter()
            .flat_map(|(k, v)| match n.get(k) {
                Some(nv) => missing(v, nv, &format!("{at}.{k}")),
                None => vec![format!("{at}.{k}")],
            })
            .collect(),
        (Value::Array(o), Value::Array(n)) => match (o.first(), n.first()) {
            (Some(ov), Some(nv)) => missing(ov, nv, &format!("{at}[0]")),
            _ => Vec::new(),
        },
        (o, n) if std::mem::discriminant(o) == std::mem::discriminant(n) => Vec::new(),
        (o, n) => vec![format!("{at}: was {o}, now {n}")],
    }
}

/// Replays `name`'s recorded request (or, recording, `made`) and checks
/// the answer against the recorded one.
async fn exchange(
    net: &Net,
    http: &reqwest::Client,
    path: &str,
    name: &str,
    made: Value,
    fresh: impl FnOnce(Value) -> Value,
) -> Value {
    let request = fresh(fixture(&format!("{name}_request"), made));
    let answer = peer_post_ok(net, http, PARENT, path, &request).await;
    let recorded = fixture(&format!("{name}_response"), answer.clone());
    let gone = missing(&recorded, &answer, name);
    assert!(
        gone.is_empty(),
        "a protocol-1 child misses {gone:?} in {answer}"
    );
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_previous_protocol_child_syncs_with_this_parent() {
    let mut net = Net::new(&small_tree().toml());
    for id in ["000000", "630000", PARENT] {
        net.start(id).await;
    }
    let http = peer_client(&tls_of(&net, CHILD), PARENT);
    let hello = json!({"node": CHILD, "level": "county", "name": "城东区委巡察办",
        "software_version": "0.1.0", "generation": "recorded-v1", "subtree": [],
        "manifest_version": 0});
    let hello = exchange(&net, &http, "/peer/v1/health", "hello", hello, |r| r).await;
    assert_eq!(hello["node"], PARENT);

    // The push carries a record signed now (the recorded one's signature
    // was made by another network's key): every other field as recorded.
    let record = signed(finding_record(CHILD, "协议1的问题"), &net.sign_key(CHILD));
    let id = record["id"].as_str().unwrap().to_string();
    let push = push_of("recorded-v1", [&record]);
    let answer = exchange(&net, &http, "/peer/v1/push", "push", push, |mut r| {
        r["records"] = push_of("recorded-v1", [&record])["records"].clone();
        r
    })
    .await;
    assert_eq!(answer["stored"], 1, "{answer}");
    net.wait_for("000000", &id).await;

    let pull = json!({"cursors": [], "wait_ms": 0, "max_records": 100,
        "max_bytes": 1_000_000, "refused": []});
    exchange(&net, &http, "/peer/v1/pull", "pull", pull, |r| r).await;
    if recording() {
        // How a protocol-1 parent refuses a newer child: what the child
        // negotiates down from (see the test below).
        let url = format!(
            "https://127.0.0.1:{}/peer/v1/health",
            net.nodes[PARENT].peer_addr.port()
        );
        let resp = http
            .post(url)
            .header("x-xunlian-protocol", "2")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 426);
        fixture("protocol_mismatch", resp.json().await.unwrap());
    }
}

#[test]
fn this_build_reads_the_previous_protocols_answers_and_requests() {
    use xunlian::sync::wire::{
        HelloRequest, HelloResponse, PullRequest, PullResponse, PushRequest, PushResponse,
    };
    fn read<T: serde::de::DeserializeOwned>(name: &str) {
        let text = std::fs::read_to_string(fixture_path(name)).unwrap();
        if let Err(e) = serde_json::from_str::<T>(&text) {
            panic!("{name}: {e}");
        }
    }
    read::<HelloRequest>("hello_request");
    read::<HelloResponse>("hello_response");
    read::<PushRequest>("push_request");
    read::<PushResponse>("push_response");
    read::<PullRequest>("pull_request");
    read::<PullResponse>("pull_response");
}

/// A child of this build under a parent of the previous release: refused
/// with the recorded 426, it speaks protocol 1, the highest both speak;
/// a parent with nothing in common gives no version to fall back to.
#[test]
fn a_child_speaks_the_highest_protocol_its_parent_speaks() {
    use xunlian::sync::wire::{PROTOCOL_VERSION, ProtocolMismatch, negotiate};
    let text = std::fs::read_to_string(fixture_path("protocol_mismatch")).unwrap();
    let old: ProtocolMismatch = serde_json::from_str(&text).unwrap();
    assert_eq!(negotiate(&old, PROTOCOL_VERSION), Some(1));
    assert_eq!(negotiate(&old, 1), None, "nothing older to try");
    let newer = ProtocolMismatch {
        server_protocol: PROTOCOL_VERSION + 5,
        server_min_protocol: PROTOCOL_VERSION + 3,
        ..old
    };
    assert_eq!(negotiate(&newer, PROTOCOL_VERSION), None);
}

/// This parent accepts protocols 1 and 2 and refuses a newer one saying
/// which it speaks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn this_parent_accepts_every_protocol_from_the_previous_one_up() {
    let mut net = Net::new(&small_tree().toml());
    net.start(PARENT).await;
    let http = peer_client(&tls_of(&net, CHILD), PARENT);
    let url = format!(
        "https://127.0.0.1:{}/peer/v1/health",
        net.nodes[PARENT].peer_addr.port()
    );
    let hello = json!({"node": CHILD, "level": "county", "name": "城东区委巡察办",
        "software_version": "0.2.0", "generation": "g", "subtree": []});
    for (protocol, status) in [("1", 200), ("2", 200), ("3", 426)] {
        let resp = http
            .post(&url)
            .header("x-xunlian-protocol", protocol)
            .json(&hello)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "protocol {protocol}");
        if status == 426 {
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["server_protocol"], 2, "{body}");
            assert_eq!(body["server_min_protocol"], 1, "{body}");
        }
    }
}

/// `xunlian migrate --check` before the first start lists every migration
/// pending and warns that the previous release would not read the store;
/// after a start, none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_check_tells_what_an_upgrade_would_do() {
    let mut net = Net::new(&small_tree().toml());
    let config = net.config_arg(CHILD);
    let before = crate::common::run_ok(&["migrate", "--check", "--config", &config]);
    assert!(before.contains("0001\t待执行\t否"), "{before}");
    assert!(before.contains("请先运行 xunlian backup"), "{before}");
    net.start(CHILD).await;
    net.stop(CHILD);
    let after = crate::common::run_ok(&["migrate", "--check", "--config", &config]);
    assert!(!after.contains("\t待执行\t"), "{after}");
    assert!(after.contains("无待执行的迁移"), "{after}");
}
