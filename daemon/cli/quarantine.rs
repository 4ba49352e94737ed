//! `xunlian quarantine list|retry|discard`: the records a running node
//! refused, and the operator's two ways out: retry (the same checks again,
//! once the cause is fixed) or discard (with a reason). A thin client of
//! the operator API's `/api/v1/quarantine` routes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::operator::Operator;

#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// List the refused records (newest first): id, when, from, record id,
    /// kind, reason code and reason.
    List(ListArgs),
    /// Run records through the same checks again; those admitted leave the
    /// quarantine and travel on, the others stay with the new reason.
    Retry(ActArgs),
    /// Drop records from the quarantine for good (--why is required).
    Discard(ActArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Print the entries as JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ActArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Quarantine entry ids (the first column of `quarantine list`).
    #[arg(required = true)]
    ids: Vec<i64>,
    /// Why: logged at the node with the operator; required to discard.
    #[arg(long)]
    why: Option<String>,
    /// Print the node's answer as JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub async fn run(cmd: QuarantineCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        QuarantineCommand::List(args) => list(args).await,
        QuarantineCommand::Retry(args) => retry(args).await,
        QuarantineCommand::Discard(args) => discard(args).await,
    }
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let entries = op.call(op.get("/api/v1/quarantine")).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
    } else {
        print!(
            "{}",
            render_list(entries.as_array().map_or(&[], Vec::as_slice))
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn retry(args: ActArgs) -> anyhow::Result<ExitCode> {
    let answer = act(&args, "retry").await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    }
    let retried = answer["retried"].as_array().map_or(&[][..], Vec::as_slice);
    let refused: Vec<&Value> = retried.iter().filter(|r| r["admitted"] != true).collect();
    if !args.json {
        print!("{}", render_retry(retried.len() - refused.len(), &refused));
    }
    Ok(if refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn discard(args: ActArgs) -> anyhow::Result<ExitCode> {
    if args.why.as_deref().is_none_or(|w| w.trim().is_empty()) {
        anyhow::bail!("丢弃须说明理由：--why TEXT (say why with --why)");
    }
    let answer = act(&args, "discard").await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        println!("已丢弃 {} 条。", answer["discarded"]);
    }
    Ok(ExitCode::SUCCESS)
}

/// Posts `{ids, why}` to `/api/v1/quarantine/{action}`.
async fn act(args: &ActArgs, action: &str) -> anyhow::Result<Value> {
    let op = Operator::from_config(&args.config)?;
    let body = json!({ "ids": args.ids, "why": args.why });
    op.call(op.post(&format!("/api/v1/quarantine/{action}")).json(&body))
        .await
        .context("隔离区未作任何改动 (the quarantine is unchanged)")
}

/// The list as a table, one entry a line; "-" where a field is missing
/// (entries kept before codes were, records too broken to name).
fn render_list(entries: &[Value]) -> String {
    if entries.is_empty() {
        return "隔离区为空。\n".into();
    }
    let mut out = String::from("编号\t时间\t来源\t记录\t类型\t代码\t原因\n");
    for e in entries {
        let when = super::local_time(&e["at"]);
        let field = |name: &str| e[name].as_str().unwrap_or("-").to_string();
        out += &format!(
            "{}\t{when}\t{}\t{}\t{}\t{}\t{}\n",
            e["id"],
            field("peer"),
            field("record_id"),
            field("kind"),
            field("code"),
            field("reason"),
        );
    }
    out
}

/// "已重新接收 3 条，仍被拒绝 1 条：" and a line per entry still refused.
fn render_retry(admitted: usize, refused: &[&Value]) -> String {
    if refused.is_empty() {
        return format!("已重新接收 {admitted} 条。\n");
    }
    let mut out = format!(
        "已重新接收 {admitted} 条，仍被拒绝 {} 条：\n",
        refused.len()
    );
    for r in refused {
        out += &format!(
            "  #{} 记录 {}：{} — {}\n",
            r["id"],
            r["record_id"].as_str().unwrap_or("-"),
            r["code"].as_str().unwrap_or("-"),
            r["reason"].as_str().unwrap_or("-"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{render_list, render_retry};

    #[test]
    fn old_entries_without_a_code_show_a_dash() {
        let entries = [
            json!({"id": 7, "at": 0, "peer": "630102", "record_id": null,
            "kind": "finding", "code": null, "reason": "bad", "raw": "{}"}),
        ];
        let text = render_list(&entries);
        let row = text.lines().nth(1).unwrap();
        let cols: Vec<&str> = row.split('\t').collect();
        assert_eq!(cols[0], "7");
        assert_eq!(&cols[2..], ["630102", "-", "finding", "-", "bad"]);
        assert_eq!(render_list(&[]), "隔离区为空。\n");
    }

    #[test]
    fn a_retry_says_how_many_were_admitted_and_why_the_rest_stay() {
        assert_eq!(render_retry(3, &[]), "已重新接收 3 条。\n");
        let still = json!({"id": 4, "record_id": "r1", "admitted": false,
            "code": "not_allowed", "reason": "origin 630102 is not in the subtree"});
        assert_eq!(
            render_retry(3, &[&still]),
            "已重新接收 3 条，仍被拒绝 1 条：\n  #4 记录 r1：not_allowed — origin 630102 is not in the subtree\n"
        );
    }
}
