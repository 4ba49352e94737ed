//! The workbench (巡察工作台) in headless Chromium, driven over WebDriver
//! (Debian's `chromium-driver`) against a real four-level network: a
//! clerk signs in, imports the unit register from a GB18030 CSV, files a
//! round plan and a finding through the forms, sees a rule refusal in
//! Chinese beside the field, and the finding is held at central; the clerk
//! reports the rectification completed and a reviewer signs it off (销号);
//! an operator's audit table names both people.
//!
//! Screenshots of each step are written under the test's temporary
//! directory and copied to `target/screenshots/` (kept after the run).

use std::process::{Command, Stdio};

use crate::common::browser::Browser;
use crate::common::desk::Desk;
use crate::common::practice::wait_state;
use crate::common::tree::small_tree;
use crate::common::{Net, text};

const CLERK: (&str, &str) = ("张录入", "clerk-password-1");
const REVIEWER: (&str, &str) = ("李审核", "reviewer-password-1");
const OPERATOR: (&str, &str) = ("王运维", "operator-password-1");
const COUNTY: &str = "630102";
const PROVINCE: &str = "630000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_and_a_reviewer_run_a_finding_through_the_workbench() {
    let mut net = Net::new(&small_tree().toml());
    for id in ["000000", "630000", "630100", COUNTY] {
        net.start(id).await;
    }
    let config = net.config_arg(COUNTY);
    for ((name, password), role) in [(CLERK, "录入"), (REVIEWER, "审核"), (OPERATOR, "运维")]
    {
        add_user(&config, name, role, password);
    }
    let base = format!("http://{}", net.nodes[COUNTY].operator_addr);
    let shots = net.dir.path().join("screenshots");
    let mut b = Browser::start(&base, net.dir.path(), &shots).await;

    // A wrong password is refused; the clerk signs in.
    b.sign_in(CLERK.0, "wrong-password", ".refusal").await;
    assert!(b.source().await.contains("用户名或密码不正确"));
    b.sign_in(CLERK.0, CLERK.1, "#who").await;
    assert!(b.text("#who").await.contains(CLERK.0));

    // The unit register from a GB18030 CSV with Chinese headers.
    let csv = "编号,名称,类型\nu1,雨润镇党委,乡镇\nu2,河家村党支部,村\nu3,县教育局党组,部门\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(csv);
    let file = net.dir.path().join("名册.csv");
    std::fs::write(&file, &gbk).unwrap();
    b.open("/wb/import").await;
    b.select("sheet", "units").await;
    b.fill("file", file.to_str().unwrap()).await;
    b.save().await;
    b.screenshot("1-import.png").await;

    // A round plan of two teams (the second row added with its button),
    // each inspecting one of the register's units.
    let round = "630102-2026-1";
    b.open("/wb/forms/plan").await;
    b.fill_all(&[
        ("round_id", round),
        ("round_no", "1"),
        ("title", "2026年第一轮巡察"),
    ])
    .await;
    b.select("term", "2021-2026").await;
    b.select("kind", "regular").await;
    b.fill_all(&[
        ("teams.0.id", "t1"),
        ("teams.0.name", "第一巡察组"),
        ("teams.0.leader", "张组长"),
    ])
    .await;
    b.click("input[name=\"teams.0.targets\"][value=u1]").await;
    b.click("#add-teams").await;
    b.fill_all(&[
        ("teams.1.id", "t2"),
        ("teams.1.name", "第二巡察组"),
        ("teams.1.leader", "李组长"),
    ])
    .await;
    b.click("input[name=\"teams.1.targets\"][value=u2]").await;
    b.screenshot("2-plan.png").await;
    b.save().await;
    let plan = &net.query(COUNTY, "round_plan").await[0]["body"];
    assert_eq!(plan["teams"][1]["id"], "t2", "{plan}");

    // A finding about a unit the round does not inspect: refused, in
    // Chinese, beside the unit; then about one it does.
    b.open("/wb/forms/finding").await;
    b.select("round_id", round).await;
    b.fill_all(&[
        ("number", "[2026]城东巡-1组-01号"),
        ("title", "低保评定优亲厚友"),
        ("team", "t2"),
        ("facts", "低保资金发放中优亲厚友，涉及3户。"),
    ])
    .await;
    b.select("category", "grassroots_corruption").await;
    b.select("severity", "serious").await;
    b.select("target_unit", "u3").await;
    b.click("#submit").await;
    let refusal = b.text("[data-field=target_unit] .refusal").await;
    assert!(
        refusal.contains("不符合规则")
            && refusal.contains("不是本轮的巡察对象")
            && refusal.contains("u3"),
        "a Chinese refusal beside the unit: {refusal}"
    );
    b.screenshot("3-finding-refused.png").await;
    b.select("target_unit", "u2").await;
    let saved = b.save().await;
    let fid = saved
        .split_whitespace()
        .last()
        .expect("the saved finding's id")
        .to_string();
    assert!(saved.contains("finding"), "{saved}");
    // Filed with every office above, central too.
    net.wait_for("000000", &fid).await;

    // The clerk reports progress, then completion with evidence and a
    // second measure.
    for (status, evidence) in [("in_progress", ""), ("completed", "复核台账.pdf")] {
        b.open("/wb/forms/progress").await;
        b.select("finding_id", &fid).await;
        b.select("status", status).await;
        b.set_value("#f-deadline", &crate::common::practice::day(40))
            .await;
        b.fill_all(&[
            ("responsible_unit", "河家村党支部"),
            ("measures.0.goal", "重新评定低保"),
            ("measures.0.measures", "逐户复核"),
        ])
        .await;
        if !evidence.is_empty() {
            b.click("#add-measures").await;
            b.fill_all(&[("measures.1.goal", "追回违规资金"), ("evidence", evidence)])
                .await;
        }
        b.save().await;
    }
    wait_state(&net, COUNTY, &fid, COUNTY, "completed").await;
    // A clerk may not sign off.
    b.open("/wb/forms/signoff").await;
    assert!(b.source().await.contains("无权"));
    b.click("#sign-out").await;

    // The reviewer signs it off (销号).
    b.sign_in(REVIEWER.0, REVIEWER.1, "#who").await;
    b.open("/wb/forms/signoff").await;
    b.select("finding_id", &format!("{fid}|{COUNTY}")).await;
    b.fill("note", "验收通过").await;
    b.save().await;
    b.screenshot("4-signed-off.png").await;
    wait_state(&net, "000000", &fid, COUNTY, "verified").await;
    b.open("/wb/ledger?state=verified").await;
    assert!(
        b.source()
            .await
            .contains(&format!("data-finding=\"{fid}\""))
    );
    b.click("#sign-out").await;

    // The operator's audit table names both people.
    b.sign_in(OPERATOR.0, OPERATOR.1, "#who").await;
    b.open("/wb/audit").await;
    let audit = b.text("#audit").await;
    assert!(
        audit.contains(CLERK.0) && audit.contains(REVIEWER.0) && audit.contains("销号"),
        "{audit}"
    );
    b.screenshot("5-audit.png").await;
    let api = net.get_json(COUNTY, "/api/v1/audit").await;
    let by = |who: &str| {
        api.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["user"] == who && e["record_id"].is_string())
            .count()
    };
    assert!(by(CLERK.0) >= 5 && by(REVIEWER.0) == 1, "{api}");
    b.quit().await;
}

/// `xunlian user add`, the password on standard input.
fn add_user(config: &str, name: &str, role: &str, password: &str) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_xunlian"))
        .args(["user", "add", "--config", config, name, "--role", role])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run xunlian user add");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "user add {name}: {}", text(&out));
}

/// Sessions and CSRF without a browser: a page without a session goes to
/// the sign-in page; the session cookie is HttpOnly and SameSite=Strict;
/// a POST without the session's CSRF token is refused and writes nothing;
/// with it the record is written and audited; disabling the account ends
/// its session at once. At the province, whose store is PostgreSQL in
/// `tests/run.sh`'s second pass, so the accounts and the audit run there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_needs_its_sessions_csrf_token_and_a_disabled_account_is_signed_out() {
    let mut net = Net::new(&small_tree().toml());
    net.start(PROVINCE).await;
    let config = net.config_arg(PROVINCE);
    add_user(&config, "clerk1", "clerk", CLERK.1);
    let base = format!("http://{}", net.nodes[PROVINCE].operator_addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = |url: &str, cookie: &str, body: String| {
        http.post(format!("{base}{url}"))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    let r = http
        .get(format!("{base}/wb/forms/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/wb/login");

    let r = form("/wb/login", "", format!("user=clerk1&password={}", CLERK.1))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();

    let page = http
        .get(format!("{base}/wb/forms/units"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("the form's CSRF token")
        .to_string();
    let unit = "units.id=u9&units.name=Unit9&units.type=village";
    for token in ["", "csrf=forged&"] {
        let r = form("/wb/forms/units", &cookie, format!("{token}{unit}"))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{token:?}");
    }
    assert!(net.query(PROVINCE, "unit_register").await.is_empty());

    let r = form("/wb/forms/units", &cookie, format!("csrf={csrf}&{unit}"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("id=\"saved\""));
    let registers = net.query(PROVINCE, "unit_register").await;
    assert_eq!(
        registers[0]["body"]["units"][0]["id"], "u9",
        "{registers:?}"
    );
    let audit = crate::common::run_ok(&["audit", "--config", &config, "--user", "clerk1"]);
    assert!(
        audit.contains("提交") && audit.contains("单位名册") && audit.contains("127.0.0.1"),
        "{audit}"
    );

    crate::common::run_ok(&["user", "disable", "--config", &config, "clerk1"]);
    let r = http
        .get(format!("{base}/wb/forms/units"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "signed out once disabled");
    let r = form("/wb/login", "", format!("user=clerk1&password={}", CLERK.1))
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        401,
        "a disabled account cannot sign in"
    );
}

/// The texts a page labels things with: its title and headings, field
/// labels, table headings, buttons and navigation (not the language
/// switch, which names the other language in that language).
fn labels(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in [
        "title", "h1", "h2", "label", "th", "button", "a", "span", "legend",
    ] {
        for part in page.split(&format!("<{tag}")).skip(1) {
            let Some((attrs, rest)) = part.split_once('>') else {
                continue;
            };
            if attrs.contains("id=\"lang\"") || !attrs.is_empty() && !attrs.starts_with(' ') {
                continue;
            }
            let inner = rest.split(&format!("</{tag}>")).next().unwrap_or_default();
            let mut text = String::new();
            let mut in_tag = false;
            for c in inner.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            out.push(text.trim().to_string());
        }
    }
    out
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    })
}

/// The workbench is Chinese by default; a person who follows the English
/// link gets English pages from then on (a cookie), with no Chinese in
/// their labels, and back again with 中文.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_switches_to_english_reads_the_workbench_in_english() {
    let mut net = Net::new(&small_tree().toml());
    net.start(PROVINCE).await;
    add_user(&net.config_arg(PROVINCE), "clerk1", "clerk", CLERK.1);
    let base = format!("http://{}", net.nodes[PROVINCE].operator_addr);
    let mut d = Desk::sign_in(&base, "clerk1", CLERK.1).await;

    let (_, page) = d.get("/wb/forms/units").await;
    assert!(page.contains("<html lang=\"zh-CN\">") && page.contains("单位编号"));
    assert!(page.contains("id=\"lang\" href=\"?lang=en\""), "{page}");

    let (status, page) = d.get("/wb/forms/units?lang=en").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"en\">") && page.contains("Unit id"));
    for path in [
        "/wb",
        "/wb/forms/units",
        "/wb/forms/plan",
        "/wb/forms/finding",
        "/wb/forms/clue",
        "/wb/forms/disposal",
        "/wb/forms/progress",
        "/wb/import",
        "/wb/ledger",
    ] {
        let (status, page) = d.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains("<html lang=\"en\">"), "{path} stays English");
        assert!(labels(&page).len() > 5, "{path}: labels found");
        let chinese: Vec<String> = labels(&page).into_iter().filter(|l| has_cjk(l)).collect();
        assert!(chinese.is_empty(), "{path}: Chinese labels {chinese:?}");
    }
    // A refusal of the form's own checks is in English too.
    let (status, page) = d.post("/wb/forms/units", &[("units.id", "u1")]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Required") && page.contains("Nothing was saved"),
        "{page}"
    );

    let (_, page) = d.get("/wb/ledger?lang=zh").await;
    assert!(page.contains("整改台账"));
    let (_, page) = d.get("/wb").await;
    assert!(page.contains("<html lang=\"zh-CN\">"), "back to Chinese");
}

/// The id of the record a form page says it saved.
fn saved_id(page: &str) -> String {
    page.split("id=\"saved\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.split_whitespace().last())
        .unwrap_or_else(|| panic!("nothing saved:\n{page}"))
        .to_string()
}

/// The forms' rows and the verdicts, over HTTP: a round plan with two
/// teams (the second row added with its button, nothing saved by adding),
/// a finding, its progress with two measures; a reviewer reopens it (退回)
/// with a reason, which a reopen without one is refused; a clue about the
/// finding transferred to the county level, and its disposal reported by
/// the county office, where it was transferred.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forms_save_several_teams_and_measures_a_reopen_and_a_disposal() {
    let mut net = Net::new(&small_tree().toml());
    net.start(COUNTY).await;
    let config = net.config_arg(COUNTY);
    add_user(&config, CLERK.0, "clerk", CLERK.1);
    add_user(&config, REVIEWER.0, "reviewer", REVIEWER.1);
    let base = format!("http://{}", net.nodes[COUNTY].operator_addr);
    let mut clerk = Desk::sign_in(&base, CLERK.0, CLERK.1).await;

    clerk.get("/wb/forms/units").await;
    for (id, name) in [("u1", "雨润镇党委"), ("u2", "河家村党支部")] {
        let (status, page) = clerk
            .post(
                "/wb/forms/units",
                &[
                    ("units.id", id),
                    ("units.name", name),
                    ("units.type", "village"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{page}");
    }

    // The plan: a second team row added, then both teams saved.
    let round = "630102-2026-2";
    let mut plan = vec![
        ("round_id", round),
        ("term", "2021-2026"),
        ("round_no", "2"),
        ("kind", "regular"),
        ("title", "2026年第二轮巡察"),
        ("teams.0.id", "t1"),
        ("teams.0.name", "第一巡察组"),
        ("teams.0.leader", "张组长"),
        ("teams.0.targets", "u1"),
    ];
    clerk.get("/wb/forms/plan").await;
    let mut added = plan.clone();
    added.push(("add", "teams"));
    let (status, page) = clerk.post("/wb/forms/plan", &added).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"f-teams.1.id\"") && !page.contains("id=\"saved\""),
        "a second team row, nothing saved:\n{page}"
    );
    assert!(net.query(COUNTY, "round_plan").await.is_empty());
    plan.extend([
        ("teams.1.id", "t2"),
        ("teams.1.name", "第二巡察组"),
        ("teams.1.leader", "李组长"),
        ("teams.1.targets", "u2"),
    ]);
    let (status, page) = clerk.post("/wb/forms/plan", &plan).await;
    assert_eq!(status, 200, "{page}");
    let plans = net.query(COUNTY, "round_plan").await;
    let body = &plans[0]["body"];
    assert_eq!(body["teams"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["targets"][1]["team"], "t2", "{body}");

    // The same team twice is refused beside the second row's id.
    let mut twice = plan.clone();
    twice.retain(|(k, _)| *k != "teams.1.id");
    twice.push(("teams.1.id", "t1"));
    twice.retain(|(k, _)| *k != "round_id");
    twice.push(("round_id", "630102-2026-3"));
    let (status, page) = clerk.post("/wb/forms/plan", &twice).await;
    assert_eq!(status, 422);
    let beside = page
        .split("data-field=\"teams.1.id\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or_default();
    assert!(beside.contains("巡察组 t1 重复"), "{page}");

    // A finding; its progress, completed, with two measures.
    clerk.get("/wb/forms/finding").await;
    let (status, page) = clerk
        .post(
            "/wb/forms/finding",
            &[
                ("round_id", round),
                ("number", "[2026]城东巡-2组-01号"),
                ("title", "村务公开不及时"),
                ("category", "grassroots_corruption"),
                ("severity", "general"),
                ("target_unit", "u2"),
                ("team", "t2"),
                ("facts", "2025年村务未按季度公开。"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let fid = saved_id(&page);
    clerk.get("/wb/forms/progress").await;
    let (status, page) = clerk
        .post(
            "/wb/forms/progress",
            &[
                ("finding_id", &fid),
                ("status", "completed"),
                ("deadline", &crate::common::practice::day(30)),
                ("responsible_unit", "河家村党支部"),
                ("measures.0.goal", "按季度公开村务"),
                ("measures.0.measures", "建立公开台账"),
                ("measures.1.goal", "补公开2025年村务"),
                ("measures.1.measures", "一次性补齐"),
                ("measures.1.lead_department", "乡镇纪委"),
                ("evidence", "公开栏照片.jpg"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    wait_state(&net, COUNTY, &fid, COUNTY, "completed").await;
    let rect = net.query(COUNTY, "rectification").await;
    let measures = rect
        .iter()
        .find(|r| r["body"]["finding_id"] == fid.as_str())
        .map(|r| r["body"]["measures"].clone())
        .unwrap();
    assert_eq!(measures.as_array().unwrap().len(), 2, "{measures}");
    assert_eq!(measures[1]["lead_department"], "乡镇纪委");

    // A clerk may not reopen; a reviewer reopens, with a reason.
    let (status, _) = clerk.get("/wb/forms/reopen").await;
    assert_eq!(status, 403);
    let mut reviewer = Desk::sign_in(&base, REVIEWER.0, REVIEWER.1).await;
    let (_, page) = reviewer.get("/wb/forms/reopen").await;
    let chosen = format!("{fid}|{COUNTY}");
    assert!(page.contains(&chosen), "{page}");
    let (status, page) = reviewer
        .post("/wb/forms/reopen", &[("finding_id", &chosen)])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("必填"), "a reason is required:\n{page}");
    let (status, page) = reviewer
        .post(
            "/wb/forms/reopen",
            &[
                ("finding_id", &chosen),
                ("reason", "佐证不足，缺少公开记录"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    wait_state(&net, COUNTY, &fid, COUNTY, "reopened").await;
    let audit = net.get_json(COUNTY, "/api/v1/audit").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["user"] == REVIEWER.0 && e["action"] == "reopen"),
        "{audit}"
    );

    // A clue to the county level; the county reports its disposal.
    clerk.get("/wb/forms/clue").await;
    let (status, page) = clerk
        .post(
            "/wb/forms/clue",
            &[
                ("transfer_to", "discipline_commission"),
                ("managing_level", "county"),
                ("finding_ids", &fid),
                ("subject", "某村干部"),
                ("summary", "涉嫌虚报冒领"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let clue = saved_id(&page);
    let (_, page) = clerk.get("/wb/forms/disposal").await;
    assert!(page.contains(&format!("value=\"{clue}\"")), "{page}");
    let (status, page) = clerk
        .post(
            "/wb/forms/disposal",
            &[
                ("disposal_of", &clue),
                ("disposal.method", "talk_inquiry"),
                ("disposal.reported_on", &crate::common::practice::day(0)),
                ("disposal.note", "已谈话"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let clues = net.query(COUNTY, "clue").await;
    let report = clues
        .iter()
        .find(|c| c["body"]["disposal_of"] == clue.as_str())
        .unwrap_or_else(|| panic!("a disposal report of {clue}: {clues:?}"));
    assert_eq!(report["body"]["disposal"]["method"], "talk_inquiry");
    let (_, page) = clerk.get("/wb/forms/disposal").await;
    assert!(
        !page.contains(&format!("value=\"{clue}\"")),
        "a disposed clue is no longer offered"
    );
}

/// A node whose config says `ui.lang = "en"` serves the workbench in
/// English until a person chooses 中文.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbench_follows_the_nodes_ui_lang_until_a_person_chooses() {
    let mut net = Net::new(&small_tree().toml());
    let path = net.nodes[PROVINCE].config.clone();
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str("\n[ui]\nlang = \"en\"\n");
    std::fs::write(&path, config).unwrap();
    net.start(PROVINCE).await;
    add_user(&net.config_arg(PROVINCE), "clerk1", "clerk", CLERK.1);
    let base = format!("http://{}", net.nodes[PROVINCE].operator_addr);
    let mut d = Desk::sign_in(&base, "clerk1", CLERK.1).await;
    let (_, page) = d.get("/wb/login").await;
    assert!(page.contains("<html lang=\"en\">") && page.contains("Password"));
    let (_, page) = d.get("/wb/forms/finding?lang=zh").await;
    assert!(page.contains("<html lang=\"zh-CN\">") && page.contains("问题类别"));
    let (_, page) = d.get("/wb/forms/finding").await;
    assert!(page.contains("问题类别"), "the choice holds");
}
