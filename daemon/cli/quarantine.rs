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
use crate::i18n::{Lang, current, label, t, tl};

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
            render_list(current(), entries.as_array().map_or(&[], Vec::as_slice))
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
        print!(
            "{}",
            render_retry(current(), retried.len() - refused.len(), &refused)
        );
    }
    Ok(if refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn discard(args: ActArgs) -> anyhow::Result<ExitCode> {
    if args.why.as_deref().is_none_or(|w| w.trim().is_empty()) {
        anyhow::bail!(t!("quarantine-why-required"));
    }
    let answer = act(&args, "discard").await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        println!(
            "{}",
            t!(
                "quarantine-discarded",
                n = answer["discarded"].as_u64().unwrap_or(0)
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Posts `{ids, why}` to `/api/v1/quarantine/{action}`.
async fn act(args: &ActArgs, action: &str) -> anyhow::Result<Value> {
    let op = Operator::from_config(&args.config)?;
    let body = json!({ "ids": args.ids, "why": args.why });
    op.call(op.post(&format!("/api/v1/quarantine/{action}")).json(&body))
        .await
        .context(t!("quarantine-unchanged"))
}

/// The list as a table in `lang`, one entry a line: the kind and the
/// refusal by their names (the code, for scripts, is in `--json`); "-"
/// where a field is missing (entries kept before codes were, records too
/// broken to name).
fn render_list(lang: Lang, entries: &[Value]) -> String {
    if entries.is_empty() {
        return tl!(lang, "quarantine-empty") + "\n";
    }
    let heads = [
        "quarantine-col-id",
        "quarantine-col-at",
        "quarantine-col-peer",
        "quarantine-col-record",
        "quarantine-col-kind",
        "quarantine-col-code",
        "quarantine-col-reason",
    ];
    let mut out = heads.map(|k| crate::i18n::message(lang, k, &[])).join("\t") + "\n";
    for e in entries {
        let when = super::local_time(&e["at"]);
        let field = |name: &str| e[name].as_str().unwrap_or("-").to_string();
        let named = |group: &str, name: &str| {
            e[name]
                .as_str()
                .map_or_else(|| "-".into(), |code| label(lang, group, code))
        };
        out += &format!(
            "{}\t{when}\t{}\t{}\t{}\t{}\t{}\n",
            e["id"],
            field("peer"),
            field("record_id"),
            named("record", "kind"),
            named("reason", "code"),
            field("reason"),
        );
    }
    out
}

/// "已重新接收 3 条，仍被拒绝 1 条：" and a line per entry still refused,
/// in `lang`.
fn render_retry(lang: Lang, admitted: usize, refused: &[&Value]) -> String {
    if refused.is_empty() {
        return tl!(lang, "quarantine-retried", admitted = admitted) + "\n";
    }
    let mut out = tl!(
        lang,
        "quarantine-retried-some-refused",
        admitted = admitted,
        refused = refused.len()
    ) + "\n";
    for r in refused {
        let why = r["code"]
            .as_str()
            .map_or_else(|| "-".into(), |code| label(lang, "reason", code));
        out += &tl!(
            lang,
            "quarantine-still-refused",
            id = r["id"].to_string(),
            record = r["record_id"].as_str().unwrap_or("-"),
            why = why,
            reason = r["reason"].as_str().unwrap_or("-")
        );
        out += "\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{render_list, render_retry};
    use crate::i18n::Lang;

    #[test]
    fn old_entries_without_a_code_show_a_dash() {
        let entries = [
            json!({"id": 7, "at": 0, "peer": "630102", "record_id": null,
            "kind": "finding", "code": null, "reason": "bad", "raw": "{}"}),
        ];
        let text = render_list(Lang::Zh, &entries);
        assert!(text.starts_with("编号\t时间\t来源"), "{text}");
        let row = text.lines().nth(1).unwrap();
        let cols: Vec<&str> = row.split('\t').collect();
        assert_eq!(cols[0], "7");
        assert_eq!(&cols[2..], ["630102", "-", "问题", "-", "bad"]);
        assert_eq!(render_list(Lang::Zh, &[]), "隔离区为空。\n");
        let text = render_list(Lang::En, &entries);
        assert!(text.starts_with("ID\tWHEN\tFROM"), "{text}");
        assert_eq!(render_list(Lang::En, &[]), "The quarantine is empty.\n");
    }

    #[test]
    fn a_retry_says_how_many_were_admitted_and_why_the_rest_stay() {
        assert_eq!(render_retry(Lang::Zh, 3, &[]), "已重新接收 3 条。\n");
        let still = json!({"id": 4, "record_id": "r1", "admitted": false,
            "code": "not_allowed", "reason": "origin 630102 is not in the subtree"});
        assert_eq!(
            render_retry(Lang::Zh, 3, &[&still]),
            "已重新接收 3 条，仍被拒绝 1 条：\n  #4 记录 r1：无权发送 — origin 630102 is not in the subtree\n"
        );
        assert_eq!(
            render_retry(Lang::En, 3, &[&still]),
            "3 admitted again, 1 still refused:\n  #4 record r1: not allowed — origin 630102 is not in the subtree\n"
        );
    }
}
