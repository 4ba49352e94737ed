//! `xunlian migrate --check --config FILE`: before an upgrade, what this
//! build's store migrations would do to the node's store and whether the
//! release before each can still read the store afterwards. Nothing is
//! migrated (the daemon migrates on start).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::config::Config;
use crate::store::migration_states;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Only report (the one mode: the daemon migrates on start).
    #[arg(long)]
    check: bool,
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
}

pub async fn run(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    if !args.check {
        bail!(
            "只支持 --check；守护进程启动时执行迁移 (only --check: the daemon migrates on start)"
        );
    }
    let config = Config::load(&args.config)?;
    let states = migration_states(&config.store_url)
        .await
        .with_context(|| format!("reading the migrations of {}'s store", config.id))?;
    println!("迁移 (migration)\t状态 (state)\t上一版本可读 (previous release reads)\t内容 (what)");
    for s in &states {
        println!(
            "{:04}\t{}\t{}\t{}",
            s.version,
            if s.applied {
                "已执行 (applied)"
            } else {
                "待执行 (pending)"
            },
            if s.previous_reads {
                "是 (yes)"
            } else {
                "否 (no)"
            },
            s.what
        );
    }
    let pending: Vec<_> = states.iter().filter(|s| !s.applied).collect();
    if pending.is_empty() {
        println!(
            "无待执行的迁移 (no pending migration): 上一版本仍可读取此存储 (the previous release still reads it)"
        );
    } else if pending.iter().all(|s| s.previous_reads) {
        println!(
            "待执行 {} 项；升级后上一版本仍可读取此存储 (the previous release still reads the store afterwards)",
            pending.len()
        );
    } else {
        println!(
            "待执行 {} 项；升级后上一版本将无法读取此存储，回退须恢复升级前的备份：请先运行 xunlian backup (after the upgrade the previous release cannot read this store; back it up first)",
            pending.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
