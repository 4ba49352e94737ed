//! A parent that tries to send a clue down: the child refuses it into its
//! quarantine with the reason, and keeps what it may receive.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::common::peer::{signed, tls_of};
use crate::common::tree::small_tree;
use crate::common::{Net, wait_until};
use axum::Json;
use axum::routing::post;
use chrono::Utc;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// A record of 630100's, signed with 630100's own key: a genuine record,
/// so the clue is refused for travelling down, not for its signature.
fn record(net: &Net, kind: &str, classification: &str, route: Value, body: Value) -> Value {
    let now = Utc::now().to_rfc3339();
    let r = json!({"id": uuid::Uuid::new_v4().to_string(), "kind": kind, "origin": "630100",
           "version": 1, "created_at": now, "updated_at": now, "classification": classification,
           "route": route, "body": body});
    signed(r, &net.sign_key("630100"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clue_pushed_down_by_a_parent_is_quarantined() {
    let mut net = Net::new(&small_tree().toml());
    let clue = record(
        &net,
        "clue",
        "secret",
        json!({}),
        json!({"transfer_to": "discipline_commission", "managing_level": "municipal", "summary": "不应下发"}),
    );
    let notice = record(
        &net,
        "notice",
        "internal",
        json!({"subtree": true}),
        json!({"title": "督办", "text": "正常下发"}),
    );

    // A fake 630100 with the real 630100 certificate, on 630100's port.
    let served = Arc::new(AtomicBool::new(false));
    let pull = {
        let (clue, notice, served) = (clue.clone(), notice.clone(), served.clone());
        move || {
            let first = !served.swap(true, Ordering::SeqCst);
            let records = if first {
                vec![
                    json!({"lane": "bulk", "seq": 1, "id": clue["id"], "version": 1, "chain": "a", "record": clue}),
                    json!({"lane": "urgent", "seq": 2, "id": notice["id"], "version": 1, "chain": "b", "record": notice}),
                ]
            } else {
                vec![]
            };
            async move {
                if !first {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
                Json(
                    json!({"generation": "fake", "ancestors": [{"id": "630100", "level": "municipal"}],
                    "records": records,
                    "cursors": [{"lane": "urgent", "generation": "fake", "seq": 2, "chain": "b"},
                                {"lane": "bulk", "generation": "fake", "seq": 1, "chain": "a"}]}),
                )
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/peer/v1/health",
            post(|| async {
                Json(json!({"node": "630100", "level": "municipal", "name": "假", "software_version": "0",
                    "generation": "fake", "ancestors": [{"id": "630100", "level": "municipal"}],
                    "cursors": [], "limits": {"max_record_bytes": 262144, "max_batch_records": 1000,
                    "max_batch_bytes": 8388608}}))
            }),
        )
        .route("/peer/v1/pull", post(pull))
        .route("/peer/v1/push", post(|| async { Json(json!({"cursors": [], "stored": 0, "unchanged": 0, "refused": []})) }));
    let tls = xunlian::identity::server_config(&tls_of(&net, "630100")).unwrap();
    let listener = TcpListener::bind(net.nodes["630100"].peer_addr)
        .await
        .unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = tokio_rustls::TlsAcceptor::from(tls.clone());
            let app = app.clone();
            tokio::spawn(async move {
                if let Ok(stream) = acceptor.accept(tcp).await {
                    let svc = TowerToHyperService::new(app);
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                }
            });
        }
    });

    net.start("630102").await;
    net.wait_for("630102", notice["id"].as_str().unwrap()).await;
    wait_until("the clue to be quarantined at 630102", || async {
        net.quarantine("630102")
            .await
            .iter()
            .any(|q| q["record_id"] == clue["id"])
    })
    .await;
    let q = net.quarantine("630102").await;
    let entry = q.iter().find(|q| q["record_id"] == clue["id"]).unwrap();
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .contains("clue records never travel down"),
        "{entry}"
    );
    assert_eq!(entry["peer"], "630100");
    assert!(!net.has("630102", clue["id"].as_str().unwrap()).await);
}
