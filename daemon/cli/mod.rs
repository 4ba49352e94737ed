//! The `xunlian` command line: one file per subcommand; this module only
//! parses and dispatches.

mod assign;
mod backup;
mod bundle;
mod client;
mod daemon;
mod demo;
mod export;
mod help;
mod import;
mod lang;
mod migrate;
mod network;
mod operator;
mod parse_error;
mod pki;
mod quarantine;
mod report;
mod supervise;
mod units;
mod user;

use std::process::ExitCode;

use clap::{FromArgMatches, Parser, Subcommand};

use crate::i18n::{self, Lang};

/// xunlian (巡联): the sync daemon of the four-level inspection supervision
/// network. One daemon runs per office and exchanges round plans, findings,
/// rectifications and assignments with its parent and children over mutual TLS.
#[derive(Debug, Parser)]
#[command(name = "xunlian", version, about, long_about = None)]
pub struct Cli {
    /// Language (help text from the catalogue, `arg-lang`).
    #[arg(long, global = true, value_name = "zh|en", value_parser = lang::parse_lang)]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one node from its config file.
    Daemon(daemon::DaemonArgs),
    /// Run a small demo network locally and drive a scripted scenario.
    Demo(demo::DemoArgs),
    /// Write whole networks (PKI and configs) for pilots and tests.
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Manage the network's certificate authority step by step.
    #[command(subcommand)]
    Pki(pki::PkiCommand),
    /// Submit a record to a running node (operator API).
    Submit(client::SubmitArgs),
    /// Query records held by a running node, as JSON lines.
    Query(client::QueryArgs),
    /// Show a running node, its links and backlog.
    Status(client::StatusArgs),
    /// List the records a running node refused; retry them once the cause
    /// is fixed, or discard them.
    #[command(subcommand)]
    Quarantine(quarantine::QuarantineCommand),
    /// 从 Excel/CSV 导入名册、问题、整改进展，或生成模板 (import the unit
    /// register, findings or rectification progress from XLSX or CSV, or
    /// write a template).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Manage this office's unit register (被巡察党组织名册).
    #[command(subcommand)]
    Units(units::UnitsCommand),
    /// Coverage, statistics and the rectification ledger of this office and its subtree.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Export the findings list or the rectification ledger as CSV for Excel.
    Export(export::ExportArgs),
    /// Run supervision (督办) now: grade open items, notify on grade changes.
    Supervise(supervise::SuperviseArgs),
    /// Arrange cross (交叉巡察) and elevated (提级巡察) inspections from a
    /// coordinating office, and release cross findings at feedback (反馈).
    #[command(subcommand)]
    Assign(assign::AssignCommand),
    /// 备份运行中节点的存储 (copy a running node's SQLite store).
    Backup(backup::BackupArgs),
    /// 从备份恢复已停止节点的存储 (put a backup back; the node must be stopped).
    Restore(backup::RestoreArgs),
    /// 工作台账号：新建、改密码、停用 (workbench accounts: add, passwd, disable).
    #[command(subcommand)]
    User(user::UserCommand),
    /// 工作台操作审计：谁、何时、哪条记录、从哪里 (the workbench's audit of writes).
    Audit(user::AuditArgs),
    /// 升级前检查存储迁移 (what pending store migrations do, and whether the
    /// previous release can still read the store afterwards).
    Migrate(migrate::MigrateArgs),
    /// 离线数据包：导出、导入 (offline bundles for an office whose link never
    /// connects: export what the link would carry, import with a push's checks).
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
}

/// The command line of this process, parsed with its help and its
/// errors in the language [`lang::choose`] picks, which it also sets for
/// the run.
pub fn parse() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = lang::choose(&args);
    i18n::set_current(lang);
    help::command(lang)
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m))
        .unwrap_or_else(|e| parse_error::exit(e, lang))
}

/// How a failed command's error reads on standard error, in the run's
/// language: the prefix (错误 / error) and the chain of causes.
pub fn error_line(e: &anyhow::Error) -> String {
    i18n::t!("msg-error", error = format!("{e:#}"))
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Pki(cmd) => pki::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Network(cmd) => network::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Daemon(args) => runtime()?.block_on(daemon::run(args)),
        Command::Demo(args) => runtime()?.block_on(demo::run(args)),
        Command::Submit(args) => runtime()?.block_on(client::submit(args)),
        Command::Query(args) => runtime()?.block_on(client::query(args)),
        Command::Status(args) => runtime()?.block_on(client::status(args)),
        Command::Quarantine(cmd) => runtime()?.block_on(quarantine::run(cmd)),
        Command::Import(cmd) => runtime()?.block_on(import::run(cmd)),
        Command::Units(cmd) => runtime()?.block_on(units::run(cmd)),
        Command::Report(cmd) => runtime()?.block_on(report::run(cmd)),
        Command::Export(args) => runtime()?.block_on(export::run(args)),
        Command::Supervise(args) => runtime()?.block_on(supervise::run(args)),
        Command::Assign(cmd) => runtime()?.block_on(assign::run(cmd)),
        Command::Migrate(args) => runtime()?.block_on(migrate::run(args)),
        Command::Bundle(cmd) => runtime()?.block_on(bundle::run(cmd)),
        Command::Backup(args) => backup::backup(args).map(|()| ExitCode::SUCCESS),
        Command::Restore(args) => runtime()?
            .block_on(backup::restore(args))
            .map(|()| ExitCode::SUCCESS),
        Command::User(cmd) => runtime()?.block_on(user::run(cmd)),
        Command::Audit(args) => runtime()?.block_on(user::audit(args)),
    }
}

/// A time the node gives in milliseconds since the epoch, as this
/// machine's local time for a table ("2026-12-07 15:04:05"); `-` when absent.
fn local_time(millis: &serde_json::Value) -> String {
    millis
        .as_i64()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(
            || "-".into(),
            |t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            },
        )
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
