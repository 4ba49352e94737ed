//! A real four-level network on loopback: records reach exactly the offices
//! they are addressed to, through the levels in between.

use crate::common::tree::small_tree;
use crate::common::{Net, finding};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_reach_exactly_their_destinations() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;

    // A county's finding climbs to its municipality, province and central.
    let f = net
        .submit("630102", "finding", finding("补贴发放不及时"))
        .await;
    let fid = f["id"].as_str().unwrap().to_string();
    for up in ["630100", "630000", "000000"] {
        net.wait_for(up, &fid).await;
    }
    assert!(
        !net.has("630103", &fid).await,
        "a finding never goes sideways"
    );

    // A linked round plan issued at central reaches every county.
    let plan = net
        .submit(
            "000000",
            "round_plan",
            json!({"round_id": "000000-2026-1", "term": "2021-2026", "round_no": 1, "kind": "linked", "title": "联动专项巡视"}),
        )
        .await;
    let pid = plan["id"].as_str().unwrap().to_string();
    for c in ["630102", "630103", "630202"] {
        net.wait_for(c, &pid).await;
    }

    // A notice from 630100 reaches its own counties only.
    let n = net
        .submit(
            "630100",
            "notice",
            json!({"title": "督办", "text": "请按期整改"}),
        )
        .await;
    let nid = n["id"].as_str().unwrap().to_string();
    net.wait_for("630102", &nid).await;
    net.wait_for("630103", &nid).await;

    // An assignment naming counties under two municipalities reaches both
    // through their common ancestor (which issues it once it knows them).
    net.wait_knows("630000", &["630103", "630202"]).await;
    let a = net
        .submit(
            "630000",
            "assignment",
            json!({"type": "cross", "round": "2026-1", "coordinator": "630000",
                   "pairs": [{"inspecting": "630103", "inspected": "630202", "units": []}]}),
        )
        .await;
    let aid = a["id"].as_str().unwrap().to_string();
    net.wait_for("630103", &aid).await;
    net.wait_for("630202", &aid).await;

    // A clue climbs to the levels its policy names (provincial by default)
    // and nowhere else.
    let clue = net
        .submit(
            "630202",
            "clue",
            json!({"transfer_to": "discipline_commission", "managing_level": "provincial",
                   "summary": "某干部涉嫌违规收受礼金"}),
        )
        .await;
    assert_eq!(clue["classification"], "secret");
    let cid = clue["id"].as_str().unwrap().to_string();
    net.wait_for("630200", &cid).await;
    net.wait_for("630000", &cid).await;

    // Everything sent after the clue and the notice has arrived everywhere
    // it goes, so anything that wrongly followed them would be there too.
    let marker = net
        .submit(
            "000000",
            "round_plan",
            json!({"round_id": "000000-2026-2", "term": "2021-2026", "round_no": 2, "kind": "linked", "title": "标记"}),
        )
        .await;
    let mid = marker["id"].as_str().unwrap().to_string();
    let f2 = net.submit("630202", "finding", finding("标记问题")).await;
    let f2id = f2["id"].as_str().unwrap().to_string();
    for c in ["630102", "630103", "630202"] {
        net.wait_for(c, &mid).await;
    }
    net.wait_for("000000", &f2id).await;
    for other in ["000000", "630100", "630102", "630103"] {
        assert!(!net.has(other, &cid).await, "clue leaked to {other}");
    }
    for other in ["630200", "630202", "630000", "000000"] {
        assert!(
            !net.has(other, &nid).await,
            "notice of 630100 leaked to {other}"
        );
    }
    assert!(
        !net.has("630102", &aid).await,
        "assignment reached an office it does not name"
    );
}

/// A county that joins a running network is announced up the tree on the
/// live sessions: its parent says hello again on the connection it has,
/// without reconnecting, and records for the newcomer reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_is_announced_without_reconnecting() {
    let mut net = Net::new(&small_tree().toml());
    for id in ["000000", "630000", "630200"] {
        net.start(id).await;
    }
    net.wait_knows("000000", &["630200"]).await;
    let connected = |net: &Net| net.log("630200").matches("Connected to parent.").count();
    // Central can know 630200 a moment before 630200 logs its hello's answer.
    crate::common::wait_until("630200 to log its connection", || async {
        connected(&net) > 0
    })
    .await;
    assert_eq!(connected(&net), 1, "{}", net.log("630200"));

    net.start("630202").await;
    net.wait_knows("000000", &["630202"]).await;
    let n = net
        .submit(
            "000000",
            "notice",
            json!({"title": "通知", "text": "新成员也收到"}),
        )
        .await;
    net.wait_for("630202", n["id"].as_str().unwrap()).await;
    let f = net
        .submit("630202", "finding", finding("新成员的问题"))
        .await;
    net.wait_for("000000", f["id"].as_str().unwrap()).await;
    assert_eq!(
        connected(&net),
        1,
        "the municipality reconnected to announce its new county:\n{}",
        net.log("630200")
    );
}

/// A record addressed to an office no one has heard of yet waits (parked)
/// at the top and goes down when that office joins, although the links on
/// its way passed it in the log long before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_for_an_office_yet_to_join_reaches_it_when_it_joins() {
    let mut net = Net::new(&small_tree().toml());
    for id in ["000000", "630000", "630200"] {
        net.start(id).await;
    }
    net.wait_knows("000000", &["630200"]).await;
    let early = net
        .submit(
            "000000",
            "notice",
            json!({"title": "预先通知", "text": "待新成员加入后送达", "to": ["630202"]}),
        )
        .await;
    let later = net
        .submit(
            "000000",
            "notice",
            json!({"title": "全体通知", "text": "各级都收到"}),
        )
        .await;
    net.wait_for("630200", later["id"].as_str().unwrap()).await;

    net.start("630202").await;
    net.wait_for("630202", early["id"].as_str().unwrap()).await;
}
