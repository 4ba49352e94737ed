//! `xunlian user add|passwd|disable` and `xunlian audit`: the workbench's
//! accounts (roles 录入 clerk, 审核 reviewer, 运维 operator; the password is
//! read from standard input and hashed with argon2 at the node) and its
//! audit of writes. Thin clients of the operator API's `/api/v1/users`
//! and `/api/v1/audit`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::operator::Operator;
use crate::i18n::{current, label, t};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 新建工作台账号，密码从标准输入读取 (add a workbench account; the
    /// password is read from standard input).
    ///
    /// 例 (example): echo '密码至少八位' | xunlian user add --config county.toml 张三 --role 录入
    Add(AddArgs),
    /// 重设密码并重新启用，从标准输入读取 (set a new password, read from
    /// standard input; enables the account again).
    ///
    /// 例 (example): xunlian user passwd --config county.toml 张三 < 新密码.txt
    Passwd(NameArgs),
    /// 停用账号，其会话立即结束 (disable an account; its sessions end).
    ///
    /// 例 (example): xunlian user disable --config county.toml 张三
    Disable(NameArgs),
}

#[derive(Debug, Args)]
pub struct NameArgs {
    /// 节点配置文件 (the node's TOML config file).
    #[arg(long, short)]
    config: PathBuf,
    /// 用户名 (the account's name).
    name: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    who: NameArgs,
    /// 角色：录入 (clerk)、审核 (reviewer) 或 运维 (operator).
    #[arg(long)]
    role: String,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// 节点配置文件 (the node's TOML config file).
    #[arg(long, short)]
    config: PathBuf,
    /// 只看此人的操作 (only this person's writes).
    #[arg(long)]
    user: Option<String>,
    /// 最多显示条数 (at most this many entries, newest first).
    #[arg(long, default_value_t = 100)]
    limit: i64,
}

pub async fn run(cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let (args, path, body) = match cmd {
        UserCommand::Add(a) => {
            let body = json!({"name": a.who.name, "role": a.role, "password": password()?});
            (a.who, "/api/v1/users".to_string(), body)
        }
        UserCommand::Passwd(a) => {
            let path = format!("/api/v1/users/{}/password", a.name);
            (a, path, json!({"password": password()?}))
        }
        UserCommand::Disable(a) => {
            let path = format!("/api/v1/users/{}/disable", a.name);
            (a, path, json!({}))
        }
    };
    let op = Operator::from_config(&args.config)?;
    op.call(op.post(&path).json(&body))
        .await
        .with_context(|| t!("user-context", name = args.name.as_str()))?;
    println!("{}", t!("user-done", name = args.name.as_str()));
    Ok(ExitCode::SUCCESS)
}

/// The password: the first line of standard input.
fn password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .with_context(|| t!("user-reading-password"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// `xunlian audit`: the newest workbench writes, one a line.
pub async fn audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let mut req = op
        .get("/api/v1/audit")
        .query(&[("limit", args.limit.to_string())]);
    if let Some(u) = &args.user {
        req = req.query(&[("user", u)]);
    }
    let entries = op.call(req).await.with_context(|| t!("audit-reading"))?;
    let lang = current();
    for e in entries.as_array().into_iter().flatten() {
        let at = super::local_time(&e["at"]);
        let s = |k: &str| e[k].as_str().unwrap_or("-").to_string();
        println!(
            "{at}\t{}\t{}\t{}\t{} {}\t{}",
            s("user"),
            label(lang, "wb-role", &s("role")),
            label(lang, "wb-action", &s("action")),
            label(lang, "record", &s("kind")),
            s("record_id"),
            s("address")
        );
    }
    Ok(ExitCode::SUCCESS)
}
