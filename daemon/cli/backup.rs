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
use crate::i18n::t;
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
        bail!(t!("backup-postgres"));
    }
    let bytes = store::backup_sqlite(&config.store_url, &args.out).with_context(|| {
        format!(
            "backing up the store of {} into {}",
            config.id,
            args.out.display()
        )
    })?;
    println!(
        "{}",
        t!(
            "backup-done",
            office = config.id.to_string(),
            file = args.out.display().to_string(),
            bytes = bytes
        )
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
        bail!(t!(
            "restore-running",
            office = config.id.to_string(),
            address = addr.to_string()
        ));
    }
    match (Backend::of(&config.store_url), &args.from) {
        (Backend::Sqlite, Some(from)) => store::restore_sqlite(&config.store_url, from, &config.id)
            .with_context(|| format!("restoring {} from {}", config.id, from.display()))?,
        (Backend::Sqlite, None) => bail!(t!("restore-needs-from")),
        (Backend::Postgres, Some(_)) => bail!(t!("restore-postgres")),
        (Backend::Postgres, None) => {}
    }
    let store = Store::open(&config.store_url, &config.id, config.store_max_bytes)
        .await
        .with_context(|| format!("opening the restored store of {}", config.id))?;
    let generation = crate::engine::mark_restored(&store, config.parent.is_some()).await;
    store.close().await;
    let generation = generation.context("marking the store restored")?;
    println!(
        "{}",
        t!(
            "restore-done",
            office = config.id.to_string(),
            generation = generation.to_string()
        )
    );
    if config.parent.is_some() {
        println!("{}", t!("restore-recovers"));
    }
    Ok(())
}
