//! `xunlian migrate --check --config FILE`: before an upgrade, what this
//! build's store migrations would do to the node's store and whether the
//! release before each can still read the store afterwards. Nothing is
//! migrated (the daemon migrates on start).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::config::Config;
use crate::i18n::t;
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
        bail!(t!("migrate-check-only"));
    }
    let config = Config::load(&args.config)?;
    let states = migration_states(&config.store_url)
        .await
        .with_context(|| format!("reading the migrations of {}'s store", config.id))?;
    println!(
        "{}\t{}\t{}\t{}",
        t!("migrate-col-migration"),
        t!("migrate-col-state"),
        t!("migrate-col-previous-reads"),
        t!("migrate-col-what")
    );
    for s in &states {
        println!(
            "{:04}\t{}\t{}\t{}",
            s.version,
            if s.applied {
                t!("migrate-applied")
            } else {
                t!("migrate-pending")
            },
            if s.previous_reads {
                t!("migrate-yes")
            } else {
                t!("migrate-no")
            },
            s.what
        );
    }
    let pending: Vec<_> = states.iter().filter(|s| !s.applied).collect();
    if pending.is_empty() {
        println!("{}", t!("migrate-none-pending"));
    } else if pending.iter().all(|s| s.previous_reads) {
        println!("{}", t!("migrate-pending-readable", n = pending.len()));
    } else {
        println!("{}", t!("migrate-pending-unreadable", n = pending.len()));
    }
    Ok(ExitCode::SUCCESS)
}
