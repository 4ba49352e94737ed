//! Urgent kinds are not stuck behind a backlog of findings.

use crate::common::tree::small_tree;
use crate::common::{Net, finding};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_plan_overtakes_a_backlog_of_findings() {
    let mut net = Net::new(&small_tree().toml());
    for id in ["630100", "630102"] {
        net.set_config_line(id, "peer", "max_batch_records = 1000");
    }
    net.start("630102").await;
    // 630100 is down: 1500 findings pile up at the county (more than one
    // batch of 1000), then a round plan is filed.
    let backlog = 1500;
    let net_ref = &net;
    let tasks = (0..8).map(|t| async move {
        for i in (t..backlog).step_by(8) {
            net_ref
                .submit("630102", "finding", finding(&format!("积压-{i:04}")))
                .await;
        }
    });
    futures::future::join_all(tasks).await;
    let plan = net
        .submit(
            "630102",
            "round_plan",
            json!({"round_id": "630102-2026-2", "term": "2021-2026", "round_no": 2, "kind": "regular", "title": "第二轮巡察"}),
        )
        .await;
    let pid = plan["id"].as_str().unwrap().to_string();
    let status = net.status("630102").await;
    let link = &status["links"][0];
    assert_eq!(link["peer"], "630100");
    // The findings, the plan, and the health reports written meanwhile.
    assert!(
        link["backlog_records"].as_u64().unwrap() > backlog as u64,
        "{status}"
    );

    net.start("630100").await;
    net.wait_count("630100", "finding", backlog).await;
    // The parent's log keeps the order records were stored in: the plan
    // came with the first batch, not after the whole backlog.
    let stored = net.get_json("630100", "/api/v1/records?limit=100000").await;
    let stored = stored.as_array().expect("records");
    let at = stored
        .iter()
        .position(|r| r["id"] == pid.as_str())
        .expect("the plan at 630100");
    let before = stored[..at]
        .iter()
        .filter(|r| r["kind"] == "finding")
        .count();
    assert!(before < 1000, "the plan waited for {before} findings");
}
