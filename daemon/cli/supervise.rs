//! `xunlian supervise`: run supervision (督办) now at a running node, as
//! its `schedules.supervision` job does — grade every open rectification
//! and clue by time left, send a notice for each grade change, file the
//! summary upward — and print what it found.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::operator::Operator;

#[derive(Debug, Args)]
pub struct SuperviseArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
}

pub async fn run(args: SuperviseArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let outcome = op.call(op.post("/api/v1/supervision/run")).await?;
    println!("{}", serde_json::to_string_pretty(&outcome)?);
    Ok(ExitCode::SUCCESS)
}
