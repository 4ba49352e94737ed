//! Nothing readable at rest, and errors that stay small: a SQLite store is
//! private from creation (directory 0700, database, WAL and shared memory
//! 0600) and a node refuses to start on one others can read; an error
//! reply to a huge value quotes a bounded part of it, and every error
//! reply of both APIs is JSON, over HTTP/2 too.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::peer::{finding_record, peer_client, peer_post, push_of, signed, tls_of};
use crate::common::tree::TreeBuilder;
use crate::common::{Net, daemon_binary, finding, wait_until};

/// An error reply to a huge value stays under this.
const BOUNDED: usize = 4096;
/// The length of the huge values sent.
const HUGE: usize = 100_000;

/// Central, a province, a city and a county below it.
fn tree() -> String {
    TreeBuilder::central()
        .province("630000", "青海省委巡视办")
        .city("630200", "海东市委巡察办", "630000")
        .county("630202", "乐都区委巡察办", "630200")
        .toml()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn is_sqlite(net: &Net, id: &str) -> bool {
    net.store_url(id).starts_with("sqlite://")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_is_private_from_creation() {
    let mut net = Net::new(&tree());
    if !is_sqlite(&net, "630202") {
        return; // PostgreSQL's files are its server's business.
    }
    net.start("630200").await;
    net.start("630202").await;
    let stored = net.submit("630202", "finding", finding("存储权限")).await;
    let id = stored["id"].as_str().unwrap().to_string();
    net.wait_for("630200", &id).await;
    for node in ["630200", "630202"] {
        let db = net.store_file(node);
        assert_eq!(
            mode(db.parent().unwrap()),
            0o700,
            "{node}'s store directory"
        );
        for suffix in ["", "-wal", "-shm"] {
            let f = format!("{}{suffix}", db.display());
            assert_eq!(mode(Path::new(&f)), 0o600, "{f}");
        }
    }
}

/// Runs `id`'s daemon, expecting it to refuse to start; its output.
async fn refused_start(net: &Net, id: &str) -> String {
    let mut child = Command::new(daemon_binary())
        .args(["daemon", "--config", &net.config_arg(id)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let exited = std::sync::Mutex::new(None);
    wait_until(&format!("{id} to refuse to start"), || {
        let done = child.try_wait().unwrap();
        *exited.lock().unwrap() = done;
        async move { done.is_some() }
    })
    .await;
    assert!(!exited.lock().unwrap().unwrap().success());
    let out = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_refuses_a_store_others_can_read() {
    let mut net = Net::new(&tree());
    if !is_sqlite(&net, "000000") {
        return;
    }
    let db = net.store_file("000000");
    let dir = db.parent().unwrap().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let said = refused_start(&net, "000000").await;
    assert!(
        said.contains(&format!("chmod 700 {}", dir.display())),
        "{said}"
    );

    // Mended, the node starts and creates a private store; a database
    // file opened up afterwards is refused the same way.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    net.start("000000").await;
    net.stop("000000");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let said = refused_start(&net, "000000").await;
    assert!(
        said.contains(&format!("chmod 600 {}", db.display())),
        "{said}"
    );
}

/// Asserts that an error reply is small JSON with `code` and `reason`
/// (the operator API's body) or `reason` and `message` (the peer
/// protocol's); its reason.
fn bounded_json(what: &str, body: &[u8], fields: [&str; 2]) -> Value {
    assert!(body.len() < BOUNDED, "{what}: {} bytes", body.len());
    let v: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", String::from_utf8_lossy(body)));
    for f in fields {
        assert!(v[f].is_string(), "{what}: no {f}: {v}");
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_api_errors_are_bounded_json() {
    let mut net = Net::new(&tree());
    net.start("630202").await;
    net.open_test_round("630202").await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", net.nodes["630202"].operator_addr);
    let token = net.token_of("630202");
    let huge = "巡".repeat(HUGE);

    let mut title = json!({"kind": "finding", "body": finding(&huge)});
    title["round_id"] = json!(crate::common::TEST_ROUND);
    let typed = json!({"kind": "finding", "body": {"title": 1, "severity": huge}});
    // Refused by the rules (not in the taxonomy), which quote it.
    let mut category = title.clone();
    category["body"]["title"] = json!("x");
    category["body"]["category"] = json!(huge);
    for (what, req, status) in [
        ("a 100,000-character title", title, 422),
        ("a 100,000-character value of the wrong type", typed, 422),
        ("a 100,000-character category", category, 422),
        (
            "a 100,000-character kind",
            json!({"kind": huge, "body": {}}),
            400,
        ),
    ] {
        let resp = http
            .post(format!("{base}/api/v1/records"))
            .bearer_auth(&token)
            .json(&req)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{what}");
        bounded_json(what, &resp.bytes().await.unwrap(), ["code", "reason"]);
    }

    // axum's own replies (and a missing record) are the same JSON.
    let get = |path: &str| http.get(format!("{base}{path}")).bearer_auth(&token);
    let missing = format!("/api/v1/records/{}", uuid::Uuid::new_v4());
    // As long as a request line may be.
    let long_query = format!("/api/v1/records?since={}", "x".repeat(10_000));
    let oversized = http
        .post(format!("{base}/api/v1/records"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 65 << 20]);
    let delete = http
        .delete(format!("{base}/api/v1/records"))
        .bearer_auth(&token);
    for (what, req, status, code) in [
        ("no such route", get("/api/v1/nothing"), 404, "not_found"),
        ("no such record", get(&missing), 404, "not_found"),
        (
            "an unknown query key",
            get("/api/v1/records?colour=red"),
            400,
            "bad_request",
        ),
        (
            "a 10,000-character since",
            get(&long_query),
            400,
            "bad_request",
        ),
        ("a method not taken", delete, 405, "method_not_allowed"),
        (
            "over the submit limit (64 MiB)",
            oversized,
            413,
            "too_large",
        ),
    ] {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{what}");
        let v = bounded_json(what, &resp.bytes().await.unwrap(), ["code", "reason"]);
        assert_eq!(v["code"], code, "{what}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_errors_are_bounded_json_over_http2() {
    let mut net = Net::new(&tree());
    net.start("000000").await;
    let http = peer_client(&tls_of(&net, "630000"), "000000");
    let hello = serde_json::to_vec(
        &json!({"node": "630000", "level": "provincial", "name": "x",
        "software_version": "0", "generation": "g", "subtree": []}),
    )
    .unwrap();
    let (status, v) = peer_post(&net, &http, "000000", "/peer/v1/health", hello)
        .await
        .unwrap();
    assert_eq!(status, 200, "{v}");
    // ASCII: 100 KB, under the record limit (256 KiB), so the schema
    // refuses it.
    let huge = "x".repeat(HUGE);
    let url = |path: &str| {
        format!(
            "https://127.0.0.1:{}{path}",
            net.nodes["000000"].peer_addr.port()
        )
    };
    let post = |path: &str, protocol: &str, body: Vec<u8>| {
        http.post(url(path))
            .header("x-xunlian-protocol", protocol.to_string())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    // A record with a 100,000-character title: refused in the answer and
    // quarantined with a bounded reason.
    let record = signed(finding_record("630000", &huge), &net.sign_key("630000"));
    let push = serde_json::to_vec(&push_of("g", [&record])).unwrap();
    let resp = post("/peer/v1/push", "1", push).await.unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_2);
    assert_eq!(resp.status().as_u16(), 200);
    let answer: Value = resp.json().await.unwrap();
    let reason = answer["refused"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        !reason.is_empty() && reason.len() < BOUNDED,
        "{} bytes: {answer:.300}",
        reason.len()
    );
    let quarantined = net.quarantine("000000").await;
    let entry = quarantined[0]["reason"].as_str().unwrap();
    assert!(
        entry.len() < BOUNDED,
        "quarantine reason of {} bytes",
        entry.len()
    );
    assert!(
        net.log("000000").lines().all(|l| l.len() < 2 * BOUNDED),
        "a log line quotes the whole value"
    );

    // A request whose field is a 100,000-character string of the wrong type.
    let malformed = serde_json::to_vec(&json!({"generation": "g", "records": huge})).unwrap();
    let huge_header = "9".repeat(300);
    for (what, path, protocol, body, status, reason) in [
        (
            "a malformed push",
            "/peer/v1/push",
            "1",
            malformed,
            400,
            "malformed",
        ),
        (
            "no such path",
            "/peer/v1/nothing",
            "1",
            b"{}".to_vec(),
            404,
            "protocol",
        ),
        (
            "an unparsable protocol",
            "/peer/v1/push",
            "v1",
            b"{}".to_vec(),
            400,
            "protocol",
        ),
        (
            "a huge protocol",
            "/peer/v1/push",
            huge_header.as_str(),
            b"{}".to_vec(),
            400,
            "protocol",
        ),
        // Over the body limit (2 × max_batch_bytes + 64 KiB, 16 MiB by
        // default), over HTTP/2: a 413 with a body, not a stream reset.
        (
            "an oversized push",
            "/peer/v1/push",
            "1",
            vec![b' '; 17 << 20],
            413,
            "too_large",
        ),
    ] {
        let resp = post(path, protocol, body)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:#}"));
        assert_eq!(resp.version(), reqwest::Version::HTTP_2, "{what}");
        assert_eq!(resp.status().as_u16(), status, "{what}");
        let v = bounded_json(what, &resp.bytes().await.unwrap(), ["reason", "message"]);
        assert_eq!(v["reason"], reason, "{what}: {v}");
        if what == "an unparsable protocol" {
            assert!(v["message"].as_str().unwrap().contains("\"v1\""), "{v}");
        }
    }
}
