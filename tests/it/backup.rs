//! Backup and restore (`xunlian backup`, `xunlian restore`): a copy taken
//! while the office runs, records written after it, the copy put back;
//! the office takes back from its parent what it sent up since the copy,
//! refuses writes until it has, and its next edit gets a version nobody
//! has seen (so the network applies it).

use std::path::Path;

use serde_json::{Value, json};

use crate::common::tree::small_tree;
use crate::common::{Net, finding, run_ok, text, wait_until, xunlian};

/// The version of `record` held at `at` (0: not held).
async fn version_at(net: &Net, at: &str, record: &str) -> u64 {
    if !net.has(at, record).await {
        return 0;
    }
    net.get_json(at, &format!("/api/v1/records/{record}")).await["version"]
        .as_u64()
        .unwrap_or(0)
}

/// Waits until `at` holds `record` at `version`.
async fn wait_version(net: &Net, at: &str, record: &str, version: u64) {
    wait_until(&format!("{record} v{version} at {at}"), || async {
        version_at(net, at, record).await == version
    })
    .await;
}

/// Submits a new version of finding `id` at `office`: the stored record.
async fn edit(net: &Net, office: &str, id: &str, title: &str) -> Value {
    let (status, v) = net
        .post(
            office,
            "/api/v1/records",
            &json!({"kind": "finding", "id": id, "round_id": crate::common::TEST_ROUND,
                    "body": finding(title)}),
        )
        .await;
    assert!(
        (200..300).contains(&status),
        "edit at {office}: {status} {v}"
    );
    v
}

fn id_of(record: &Value) -> String {
    record["id"].as_str().expect("record id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_write_restore_loses_nothing_and_reuses_no_version() {
    let (county, city) = ("630102", "630100");
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let kept = id_of(&net.submit(county, "finding", finding("备份前")).await);
    net.wait_for(city, &kept).await;

    let copy = net.root().join("630102.backup.db");
    let config = net.config_arg(county);
    run_ok(&[
        "backup",
        "--config",
        &config,
        "--out",
        &copy.display().to_string(),
    ]);
    assert_private(&copy);

    // After the copy: an edit of the kept finding and a new one, both
    // sent up.
    assert_eq!(edit(&net, county, &kept, "备份后修改").await["version"], 2);
    let later = id_of(&net.submit(county, "finding", finding("备份后")).await);
    wait_version(&net, city, &kept, 2).await;
    net.wait_for(city, &later).await;

    let from = copy.display().to_string();
    let running = xunlian(&["restore", "--config", &config, "--from", &from]);
    assert!(
        !running.status.success() && text(&running).contains("请先停止"),
        "restore refused while the node runs: {}",
        text(&running)
    );

    // The parent is down while the office comes back: it must not write.
    net.stop(county);
    net.stop(city);
    run_ok(&["restore", "--config", &config, "--from", &from]);
    net.start(county).await;
    assert_eq!(
        version_at(&net, county, &kept).await,
        1,
        "the copy's version"
    );
    assert!(!net.has(county, &later).await, "the copy predates it");
    let (status, refusal) = net
        .post(
            county,
            "/api/v1/records",
            &json!({"kind": "finding", "id": kept, "round_id": crate::common::TEST_ROUND,
                    "body": finding("恢复中修改")}),
        )
        .await;
    assert_eq!(status, 503, "a write before recovery: {refusal}");
    assert!(
        refusal["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("恢复")
    );

    // The parent comes back: the office takes back what it sent up.
    net.start(city).await;
    wait_version(&net, county, &kept, 2).await;
    net.wait_for(county, &later).await;

    // Its next edit is version 3, which the network applies.
    let after = wait_for_writes(&net, county, &kept).await;
    assert_eq!(after["version"], 3);
    wait_version(&net, city, &kept, 3).await;
    wait_version(&net, "000000", &kept, 3).await;
    assert!(net.quarantine(city).await.is_empty());
    assert!(net.quarantine(county).await.is_empty());
}

/// Edits `id` at `office` once recovery has opened writes again.
async fn wait_for_writes(net: &Net, office: &str, id: &str) -> Value {
    wait_until(&format!("{office} to accept writes again"), || async {
        net.log(office)
            .contains("Recovered this office's records from the parent")
    })
    .await;
    edit(net, office, id, "恢复后修改").await
}

fn assert_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .expect("backup file")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o077,
        0,
        "{} is readable by others: {mode:o}",
        path.display()
    );
}

/// The version of `office`'s own health record held at `at` (0: none).
async fn health_version(net: &Net, at: &str, office: &str) -> u64 {
    net.query(at, "health")
        .await
        .iter()
        .filter(|r| r["origin"] == office)
        .filter_map(|r| r["version"].as_u64())
        .max()
        .unwrap_or(0)
}

/// On PostgreSQL (under `XUNLIAN_TEST_STORE=postgres` the province and
/// central run on it): `xunlian backup` points to `pg_dump`; a copy taken
/// with it while the province runs, put back with `pg_restore` and marked
/// with `xunlian restore` (no `--from`), recovers the same way. The
/// record is the province's own health record, written every second: the
/// copy's version is behind central's, and after recovery the province's
/// next version is applied at central.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_office_copied_with_pg_dump_recovers_the_same_way() {
    if crate::common::postgres_admin_url().is_none() {
        return;
    }
    let (province, central) = ("630000", "000000");
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let config = net.config_arg(province);
    let url = net.store_url(province);
    assert!(url.starts_with("postgres"), "{url}");
    let check = run_ok(&["migrate", "--check", "--config", &config]);
    assert!(check.contains("无待执行的迁移"), "{check}");
    let out = net.root().join("630000.db");
    let refused = xunlian(&[
        "backup",
        "--config",
        &config,
        "--out",
        &out.display().to_string(),
    ]);
    assert!(
        !refused.status.success() && text(&refused).contains("pg_dump"),
        "{}",
        text(&refused)
    );

    wait_until("the province's health at central", || async {
        health_version(&net, central, province).await >= 1
    })
    .await;
    let dump = net.root().join("630000.dump");
    let dumped = std::process::Command::new("pg_dump")
        .args(["-Fc", "-f", &dump.display().to_string(), &url])
        .output()
        .expect("run pg_dump");
    assert!(dumped.status.success(), "pg_dump: {}", text(&dumped));
    let copied = health_version(&net, province, province).await;
    wait_until("newer health versions at central", || async {
        health_version(&net, central, province).await >= copied + 3
    })
    .await;

    net.stop(province);
    let seen = health_version(&net, central, province).await;
    net.stop(central);
    let restored = std::process::Command::new("pg_restore")
        .args([
            "--clean",
            "--if-exists",
            "-d",
            &url,
            &dump.display().to_string(),
        ])
        .output()
        .expect("run pg_restore");
    assert!(restored.status.success(), "pg_restore: {}", text(&restored));
    run_ok(&["restore", "--config", &config]);
    net.start(province).await;
    assert!(health_version(&net, province, province).await < seen);

    net.start(central).await;
    wait_until(
        "central to apply the province's next health record",
        || async { health_version(&net, central, province).await > seen },
    )
    .await;
    assert!(
        net.log(province)
            .contains("Recovered this office's records from the parent")
    );
}
