//! Changing the tree of a running network (issue 22): an office added with
//! `network add-office` is taken by its parent and every ancestor without
//! a restart, and its first finding reaches central; a county moved to
//! another prefecture with `network move-office` while it writes loses
//! nothing and leaves nothing in any quarantine, and a record on its way
//! down to it when it moves arrives through its new parent; a county merged into
//! another with `network merge-office` has its rectification closed by its
//! successor, and its certificate is revoked. A child refused `tree`
//! under a newer manifest than its own is sent that manifest with the
//! refusal.

use serde_json::{Value, json};
use xunlian::network::NodeFiles;

use crate::common::peer::{peer_client, peer_post, tls_of};
use crate::common::practice::{day, row, wait_state};
use crate::common::tree::small_tree;
use crate::common::{Net, TEST_ROUND, finding, run_ok, wait_until};

/// Puts the office `network add-office` wrote for `id` into `net`.
fn adopt(net: &mut Net, id: &str) {
    let config = net.root().join(id).join("config.toml");
    let c = xunlian::config::Config::load(&config).expect("the added office's config");
    let files = NodeFiles {
        id: c.id.clone(),
        dir: net.root().join(id),
        config,
        peer_addr: c.peer_listen,
        operator_addr: c.operator_listen,
    };
    net.nodes.insert(id.to_string(), files);
}

/// Every running office's quarantine is empty.
async fn nothing_quarantined(net: &Net, offices: &[&str]) {
    for id in offices {
        let q = net.quarantine(id).await;
        assert!(q.is_empty(), "{id} quarantined {q:#?}");
    }
}

/// `network move-office`: county 630103 from 630100 to 630200 (the
/// other prefecture); what the command printed.
fn move_630103_under_630200(net: &Net) -> String {
    let root = net.root().display().to_string();
    run_ok(&[
        "network",
        "move-office",
        "--dir",
        &root,
        "--id",
        "630103",
        "--parent",
        "630200",
    ])
}

/// Until 630100, the old parent, has taken the manifest and dropped its
/// link to 630103.
async fn until_630100_lets_630103_go(net: &Net) {
    wait_until("630100 to let 630103 go", || async {
        net.status("630100").await["links"]
            .as_array()
            .is_some_and(|links| links.iter().all(|l| l["peer"] != "630103"))
    })
    .await;
}

fn id_of(record: &Value) -> String {
    record["id"]
        .as_str()
        .expect("a stored record's id")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_office_reaches_central_without_a_restart() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let running = ["000000", "630000", "630100"];
    let pids: Vec<_> = running.iter().map(|id| net.pid(id)).collect();

    let root = net.root().display().to_string();
    let ports = net.port_range().to_string();
    let out = run_ok(&[
        "network",
        "add-office",
        "--dir",
        &root,
        "--id",
        "630104",
        "--name",
        "城西区委巡察办",
        "--level",
        "county",
        "--parent",
        "630100",
        "--ports",
        &ports,
    ]);
    assert!(out.contains("630104") && out.contains("版本 2"), "{out}");
    adopt(&mut net, "630104");
    net.start("630104").await;

    let first = net
        .submit("630104", "finding", finding("新设区的第一个问题"))
        .await;
    net.wait_for("000000", &id_of(&first)).await;
    net.wait_knows("000000", &["630104"]).await;
    let after: Vec<_> = running.iter().map(|id| net.pid(id)).collect();
    assert_eq!(pids, after, "no office was restarted");
    nothing_quarantined(&net, &["000000", "630000", "630100", "630104"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_moved_to_another_prefecture_loses_nothing() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let mut written = Vec::new();
    for i in 0..4 {
        let f = net
            .submit("630103", "finding", finding(&format!("迁移前的问题 {i}")))
            .await;
        written.push(id_of(&f));
    }
    // A rectification open across the move.
    let open = written[0].clone();
    net.submit(
        "630103",
        "rectification",
        rectification(&open, "630103", "in_progress", &[]),
    )
    .await;

    let out = move_630103_under_630200(&net);
    assert!(out.contains("630200"), "{out}");
    // The county goes on writing while the tree changes under it; its old
    // parent lets it go once it takes the new manifest.
    for i in 0..4 {
        let f = net
            .submit("630103", "finding", finding(&format!("迁移中的问题 {i}")))
            .await;
        written.push(id_of(&f));
    }
    until_630100_lets_630103_go(&net).await;

    // Restarted, it reads its new parent's address from its config.
    net.stop("630103");
    net.start("630103").await;
    for i in 0..4 {
        let f = net
            .submit("630103", "finding", finding(&format!("迁移后的问题 {i}")))
            .await;
        written.push(id_of(&f));
    }
    net.submit(
        "630103",
        "rectification",
        rectification(&open, "630103", "completed", &["复核台账.pdf"]),
    )
    .await;
    for id in &written {
        net.wait_for("000000", id).await;
        net.wait_for("630200", id).await;
    }
    for at in ["630200", "630000", "000000"] {
        wait_state(&net, at, &open, "630103", "completed").await;
    }
    nothing_quarantined(&net, &["000000", "630000", "630100", "630200", "630103"]).await;
}

/// A record on its way down to a county when the county moves, held at
/// its old parent (the county is stopped), which lets it go with what it
/// held for it: the office above both sends it again the new way, and it
/// reaches the county through its new parent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_on_its_way_down_to_a_moved_county_arrives_through_its_new_parent() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    net.stop("630103");
    let notice = net
        .submit(
            "630000",
            "notice",
            json!({"title": "督办", "text": "迁移时在途", "to": ["630103"]}),
        )
        .await;
    let nid = id_of(&notice);
    net.wait_for("630100", &nid).await;

    move_630103_under_630200(&net);
    until_630100_lets_630103_go(&net).await;
    net.start("630103").await;
    net.wait_for("630103", &nid).await;
    net.wait_for("630200", &nid).await;
    nothing_quarantined(&net, &["000000", "630000", "630100", "630200", "630103"]).await;
}

/// A rectification of finding `fid` of county `office`, which both
/// inspects and hosts it.
fn rectification(fid: &str, office: &str, status: &str, evidence: &[&str]) -> Value {
    json!({"finding_id": fid, "inspecting_office": office, "host_office": office,
           "status": status, "deadline": day(40), "responsible_unit": "河家村党支部",
           "evidence": evidence,
           "measures": [{"goal": "重新评定低保", "measures": "逐户复核",
                         "responsible_leader": "赵书记", "lead_department": "民政局",
                         "supporting_departments": ["乡镇"]}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successor_closes_its_predecessor_s_rectification() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let f = net
        .submit("630103", "finding", finding("撤并前发现的问题"))
        .await;
    let fid = id_of(&f);
    for (status, evidence) in [
        ("in_progress", &[][..]),
        ("completed", &["复核台账.pdf"][..]),
    ] {
        net.submit(
            "630103",
            "rectification",
            rectification(&fid, "630103", status, evidence),
        )
        .await;
    }
    wait_state(&net, "630100", &fid, "630103", "completed").await;
    // Before the merge, 630102 may not sign off 630103's rectification
    // (it does not even hold the finding).
    let why = net
        .refused(
            "630102",
            "rectification",
            rectification(&fid, "630103", "verified", &[]),
        )
        .await;
    assert!(why.contains(&fid), "{why}");

    let root = net.root().display().to_string();
    let out = run_ok(&[
        "network",
        "merge-office",
        "--dir",
        &root,
        "--from",
        "630103",
        "--into",
        "630102",
    ]);
    assert!(out.contains("吊销"), "{out}");
    net.stop("630103");
    let crl = std::fs::read_to_string(net.root().join("ca/revoked.txt")).unwrap();
    assert_eq!(crl.lines().count(), 1, "one certificate revoked: {crl}");

    // The city sends the predecessor's records down to its successor,
    // which closes the rectification; every office above counts it closed.
    net.wait_for("630102", &fid).await;
    wait_state(&net, "630102", &fid, "630103", "completed").await;
    net.submit(
        "630102",
        "rectification",
        rectification(&fid, "630103", "verified", &[]),
    )
    .await;
    for at in ["630102", "630100", "630000", "000000"] {
        wait_state(&net, at, &fid, "630103", "verified").await;
    }
    // Statistics count the finding as the predecessor's, closed by its
    // successor: verified.
    let stats = net.get_json("000000", "/api/v1/reports/stats").await;
    assert_eq!(
        row(&stats, "630103")["own"]["rectification"][TEST_ROUND],
        json!([1, 1]),
        "{stats}"
    );
    assert_eq!(
        row(&stats, "630100")["subtree"]["rectification"][TEST_ROUND],
        json!([1, 1]),
        "{stats}"
    );
    nothing_quarantined(&net, &["000000", "630000", "630100", "630102"]).await;
    // The ended office is no longer watched: central's health does not
    // list it as down.
    let subtree = net.status("000000").await["subtree"].clone();
    let listed: Vec<&str> = subtree
        .as_array()
        .map(|o| o.iter().filter_map(|o| o["node"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        listed.contains(&"630102") && !listed.contains(&"630103"),
        "{subtree}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_behind_the_tree_is_refused_with_the_newer_manifest() {
    let mut net = Net::new(&small_tree().toml());
    net.start("000000").await;
    net.start("630000").await;
    move_630103_under_630200(&net);
    // 630100 still believes version 1, where 630103 is its county.
    let hello = serde_json::to_vec(&json!({
        "node": "630100", "level": "municipal", "name": "西宁",
        "software_version": "0", "generation": "g", "manifest_version": 1,
        "subtree": [{"node": "630103", "parent": "630100", "level": "county", "name": "城中区"}]
    }))
    .unwrap();
    let http = peer_client(&tls_of(&net, "630100"), "630000");
    wait_until("the province to refuse 630100 under version 2", || async {
        let (status, body) = peer_post(&net, &http, "630000", "/peer/v1/health", hello.clone())
            .await
            .unwrap_or_default();
        status == 403 && body["reason"] == "tree" && body["manifest"]["manifest"]["version"] == 2
    })
    .await;
}
