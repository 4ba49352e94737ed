//! `xunlian export findings|ledger`: the files an office hands to Excel —
//! the findings list (问题清单) and the rectification ledger (整改台账) —
//! as CSV (UTF-8 with a BOM so Excel shows Chinese text correctly) or as
//! XLSX (`--format`, else the `--out` extension). Headers are in the
//! command's language; values carry their Chinese names (`workflow::export`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::operator::Operator;
use crate::i18n::{self, t};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum What {
    /// The findings held (问题清单).
    Findings,
    /// The rectification ledger (整改台账).
    Ledger,
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format `--out` names by its extension: XLSX for `.xlsx`, else CSV.
    fn of(out: Option<&Path>) -> Format {
        match out.and_then(Path::extension) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => Format::Xlsx,
            _ => Format::Csv,
        }
    }
}

/// An XLSX workbook is binary: it goes to a file or a pipe, never to a
/// terminal, where it would garble the screen.
fn check_destination(
    format: Format,
    out: Option<&Path>,
    stdout_is_terminal: bool,
) -> anyhow::Result<()> {
    if format == Format::Xlsx && out.is_none() && stdout_is_terminal {
        bail!(t!("export-xlsx-to-terminal"));
    }
    Ok(())
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
    /// csv or xlsx; by default the extension of --out, else csv.
    #[arg(long)]
    format: Option<Format>,
    /// Write the file here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let format = args
        .format
        .unwrap_or_else(|| Format::of(args.out.as_deref()));
    check_destination(format, args.out.as_deref(), std::io::stdout().is_terminal())?;
    let op = Operator::from_config(&args.config)?;
    let file = match (args.what, format) {
        (What::Findings, Format::Csv) => "findings.csv",
        (What::Findings, Format::Xlsx) => "findings.xlsx",
        (What::Ledger, Format::Csv) => "ledger.csv",
        (What::Ledger, Format::Xlsx) => "ledger.xlsx",
    };
    let mut query = vec![("lang", i18n::current().code().to_string())];
    query.extend(args.round.iter().map(|r| ("round", r.clone())));
    let bytes = op
        .call_bytes(op.get(&format!("/api/v1/exports/{file}")).query(&query))
        .await?;
    match &args.out {
        Some(out) => {
            std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "{}",
                t!(
                    "export-wrote",
                    file = out.display().to_string().as_str(),
                    bytes = bytes.len()
                )
            );
        }
        None => std::io::stdout()
            .write_all(&bytes)
            .context("writing to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Format, check_destination};

    #[test]
    fn the_format_follows_the_out_extension_and_xlsx_never_goes_to_a_terminal() {
        assert_eq!(Format::of(Some(Path::new("整改台账.XLSX"))), Format::Xlsx);
        assert_eq!(Format::of(Some(Path::new("问题清单.csv"))), Format::Csv);
        assert_eq!(Format::of(None), Format::Csv);
        let e = check_destination(Format::Xlsx, None, true).unwrap_err();
        assert!(e.to_string().contains("--out"), "{e}");
        check_destination(Format::Xlsx, None, false).unwrap();
        check_destination(Format::Xlsx, Some(Path::new("a.xlsx")), true).unwrap();
        check_destination(Format::Csv, None, true).unwrap();
    }
}
