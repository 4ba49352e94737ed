//! `xunlian units import`: the older name of `xunlian import units`
//! (`import.rs`), kept so scripts and docs that use it go on working.

use std::process::ExitCode;

use clap::Subcommand;

use super::import;

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// 同 `xunlian import units`：导入被巡察党组织名册 (same as `xunlian
    /// import units`: import the unit register from XLSX, CSV or JSON).
    ///
    /// 例 (example): xunlian units import --config county.toml 名册.csv
    Import(import::UnitsArgs),
}

pub async fn run(cmd: UnitsCommand) -> anyhow::Result<ExitCode> {
    let UnitsCommand::Import(args) = cmd;
    import::units(args).await
}
