//! The inspection practice across a real four-level network: a county
//! imports its unit register, plans a round, files findings and a clue,
//! rectifies to sign-off (销号); a city shares a common issue down and
//! supervises its counties' rectification; coverage and statistics add up
//! at every level.

use crate::common::practice::{day, row, wait_state};
use crate::common::tree::small_tree;
use crate::common::{Net, text, wait_until, xunlian};
use serde_json::{Value, json};

fn plan(round_no: u32, targets: Value) -> Value {
    json!({
        "term": "2021-2026", "round_no": round_no, "kind": "regular",
        "title": "2026年第一轮巡察",
        "dates": {"start": day(-60), "entry": day(-55), "feedback": day(-10), "end": day(20)},
        "teams": [{"id": "t1", "name": "第一巡察组", "leader": "张三"}],
        "targets": targets,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_runs_from_register_to_sign_off_across_the_tree() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let county = net.config_arg("630102");

    // 1. The unit register: a bad row is refused by line, nothing imported.
    let bad = net.dir.path().join("bad.csv");
    std::fs::write(&bad, "id,name,type\nu1,雨润镇党委,乡镇\nu2,某单位,农场\n").unwrap();
    let out = xunlian(&[
        "units",
        "import",
        "--config",
        &county,
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("line 3") && text(&out).contains("未导入任何内容"),
        "{}",
        text(&out)
    );
    assert!(net.query("630102", "unit_register").await.is_empty());
    let good = net.dir.path().join("units.csv");
    std::fs::write(
        &good,
        "\u{feff}id,name,type\nu1,雨润镇党委,乡镇\nu2,河家村党支部,村\nu3,县教育局党组,部门\nu4,沙沟村党支部,村\n",
    )
    .unwrap();
    let out = xunlian(&[
        "units",
        "import",
        "--config",
        &county,
        good.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("名册共 4 个单位"), "{}", text(&out));

    // 2. Round plans are validated where they are written.
    let round = "630102-2026-1";
    let mut disordered = plan(1, json!([]));
    disordered["dates"]["feedback"] = json!(day(-70));
    let (status, v) = net
        .post(
            "630102",
            "/api/v1/records",
            &json!({"kind": "round_plan", "round_id": round, "body": disordered}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("body.dates.feedback"),
        "{v}"
    );
    let unknown = plan(1, json!([{"unit_id": "u9", "team": "t1"}]));
    let (status, v) = net
        .post(
            "630102",
            "/api/v1/records",
            &json!({"kind": "round_plan", "round_id": round, "body": unknown}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(v["rule"], "refuse-plan-unit-unregistered", "{v}");
    let targets = json!([{"unit_id": "u1", "unit_name": "雨润镇党委", "team": "t1"},
                         {"unit_id": "u2", "unit_name": "河家村党支部", "team": "t1"}]);
    let (status, p) = net
        .post(
            "630102",
            "/api/v1/records",
            &json!({"kind": "round_plan", "round_id": round, "body": plan(1, targets)}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    // Filed (报备) with every ancestor automatically.
    for up in ["630100", "630000", "000000"] {
        net.wait_for(up, p["id"].as_str().unwrap()).await;
    }

    // 3. Findings: one problem each, checked against the term's taxonomy.
    let finding = |title: &str, category: &str| {
        json!({"round_id": round, "number": "[2026]城东巡-1组-01号", "team": "t1",
               "target_unit": {"unit_id": "u2", "unit_name": "河家村党支部"},
               "category": category, "severity": "serious", "title": title,
               "facts": "低保资金发放中优亲厚友，涉及3户。", "responsible": ["李四"],
               "found_on": day(-30)})
    };
    let why = net
        .refused(
            "630102",
            "finding",
            finding("错配分类", "theory_and_policy"),
        )
        .await;
    assert!(why.contains("body.category"), "{why}");
    let f = net
        .submit(
            "630102",
            "finding",
            finding("低保评定优亲厚友", "grassroots_corruption"),
        )
        .await;
    let fid = f["id"].as_str().unwrap().to_string();
    for up in ["630100", "630000", "000000"] {
        net.wait_for(up, &fid).await;
    }

    // 4. A clue about a cadre the city manages climbs to the city only.
    // Its enumerated values written by their Chinese names are stored as
    // their codes.
    let clue = net
        .submit(
            "630102",
            "clue",
            json!({"transfer_to": "纪委监委", "managing_level": "市级",
                   "finding_ids": [fid], "summary": "村支书涉嫌优亲厚友", "subject": "王某"}),
        )
        .await;
    assert_eq!(
        (
            &clue["body"]["transfer_to"],
            &clue["body"]["managing_level"]
        ),
        (&json!("discipline_commission"), &json!("municipal"))
    );
    let cid = clue["id"].as_str().unwrap().to_string();
    net.wait_for("630100", &cid).await;
    // The city reports its disposal; the county may not.
    let disposal = json!({"disposal_of": cid, "disposal": {"method": "preliminary_verification"}});
    let why = net.refused("630102", "clue", disposal.clone()).await;
    assert!(
        why.contains("only the office there reports its disposal"),
        "{why}"
    );
    let mut named = disposal.clone();
    named["disposal"]["method"] = json!("初步核实");
    let d = net.submit("630100", "clue", named).await;
    assert_eq!(d["body"]["disposal"]["method"], "preliminary_verification");
    net.wait_for("630000", d["id"].as_str().unwrap()).await;

    // 5. Rectification: forbidden transitions are refused with their rule.
    let rect = |status: &str, extra: Value| {
        let mut b = json!({"finding_id": fid, "inspecting_office": "630102", "host_office": "630102",
                           "status": status, "deadline": day(40), "responsible_unit": "河家村党支部",
                           "measures": [{"goal": "重新评定低保", "measures": "逐户复核",
                                         "responsible_leader": "赵书记", "lead_department": "民政局",
                                         "supporting_departments": ["乡镇"]}]});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let why = net
        .refused("630102", "rectification", rect("verified", json!({})))
        .await;
    assert!(
        why.contains("refuse-rectify-verdict-after-completed"),
        "{why}"
    );
    net.submit("630102", "rectification", rect("in_progress", json!({})))
        .await;
    let why = net
        .refused("630102", "rectification", rect("completed", json!({})))
        .await;
    assert!(
        why.contains("refuse-rectify-evidence-for-completed"),
        "{why}"
    );
    net.submit(
        "630102",
        "rectification",
        rect("completed", json!({"evidence": ["复核台账.pdf"]})),
    )
    .await;
    wait_state(&net, "000000", &fid, "630102", "completed").await;
    net.submit("630102", "rectification", rect("verified", json!({})))
        .await;
    for at in ["630102", "630100", "630000", "000000"] {
        wait_state(&net, at, &fid, "630102", "verified").await;
    }
    let why = net
        .refused("630102", "rectification", rect("in_progress", json!({})))
        .await;
    assert!(why.contains("refuse-rectify-closed-is-final"), "{why}");

    // 6. A common issue (共性问题) of the city reaches its counties redacted;
    // each links its own rectification (联动整改), which the city supervises.
    let city_round = "630100-2026-1";
    net.submit(
        "630100",
        "round_plan",
        json!({"round_id": city_round, "term": "2021-2026",
        "round_no": 1, "kind": "special", "title": "惠民资金专项巡察",
        // Fed back in two days: the city's own plan is due 15 working days
        // after that, 19 to 21 days on by the weekday, so at least 21 days
        // from today, beyond the warnings (20 days). Fed back today, it was
        // due in 20 days when today is a Saturday: a green notice more.
        "dates": {"start": day(-60), "entry": day(-55), "feedback": day(2), "end": day(20)}}),
    )
    .await;
    let common = net
        .submit(
            "630100",
            "finding",
            json!({"round_id": city_round, "category": "policy_delivery",
            "severity": "general", "title": "惠民补贴发放不及时", "common": true,
            "facts": "某镇某村滞留资金", "responsible": ["某镇长"]}),
        )
        .await;
    let common_id = common["id"].as_str().unwrap();
    let copy = wait_copy(&net, "630103", common_id).await;
    assert!(
        copy["body"].get("facts").is_none() && copy["body"].get("responsible").is_none(),
        "{copy}"
    );
    assert!(
        !net.has("630202", copy["id"].as_str().unwrap()).await,
        "a copy outside the subtree"
    );
    let copy_id = copy["id"].as_str().unwrap().to_string();
    net.submit(
        "630103",
        "rectification",
        json!({"finding_id": copy_id, "inspecting_office": "630100",
        "host_office": "630103", "status": "in_progress", "deadline": day(5)}),
    )
    .await;
    wait_state(&net, "630100", &copy_id, "630103", "in_progress").await;
    let (status, outcome) = net
        .post("630100", "/api/v1/supervision/run", &json!({}))
        .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["notices_sent"], 1, "{outcome}");
    assert_eq!(outcome["rectifications"]["yellow"], 1, "{outcome}");
    wait_until("the supervision notice at 630103", || async {
        net.query("630103", "notice")
            .await
            .iter()
            .any(|n| n["body"]["category"] == "supervision" && n["body"]["grade"] == "yellow")
    })
    .await;
    // Once per grade change, not on every run.
    let (_, again) = net
        .post("630100", "/api/v1/supervision/run", &json!({}))
        .await;
    assert_eq!(again["notices_sent"], 0, "{again}");

    // 7. Coverage and statistics add up at every level.
    let cov = net
        .get_json("630102", "/api/v1/reports/coverage?term=2021-2026")
        .await;
    let own = &row(&cov, "630102")["own"];
    assert_eq!(
        (own["units"].as_u64(), own["inspected"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(own["villages_inspected"], 1);
    let cov_top = net.get_json("000000", "/api/v1/reports/coverage").await;
    wait_until("the register to reach central", || async {
        let c = net.get_json("000000", "/api/v1/reports/coverage").await;
        row(&c, "000000")["subtree"]["units"] == 4
    })
    .await;
    assert_eq!(cov_top["term"], "2021-2026");
    let stats = net.get_json("630000", "/api/v1/reports/stats").await;
    let s = &row(&stats, "630000")["subtree"];
    assert_eq!(s["findings"], 2, "{stats}");
    assert_eq!(s["rectification"][round], json!([1, 1]), "{stats}");
    assert_eq!(row(&stats, "630100")["own"]["findings"], 1);
    // Clue figures are seen everywhere above, though the clue stopped at
    // the city: its tallies carry no content. The county sees the disposal.
    for at in ["630102", "630100", "630000", "000000"] {
        wait_until(&format!("the clue figures of 630102 at {at}"), || async {
            let stats = net.get_json(at, "/api/v1/reports/stats").await;
            let c = &row(&stats, "630102")["own"];
            (c["clues"].as_u64(), c["clues_disposed"].as_u64()) == (Some(1), Some(1))
        })
        .await;
    }
    assert!(
        !net.has("630000", &cid).await,
        "the clue itself stops at the city"
    );
    let out = xunlian(&["report", "coverage", "--config", &county]);
    assert!(text(&out).contains("2/4, 50.0%"), "{}", text(&out));
    let out = xunlian(&["report", "stats", "--config", &net.config_arg("630000")]);
    assert!(
        text(&out).contains(&format!("{round}：1/1 已销号，100.0%")),
        "{}",
        text(&out)
    );

    // 8. A follow-up round (回头看) re-checks findings of the earlier round.
    let follow = |rechecks: Value| {
        json!({"kind": "round_plan", "round_id": "630102-2026-2", "body": {
            "term": "2021-2026", "round_no": 2, "kind": "follow_up", "title": "巡察整改“回头看”",
            "follow_up_of": round, "rechecks": rechecks}})
    };
    let (status, v) = net
        .post("630102", "/api/v1/records", &follow(json!([copy_id])))
        .await;
    assert_eq!(status, 422, "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains("body.rechecks[0]"),
        "{v}"
    );
    let (status, v) = net
        .post("630102", "/api/v1/records", &follow(json!([fid])))
        .await;
    assert_eq!(status, 201, "{v}");
    net.wait_for("000000", v["id"].as_str().unwrap()).await;

    // 9. Exports open in Excel: UTF-8 with a BOM, Chinese intact.
    let csv = net.get_text("630102", "/api/v1/exports/ledger.csv").await;
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("低保评定优亲厚友"),
        "{csv}"
    );
    let out_file = net.dir.path().join("findings.csv");
    let out = xunlian(&[
        "export",
        "findings",
        "--config",
        &county,
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let bytes = std::fs::read(&out_file).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    assert!(String::from_utf8(bytes).unwrap().contains("河家村党支部"));
}

/// Waits for the redacted copy of common finding `original` at `at`.
async fn wait_copy(net: &Net, at: &str, original: &str) -> Value {
    let copy = || async {
        net.query(at, "finding")
            .await
            .into_iter()
            .find(|f| f["body"]["redacted_of"] == original)
    };
    wait_until(&format!("the copy of {original} at {at}"), || async {
        copy().await.is_some()
    })
    .await;
    copy().await.unwrap()
}
