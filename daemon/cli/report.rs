//! `xunlian report coverage|stats|ledger|assignments`: the workflow's
//! figures for this office and its subtree, read from a running node. A
//! readable table by default (an office per line, indented by depth, own
//! figures beside the subtree's), `--json` for scripts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::Value;

use super::operator::Operator;
use crate::i18n::{self, pad, pad_left, t};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Coverage (全覆盖) of a term: units inspected over units in the
    /// register, per office and rolled up per subtree.
    Coverage(CoverageArgs),
    /// Statistics: rounds, units inspected and villages reached, findings
    /// by category and severity, clues and their disposal rate,
    /// rectification rate per round; per office and per subtree.
    Stats(RoundArgs),
    /// The rectification ledger (整改台账): every finding held with its
    /// rectification state, due date and warning grade.
    Ledger(RoundArgs),
    /// Cross (交叉) and elevated (提级) assignments held: who inspects whom,
    /// and where each pair stands — planned, on_site (进驻), fed_back (反馈),
    /// rectifying, closed (销号) — with its findings, released and verified.
    Assignments(RoundArgs),
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// The term (届), e.g. 2021-2026; the newest term of the taxonomy by default.
    #[arg(long)]
    term: Option<String>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RoundArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Only this round (its round_id).
    #[arg(long)]
    round: Option<String>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub async fn run(cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    let (config, path, params, json, render): (_, _, _, _, fn(&Value) -> String) = match cmd {
        ReportCommand::Coverage(a) => (
            a.config,
            "/api/v1/reports/coverage",
            a.term.map(|t| ("term", t)),
            a.json,
            render_coverage,
        ),
        ReportCommand::Stats(a) => (
            a.config,
            "/api/v1/reports/stats",
            a.round.map(|r| ("round", r)),
            a.json,
            render_stats,
        ),
        ReportCommand::Ledger(a) => (
            a.config,
            "/api/v1/reports/ledger",
            a.round.map(|r| ("round", r)),
            a.json,
            render_ledger,
        ),
        ReportCommand::Assignments(a) => (
            a.config,
            "/api/v1/reports/assignments",
            a.round.map(|r| ("round", r)),
            a.json,
            render_assignments,
        ),
    };
    let op = Operator::from_config(&config)?;
    let report = op
        .call(op.get(path).query(&params.into_iter().collect::<Vec<_>>()))
        .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn u(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// "630202 乐都区委巡察办", indented by depth.
fn office(row: &Value) -> String {
    let depth = row["depth"].as_u64().unwrap_or(0) as usize;
    format!(
        "{}{} {}",
        "  ".repeat(depth),
        row["office"].as_str().unwrap_or(""),
        row["name"].as_str().unwrap_or("")
    )
}

fn rows(report: &Value) -> &[Value] {
    report["rows"].as_array().map_or(&[], Vec::as_slice)
}

fn render_coverage(report: &Value) -> String {
    let term = report["term"].as_str().unwrap_or("").to_string();
    let mut out = format!(
        "{}\n{} {} {}\n",
        t!("report-coverage-title", term = term),
        pad(&t!("report-col-subtree"), 22),
        pad(&t!("report-col-own"), 22),
        t!("report-col-office"),
    );
    for row in rows(report) {
        let cell = |c: &Value| {
            let (n, i) = (u(c, "units"), u(c, "inspected"));
            format!("{i}/{n}, {}", percent(i, n))
        };
        out += &format!(
            "{:<22} {:<22} {}\n",
            cell(&row["subtree"]),
            cell(&row["own"]),
            office(row)
        );
    }
    out
}

fn render_stats(report: &Value) -> String {
    let mut out = match report["round"].as_str() {
        Some(r) => t!("report-stats-round-title", round = r.to_string()),
        None => t!("report-stats-title"),
    };
    out += "\n";
    out += &format!(
        "{} {} {} {} {} {} {}  {}\n",
        pad_left(&t!("report-col-rounds"), 6),
        pad_left(&t!("report-col-units"), 6),
        pad_left(&t!("report-col-villages"), 8),
        pad_left(&t!("report-col-findings"), 8),
        pad_left(&t!("report-col-clues"), 6),
        pad_left(&t!("report-col-disposed"), 9),
        pad_left(&t!("report-col-rectified"), 10),
        t!("report-col-office"),
    );
    for row in rows(report) {
        let s = &row["subtree"];
        let (n, v) = s["rectification"].as_object().into_iter().flatten().fold(
            (0, 0),
            |(n, v), (_, pair)| {
                (
                    n + pair[0].as_u64().unwrap_or(0),
                    v + pair[1].as_u64().unwrap_or(0),
                )
            },
        );
        out += &format!(
            "{:>6} {:>6} {:>8} {:>8} {:>6} {:>9} {:>10}  {}\n",
            u(s, "rounds"),
            u(s, "units_inspected"),
            u(s, "villages_reached"),
            u(s, "findings"),
            u(s, "clues"),
            percent(u(s, "clues_disposed"), u(s, "clues")),
            percent(v, n),
            office(row)
        );
    }
    if let Some(me) = rows(report).first() {
        out += &format!("\n{}\n", t!("report-stats-per-round"));
        for (round, pair) in me["subtree"]["rectification"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let (n, v) = (pair[0].as_u64().unwrap_or(0), pair[1].as_u64().unwrap_or(0));
            let rate = percent(v, n);
            out += &format!(
                "  {}\n",
                t!(
                    "report-stats-round-rate",
                    round = round.clone(),
                    verified = v,
                    all = n,
                    rate = rate
                )
            );
        }
    }
    out
}

fn render_ledger(report: &Value) -> String {
    let lang = i18n::current();
    let mut out = format!(
        "{} {} {} {} {} {} {}\n",
        pad(&t!("ledger-col-state"), 12),
        pad(&t!("ledger-col-grade"), 7),
        pad(&t!("ledger-col-due"), 11),
        pad(&t!("ledger-col-attempt"), 8),
        pad(&t!("ledger-col-host"), 8),
        pad(&t!("ledger-col-round"), 8),
        t!("ledger-col-title"),
    );
    for l in report.as_array().into_iter().flatten() {
        let s = |k: &str| l[k].as_str().unwrap_or("-").to_string();
        let named = |group: &str, k: &str| {
            l[k].as_str()
                .map_or_else(|| "-".to_string(), |c| i18n::label(lang, group, c))
        };
        out += &format!(
            "{} {} {:<11} {:<8} {:<8} {:<8} {}\n",
            pad(&named("rect-state", "state"), 12),
            pad(&named("grade", "grade"), 7),
            s("due"),
            u(l, "attempt"),
            s("host_office"),
            s("round"),
            s("title")
        );
    }
    out
}

fn render_assignments(report: &Value) -> String {
    let lang = i18n::current();
    let mut out = format!(
        "{} {} {} {} {} {} {} {}  {}\n",
        pad(&t!("report-col-type"), 10),
        pad(&t!("report-col-by"), 8),
        pad(&t!("report-col-of"), 8),
        pad(&t!("report-col-status"), 10),
        pad(&t!("report-col-feedback"), 11),
        pad_left(&t!("report-col-findings"), 8),
        pad_left(&t!("report-col-released"), 8),
        pad_left(&t!("report-col-verified"), 8),
        t!("report-col-round"),
    );
    for r in rows(report) {
        let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
        let named = |group: &str, k: &str| {
            r[k].as_str()
                .map_or_else(|| "-".to_string(), |c| i18n::label(lang, group, c))
        };
        out += &format!(
            "{} {:<8} {:<8} {} {:<11} {:>8} {:>8} {:>8}  {}\n",
            pad(&named("assignment-kind", "kind"), 10),
            s("inspecting"),
            s("inspected"),
            pad(&named("assignment-status", "status"), 10),
            s("feedback"),
            u(r, "findings"),
            u(r, "released"),
            u(r, "verified"),
            s("round")
        );
    }
    out
}
