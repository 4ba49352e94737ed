//! `xunlian bundle export|import`: offline bundles (离线数据包) for an office
//! whose link never connects. A thin client of the operator API's
//! `/api/v1/bundles` routes; the running node cuts, signs and admits (see
//! [`crate::sync::bundle`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::Value;

use super::operator::Operator;
use crate::i18n::t;

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// 导出发往上级（或 --for 下级）的离线数据包 (write what the link to the
    /// parent, or to --for CHILD, would carry, signed, to --out).
    Export(ExportArgs),
    /// 导入离线数据包，与联网推送同样检查 (admit a bundle with exactly the
    /// checks of a push or pull; tampered bundles are refused whole).
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Where to write the bundle (JSON).
    #[arg(long)]
    out: PathBuf,
    /// 接收方 (the neighbour the bundle is for; default: the parent).
    #[arg(long = "for")]
    peer: Option<String>,
    /// 重新导出对方尚未确认的全部记录 (everything the neighbour has not
    /// confirmed, not only what earlier bundles did not carry).
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// The bundle file.
    file: PathBuf,
    /// Print the node's answer as JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub async fn run(cmd: BundleCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BundleCommand::Export(args) => export(args).await,
        BundleCommand::Import(args) => import(args).await,
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let mut query = vec![("all", args.all.to_string())];
    if let Some(p) = &args.peer {
        query.push(("for", p.clone()));
    }
    // Written as the node answered: the signature covers these bytes.
    let text = op
        .call_text(op.post("/api/v1/bundles/export").query(&query))
        .await?;
    let bundle: Value = serde_json::from_str(&text).context("reading the node's bundle")?;
    let n = bundle["records"].as_array().map_or(0, Vec::len);
    let to = bundle["header"]["to"].as_str().unwrap_or("?");
    std::fs::write(&args.out, &text)
        .with_context(|| format!("writing bundle {}", args.out.display()))?;
    println!(
        "{}",
        t!(
            "bundle-exported",
            n = n,
            to = to,
            file = args.out.display().to_string()
        )
    );
    Ok(ExitCode::SUCCESS)
}

async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let file = args.file.display().to_string();
    let body = std::fs::read(&args.file).with_context(|| format!("reading bundle {file}"))?;
    let answer: Value = op
        .call(
            op.post("/api/v1/bundles")
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body),
        )
        .await
        .with_context(|| format!("importing bundle {file}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(ExitCode::SUCCESS);
    }
    let refused = answer["refused"].as_array().map_or(0, Vec::len);
    println!(
        "{}",
        t!(
            "bundle-imported",
            file = &file,
            from = answer["from"].as_str().unwrap_or("?"),
            stored = answer["stored"].as_u64().unwrap_or(0),
            unchanged = answer["unchanged"].as_u64().unwrap_or(0),
            refused = refused
        )
    );
    Ok(ExitCode::SUCCESS)
}
