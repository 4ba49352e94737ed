//! `xunlian export findings|ledger`: CSV files an office hands to Excel —
//! the findings list (问题清单) and the rectification ledger (整改台账) —
//! UTF-8 with a BOM so Excel shows Chinese text correctly.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::operator::Operator;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum What {
    /// The findings held (问题清单).
    Findings,
    /// The rectification ledger (整改台账).
    Ledger,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    what: What,
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Only this round (its round_id).
    #[arg(long)]
    round: Option<String>,
    /// Write the CSV here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let path = match args.what {
        What::Findings => "/api/v1/exports/findings.csv",
        What::Ledger => "/api/v1/exports/ledger.csv",
    };
    let query: Vec<_> = args.round.iter().map(|r| ("round", r)).collect();
    let csv = op.call_text(op.get(path).query(&query)).await?;
    match &args.out {
        Some(file) => {
            std::fs::write(file, &csv).with_context(|| format!("writing {}", file.display()))?;
            eprintln!("wrote {} ({} lines)", file.display(), csv.lines().count());
        }
        None => std::io::stdout()
            .write_all(csv.as_bytes())
            .context("writing to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}
