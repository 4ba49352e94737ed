//! The store under pressure: a full store refuses cleanly without
//! corruption, and a store from an older schema version is migrated on start.

use crate::common::Net;
use crate::common::tree::small_tree;
use serde_json::{Value, json};
use sqlx::Row;

async fn open(net: &Net, id: &str) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", net.store_file(id).display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_refuses_cleanly_and_recovers() {
    let mut net = Net::new(&small_tree().toml());
    net.set_config_line("630102", "store", "max_size_mb = 1");
    net.start("630102").await;
    net.open_test_round("630102").await;
    let http = reqwest::Client::new();
    let url = format!(
        "http://{}/api/v1/records",
        net.nodes["630102"].operator_addr
    );
    let token = net.token_of("630102");
    let evidence: Vec<String> = (0..10).map(|_| "证据".repeat(200)).collect();
    let mut stored = Vec::new();
    let refusal: Value = loop {
        let body = json!({"kind": "finding", "body": {"title": format!("问题 {}", stored.len()),
            "severity": "general", "category": "grassroots_corruption", "round_id": "test-2026-1", "evidence": evidence}});
        let resp = http
            .post(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap();
        if status == 507 {
            break v;
        }
        assert_eq!(status, 201, "{v}");
        stored.push(v["id"].as_str().unwrap().to_string());
        assert!(stored.len() < 1000, "the store never filled up");
    };
    assert!(
        refusal["reason"]
            .as_str()
            .unwrap()
            .contains("store is full"),
        "{refusal}"
    );
    net.stop("630102");

    let pool = open(&net, "630102").await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE kind = 'finding'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        n as usize,
        stored.len(),
        "every acknowledged record is there, nothing else"
    );
    pool.close().await;

    // More room: the node accepts again and kept everything.
    net.set_config_line("630102", "store", "max_size_mb = 64");
    net.start("630102").await;
    net.submit("630102", "finding", crate::common::finding("扩容后"))
        .await;
    for id in &stored {
        assert!(net.has("630102", id).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_an_older_schema_version_is_migrated_on_start() {
    let mut net = Net::new(&small_tree().toml());
    net.start("630102").await;
    let f = net
        .submit("630102", "finding", crate::common::finding("旧版本数据"))
        .await;
    net.stop("630102");

    // Make it a schema-version-1 store, as an older release left it: the
    // tables and indexes of migration 1 (read from its file), no index on
    // updated_at (v2), none of the v3 shapes or v4 columns. The finding waits in the
    // outbox for the parent, which is not running.
    let pool = open(&net, "630102").await;
    downgrade_to_v1(&pool).await;
    let fid = f["id"].as_str().unwrap().to_string();
    let queued = |pool: sqlx::SqlitePool| {
        let fid = fid.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM outbox o JOIN records r ON r.seq = o.seq WHERE r.id = ?",
            )
            .bind(fid)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(queued(pool.clone()).await, 1);
    pool.close().await;

    net.start("630102").await;
    assert!(net.has("630102", f["id"].as_str().unwrap()).await);
    net.stop("630102");
    let pool = open(&net, "630102").await;
    let versions: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("version"))
        .collect();
    assert_eq!(versions, vec![1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(queued(pool.clone()).await, 1, "the queued finding survives");
    let outbox: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(outbox.contains("WITHOUT ROWID"), "{outbox}");
    let records: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'records'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        records.contains("seq            INTEGER PRIMARY KEY"),
        "{records}"
    );
    let index: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'records_updated_at'",
    )
    .fetch_optional(&pool)
    .await
    .unwrap();
    assert!(index.is_some());
}

/// Rebuilds the tables of migration 1 as that migration wrote them (their
/// `CREATE TABLE` and `CREATE INDEX` statements from its file), keeping
/// every row, and forgets the later migrations.
async fn downgrade_to_v1(pool: &sqlx::SqlitePool) {
    let v1 = include_str!("../../migrations/sqlite/0001_init.sql");
    let code: Vec<&str> = v1
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    let statements: Vec<String> = code
        .join("\n")
        .split(';')
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty())
        .collect();
    let mut tx = pool.begin().await.unwrap();
    // Signed records whole again, as a store before migration 7 held them.
    sqlx::query(
        "UPDATE records SET doc = (SELECT records.doc || ',\"signature\":\"' || k.format || ' '
             || k.alg || ' ' || k.key_id || ' ' || records.sig_index || '/' || k.count || ' '
             || k.value || CASE WHEN records.sig_proof = '' THEN '' ELSE ' ' || records.sig_proof END
             || '\"' || records.doc_tail FROM chunks k WHERE k.id = records.chunk)
         WHERE chunk IS NOT NULL",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    for table in ["outbox", "changes", "records", "parked", "quarantine"] {
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        )
        .bind(table)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        for index in indexes {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {index}")))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let old = format!("{table}_later");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {table} RENAME TO {old}"
        )))
        .execute(&mut *tx)
        .await
        .unwrap();
        let create = format!("CREATE TABLE {table} (");
        let index_on = format!(" ON {table} (");
        for st in statements.iter().filter(|st| {
            st.contains(&create) || (st.contains("CREATE INDEX") && st.contains(&index_on))
        }) {
            sqlx::query(sqlx::AssertSqlSafe(st.clone()))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        let columns = columns.join(", ");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {old}"
        )))
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {old}")))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    // Tables later migrations added (6: the workbench's; 7: chunks) go
    // with them.
    for table in ["workbench_audit", "workbench_users", "chunks"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version >= 2")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}
