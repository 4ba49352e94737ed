//! `xunlian units import`: read an office's unit register (被巡察党组织名册)
//! from CSV or JSON and store it at the running node as its `unit_register`
//! record, merged into the register already held. A bad row stops the
//! import with its line number and nothing is written.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use super::operator::Operator;
use crate::workflow::bodies::{Unit, UnitRegister};
use crate::workflow::{ids, register};

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Import units into this office's register from a CSV file (header
    /// `id,name,type`; type is department / state_enterprise /
    /// public_institution / township / village or 部门 / 国有企业 / 事业单位 /
    /// 乡镇 / 村 / 社区) or a JSON array of {id, name, type}. Units already
    /// held keep their place; a known id is updated. All or nothing.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Replace the register instead of merging into it.
    #[arg(long)]
    replace: bool,
    /// The units file (.csv or .json).
    file: PathBuf,
}

pub async fn run(cmd: UnitsCommand) -> anyhow::Result<ExitCode> {
    let UnitsCommand::Import(args) = cmd;
    let units = register::read_file(&args.file).map_err(anyhow::Error::msg)?;
    let op = Operator::from_config(&args.config)?;
    let office = op.config.id.to_string();
    let id = ids::register(&office);
    let held: Vec<_> = if args.replace {
        Vec::new()
    } else {
        held_units(&op, &id).await?
    };
    let before = held.len();
    let imported = units.len();
    let merged = register::merge(&held, units);
    if merged.len() > 20_000 {
        bail!(
            "{}: the register would hold {} units; at most 20000",
            args.file.display(),
            merged.len()
        );
    }
    let req = json!({
        "kind": "unit_register",
        "id": id,
        "body": {"office": office, "office_name": op.config.name, "units": merged},
    });
    op.call(op.post("/api/v1/records").json(&req))
        .await
        .with_context(|| format!("importing {}", args.file.display()))?;
    println!(
        "{office} {}: {} units in the register ({imported} imported, {} new)",
        op.config.name,
        merged.len(),
        merged.len() - before
    );
    Ok(ExitCode::SUCCESS)
}

/// The units of this office's register as the node holds it now.
async fn held_units(op: &Operator, id: &uuid::Uuid) -> anyhow::Result<Vec<Unit>> {
    let Some(record) = op
        .call_found(op.get(&format!("/api/v1/records/{id}")))
        .await?
    else {
        return Ok(Vec::new());
    };
    let reg: UnitRegister = serde_json::from_value(record["body"].clone())
        .context("reading the register the node holds")?;
    Ok(reg.units)
}
