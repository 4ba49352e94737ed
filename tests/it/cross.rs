//! Cross (交叉巡察) and elevated (提级巡察) inspections coordinated from
//! above, across a real network: a province plans a cross inspection
//! between counties of two cities; the inspecting county plans its round
//! under the assignment and files findings and a clue; the inspected
//! county learns nothing of them before the feedback date (反馈) — checked
//! in its store file — then receives them released and redacted, never
//! the clue; it rectifies, the province signs off (销号), and every office
//! above either county sees the case closed. An elevated inspection takes
//! units over from a county, whose own plans may then not target them.

use crate::common::practice::{day, row, wait_state};
use crate::common::tree::small_tree;
use crate::common::{Net, text, wait_until, xunlian};
use serde_json::{Value, json};
use uuid::Uuid;
use xunlian::workflow::ids;

/// Central, one province, two cities with two counties each.
fn cross_tree() -> String {
    small_tree()
        .county("630203", "平安区委巡察办", "630200")
        .toml()
}

const COUNTIES: [&str; 4] = ["630102", "630103", "630202", "630203"];

/// Strings only the findings and the clue carry: none may reach the
/// inspected county early, and the clue's and the withheld fields' never.
const TITLE: &str = "惠农补贴资金滞留未发放";
const FACTS: &str = "抽查发现2025年度惠农补贴滞留乡镇财政所超过三个月";
const EVIDENCE: &str = "询问笔录第三页及银行流水";
const RESPONSIBLE: &str = "财政所长马某某";
const FINDER: &str = "巡察干部韩某某";
const CLUE_SUMMARY: &str = "镇党委书记涉嫌截留补贴资金";

/// Everything `id`'s SQLite store holds, as text: the database file and its
/// write-ahead log, bytes read directly (nothing goes through the daemon).
fn store_bytes(net: &Net, id: &str) -> String {
    let db = net.store_file(id);
    let mut text = String::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            text += &String::from_utf8_lossy(&bytes);
        }
    }
    assert!(!text.is_empty(), "no store file at {}", db.display());
    text
}

/// The (kind, id) of every record in `id`'s store, read with SQL from the file.
async fn stored_records(net: &Net, id: &str) -> Vec<(String, String)> {
    let pool = net.open_store(id).await;
    let rows = sqlx::query("SELECT kind, id FROM records")
        .fetch_all(&pool)
        .await
        .expect("read records");
    pool.close().await;
    rows.iter()
        .map(|r| {
            (
                sqlx::Row::get::<String, _>(r, "kind"),
                sqlx::Row::get::<String, _>(r, "id"),
            )
        })
        .collect()
}

/// `id`'s store holds no finding, no clue, and none of the strings of the
/// cross findings or the clue.
async fn holds_nothing_of_the_findings(net: &Net, id: &str) {
    let kinds: Vec<String> = stored_records(net, id)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        !kinds.iter().any(|k| k == "finding" || k == "clue"),
        "{id}'s store holds {kinds:?}"
    );
    let bytes = store_bytes(net, id);
    for secret in [TITLE, FACTS, EVIDENCE, RESPONSIBLE, FINDER, CLUE_SUMMARY] {
        assert!(
            !bytes.contains(secret),
            "{id}'s store file contains {secret:?}"
        );
    }
}

/// The status of pair `by` → `of` of `round` in `at`'s assignments report.
async fn pair_status(net: &Net, at: &str, round: &str, by: &str, of: &str) -> String {
    let report = net
        .get_json(at, &format!("/api/v1/reports/assignments?round={round}"))
        .await;
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["inspecting"] == by && r["inspected"] == of)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no pair {by} → {of} at {at}: {report}"))
}

async fn wait_pair(net: &Net, at: &str, round: &str, by: &str, of: &str, want: &str) {
    wait_until(&format!("{by} → {of} to be {want} at {at}"), || async {
        pair_status(net, at, round, by, of).await == want
    })
    .await;
}

fn plan_body(round: &str, assignment: Option<&str>, host: &str, feedback: i64) -> Value {
    let mut body = json!({
        "term": "2021-2026", "round_no": 2, "kind": "cross", "title": "2026年第二轮交叉巡察",
        "dates": {"start": day(-20), "entry": day(-15), "feedback": day(feedback), "end": day(40)},
        "teams": [{"id": "t1", "name": "交叉巡察第一组", "leader": "韩组长"}],
        "targets": [{"unit_id": "u1", "unit_name": "雨润镇党委", "host": host, "team": "t1"}],
    });
    if let Some(a) = assignment {
        body["assignment_id"] = json!(a);
    }
    json!({"kind": "round_plan", "round_id": round, "body": body})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_inspection_is_released_at_feedback_and_closed_by_the_coordinator() {
    let mut net = Net::new(&cross_tree());
    // The province's release job runs every second, so it would release
    // anything early the moment it could.
    net.set_config_line("630000", "schedules", "release = \"* * * * * *\"");
    net.start_all().await;
    net.wait_knows("630000", &COUNTIES).await;
    let province = net.config_arg("630000");
    let round = "630000-2026-2";

    // 1. Only a common superior of every office named may issue an assignment.
    let (status, v) = net
        .post(
            "630100",
            "/api/v1/records",
            &json!({"kind": "assignment", "body": {"type": "cross", "round": round,
                    "pairs": [{"inspecting": "630102", "inspected": "630202"}]}}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let why = v["reason"].as_str().unwrap();
    assert!(
        why.starts_with("body.pairs[0].inspected: ")
            && why.contains("办公室 630202 不在 630100 之下")
            && why.contains("共同上级"),
        "{why}"
    );

    // 2. An impossible plan is refused with the constraint it breaks: two
    // counties of 西宁 cannot both inspect the one county of 海东 named.
    let cross = |offices: &str, extra: &[&str]| {
        let mut args = vec![
            "assign",
            "cross",
            "--config",
            &province,
            "--offices",
            offices,
            "--round",
            round,
        ];
        args.extend_from_slice(extra);
        xunlian(&args)
    };
    let out = cross("630102,630103,630202", &["--different-parent", "--dry-run"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no plan meets --different-parent"),
        "{}",
        text(&out)
    );
    // A dry run prints the plan and issues nothing; a seed fixes the plan.
    let all = COUNTIES.join(",");
    let planned = cross(&all, &["--different-parent", "--seed", "7", "--dry-run"]);
    assert!(planned.status.success(), "{}", text(&planned));
    assert!(
        text(&planned).contains("试运行：未下达") && text(&planned).contains("乐都区委巡察办"),
        "{}",
        text(&planned)
    );
    let again = cross(&all, &["--different-parent", "--seed", "7", "--dry-run"]);
    assert_eq!(planned.stdout, again.stdout);
    assert!(net.query("630000", "assignment").await.is_empty());

    // 3. Issued: the assignment reaches every office it names.
    let out = cross(&all, &["--different-parent", "--seed", "7", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pairs = outcome["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 4, "{outcome}");
    let aid = outcome["assignment"]["id"].as_str().unwrap().to_string();
    for c in COUNTIES {
        net.wait_for(c, &aid).await;
    }
    let host = "630202";
    let by = pairs
        .iter()
        .find(|p| p["inspected"] == host)
        .map(|p| p["inspecting"].as_str().unwrap().to_string())
        .unwrap();
    let by = by.as_str();
    let by_parent = if by == "630102" || by == "630103" {
        "630100"
    } else {
        panic!("{by} inspects {host} though both are under 630200")
    };
    assert_eq!(
        pair_status(&net, "630000", round, by, host).await,
        "planned"
    );

    // 4. The inspecting county plans the round under the assignment (the
    // daemon fills in the assignment_id); the plan reaches the host.
    // Units of an office the assignment does not pair it with are not its to plan.
    let (status, v) = net
        .post(by, "/api/v1/records", &plan_body(round, None, "630203", 5))
        .await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["rule"], "refuse-plan-unit-elsewhere", "{v}");
    let (status, plan) = net
        .post(by, "/api/v1/records", &plan_body(round, None, host, 5))
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["body"]["assignment_id"], aid.as_str());
    let plan_id = plan["id"].as_str().unwrap().to_string();
    net.wait_for(host, &plan_id).await;
    wait_pair(&net, "630000", round, by, host, "on_site").await;

    // 5. Findings and a clue; the daemon marks the findings as the province's to release.
    let finding = |title: &str, severity: &str| {
        json!({"round_id": round, "number": "[2026]交叉-1组-01号", "team": "t1",
               "target_unit": {"unit_id": "u1", "unit_name": "雨润镇党委"},
               "category": "grassroots_corruption", "severity": severity, "title": title,
               "facts": FACTS, "rule_violated": "惠民惠农财政补贴资金管理办法",
               "evidence": [EVIDENCE], "responsible": [RESPONSIBLE], "finder": FINDER,
               "found_on": day(-10)})
    };
    let f1 = net.submit(by, "finding", finding(TITLE, "serious")).await;
    assert_eq!(f1["body"]["coordinator"], "630000", "{f1}");
    assert_eq!(f1["body"]["target_unit"]["host"], host, "{f1}");
    let f2 = net
        .submit(by, "finding", finding(&format!("{TITLE}（二）"), "major"))
        .await;
    let originals: Vec<String> = [&f1, &f2]
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    // A clue of the cross inspection goes to the province, not lower.
    let why = net
        .refused(
            by,
            "clue",
            json!({"transfer_to": "discipline_commission", "managing_level": "county",
                   "finding_ids": [originals[0]], "summary": CLUE_SUMMARY}),
        )
        .await;
    assert!(why.contains("coordinated by 630000"), "{why}");
    let clue = net
        .submit(
            by,
            "clue",
            json!({"transfer_to": "discipline_commission", "managing_level": "provincial",
                   "finding_ids": [originals[0]], "summary": CLUE_SUMMARY, "subject": "李某"}),
        )
        .await;
    let clue_id = clue["id"].as_str().unwrap().to_string();
    for f in &originals {
        net.wait_for("630000", f).await;
        net.wait_for("000000", f).await;
    }
    net.wait_for("630000", &clue_id).await;
    // The inspecting office does not sign off a cross finding; nor is it rectified as such.
    let why = net
        .refused(
            by,
            "rectification",
            json!({"finding_id": originals[0], "inspecting_office": by, "host_office": host,
                   "status": "in_progress"}),
        )
        .await;
    assert!(why.contains("cross-inspection finding"), "{why}");

    // 6. Before the feedback date nothing is released, by the job or by hand.
    let (status, outcome) = net
        .post("630000", "/api/v1/assignments/release", &json!({}))
        .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(
        (
            outcome["released"].as_u64(),
            outcome["awaiting_feedback"].as_u64()
        ),
        (Some(0), Some(2)),
        "{outcome}"
    );
    let out = xunlian(&["assign", "release", "--config", &province]);
    assert!(text(&out).contains("\"released\": 0"), "{}", text(&out));
    let early = json!({"released_of": originals[0], "title": TITLE, "severity": "serious",
                       "category": "grassroots_corruption"});
    let why = net.refused("630000", "finding", early).await;
    assert!(why.contains("not before the feedback date"), "{why}");
    // Anything the province sent the host after the findings arrived has
    // arrived there (one origin, one order), and nothing of them came along.
    let notice = net
        .submit(
            "630000",
            "notice",
            json!({"title": "反馈会议安排", "text": "请做好反馈准备", "to": [host]}),
        )
        .await;
    net.wait_for(host, notice["id"].as_str().unwrap()).await;
    holds_nothing_of_the_findings(&net, host).await;
    holds_nothing_of_the_findings(&net, "630200").await;

    // 7. The feedback is held today: the inspecting county updates its plan,
    // and the province's job releases the findings, redacted.
    let mut v2 = plan_body(round, Some(&aid), host, 0);
    v2["id"] = json!(plan_id);
    let (status, v) = net.post(by, "/api/v1/records", &v2).await;
    assert_eq!(status, 201, "{v}");
    let released: Vec<String> = originals
        .iter()
        .map(|f| ids::release(&Uuid::parse_str(f).unwrap()).to_string())
        .collect();
    for r in &released {
        net.wait_for(host, r).await;
        net.wait_for(by, r).await;
    }
    let copy = net
        .get_json(host, &format!("/api/v1/records/{}", released[0]))
        .await;
    assert_eq!(copy["origin"], "630000");
    let body = &copy["body"];
    assert_eq!(
        (
            &body["title"],
            &body["facts"],
            &body["released_of"],
            &body["inspected_by"]
        ),
        (
            &json!(TITLE),
            &json!(FACTS),
            &json!(originals[0]),
            &json!(by)
        ),
        "{copy}"
    );
    for withheld in ["evidence", "responsible", "finder", "coordinator"] {
        assert!(body.get(withheld).is_none(), "{withheld} released: {copy}");
    }
    let kinds: Vec<String> = stored_records(&net, host)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(!kinds.iter().any(|k| k == "clue"), "{kinds:?}");
    let bytes = store_bytes(&net, host);
    assert!(bytes.contains(TITLE));
    for never in [EVIDENCE, RESPONSIBLE, FINDER, CLUE_SUMMARY] {
        assert!(
            !bytes.contains(never),
            "the host's store contains {never:?}"
        );
    }
    assert!(!net.has("630200", &clue_id).await && !net.has(host, &clue_id).await);
    wait_pair(&net, "630000", round, by, host, "fed_back").await;

    // 8. The host rectifies; only the coordinator signs off.
    let rect = |finding: &str, status: &str, extra: Value| {
        let mut b = json!({"finding_id": finding, "inspecting_office": "630000",
                           "host_office": host, "status": status, "deadline": day(60),
                           "responsible_unit": "雨润镇党委",
                           "measures": [{"goal": "补发资金", "measures": "逐户核对补发",
                                         "responsible_leader": "镇长", "lead_department": "财政所"}]});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    for r in &released {
        net.submit(host, "rectification", rect(r, "in_progress", json!({})))
            .await;
    }
    wait_pair(&net, "630000", round, by, host, "rectifying").await;
    for r in &released {
        let done = net
            .submit(
                host,
                "rectification",
                rect(r, "completed", json!({"evidence": ["补发凭证.pdf"]})),
            )
            .await;
        for at in [by, "630000"] {
            wait_state(&net, at, r, host, "completed").await;
        }
        assert_eq!(done["body"]["inspected_by"], by, "{done}");
    }
    let why = net
        .refused(
            by,
            "rectification",
            rect(&released[0], "verified", json!({})),
        )
        .await;
    assert!(why.contains("refuse-rectify-inspector-signs-off"), "{why}");
    for r in &released {
        net.submit("630000", "rectification", rect(r, "verified", json!({})))
            .await;
    }
    for at in [host, "630200", by, by_parent, "630000", "000000"] {
        for r in &released {
            wait_state(&net, at, r, host, "verified").await;
        }
    }
    for at in ["630000", host, by] {
        wait_pair(&net, at, round, by, host, "closed").await;
    }
    // Figures count the findings once, at the office that found them.
    let stats = net
        .get_json("000000", &format!("/api/v1/reports/stats?round={round}"))
        .await;
    let own = &row(&stats, by)["own"];
    assert_eq!(own["findings"], 2, "{stats}");
    assert_eq!(own["rectification"][round], json!([2, 2]), "{stats}");
    let out = xunlian(&[
        "report",
        "assignments",
        "--config",
        &province,
        "--round",
        round,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out)
            .lines()
            .any(|l| l.contains(by) && l.contains(host) && l.contains("已办结")),
        "{}",
        text(&out)
    );
    for id in net.nodes.keys() {
        assert!(net.quarantine(id).await.is_empty(), "quarantine at {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elevated_inspection_takes_units_over_for_its_round() {
    let mut net = Net::new(&cross_tree());
    for id in ["000000", "630000", "630100", "630200", "630202"] {
        net.start(id).await;
    }
    net.wait_knows("630000", &["630202"]).await;
    let register = net
        .submit(
            "630202",
            "unit_register",
            json!({"office": "630202", "units": [
                {"id": "u1", "name": "雨润镇党委", "type": "township"},
                {"id": "u2", "name": "县教育局党组", "type": "department"}]}),
        )
        .await;
    net.wait_for("630000", register["id"].as_str().unwrap())
        .await;
    let round = "630000-2026-3";
    let elevated = |at: &str, units: &str| {
        xunlian(&[
            "assign",
            "elevated",
            "--config",
            &net.config_arg(at),
            "--office",
            "630202",
            "--units",
            units,
            "--round",
            round,
        ])
    };
    let out = elevated("630000", "u2,u9");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("body.elevated.units[1]: 单位 u9 不在 630202 的名册中"),
        "{}",
        text(&out)
    );
    let out = elevated("630100", "u2");
    assert!(
        !out.status.success() && text(&out).contains("办公室 630202 不在 630100 之下"),
        "{}",
        text(&out)
    );
    let out = elevated("630000", "u2");
    assert!(out.status.success(), "{}", text(&out));
    // The county is told.
    wait_until("the elevated assignment at 630202", || async {
        !net.query("630202", "assignment").await.is_empty()
    })
    .await;
    let aid = net.query("630202", "assignment").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Its own plans may not target the unit in that round; other units they may.
    let plan = |targets: Value| {
        json!({"kind": "round_plan", "round_id": round, "body": {
            "term": "2021-2026", "round_no": 3, "kind": "regular", "title": "第三轮巡察",
            "teams": [{"id": "t1", "name": "第一巡察组", "leader": "张三"}], "targets": targets}})
    };
    let (status, v) = net
        .post(
            "630202",
            "/api/v1/records",
            &plan(json!([{"unit_id": "u2", "unit_name": "县教育局党组", "team": "t1"}])),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let why = v["reason"].as_str().unwrap();
    assert!(
        why.contains("630202 的单位 u2 在轮次") && why.contains("已由 630000 提级巡察"),
        "{why}"
    );
    let (status, v) = net
        .post(
            "630202",
            "/api/v1/records",
            &plan(json!([{"unit_id": "u1", "unit_name": "雨润镇党委", "team": "t1"}])),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // The province inspects the unit itself, under the assignment.
    let (status, v) = net
        .post(
            "630000",
            "/api/v1/records",
            &plan(
                json!([{"unit_id": "u2", "unit_name": "县教育局党组", "host": "630202",
                          "team": "t1"}]),
            ),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["body"]["assignment_id"], aid.as_str());
    net.wait_for("630202", v["id"].as_str().unwrap()).await;
    assert_eq!(
        pair_status(&net, "630202", round, "630000", "630202").await,
        "planned"
    );
}
