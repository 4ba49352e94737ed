//! Chinese first (issue 21): `--help`, `status` and the dashboard speak
//! Chinese by default and English when asked (`--lang en`, `LANG`,
//! `?lang=en`).

use std::process::Command;

use crate::common::tree::small_tree;
use crate::common::{Net, text, wait_until, xunlian};

/// `xunlian ARGS` with `LANG` set, as a shell with that locale runs it.
fn xunlian_in_locale(lang: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xunlian"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .expect("run xunlian")
}

#[test]
fn help_is_chinese_by_default_and_english_with_lang_en() {
    let zh = xunlian(&["--help"]);
    assert!(zh.status.success(), "{}", text(&zh));
    let zh = String::from_utf8_lossy(&zh.stdout);
    for part in ["用法：", "命令", "选项", "示例：", "显示运行中节点的状态"] {
        assert!(zh.contains(part), "{part:?} in:\n{zh}");
    }
    assert!(!zh.contains("Usage:") && !zh.contains("Options"), "{zh}");

    let en = xunlian(&["--lang", "en", "--help"]);
    let en = String::from_utf8_lossy(&en.stdout);
    for part in [
        "Usage:",
        "Commands",
        "Options",
        "Examples:",
        "Show a running node",
    ] {
        assert!(en.contains(part), "{part:?} in:\n{en}");
    }
    // The locale chooses English too, and --lang wins over it.
    let by_locale = xunlian_in_locale("en_US.UTF-8", &["status", "--help"]);
    let by_locale = String::from_utf8_lossy(&by_locale.stdout);
    assert!(
        by_locale.contains("The node's TOML config file"),
        "{by_locale}"
    );
    let flag_wins = xunlian_in_locale("en_US.UTF-8", &["status", "--help", "--lang", "zh"]);
    assert!(String::from_utf8_lossy(&flag_wins.stdout).contains("节点的 TOML 配置文件"));

    // Every subcommand's help has an example.
    for cmd in [
        &["status"][..],
        &["submit"],
        &["import", "units"],
        &["assign", "cross"],
        &["pki", "issue"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = xunlian(&args);
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && help.contains("示例：") && help.contains("xunlian "),
            "{cmd:?}:\n{help}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_dashboard_in_chinese_and_in_english() {
    let mut net = Net::new(&small_tree().toml());
    // The county's config asks for English.
    let county_config = net.nodes["630102"].config.clone();
    let mut config = std::fs::read_to_string(&county_config).unwrap();
    config.push_str("\n[ui]\nlang = \"en\"\n");
    std::fs::write(&county_config, config).unwrap();
    net.start("630100").await;
    net.start("630102").await;
    wait_until("the county's link to the city to be up", || async {
        net.status("630102").await["links"][0]["connected"] == true
    })
    .await;
    let county = net.config_arg("630102");
    let city = net.config_arg("630100");

    let zh = xunlian(&["status", "--config", &city]);
    let zh = String::from_utf8_lossy(&zh.stdout);
    for part in ["节点 630100", "本节点：", "对端", "积压", "已连接", "下级"] {
        assert!(zh.contains(part), "{part:?} in:\n{zh}");
    }
    // Columns align by display width: the state column starts at the
    // same terminal column in the heading and in the row.
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let heading = zh.lines().find(|l| l.starts_with("对端")).expect("heading");
    let row = zh.lines().find(|l| l.starts_with("630102")).expect("row");
    let col = |line: &str, what: &str| width(&line[..line.find(what).expect(what)]);
    assert_eq!(
        col(heading, "状态"),
        col(row, "已连接"),
        "\n{heading}\n{row}"
    );

    let en = xunlian(&["--lang", "en", "status", "--config", &city]);
    let en = String::from_utf8_lossy(&en.stdout);
    for part in [
        "node 630100",
        "this node: ",
        "PEER",
        "BACKLOG",
        "connected",
        "child",
    ] {
        assert!(en.contains(part), "{part:?} in:\n{en}");
    }
    // The county's ui.lang chooses English for its own commands.
    let by_config = xunlian(&["status", "--config", &county]);
    let by_config = String::from_utf8_lossy(&by_config.stdout);
    assert!(by_config.contains("this node: ok"), "{by_config}");

    let page = net.get_text("630100", "/").await;
    for part in [
        "<html lang=\"zh-CN\">",
        "下级机构",
        "链路",
        "链路中断",
        "正常",
        "证书",
    ] {
        assert!(page.contains(part), "{part:?} in the Chinese dashboard");
    }
    assert!(!page.contains("<h2>Links</h2>"), "no English headings");
    let page = net.get_text("630100", "/?lang=en").await;
    for part in [
        "<html lang=\"en\">",
        "Offices (",
        "<h2>Links</h2>",
        "links down",
        "Certificates",
    ] {
        assert!(page.contains(part), "{part:?} in the English dashboard");
    }
    // The county's dashboard follows its ui.lang; ?lang=zh asks for Chinese.
    let page = net.get_text("630102", "/").await;
    assert!(
        page.contains("<h2>Links</h2>"),
        "the county's page in English"
    );
    let page = net.get_text("630102", "/?lang=zh").await;
    assert!(page.contains("<h2>链路</h2>"), "and in Chinese on request");

    // A severity typed by its Chinese name is stored as its code, and the
    // export shows the Chinese name again.
    net.open_test_round("630102").await;
    let finding = r#"{"title": "补贴发放不及时", "severity": "严重", "category": "grassroots_corruption", "round_id": "test-2026-1"}"#;
    let out = net.submit_file("630102", "finding", ("finding.json", finding), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let stored = net.query("630102", "finding").await;
    assert_eq!(stored[0]["body"]["severity"], "major", "{stored:?}");
    let csv = net.get_text("630102", "/api/v1/exports/findings.csv").await;
    assert!(csv.contains(",严重,") && !csv.contains(",major,"), "{csv}");
}

/// Is any character of `s` a CJK ideograph or CJK punctuation?
fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_refusals_and_quarantine_lists_in_chinese_and_in_english() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630100").await;
    let city = net.config_arg("630100");
    // A finding of a round the city has no plan of: refused by the rules.
    let finding =
        r#"{"title": "补贴发放不及时", "severity": "严重", "category": "grassroots_corruption"}"#;
    let submit = |lang: Option<&str>| {
        let mut args = vec!["--round", "630100-2026-9"];
        if let Some(lang) = lang {
            args.extend(["--lang", lang]);
        }
        let out = net.submit_file("630100", "finding", ("finding.json", finding), &args);
        assert!(!out.status.success(), "{}", text(&out));
        text(&out)
    };
    let zh = submit(None);
    assert!(
        zh.contains("round_id: 本办公室（630100）没有轮次 630100-2026-9 的巡察计划")
            && zh.contains("节点拒绝了请求（HTTP 422）"),
        "{zh}"
    );
    let en = submit(Some("en"));
    assert!(
        en.contains("node refused the request (HTTP 422): round_id: round 630100-2026-9 has no plan of 630100 held here"),
        "{en}"
    );
    assert!(!has_cjk(&en), "wholly English:\n{en}");

    // The API itself: the field and the rule apart, for scripts and forms.
    let (status, v) = net
        .post(
            "630100",
            "/api/v1/records",
            &serde_json::json!({"kind": "finding", "round_id": "630100-2026-9",
                "body": {"title": "t", "severity": "major", "category": "grassroots_corruption"}}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(
        (v["code"].as_str(), v["field"].as_str(), v["rule"].as_str()),
        (
            Some("invalid"),
            Some("round_id"),
            Some("refuse-finding-no-plan")
        ),
        "{v}"
    );

    // The quarantine list, empty and not.
    let list = |lang: &str| {
        text(&xunlian(&[
            "quarantine",
            "list",
            "--config",
            &city,
            "--lang",
            lang,
        ]))
    };
    assert!(list("zh").contains("隔离区为空"), "{}", list("zh"));
    let en = list("en");
    assert!(
        en.contains("The quarantine is empty") && !has_cjk(&en),
        "{en}"
    );
}

#[test]
fn command_line_errors_in_chinese_and_in_english_with_clap_s_exit_code() {
    let zh = xunlian(&[
        "submit", "--config", "c.toml", "--kind", "finding", "--bogus",
    ]);
    assert_eq!(zh.status.code(), Some(2), "{}", text(&zh));
    let zh = String::from_utf8_lossy(&zh.stderr);
    assert!(
        zh.contains("错误：无法识别的参数 '--bogus'")
            && zh.contains("用法：")
            && zh.contains("详见 '--help'"),
        "{zh}"
    );
    let en = xunlian(&["--lang", "en", "network", "init", "--addressing", "nowhere"]);
    assert_eq!(en.status.code(), Some(2), "{}", text(&en));
    let en = String::from_utf8_lossy(&en.stderr);
    assert!(
        en.contains("error: invalid value 'nowhere' for '--addressing")
            && en.contains("possible values: loopback, hosts"),
        "{en}"
    );
    assert!(!has_cjk(&en), "wholly English:\n{en}");
    let zh = xunlian(&["network", "init", "--addressing", "nowhere"]);
    let zh = String::from_utf8_lossy(&zh.stderr);
    assert!(
        zh.contains("的值 'nowhere' 无效") && zh.contains("可选值：loopback, hosts"),
        "{zh}"
    );
}

/// Why an office is not ok reads in the reader's language: a county
/// that stopped is down at its city with a reason in Chinese by default
/// and in English with `--lang en`, on the dashboard likewise; the status
/// JSON keeps an English `reason` and the reason's `why.code`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_offices_reason_in_chinese_and_in_english() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630100").await;
    net.start("630102").await;
    let county = |s: &serde_json::Value| {
        s["subtree"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["node"] == "630102"))
            .cloned()
            .unwrap_or_default()
    };
    wait_until("the city to see the county ok", || async {
        county(&net.status("630100").await)["state"] == "ok"
    })
    .await;
    net.kill("630102");
    wait_until("the city to see the county down", || async {
        county(&net.status("630100").await)["state"] == "down"
    })
    .await;

    let json = county(&net.status("630100").await);
    assert_eq!(json["why"]["code"], "no_session", "{json}");
    assert_eq!(json["why"]["parent"], "630100", "{json}");
    let reason = json["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("no session with its parent 630100; last seen "),
        "{json}"
    );

    let city = net.config_arg("630100");
    let zh = text(&xunlian(&["status", "--config", &city]));
    for part in [
        "问题：630102 离线：与上级 630100 无会话；最后一次联系在",
        "630103 从未连接：尚未收到任何运行状况报告",
    ] {
        assert!(zh.contains(part), "{part:?} in:\n{zh}");
    }
    assert!(!zh.contains("no session"), "no English reason:\n{zh}");
    let en = text(&xunlian(&["--lang", "en", "status", "--config", &city]));
    for part in [
        "problem: 630102 down: no session with its parent 630100; last seen ",
        "630103 never seen: no health report has arrived",
    ] {
        assert!(en.contains(part), "{part:?} in:\n{en}");
    }

    let page = net.get_text("630100", "/").await;
    assert!(
        page.contains("与上级 630100 无会话；最后一次联系在"),
        "the Chinese dashboard's reason:\n{page}"
    );
    assert!(
        !page.contains("no session"),
        "no English reason on the page"
    );
    let page = net.get_text("630100", "/?lang=en").await;
    assert!(
        page.contains("no session with its parent 630100; last seen "),
        "the English dashboard's reason:\n{page}"
    );
}
