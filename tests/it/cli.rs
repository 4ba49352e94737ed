//! The command line as an operator uses it, against real daemons.

use crate::common::tree::small_tree;
use crate::common::{Net, text, xunlian};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_query_and_status_from_the_command_line() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630100").await;
    net.start("630102").await;
    net.open_test_round("630102").await;
    let city = net.config_arg("630100");

    // Bulk submit from JSON lines; piped, so no progress bar.
    let lines: Vec<String> = (0..3)
        .map(|i| format!(r#"{{"title": "问题 {i}", "severity": "general", "category": "grassroots_corruption", "round_id": "test-2026-1"}}"#))
        .collect();
    let out = net.submit_file("630102", "finding", ("bulk.jsonl", &lines.join("\n")), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("已存储 3 条，未变 0 条，被拒 0 条"),
        "{summary}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("records submitted"));

    // A bad body is refused with the field named, nothing stored.
    let bad = r#"{"title": "x", "severity": "huge", "category": "grassroots_corruption", "round_id": "test-2026-1"}"#;
    let out = net.submit_file("630102", "finding", ("bad.json", bad), &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("/body/severity"), "{}", text(&out));

    net.wait_count("630100", "finding", 3).await;
    let out = xunlian(&["query", "--config", &city, "--kind", "finding"]);
    assert!(out.status.success(), "{}", text(&out));
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    assert!(
        records
            .iter()
            .all(|r| r["origin"] == "630102" && r["kind"] == "finding")
    );

    // Pages: a full page says on stderr how to get the next.
    let out = xunlian(&[
        "query", "--config", &city, "--kind", "finding", "--limit", "2",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let after = stderr
        .split("--after ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap_or_else(|| panic!("a line naming the next page: {stderr}"))
        .to_string();
    let out = xunlian(&[
        "query", "--config", &city, "--kind", "finding", "--limit", "2", "--after", &after,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(
        out.stderr.is_empty(),
        "the last page says nothing more: {}",
        text(&out)
    );

    // A reader that closes stdout at once ends the command quietly.
    let mut child = std::process::Command::new(crate::common::daemon_binary())
        .args(["query", "--config", &city, "--kind", "finding"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xunlian query");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("xunlian query ends");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "a closed stdout: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    let out = xunlian(&["status", "--config", &city, "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["node"], "630100");
    let out = xunlian(&["status", "--config", &city]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("630102") && table.contains("已连接"),
        "{table}"
    );
    assert!(!table.contains('\u{1b}'), "no colour when piped");
}

#[test]
fn a_bad_config_stops_start_up_naming_file_and_key() {
    let net = Net::new(&small_tree().toml());
    let path = net.nodes["630102"].config.clone();
    let text_in = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text_in.replace("[store]", "[store]\ncolour = \"red\""),
    )
    .unwrap();
    let out = xunlian(&["daemon", "--config", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("unknown field `colour`"),
        "{msg}"
    );
}

#[test]
fn network_init_writes_a_config_per_node() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree.toml");
    std::fs::write(&tree, small_tree().toml()).unwrap();
    let out_dir = dir.path().join("net");
    let out = xunlian(&[
        "network",
        "init",
        "--tree",
        tree.to_str().unwrap(),
        "--dir",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    for id in [
        "000000", "630000", "630100", "630102", "630103", "630200", "630202",
    ] {
        assert!(out_dir.join(id).join("config.toml").is_file(), "{id}");
    }
    // Refuses to overwrite.
    let again = xunlian(&[
        "network",
        "init",
        "--tree",
        tree.to_str().unwrap(),
        "--dir",
        out_dir.to_str().unwrap(),
    ]);
    assert!(!again.status.success() && text(&again).contains("not empty"));
}

#[test]
fn a_failed_network_init_leaves_nothing_behind_and_a_retry_works() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree.toml");
    std::fs::write(&tree, small_tree().toml()).unwrap();
    let init = |out_dir: &std::path::Path, ports: &str| {
        xunlian(&[
            "network",
            "init",
            "--tree",
            tree.to_str().unwrap(),
            "--dir",
            out_dir.to_str().unwrap(),
            "--ports",
            ports,
        ])
    };
    // Two ports cannot serve seven offices: refused after the CA is written.
    let fresh = dir.path().join("net");
    let out = init(&fresh, "30000-30001");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        !fresh.exists(),
        "{} left behind: {}",
        fresh.display(),
        text(&out)
    );
    // A directory made empty beforehand stays, empty.
    let made = dir.path().join("made");
    std::fs::create_dir(&made).unwrap();
    assert!(!init(&made, "30000-30001").status.success());
    assert_eq!(std::fs::read_dir(&made).unwrap().count(), 0);
    // The same command with room for every office then works.
    for out_dir in [&fresh, &made] {
        let out = init(out_dir, "20000-32767");
        assert!(out.status.success(), "{}", text(&out));
        assert!(out_dir.join("630202").join("config.toml").is_file());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_api_refuses_missing_or_wrong_tokens() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630102").await;
    let base = format!("http://{}", net.nodes["630102"].operator_addr);
    let http = reqwest::Client::new();
    for path in ["/api/v1/records", "/api/v1/status", "/metrics", "/"] {
        let none = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(none.status(), 401, "{path} without a token");
        let wrong = http
            .get(format!("{base}{path}"))
            .bearer_auth("guess")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{path} with a wrong token");
        let right = http
            .get(format!("{base}{path}"))
            .bearer_auth(net.token_of("630102"))
            .send()
            .await
            .unwrap();
        assert_eq!(right.status(), 200, "{path} with the token");
    }
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_submit_is_all_or_nothing_and_a_query_can_wait() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630102").await;
    net.open_test_round("630102").await;
    let base = format!(
        "http://{}/api/v1/records",
        net.nodes["630102"].operator_addr
    );
    let token = net.token_of("630102");
    let http = reqwest::Client::new();
    let item = |title: &str, severity: &str| serde_json::json!({"kind": "finding", "body": {"title": title, "severity": severity, "category": "grassroots_corruption", "round_id": "test-2026-1"}});
    let bad = vec![
        item("一", "general"),
        item("二", "general"),
        item("三", "huge"),
    ];
    let resp = http
        .post(&base)
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let msg: serde_json::Value = resp.json().await.unwrap();
    assert!(
        msg["reason"].as_str().unwrap().starts_with("records[2]: "),
        "{msg}"
    );
    assert!(
        net.query("630102", "finding").await.is_empty(),
        "nothing of a refused batch is stored"
    );

    let good = vec![item("一", "general"), item("二", "serious")];
    let resp = http
        .post(&base)
        .bearer_auth(&token)
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let stored: Vec<serde_json::Value> = resp.json().await.unwrap();
    assert_eq!(stored.len(), 2);

    // A query after the last seq waits for the next record instead of polling.
    let last = http
        .get(&base)
        .bearer_auth(&token)
        .query(&[("kind", "finding")])
        .send()
        .await
        .unwrap()
        .headers()["x-xunlian-last-seq"]
        .to_str()
        .unwrap()
        .to_string();
    let waiting = {
        let (http, base, token, last) = (http.clone(), base.clone(), token.clone(), last.clone());
        tokio::spawn(async move {
            http.get(&base)
                .bearer_auth(&token)
                .query(&[
                    ("kind", "finding"),
                    ("since", last.as_str()),
                    ("wait_ms", "20000"),
                ])
                .send()
                .await
                .unwrap()
                .json::<Vec<serde_json::Value>>()
                .await
                .unwrap()
        })
    };
    let third = net
        .submit("630102", "finding", crate::common::finding("三"))
        .await;
    let woke = waiting.await.unwrap();
    assert_eq!(woke.len(), 1);
    assert_eq!(woke[0]["id"], third["id"]);
}
