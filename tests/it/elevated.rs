//! Elevated inspection (提级巡察) closes its loop across a real network: a
//! city takes a unit of one of its counties over for a round, plans it and
//! files a finding; the county (which hosts the unit) learns nothing of
//! it before the round's feedback date (反馈), then receives it released,
//! rectifies it, and only the city signs it off (销号).

use crate::common::practice::{day, wait_state};
use crate::common::tree::small_tree;
use crate::common::{Net, text, xunlian};
use serde_json::{Value, json};
use uuid::Uuid;
use xunlian::workflow::ids;

const CITY: &str = "630200";
const HOST: &str = "630202";
const ROUND: &str = "630200-2026-4";
/// The offices started: the county, the city and those above them.
const OFFICES: [&str; 4] = ["000000", "630000", CITY, HOST];
const TITLE: &str = "教育局食堂采购未公开招标";

/// The city's plan of [`ROUND`] targeting the county's unit u2, its
/// feedback `feedback` days from today.
fn plan(feedback: i64) -> Value {
    json!({"round_id": ROUND, "term": "2021-2026", "round_no": 4, "kind": "elevated",
           "title": "2026年第四轮提级巡察",
           "dates": {"start": day(-20), "entry": day(-15), "feedback": day(feedback), "end": day(40)},
           "teams": [{"id": "t1", "name": "提级巡察组", "leader": "王组长"}],
           "targets": [{"unit_id": "u2", "unit_name": "县教育局党组", "host": HOST, "team": "t1"}]})
}

/// A rectification record of `finding` at the county, signed off by the city.
fn rect(finding: &str, status: &str, evidence: &[&str]) -> Value {
    json!({"finding_id": finding, "inspecting_office": CITY, "host_office": HOST,
           "status": status, "deadline": day(60), "responsible_unit": "县教育局党组",
           "evidence": evidence,
           "measures": [{"goal": "规范采购", "measures": "重新招标",
                         "responsible_leader": "局长", "lead_department": "计财股"}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elevated_finding_is_rectified_by_the_host_and_signed_off_by_the_elevating_office() {
    let mut net = Net::new(&small_tree().toml());
    for id in OFFICES {
        net.start(id).await;
    }
    net.wait_knows(CITY, &[HOST]).await;
    let register = net
        .submit(
            HOST,
            "unit_register",
            json!({"office": HOST, "units": [
                {"id": "u2", "name": "县教育局党组", "type": "department"}]}),
        )
        .await;
    net.wait_for(CITY, register["id"].as_str().unwrap()).await;

    // 1. The city takes u2 over for the round; the county is told.
    let out = xunlian(&[
        "assign",
        "elevated",
        "--config",
        &net.config_arg(CITY),
        "--office",
        HOST,
        "--units",
        "u2",
        "--round",
        ROUND,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let aid = net.query(CITY, "assignment").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    net.wait_for(HOST, &aid).await;

    // 2. The city plans the round and files a finding on u2: it is the
    // city's to release and sign off, and it does not go down.
    let planned = net.submit(CITY, "round_plan", plan(5)).await;
    assert_eq!(planned["body"]["assignment_id"], aid.as_str(), "{planned}");
    let plan_id = planned["id"].as_str().unwrap().to_string();
    net.wait_for(HOST, &plan_id).await;
    let finding = net
        .submit(
            CITY,
            "finding",
            json!({"round_id": ROUND, "team": "t1",
                   "target_unit": {"unit_id": "u2", "unit_name": "县教育局党组"},
                   "category": "grassroots_corruption", "severity": "serious", "title": TITLE,
                   "facts": "2025年食堂采购120万元未公开招标", "evidence": ["采购合同"],
                   "responsible": ["后勤主任某某"], "found_on": day(-10)}),
        )
        .await;
    assert_eq!(finding["body"]["coordinator"], CITY, "{finding}");
    assert_eq!(finding["body"]["target_unit"]["host"], HOST, "{finding}");
    let original = finding["id"].as_str().unwrap().to_string();
    let released = ids::release(&Uuid::parse_str(&original).unwrap()).to_string();
    // The original is not rectified as such.
    let why = net
        .refused(HOST, "rectification", rect(&original, "in_progress", &[]))
        .await;
    assert!(why.contains(&format!("no finding {original}")), "{why}");

    // 3. Before the feedback date nothing is released.
    let (status, outcome) = net
        .post(CITY, "/api/v1/assignments/release", &json!({}))
        .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(
        (
            outcome["released"].as_u64(),
            outcome["awaiting_feedback"].as_u64()
        ),
        (Some(0), Some(1)),
        "{outcome}"
    );
    // Whatever the city sent the county after the finding has arrived
    // (one origin, one order), and the finding did not come along.
    let notice = net
        .submit(
            CITY,
            "notice",
            json!({"title": "反馈会议安排", "text": "请做好反馈准备", "to": [HOST]}),
        )
        .await;
    net.wait_for(HOST, notice["id"].as_str().unwrap()).await;
    assert!(net.query(HOST, "finding").await.is_empty());

    // 4. The feedback is held today: the city releases the finding to the county.
    let mut today =
        json!({"kind": "round_plan", "id": plan_id, "round_id": ROUND, "body": plan(0)});
    today["body"].as_object_mut().unwrap().remove("round_id");
    let (status, v) = net.post(CITY, "/api/v1/records", &today).await;
    assert_eq!(status, 201, "{v}");
    let (status, outcome) = net
        .post(CITY, "/api/v1/assignments/release", &json!({}))
        .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["released"].as_u64(), Some(1), "{outcome}");
    net.wait_for(HOST, &released).await;
    let copy = net
        .get_json(HOST, &format!("/api/v1/records/{released}"))
        .await;
    assert_eq!(
        (
            &copy["origin"],
            &copy["body"]["title"],
            &copy["body"]["released_of"]
        ),
        (&json!(CITY), &json!(TITLE), &json!(original)),
        "{copy}"
    );
    for withheld in ["evidence", "responsible", "coordinator"] {
        assert!(copy["body"].get(withheld).is_none(), "{withheld}: {copy}");
    }

    // 5. The county rectifies; it cannot sign off its own work, the city does.
    net.submit(HOST, "rectification", rect(&released, "in_progress", &[]))
        .await;
    net.submit(
        HOST,
        "rectification",
        rect(&released, "completed", &["招标公告.pdf"]),
    )
    .await;
    wait_state(&net, CITY, &released, HOST, "completed").await;
    let why = net
        .refused(HOST, "rectification", rect(&released, "verified", &[]))
        .await;
    assert!(why.contains("refuse-rectify-inspector-signs-off"), "{why}");
    net.submit(CITY, "rectification", rect(&released, "verified", &[]))
        .await;
    for at in OFFICES {
        wait_state(&net, at, &released, HOST, "verified").await;
    }
    let report = net
        .get_json(CITY, &format!("/api/v1/reports/assignments?round={ROUND}"))
        .await;
    assert_eq!(report["rows"][0]["status"], "closed", "{report}");
    for id in OFFICES {
        assert!(net.quarantine(id).await.is_empty(), "quarantine at {id}");
    }
}
