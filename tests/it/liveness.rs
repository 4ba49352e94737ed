//! Health that tells the truth and tells someone: a killed office shows
//! down at its parent within the long-poll window (and its descendants
//! unreachable via it), `xunlian status` exits by the verdict, the parent
//! logs it once, `/readyz` fails only for the node's own troubles, an
//! office that never started is listed as `never_seen`, and the shipped
//! alert rules pass `promtool`.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::tree::small_tree;
use crate::common::{Net, text, wait_until, xunlian};

/// Where the kill test must see the dead office down: the long-poll limit
/// (25 s) plus the session grace (10 s), and a margin.
const DOWN_WITHIN: Duration = Duration::from_secs(40);

fn office<'a>(status: &'a Value, id: &str) -> Option<&'a Value> {
    status["subtree"]
        .as_array()?
        .iter()
        .find(|o| o["node"] == id)
}

fn link<'a>(status: &'a Value, peer: &str) -> Option<&'a Value> {
    status["links"]
        .as_array()?
        .iter()
        .find(|l| l["peer"] == peer)
}

/// `xunlian status` of `id` (as a table, or `--json`): its exit code and
/// output.
fn status_cli(net: &Net, id: &str, json: bool) -> (Option<i32>, String) {
    let config = net.config_arg(id);
    let mut args = vec!["status", "--config", config.as_str()];
    if json {
        args.push("--json");
    }
    let out = xunlian(&args);
    (out.status.code(), text(&out))
}

/// `GET /readyz` of `id`: status code and body.
async fn readyz(net: &Net, id: &str) -> (u16, Value) {
    let url = format!("http://{}/readyz", net.nodes[id].operator_addr);
    let resp = reqwest::get(&url).await.expect("readyz");
    let code = resp.status().as_u16();
    (code, resp.json().await.expect("readyz json"))
}

/// The lines of `id`'s log written after `from` bytes that contain every
/// one of `needles`.
fn log_lines(net: &Net, id: &str, from: usize, needles: &[&str]) -> usize {
    let log = net.log(id);
    log.get(from..)
        .unwrap_or("")
        .lines()
        .filter(|l| needles.iter().all(|n| l.contains(n)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_city_shows_down_at_its_province_and_comes_back() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    wait_until("the province to see its subtree ok", || async {
        net.status("630000").await["verdict"]["status"] == "ok"
    })
    .await;
    let (code, out) = status_cli(&net, "630000", false);
    assert_eq!(code, Some(0), "a healthy subtree exits 0:\n{out}");
    let log_from = net.log("630000").len();

    let killed = Instant::now();
    net.kill("630200");
    wait_until("the province to show 630200 down", || async {
        let s = net.status("630000").await;
        link(&s, "630200").is_some_and(|l| l["connected"] == false)
            && office(&s, "630200").is_some_and(|o| o["state"] == "down")
    })
    .await;
    let took = killed.elapsed();
    assert!(took < DOWN_WITHIN, "630200 shown down after {took:?}");

    let status = net.status("630000").await;
    let county = office(&status, "630202").expect("the province lists 630202");
    assert_eq!(county["via"], "630200", "{county}");
    assert!(
        county["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("unreachable via 630200")),
        "{county}"
    );
    assert_eq!(
        status["state"], "ok",
        "the province's own parent link is up"
    );
    let (code, out) = status_cli(&net, "630000", false);
    assert_eq!(code, Some(1), "a dead city degrades the verdict:\n{out}");
    assert!(out.contains("630200 离线"), "in Chinese by default: {out}");
    let (code, out) = status_cli(&net, "630000", true);
    assert_eq!(code, Some(1), "--json exits the same:\n{out}");
    let json: Value = serde_json::from_str(out.trim()).expect("status --json");
    assert_eq!(json["verdict"]["status"], "degraded");
    let (code, body) = readyz(&net, "630000").await;
    assert_eq!(code, 200, "a dead child leaves its parent ready: {body}");

    wait_until(
        "the province to log the link and the office down",
        || async {
            log_lines(&net, "630000", log_from, &["Link down.", "peer=630200"]) > 0
                && log_lines(
                    &net,
                    "630000",
                    log_from,
                    &["went silent", "office=630200", "down"],
                ) > 0
        },
    )
    .await;

    net.start("630200").await;
    wait_until("the province to show 630200 connected again", || async {
        let s = net.status("630000").await;
        link(&s, "630200").is_some_and(|l| l["connected"] == true)
    })
    .await;
    wait_until("xunlian status to exit 0 once health is fresh", || async {
        net.status("630000").await["verdict"]["status"] == "ok"
    })
    .await;
    let (code, out) = status_cli(&net, "630000", false);
    assert_eq!(code, Some(0), "{out}");
    wait_until("the province to log the recovery", || async {
        log_lines(&net, "630000", log_from, &["Link up again.", "peer=630200"]) > 0
            && log_lines(
                &net,
                "630000",
                log_from,
                &["Office recovered.", "office=630200"],
            ) > 0
    })
    .await;
    let log = net.log("630000");
    for (what, needles) in [
        ("link down", &["Link down.", "peer=630200"][..]),
        ("office down", &["went silent", "office=630200", "down"][..]),
    ] {
        assert_eq!(
            log_lines(&net, "630000", log_from, needles),
            1,
            "{what} logged once:\n{}",
            &log[log_from..]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_lists_an_office_that_never_started_as_never_seen() {
    let mut net = Net::new(&small_tree().toml());
    for id in ["000000", "630000", "630100", "630102", "630200", "630202"] {
        net.start(id).await;
    }
    wait_until("central to see the five running offices ok", || async {
        let s = net.status("000000").await;
        ["630000", "630100", "630102", "630200", "630202"]
            .iter()
            .all(|id| office(&s, id).is_some_and(|o| o["state"] == "ok"))
    })
    .await;
    let status = net.status("000000").await;
    let never = office(&status, "630103").expect("central lists the configured 630103");
    assert_eq!(never["state"], "never_seen", "{never}");
    assert_eq!(status["verdict"]["offices"]["never_seen"], 1, "{status}");
    assert_eq!(status["verdict"]["status"], "degraded");
    let (code, out) = status_cli(&net, "000000", false);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("630103 从未连接"),
        "in Chinese by default: {out}"
    );

    let metrics = net.metrics("000000").await;
    assert!(
        metrics.contains(r#"xunlian_office_state{office="630103",state="never_seen"} 1"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_while_the_parent_link_is_down_past_its_limit() {
    let mut net = Net::new(&small_tree().toml());
    net.set_config_line("630202", "sync", "ready_parent_down_secs = 1");
    net.start("630202").await;
    wait_until("the county to be unready without its parent", || async {
        readyz(&net, "630202").await.0 == 503
    })
    .await;
    let (_, body) = readyz(&net, "630202").await;
    let reasons = body["reasons"].to_string();
    assert!(
        reasons.contains("630200") && reasons.contains("ready_parent_down_secs"),
        "{body}"
    );
    let status = net.status("630202").await;
    assert_eq!(status["state"], "down", "{status}");
    let (code, out) = status_cli(&net, "630202", false);
    assert_eq!(code, Some(1), "{out}");

    net.start("630200").await;
    wait_until("the county to be ready with its parent up", || async {
        readyz(&net, "630202").await.0 == 200
    })
    .await;
    net.kill("630202");
    let (code, out) = status_cli(&net, "630202", false);
    assert_eq!(code, Some(2), "an unreachable node exits 2:\n{out}");
}

/// Metric names the alert rules use.
fn metric_names(rules: &str) -> Vec<String> {
    let mut names: Vec<String> = rules
        .match_indices("xunlian_")
        .map(|(at, _)| {
            rules[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn alert_rules_pass_promtool_and_use_metrics_the_daemon_exports() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = root.join("config/alerts.yml");
    let out = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "promtool must be installed to check config/alerts.yml ({e}); \
                 tests/run.sh installs Debian's prometheus package, which has it"
            )
        });
    assert!(
        out.status.success(),
        "promtool check rules config/alerts.yml failed:\n{}",
        text(&out)
    );
    let text_of = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
    let metrics_rs = text_of("daemon/telemetry/metrics.rs");
    let operations = text_of("docs/operations.md");
    let names = metric_names(&text_of("config/alerts.yml"));
    assert!(names.len() >= 5, "{names:?}");
    for name in names {
        assert!(
            metrics_rs.contains(&format!("\"{name}\"")),
            "{name} is not a metric daemon/telemetry/metrics.rs exports"
        );
        assert!(
            operations.contains(&format!("`{name}`")),
            "{name} is not in docs/operations.md's Metrics table"
        );
    }
}
