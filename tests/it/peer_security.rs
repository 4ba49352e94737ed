//! Who may connect and what they may send, attacked from outside with
//! forged, expired, revoked and misplaced certificates.

use std::path::{Path, PathBuf};

use crate::common::peer::peer_client;
use crate::common::tree::small_tree;
use crate::common::{Net, wait_until};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use xunlian::identity::TlsFiles;
use xunlian::node::NodeId;
use xunlian::pki::{self, IssueRequest};

/// Issues a certificate for `node` from the CA in `ca_dir` into `out`.
fn issue(ca_dir: &Path, out: &Path, node: &str, from_days: i64, to_days: i64) -> TlsFiles {
    std::fs::create_dir_all(out).unwrap();
    let now = Utc::now();
    pki::issue(
        ca_dir,
        &IssueRequest {
            node: NodeId::new(node).unwrap(),
            dns_names: vec!["localhost".into()],
            ip_addresses: vec!["127.0.0.1".parse().unwrap()],
            not_before: now + Duration::days(from_days),
            not_after: now + Duration::days(to_days),
        },
        &out.join("node.pem"),
        &out.join("node.key"),
    )
    .unwrap();
    TlsFiles {
        ca: ca_dir.join("ca.pem"),
        cert: out.join("node.pem"),
        key: out.join("node.key"),
        crl: None,
    }
}

/// A peer client presenting `files`, expecting to talk to 630100.
fn client(files: &TlsFiles) -> reqwest::Client {
    peer_client(files, "630100")
}

async fn hello(
    net: &Net,
    http: &reqwest::Client,
    node: &str,
    protocol: &str,
) -> Result<(u16, Value), String> {
    let url = format!(
        "https://127.0.0.1:{}/peer/v1/health",
        net.nodes["630100"].peer_addr.port()
    );
    let resp = http
        .post(url)
        .header("x-xunlian-protocol", protocol)
        .json(
            &json!({"node": node, "level": "county", "name": "x", "software_version": "0",
                      "generation": "g", "subtree": []}),
        )
        .send()
        .await
        .map_err(|e| format!("{e:#}"))?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_peers_get_nothing_in() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630100").await;
    let ca = net.root().join("ca");
    let scratch: PathBuf = net.dir.path().join("forged");

    // A certificate from another CA.
    let other_ca = scratch.join("other-ca");
    pki::init_ca(&other_ca, "someone else", 30).unwrap();
    let mut other = issue(&other_ca, &scratch.join("other"), "630102", -1, 30);
    other.ca = ca.join("ca.pem"); // trust the real CA for the server side
    assert!(hello(&net, &client(&other), "630102", "1").await.is_err());

    // Expired and not yet valid certificates from the right CA.
    let expired = issue(&ca, &scratch.join("expired"), "630102", -30, -1);
    assert!(hello(&net, &client(&expired), "630102", "1").await.is_err());
    let early = issue(&ca, &scratch.join("early"), "630102", 2, 30);
    assert!(hello(&net, &client(&early), "630102", "1").await.is_err());

    // A valid certificate, revoked: refused once the CRL is re-read.
    let revoked = issue(&ca, &scratch.join("revoked"), "630102", -1, 30);
    assert!(hello(&net, &client(&revoked), "630102", "1").await.is_ok());
    pki::revoke(&ca, &revoked.cert).unwrap();
    wait_until("the revoked certificate to be refused", || async {
        hello(&net, &client(&revoked), "630102", "1").await.is_err()
    })
    .await;

    // A valid certificate for an office that is not a child here.
    let stranger = issue(&ca, &scratch.join("stranger"), "630202", -1, 30);
    let (status, body) = hello(&net, &client(&stranger), "630202", "1")
        .await
        .unwrap();
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not a configured child")
    );
    // Counted per node: the stranger has no link to count it on.
    let metrics = net.metrics("630100").await;
    assert!(
        metrics.contains("xunlian_peer_refusals_total{reason=\"not_a_child\"} 1"),
        "{metrics}"
    );

    // A real child on a protocol version this node does not speak.
    let child = TlsFiles {
        ca: ca.join("ca.pem"),
        cert: net.nodes["630102"].dir.join("node.pem"),
        key: net.nodes["630102"].dir.join("node.key"),
        crl: None,
    };
    let (status, body) = hello(&net, &client(&child), "630102", "99").await.unwrap();
    assert_eq!(status, 426, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("upgrade this node"),
        "{body}"
    );

    let log = net.log("630100");
    assert!(log.contains("Refused a peer at the TLS handshake"), "{log}");
    for reason in [
        "UnknownIssuer",
        "certificate expired",
        "not valid yet",
        "Revoked",
    ] {
        // The revoked certificate is refused at the next handshake after
        // the CRL is re-read, or, when the re-read comes while one of its
        // connections is open, that connection is closed (`peer::session`).
        assert!(
            log.lines()
                .any(|l| (l.contains("Refused a client certificate")
                    || l.contains("Closing a peer connection"))
                    && l.contains("630102")
                    && l.contains(reason)),
            "no refusal logged for {reason}:\n{log}"
        );
    }
    assert!(
        log.contains("630202") && log.contains("not a configured child"),
        "{log}"
    );
    assert_eq!(net.query("630100", "finding").await.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_cannot_push_another_countys_records() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630100").await;
    let ca = net.root().join("ca");
    let a = TlsFiles {
        ca: ca.join("ca.pem"),
        cert: net.nodes["630102"].dir.join("node.pem"),
        key: net.nodes["630102"].dir.join("node.key"),
        crl: None,
    };
    let http = client(&a);
    assert_eq!(hello(&net, &http, "630102", "1").await.unwrap().0, 200);
    let rid = uuid::Uuid::new_v4().to_string();
    let now = Utc::now().to_rfc3339();
    let forged = json!({
        "id": rid, "kind": "finding", "origin": "630103", "version": 1,
        "created_at": now, "updated_at": now, "classification": "internal",
        "route": {"up_to": "central"},
        "body": {"title": "伪造", "severity": "general", "category": "纪律"}
    });
    let url = format!(
        "https://127.0.0.1:{}/peer/v1/push",
        net.nodes["630100"].peer_addr.port()
    );
    let resp: Value = http
        .post(url)
        .header("x-xunlian-protocol", "1")
        .json(&json!({"generation": "g", "subtree_hash": xunlian::engine::topology_hash(&[]), "records": [
            {"lane": "bulk", "seq": 1, "id": rid, "version": 1, "chain": "x", "record": forged}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reason = resp["refused"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("origin 630103 is not in the subtree of 630102"),
        "{resp}"
    );
    assert!(!net.has("630100", &rid).await);
    let q = net.quarantine("630100").await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0]["record_id"], rid);
    assert_eq!(q[0]["peer"], "630102");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_certificate_is_used_without_restart() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630100").await;
    net.start("630102").await;
    let f = net
        .submit("630102", "finding", crate::common::finding("续期前"))
        .await;
    net.wait_for("630100", f["id"].as_str().unwrap()).await;

    // Renew 630102's certificate in place, then revoke the old one.
    let ca = net.root().join("ca");
    let dir = net.nodes["630102"].dir.clone();
    let old = net.dir.path().join("old.pem");
    std::fs::copy(dir.join("node.pem"), &old).unwrap();
    let fresh = net.dir.path().join("fresh");
    issue(&ca, &fresh, "630102", -1, 400);
    std::fs::copy(fresh.join("node.key"), dir.join("node.key")).unwrap();
    std::fs::copy(fresh.join("node.pem"), dir.join("node.pem")).unwrap();
    pki::revoke(&ca, &old).unwrap();
    let want = xunlian::identity::cert_not_after(
        &xunlian::identity::load_first_cert(&fresh.join("node.pem")).unwrap(),
    )
    .unwrap()
    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);

    // The parent sees the new certificate, and records still flow.
    wait_until(
        "630100 to see the renewed certificate of 630102",
        || async {
            let status = net.status("630100").await;
            let link = status["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["peer"] == "630102")
                .cloned();
            link.and_then(|l| {
                l["peer_cert_not_after"]
                    .as_str()
                    .map(|s| s.starts_with(&want[..19]))
            })
            .unwrap_or(false)
        },
    )
    .await;
    let g = net
        .submit("630102", "finding", crate::common::finding("续期后"))
        .await;
    net.wait_for("630100", g["id"].as_str().unwrap()).await;
}
