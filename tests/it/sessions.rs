//! Sessions end: a connection whose certificate is revoked is closed soon
//! after the parent reloads its CRL, an idle connection is closed after
//! `peer.idle_close_secs`, and a certificate naming no node gets a reason.
//! Each test holds one keep-alive HTTP/1.1 connection by hand, so "closed"
//! means this connection, not a pool that quietly opens another.

use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair, SanType,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use xunlian::identity::TlsFiles;
use xunlian::node::NodeId;

use crate::common::peer::{peer_client, tls_of};
use crate::common::tree::small_tree;
use crate::common::{Net, install_crypto, text, xunlian};

/// The county whose connection to its parent the tests hold.
const COUNTY: &str = "630102";
const PARENT: &str = "630100";

/// One TLS connection from [`COUNTY`] (its real certificate) to
/// [`PARENT`]'s peer listener, speaking HTTP/1.1 keep-alive.
struct Held {
    tls: TlsStream<TcpStream>,
}

impl Held {
    async fn open(net: &Net) -> Held {
        install_crypto();
        let files = tls_of(net, COUNTY);
        let mut config =
            xunlian::identity::client_config(&files, &NodeId::new(PARENT).unwrap()).unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let tcp = TcpStream::connect(net.nodes[PARENT].peer_addr)
            .await
            .unwrap();
        let tls = TlsConnector::from(Arc::new(config))
            .connect("localhost".try_into().unwrap(), tcp)
            .await
            .unwrap();
        Held { tls }
    }

    /// POSTs `body` to `path` on this connection; the status and body.
    async fn post(&mut self, path: &str, body: &Value) -> std::io::Result<(u16, Value)> {
        let body = body.to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: localhost\r\nx-xunlian-protocol: 1\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.tls.write_all(request.as_bytes()).await?;
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(reply) = parse_reply(&got) {
                return Ok(reply);
            }
            let n = self.tls.read(&mut buf).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            got.extend_from_slice(&buf[..n]);
        }
    }

    /// Says hello on this connection, which must be answered 200.
    async fn hello_ok(&mut self) {
        let (status, body) = self
            .post("/peer/v1/health", &hello_of(COUNTY))
            .await
            .unwrap();
        assert_eq!(status, 200, "{body}");
    }

    /// Waits up to `limit` for the server to close this connection; how
    /// long that took, or `None` if it is still open.
    async fn closed_within(&mut self, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        let mut buf = [0u8; 1024];
        let closed = async {
            loop {
                match self.tls.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(limit, closed).await.ok()?;
        Some(start.elapsed())
    }
}

/// A whole HTTP/1.1 reply with a content-length body, if `got` holds one.
fn parse_reply(got: &[u8]) -> Option<(u16, Value)> {
    let end = got.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&got[..end])
        .unwrap()
        .to_ascii_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let body = got.get(end..end + length)?;
    Some((status, serde_json::from_slice(body).unwrap_or(Value::Null)))
}

fn hello_of(node: &str) -> Value {
    json!({"node": node, "level": "county", "name": "x", "software_version": "0",
           "generation": "g", "subtree": []})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_certificate_loses_its_open_connection() {
    let mut net = Net::new(&small_tree().toml());
    net.start(PARENT).await;
    let mut held = Held::open(&net).await;
    held.hello_ok().await;
    // Kept alive: a second request on the same connection.
    held.hello_ok().await;

    let ca = net.root().join("ca");
    let county = tls_of(&net, COUNTY);
    let cert = county.cert.to_str().unwrap();
    let out = xunlian(&[
        "pki",
        "revoke",
        "--ca",
        ca.to_str().unwrap(),
        "--cert",
        cert,
    ]);
    assert!(out.status.success(), "{}", text(&out));

    // The parent looks at its files every second: five seconds from the
    // revocation is at most five from the reload.
    let took = held.closed_within(Duration::from_secs(5)).await;
    assert!(
        took.is_some(),
        "the revoked certificate's connection is still open after 5 s\n{}",
        net.log(PARENT)
    );
    assert!(
        held.post("/peer/v1/health", &hello_of(COUNTY))
            .await
            .is_err()
    );
    let log = net.log(PARENT);
    let closed = log
        .lines()
        .find(|l| l.contains("its certificate is no longer accepted"))
        .unwrap_or_else(|| panic!("no line on the closed connection\n{log}"));
    assert!(
        closed.contains(COUNTY) && closed.contains("Revoked"),
        "{closed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_and_a_long_poll_is_not_idle() {
    let mut net = Net::new(&small_tree().toml());
    net.set_config_line(PARENT, "peer", "idle_close_secs = 2");
    net.start(PARENT).await;
    let mut held = Held::open(&net).await;
    held.hello_ok().await;

    // A pull held open twice the idle limit is a request, not idleness.
    let pull = json!({"cursors": [], "wait_ms": 4000, "max_records": 10, "max_bytes": 65536});
    let (status, body) = held.post("/peer/v1/pull", &pull).await.unwrap();
    assert_eq!(status, 200, "{body}");
    // Still open after it: idleness counts from the end of the last request.
    held.hello_ok().await;

    let took = held.closed_within(Duration::from_secs(15)).await;
    let log = net.log(PARENT);
    let took = took.unwrap_or_else(|| panic!("the idle connection is still open\n{log}"));
    assert!(took >= Duration::from_millis(1500), "closed after {took:?}");
    assert!(log.contains("Closing an idle peer connection"), "{log}");
}

/// Issues a certificate from the network's CA that names no node: right
/// CA, valid, but no `urn:xunlian:node:` SAN.
fn issue_without_node_id(net: &Net) -> TlsFiles {
    let ca = net.root().join("ca");
    let ca_key = KeyPair::from_pem(&std::fs::read_to_string(ca.join("ca.key")).unwrap()).unwrap();
    let issuer =
        Issuer::from_ca_cert_pem(&std::fs::read_to_string(ca.join("ca.pem")).unwrap(), ca_key)
            .unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "no node");
    params
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &issuer).unwrap();
    let dir = net.dir.path().join("no-node-id");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("node.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("node.key"), key.serialize_pem()).unwrap();
    TlsFiles {
        ca: ca.join("ca.pem"),
        cert: dir.join("node.pem"),
        key: dir.join("node.key"),
        crl: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_without_a_node_id_gets_a_reason() {
    let mut net = Net::new(&small_tree().toml());
    net.start(PARENT).await;
    let files = issue_without_node_id(&net);
    let url = format!(
        "https://127.0.0.1:{}/peer/v1/health",
        net.nodes[PARENT].peer_addr.port()
    );
    let resp = peer_client(&files, PARENT)
        .post(url)
        .header("x-xunlian-protocol", "1")
        .json(&hello_of(COUNTY))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["reason"], "identity", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no urn:xunlian:node: URI SAN"),
        "{body}"
    );
}
