//! `xunlian backup` (a copy of a running node's store) and `xunlian
//! restore` (putting one back while the node is stopped; the office then
//! takes back from its parent what it sent up after the copy, see
//! `engine::recovery`). A PostgreSQL store is copied with `pg_dump` and put
//! back with `pg_restore`; `restore` without `--from` then only marks it
//! restored.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use crate::config::Config;
use crate::store::{self, Backend, Store};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// The copy to write (a new file).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// The copy `xunlian backup` wrote (SQLite). Omit it for a PostgreSQL
    /// store already put back with `pg_restore`.
    #[arg(long)]
    from: Option<PathBuf>,
}

/// Copies the node's SQLite store while the node runs.
pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    if Backend::of(&config.store_url) == Backend::Postgres {
        bail!(
            "PostgreSQL 存储请用 pg_dump 备份 (a PostgreSQL store is backed up with `pg_dump -Fc`; see docs/operations.md)"
        );
    }
    let bytes = store::backup_sqlite(&config.store_url, &args.out).with_context(|| {
        format!(
            "backing up the store of {} into {}",
            config.id,
            args.out.display()
        )
    })?;
    println!(
        "已备份 {} 的存储到 {}（{bytes} 字节）(backed up)",
        config.id,
        args.out.display()
    );
    Ok(())
}

/// Puts a copy back in place of the stopped node's store and marks it
/// restored: a new generation, and recovery from the parent pending.
pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let addr = config.operator_listen;
    if tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(addr))
        .await
        .is_ok_and(|c| c.is_ok())
    {
        bail!(
            "节点仍在运行，请先停止 (node {} still runs: its operator API answers on {addr}; stop it first)",
            config.id
        );
    }
    match (Backend::of(&config.store_url), &args.from) {
        (Backend::Sqlite, Some(from)) => store::restore_sqlite(&config.store_url, from, &config.id)
            .with_context(|| format!("restoring {} from {}", config.id, from.display()))?,
        (Backend::Sqlite, None) => bail!("SQLite 存储需要 --from 备份文件 (--from FILE is needed)"),
        (Backend::Postgres, Some(_)) => bail!(
            "PostgreSQL 存储请先用 pg_restore 恢复，再不带 --from 运行本命令 (restore with pg_restore, then run this without --from)"
        ),
        (Backend::Postgres, None) => {}
    }
    let store = Store::open(&config.store_url, &config.id, config.store_max_bytes)
        .await
        .with_context(|| format!("opening the restored store of {}", config.id))?;
    let generation = crate::engine::mark_restored(&store, config.parent.is_some()).await;
    store.close().await;
    let generation = generation.context("marking the store restored")?;
    println!(
        "已恢复 {} 的存储，新代号 {generation} (restored; new generation)",
        config.id
    );
    if config.parent.is_some() {
        println!(
            "启动后先从上级取回本办公室备份后上报的记录，完成前拒绝写入 (on start it first takes back from its parent the records it sent up since the backup; writes wait for that)"
        );
    }
    Ok(())
}
