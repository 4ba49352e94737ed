//! Operators see sync health across the tree: a county that goes silent
//! shows as stale at central, its parent's backlog for it is reported up,
//! `/metrics` parses, and the dashboard renders in a real browser, a dead
//! city on top with its county grouped under it, behind a sign-in page
//! and security headers.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::tree::small_tree;
use crate::common::{Net, wait_until};
use serde_json::{Value, json};

/// A county's health record that speaks for its sibling and its parent
/// (in its body's `node` and a `subtree` rollup, as earlier versions
/// wrote) changes nothing in central's view of them: an office's health
/// is its own record only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_cannot_speak_for_others_health() {
    let net = healthy_small_net().await;
    let forged = |node: &str| {
        json!({"node": node, "at": "2099-01-01T00:00:00Z", "backlog_records": 999999,
               "lag_ms": 999999, "links_down": 9})
    };
    let record = net
        .submit(
            "630102",
            "health",
            json!({
                "node": "630103",
                "level": "county",
                "at": "2099-01-01T00:00:00Z",
                "links": [],
                "subtree": [forged("630103"), forged("630100"), forged("000000")],
            }),
        )
        .await;
    let id = record["id"].as_str().expect("a record id").to_string();
    net.wait_for("000000", &id).await;
    let status = net.status("000000").await;
    for other in ["630103", "630100"] {
        let o = office(&status, other).expect("central lists the office");
        assert_ne!(o["backlog_records"], 999999, "{other}: {o}");
        assert_ne!(o["links_down"], 9, "{other}: {o}");
        assert!(
            !o["at"].as_str().unwrap_or("").starts_with("2099"),
            "{other}: {o}"
        );
    }
    let own = office(&status, "630102").expect("central lists the county");
    assert!(
        !own["at"].as_str().unwrap_or("").starts_with("2099"),
        "the body's time is not the record's: {own}"
    );
}

/// The small tree running, once central sees all six offices below it
/// fresh.
async fn healthy_small_net() -> Net {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    wait_until("central to see six healthy offices", || async {
        let status = net.status("000000").await;
        let offices = status["subtree"].as_array().cloned().unwrap_or_default();
        offices.len() == 6
            && offices
                .iter()
                .all(|o| o["stale"] == false && o["state"] == "ok")
    })
    .await;
    net
}

fn office<'a>(status: &'a Value, id: &str) -> Option<&'a Value> {
    status["subtree"]
        .as_array()?
        .iter()
        .find(|o| o["node"] == id)
}

async fn central_sees(net: &Net, id: &str, check: impl Fn(&Value) -> bool) -> bool {
    let status = net.status("000000").await;
    office(&status, id).is_some_and(check)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_county_goes_stale_at_central_and_comes_back() {
    let mut net = healthy_small_net().await;

    // Cut 630202 off; its parent queues five notices for it meanwhile.
    net.stop("630202");
    for i in 0..5 {
        net.submit(
            "630200",
            "notice",
            json!({"title": format!("督办 {i}"), "text": "请按期整改"}),
        )
        .await;
    }
    wait_until("central to show 630202 stale", || {
        central_sees(&net, "630202", |o| {
            o["stale"] == true && o["state"] == "stale"
        })
    })
    .await;
    wait_until("central to show 630200's backlog of 5 for 630202", || {
        central_sees(&net, "630200", |o| {
            o["backlog_records"] == 5 && o["lag_ms"].as_i64() > Some(0)
        })
    })
    .await;
    let others_fresh = net.status("000000").await["subtree"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["node"] != "630202")
        .all(|o| o["stale"] == false && o["state"] == "ok");
    assert!(others_fresh, "only the silent county is stale");

    // The same, as Prometheus sees it.
    let metrics = net.metrics("000000").await;
    let scrape =
        prometheus_parse::Scrape::parse(metrics.lines().map(|l| Ok(l.to_string()))).unwrap();
    let value = |name: &str| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name)
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Counter(v) => v,
                _ => f64::NAN,
            })
    };
    assert_eq!(value("xunlian_subtree_offices"), Some(6.0), "{metrics}");
    assert_eq!(
        value("xunlian_subtree_stale_offices"),
        Some(1.0),
        "{metrics}"
    );
    for name in [
        "xunlian_build_info",
        "xunlian_records",
        "xunlian_quarantine_records",
        "xunlian_link_connected",
        "xunlian_link_backlog_records",
        "xunlian_link_backlog_bytes",
        "xunlian_link_lag_seconds",
        "xunlian_link_records_total",
        "xunlian_link_bytes_total",
        "xunlian_office_last_report_timestamp_seconds",
    ] {
        assert!(
            scrape.samples.iter().any(|s| s.metric == name),
            "{name} missing:\n{metrics}"
        );
    }
    let m = net.metrics("630200").await;
    let s = prometheus_parse::Scrape::parse(m.lines().map(|l| Ok(l.to_string()))).unwrap();
    let backlog = s
        .samples
        .iter()
        .find(|x| {
            x.metric == "xunlian_link_backlog_records" && x.labels.get("peer") == Some("630202")
        })
        .expect("backlog of 630200 for 630202");
    assert!(
        matches!(backlog.value, prometheus_parse::Value::Gauge(v) if v == 5.0),
        "{m}"
    );

    // The dashboard in headless Chromium shows every office and the stale one.
    let url = format!(
        "http://{}/?token={}",
        net.nodes["000000"].operator_addr,
        net.token_of("000000")
    );
    let dom = chromium(&url, &["--dump-dom"], net.dir.path());
    for id in net.nodes.keys() {
        assert!(
            dom.contains(&format!("data-node=\"{id}\"")),
            "{id} missing from the dashboard"
        );
    }
    assert!(dom.contains("乐都区委巡察办"), "Chinese names render");
    assert!(
        dom.contains(r#"data-node="630202" data-state="stale""#),
        "630202 is shown stale:\n{dom}"
    );
    screenshot(&url, "dashboard.png", "1280,1400", net.dir.path());

    // Reconnect: 630202 is healthy again and 630200's backlog drains.
    net.start("630202").await;
    wait_until("central to show 630202 healthy again", || {
        central_sees(&net, "630202", |o| {
            o["stale"] == false && o["state"] == "ok"
        })
    })
    .await;
    wait_until("630200's backlog to drain", || {
        central_sees(&net, "630200", |o| o["backlog_records"] == 0)
    })
    .await;
}

/// The dashboard of a province whose city was killed: the city heads the
/// offices, down, with its county grouped under it, and the header counts
/// match the rows; the county's own page says since when its parent link
/// fails. Without a token `/` is a sign-in page; every page carries the
/// security headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_city_heads_the_dashboard_with_its_county_under_it() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    wait_until("the province to see its subtree ok", || async {
        net.status("630000").await["verdict"]["status"] == "ok"
    })
    .await;
    let base = format!("http://{}/", net.nodes["630000"].operator_addr);
    let resp = reqwest::get(&base).await.expect("GET / without a token");
    assert_eq!(resp.status().as_u16(), 401);
    assert_page_headers(resp.headers());
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("<form") && body.contains(r#"name="token""#),
        "a sign-in form, not JSON:\n{body}"
    );

    net.kill("630200");
    wait_until("the province to show 630200 down", || async {
        let s = net.status("630000").await;
        office(&s, "630200").is_some_and(|o| o["state"] == "down")
            && office(&s, "630202").is_some_and(|o| o["via"] == "630200")
    })
    .await;
    let url = format!("{base}?token={}", net.token_of("630000"));
    let resp = reqwest::get(&url).await.expect("GET / with the token");
    assert_eq!(resp.status().as_u16(), 200);
    assert_page_headers(resp.headers());

    let dom = chromium(&url, &["--dump-dom"], net.dir.path());
    let rows = office_rows(&dom);
    assert_eq!(
        rows.first().map(|(n, s)| (n.as_str(), s.as_str())),
        Some(("630200", "down")),
        "the dead city heads the offices: {rows:?}"
    );
    let group = dom
        .split(r#"data-relay="630200""#)
        .nth(1)
        .and_then(|g| g.split("</details>").next())
        .expect("630200's offices grouped under it");
    assert!(
        group.contains(r#"data-node="630202""#) && group.contains("经 630200 不可达"),
        "630202 grouped under 630200:\n{group}"
    );
    for state in ["ok", "lagging", "stale", "down", "never_seen"] {
        let shown = header_count(&dom, state);
        let rows_in = rows.iter().filter(|(_, s)| s == state).count();
        assert_eq!(shown, Some(rows_in), "{state}: header vs rows {rows:?}");
    }
    assert_eq!(rows.len(), 5, "{rows:?}");

    // The county below the dead city: its parent link fails, said since
    // the last success, the cause in a sentence and the chain on hover.
    wait_until(
        "630202's dashboard to show its parent link failing",
        || async {
            let page = net.get_text("630202", "/").await;
            page.contains("会话失败，自上次成功") && page.contains("<span title=\"")
        },
    )
    .await;

    screenshot(&url, "dashboard-dead-city.png", "1400,1000", net.dir.path());
}

/// The security headers every dashboard page carries.
fn assert_page_headers(headers: &reqwest::header::HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let csp = get("content-security-policy");
    for part in [
        "default-src 'none'",
        "script-src 'sha256-",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "CSP lacks {part}: {csp:?}");
    }
    assert_eq!(get("referrer-policy"), "no-referrer");
    assert_eq!(get("x-frame-options"), "DENY");
}

/// The office rows of a dashboard, in page order: (office, state).
fn office_rows(dom: &str) -> Vec<(String, String)> {
    let attr = |row: &str, name: &str| {
        row.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or("")
            .to_string()
    };
    dom.split(r#"class="row office "#)
        .skip(1)
        .map(|row| {
            let tag = row.split('>').next().unwrap_or("");
            (attr(tag, "data-node"), attr(tag, "data-state"))
        })
        .collect()
}

/// The count the dashboard's header shows for `state`.
fn header_count(dom: &str, state: &str) -> Option<usize> {
    dom.split(&format!("data-count=\"{state}\""))
        .nth(1)?
        .split("<b>")
        .nth(1)?
        .split("</b>")
        .next()?
        .parse()
        .ok()
}

/// Takes a screenshot of `url` in headless Chromium, `size` as
/// `width,height`, and keeps it as `name` in [`artifact_dir`].
fn screenshot(url: &str, name: &str, size: &str, scratch: &Path) {
    let shot = artifact_dir().join(name);
    let _ = std::fs::remove_file(&shot);
    chromium(
        url,
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={size}"),
        ],
        scratch,
    );
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1000),
        "no screenshot at {}",
        shot.display()
    );
    eprintln!("dashboard screenshot: {}", shot.display());
}

/// Where test artifacts (screenshots) are kept after the run.
fn artifact_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs Debian's headless Chromium on `url` and returns its stdout.
fn chromium(url: &str, extra: &[&str], scratch: &Path) -> String {
    let profile = scratch.join(format!("chromium-{}", uuid::Uuid::new_v4()));
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium must be installed for the dashboard test (tests/run.sh installs Debian's chromium)");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An office's warnings travel up in its own health record: a county whose
/// certificate expires in nine days is shown so at central, in the status
/// report and in `xunlian status`, and its state stays `ok`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offices_certificate_warning_reaches_central() {
    let mut net = Net::new(&small_tree().toml());
    let dir = net.nodes["630202"].dir.clone();
    for f in ["node.pem", "node.key"] {
        std::fs::remove_file(dir.join(f)).expect("the county's certificate");
    }
    let ca = net.root().join("ca");
    crate::common::run_ok(&[
        "pki",
        "issue",
        "--ca",
        ca.to_str().unwrap(),
        "--node",
        "630202",
        "--out",
        dir.to_str().unwrap(),
        "--dns",
        "localhost",
        "--ip",
        "127.0.0.1",
        "--days",
        "9",
    ]);
    net.start_all().await;
    let county = |status: Value| {
        status["subtree"]
            .as_array()
            .and_then(|s| s.iter().find(|o| o["node"] == "630202").cloned())
            .unwrap_or(Value::Null)
    };
    // Once connected the county is `ok` at central with its warning
    // beside the state: a warning is no problem state.
    wait_until(
        "central to see the county ok, with its certificate warning",
        || async {
            let c = county(net.status("000000").await);
            c["state"] == "ok"
                && c["warnings"].as_array().is_some_and(|w| {
                    w.iter().any(|w| {
                        w.as_str()
                            .is_some_and(|w| w.contains("certificate expires in"))
                    })
                })
        },
    )
    .await;
    let out = crate::common::xunlian(&["status", "--config", &net.config_arg("000000")]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("证书将于"), "status shows it:\n{table}");
    let page = net.get_text("000000", "/").await;
    assert!(
        page.contains("certificate expires in"),
        "the dashboard shows it"
    );
    // The county logs it, at warn, when its watcher sees it.
    wait_until("the county to log its certificate warning", || async {
        net.log("630202")
            .contains("certificate is expiring or expired")
    })
    .await;
}
