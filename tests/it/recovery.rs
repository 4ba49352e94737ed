//! Crashes and restored stores: nothing lost, nothing applied twice,
//! per-origin order kept.

use crate::common::tree::small_tree;
use crate::common::{Net, copy_store, finding};
use serde_json::{Value, json};

/// Titles of findings from `origin` held at `at`, in the order `at` stored them.
async fn titles(net: &Net, at: &str, origin: &str) -> Vec<String> {
    net.query(at, "finding")
        .await
        .iter()
        .filter(|r| r["origin"] == origin)
        .map(|r| r["body"]["title"].as_str().unwrap().to_string())
        .collect()
}

/// Fails if any (record, version) was appended to `at`'s change log twice.
async fn assert_applied_once(net: &Net, at: &str) {
    let dups = net.applied_twice(at).await;
    assert!(dups.is_empty(), "applied more than once at {at}: {dups:?}");
}

/// Waits until `id` has logged `passes` compaction passes that removed entries.
async fn compacted(net: &Net, id: &str, passes: usize) {
    crate::common::wait_until(
        &format!("{id} to compact its log {passes} times"),
        || async { net.log(id).matches("Compacted the change log").count() >= passes },
    )
    .await;
}

fn numbered(origin: &str, n: usize) -> Value {
    finding(&format!("{origin}-{n:04}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_municipal_node_loses_nothing() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let per_county = 60;
    for i in 0..per_county {
        for c in ["630102", "630103"] {
            net.submit(c, "finding", numbered(c, i)).await;
        }
        if i == 15 {
            net.kill("630100");
        }
        if i == 40 {
            net.start("630100").await;
        }
    }
    for c in ["630102", "630103"] {
        let want: Vec<String> = (0..per_county).map(|i| format!("{c}-{i:04}")).collect();
        net.wait_count("000000", "finding", 2 * per_county).await;
        assert_eq!(
            titles(&net, "000000", c).await,
            want,
            "per-origin order of {c} at central"
        );
    }
    for at in ["630100", "630000", "000000"] {
        assert_applied_once(&net, at).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_municipal_store_restored_from_an_older_copy_heals() {
    let mut net = Net::new(&small_tree().toml());
    // Compaction must not hide the restore: every log is compacted each
    // second, so positions the peers hold may be gone from the copy's log.
    for id in net.nodes.keys() {
        net.set_config_line(id, "store", "compact_secs = 1");
    }
    net.start_all().await;
    for i in 0..10 {
        net.submit("630102", "finding", numbered("630102", i)).await;
    }
    net.wait_count("000000", "finding", 10).await;

    compacted(&net, "630100", 1).await;

    // Take a backup of 630100 (stopped, so the copy is consistent).
    net.stop("630100");
    let backup = net.dir.path().join("backup/xunlian.db");
    copy_store(&net.store_file("630100"), &backup);
    net.start("630100").await;

    // Life goes on: more findings up, a linked plan down.
    for i in 10..20 {
        net.submit("630102", "finding", numbered("630102", i)).await;
    }
    let plan = net
        .submit(
            "000000",
            "round_plan",
            json!({"round_id": "000000-2026-4", "term": "2021-2026", "round_no": 4, "kind": "linked", "title": "回放测试"}),
        )
        .await;
    let pid = plan["id"].as_str().unwrap().to_string();
    net.wait_for("630103", &pid).await;
    net.wait_count("000000", "finding", 20).await;
    compacted(&net, "630100", 2).await;

    // The municipal store is replaced by the older copy.
    net.stop("630100");
    copy_store(&backup, &net.store_file("630100"));
    net.start("630100").await;
    for i in 20..30 {
        net.submit("630103", "finding", numbered("630103", i)).await;
    }

    // The network notices and heals: 630100 gets back what it lost from
    // both sides, and everything new still reaches the top.
    net.wait_for("630100", &pid).await;
    net.wait_count("630100", "finding", 30).await;
    net.wait_count("000000", "finding", 30).await;
    let want: Vec<String> = (0..20).map(|i| format!("630102-{i:04}")).collect();
    assert_eq!(titles(&net, "000000", "630102").await, want);
    let later = net
        .submit(
            "000000",
            "round_plan",
            json!({"round_id": "000000-2026-5", "term": "2021-2026", "round_no": 5, "kind": "linked", "title": "恢复后"}),
        )
        .await;
    let lid = later["id"].as_str().unwrap().to_string();
    for c in ["630102", "630103", "630202"] {
        net.wait_for(c, &lid).await;
    }
    for at in ["630100", "630000", "000000", "630102"] {
        assert_applied_once(&net, at).await;
    }
    let logs = net.log("630100") + &net.log("630102") + &net.log("630103");
    assert!(
        logs.contains("went back in time"),
        "the restored store should be detected and logged"
    );
}

/// A county rebuilt with an empty store starts a new generation of its
/// log while its parent still holds cursors into the old one. An old
/// cursor must not confirm anything of the new log: here the first push
/// after the rebuild carries only the urgent lane (one record per push),
/// and the answer to it still shows the bulk lane's old cursor, far ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_rebuilt_with_an_empty_store_loses_nothing() {
    let mut net = Net::new(&small_tree().toml());
    net.set_config_line("630102", "peer", "max_batch_records = 1");
    net.start("630100").await;
    net.start("630102").await;
    for i in 0..10 {
        net.submit("630102", "finding", numbered("630102", i)).await;
    }
    net.wait_count("630100", "finding", 10).await;

    net.stop("630100");
    net.stop("630102");
    let store = net.store_file("630102");
    for suffix in ["", "-wal", "-shm"] {
        let mut f = store.clone().into_os_string();
        f.push(suffix);
        let _ = std::fs::remove_file(f);
    }
    net.start("630102").await;
    // Queued while the parent is down: the round plan (urgent lane) ahead
    // of two findings (bulk lane).
    let mut ids = Vec::new();
    for i in 10..12 {
        let f = net.submit("630102", "finding", numbered("630102", i)).await;
        ids.push(f["id"].as_str().unwrap().to_string());
    }
    net.start("630100").await;
    for id in &ids {
        net.wait_for("630100", id).await;
    }
}

/// Every node compacts its change log each second here (health is a new
/// version every second, so there is always something superseded), while
/// findings flow and the parent restarts: the parent reconnects with
/// cursors into the compacted log, no store starts a new generation,
/// nothing is lost or applied twice, and the log stays small.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacting_the_change_log_under_live_links_loses_nothing() {
    let mut net = Net::new(&small_tree().toml());
    let compacting = ["630102", "630100", "630000"];
    for id in compacting {
        net.set_config_line(id, "store", "compact_secs = 1");
    }
    net.start_all().await;
    for i in 0..10 {
        net.submit("630102", "finding", numbered("630102", i)).await;
    }
    for id in compacting {
        compacted(&net, id, 1).await;
    }

    net.stop("630100");
    for i in 10..20 {
        net.submit("630102", "finding", numbered("630102", i)).await;
    }
    net.start("630100").await;
    net.wait_count("000000", "finding", 20).await;
    let want: Vec<String> = (0..20).map(|i| format!("630102-{i:04}")).collect();
    assert_eq!(titles(&net, "000000", "630102").await, want);
    for at in ["630100", "630000", "000000"] {
        assert_applied_once(&net, at).await;
    }
    for id in compacting {
        let log = net.log(id);
        assert!(
            !log.contains("went back in time") && !log.contains("another generation"),
            "{id} sent everything again after compaction:\n{log}"
        );
    }
    // The county's own health record, a new version every second, keeps
    // only its newest entries in the county's log (at most: the current
    // one, the one its parent's cursor names, and those since the last pass).
    let own_health = || async {
        let health = net.query("630102", "health").await;
        let own = health.iter().find(|r| r["origin"] == "630102").cloned();
        own.map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["version"].as_i64().unwrap(),
            )
        })
    };
    crate::common::wait_until("630102's health to reach version 8", || async {
        own_health().await.is_some_and(|(_, v)| v >= 8)
    })
    .await;
    let (id, version) = own_health().await.unwrap();
    let entries = net.log_entries_of("630102", &id).await;
    assert!(
        entries <= 4,
        "630102's log holds {entries} entries of its health record at version {version}"
    );
}

/// The parent link of `id` as its status reports it.
async fn parent_link(net: &Net, id: &str) -> Value {
    let status = net.status(id).await;
    status["links"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["direction"] == "parent").cloned())
        .expect("a parent link in the status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_parent_is_reached_at_once_however_long_it_was_down() {
    let mut net = Net::new(&small_tree().toml());
    // A back-off that would grow to ten minutes: after a dozen failures
    // the next attempt would be due minutes later, beyond the test's patience.
    net.set_config_line("630102", "sync", "retry_min_ms = 100");
    net.set_config_line("630102", "sync", "retry_max_secs = 600");
    net.start_all().await;
    net.wait_knows("630100", &["630102"]).await;
    net.stop("630100");
    // Refused connections are probed at the short pace, without growing
    // the delay, and repeated failures do not flood the log.
    crate::common::wait_until("the county to fail a dozen attempts", || async {
        parent_link(&net, "630102").await["session_failures"]
            .as_u64()
            .unwrap_or(0)
            >= 12
    })
    .await;
    let link = parent_link(&net, "630102").await;
    let error = link["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        error.contains("connection refused"),
        "the error names its cause: {error}"
    );
    let metrics = net.metrics("630102").await;
    let scrape =
        prometheus_parse::Scrape::parse(metrics.lines().map(|l| Ok(l.to_string()))).unwrap();
    let counted = scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == "xunlian_link_session_failures_total"
                && s.labels.get("peer") == Some("630100")
        })
        .map(|s| match s.value {
            // The parser files a `_total` sample under its family's TYPE
            // or as untyped, depending on how it matches the names.
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        });
    assert!(
        counted.is_some_and(|v| v >= 12.0),
        "session failures in /metrics: {counted:?}\n{metrics}"
    );
    let config = net.config_arg("630102");
    let shown = crate::common::text(&crate::common::xunlian(&["status", "--config", &config]));
    assert!(
        shown.contains("自上次成功起会话失败")
            && shown.to_lowercase().contains("connection refused"),
        "`xunlian status` shows the failing link and its cause:\n{shown}"
    );
    let warnings = net
        .log("630102")
        .matches("Link to parent failed; retrying.")
        .count();
    assert!(
        (1..=3).contains(&warnings),
        "{warnings} warnings for {} failures",
        link["session_failures"]
    );

    let id = net
        .submit("630102", "finding", finding("after the restart"))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    net.start("630100").await;
    net.wait_for("630100", &id).await;
}
