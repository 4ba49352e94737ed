//! `xunlian import units|findings|progress|template`: spreadsheets into a
//! running node, all or nothing. The file is read and every row converted
//! (`workflow::import`); the node then checks every converted row against
//! the same rules as a submit without writing (`POST
//! /api/v1/records/check`); only when no row has a problem is the whole
//! file written as one batch, one transaction (`POST /api/v1/records`).
//! Every problem of a run is reported at once, by line and column.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use super::operator::Operator;
use crate::i18n::t;
use crate::workflow::bodies::{Unit, UnitRegister};
use crate::workflow::import::{self, Import, Row, RowError, Sheet, Table};
use crate::workflow::{ids, register};

/// Rows one import may hold: one batch, one transaction (the operator
/// API's `MAX_SUBMIT_BATCH`).
const MAX_ROWS: usize = 10_000;

/// Units a register may hold.
const MAX_UNITS: usize = 20_000;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 导入被巡察党组织名册（列：编号、名称、类型）并并入本机构已有名册
    /// (import the unit register; columns id, name, type).
    ///
    /// 例 (example): xunlian import units --config county.toml 名册.xlsx
    Units(UnitsArgs),
    /// 导入问题底稿，按“编号”去重 (import findings, keyed by 编号).
    ///
    /// 例 (example): xunlian import findings --config county.toml 问题.xlsx
    Findings(FileArgs),
    /// 导入整改进展，按“问题编号”对应问题 (import rectification progress).
    ///
    /// 例 (example): xunlian import progress --config county.toml 整改.csv
    Progress(FileArgs),
    /// 生成导入模板：表头加一行示例 (write a template: headers and one example row).
    ///
    /// 例 (example): xunlian import template findings --out 问题模板.xlsx
    Template(TemplateArgs),
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// 节点配置文件 (the node's TOML config file).
    #[arg(long, short)]
    config: PathBuf,
    /// 表格文件：.xlsx、.xls、.ods 或 .csv（UTF-8 或 GBK/GB18030）
    /// (the sheet: XLSX, XLS, ODS or CSV in UTF-8 or GBK/GB18030).
    file: PathBuf,
}

#[derive(Debug, Args)]
pub struct UnitsArgs {
    #[command(flatten)]
    sheet: FileArgs,
    /// 替换整个名册，而不是并入 (replace the register instead of merging into it).
    #[arg(long)]
    replace: bool,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// 模板种类 (which template).
    kind: SheetKind,
    /// 输出文件：.xlsx 或 .csv (the file to write: .xlsx or .csv).
    #[arg(long)]
    out: PathBuf,
}

/// The sheets an import reads.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SheetKind {
    Units,
    Findings,
    Progress,
}

impl From<SheetKind> for Sheet {
    fn from(k: SheetKind) -> Sheet {
        match k {
            SheetKind::Units => Sheet::Units,
            SheetKind::Findings => Sheet::Findings,
            SheetKind::Progress => Sheet::Progress,
        }
    }
}

pub async fn run(cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ImportCommand::Units(args) => units(args).await,
        ImportCommand::Findings(args) => rows(Sheet::Findings, import::findings, args).await,
        ImportCommand::Progress(args) => rows(Sheet::Progress, import::progress, args).await,
        ImportCommand::Template(args) => {
            import::write_template(args.kind.into(), &args.out).map_err(anyhow::Error::msg)?;
            println!(
                "{}",
                t!(
                    "import-template-written",
                    file = args.out.display().to_string()
                )
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Findings or progress: one request per row, converted by `convert`.
async fn rows(
    sheet: Sheet,
    convert: fn(&Table, &str) -> Import,
    args: FileArgs,
) -> anyhow::Result<ExitCode> {
    let table = import::read_table(&args.file).map_err(anyhow::Error::msg)?;
    let op = Operator::from_config(&args.config)?;
    let converted = convert(&table, op.config.id.as_str());
    check_and_write(&op, sheet, &table, &args.file, converted).await
}

/// The unit register: the rows merged into the register held (unless
/// `--replace`), written as the office's one `unit_register` record.
pub async fn units(args: UnitsArgs) -> anyhow::Result<ExitCode> {
    let file = &args.sheet.file;
    let table = import::read_table(file).map_err(anyhow::Error::msg)?;
    let op = Operator::from_config(&args.sheet.config)?;
    let (units, errors) = import::units(&table);
    if !errors.is_empty() {
        return Ok(refuse(file, errors));
    }
    let office = op.config.id.to_string();
    let id = ids::register(&office);
    let held = if args.replace {
        Vec::new()
    } else {
        held_units(&op, &id).await?
    };
    let merged = register::merge(&held, units);
    if merged.len() > MAX_UNITS {
        bail!(t!(
            "import-too-many-units",
            file = file.display().to_string(),
            n = merged.len(),
            max = MAX_UNITS
        ));
    }
    let request = json!({
        "kind": "unit_register",
        "id": id,
        "body": {"office": office, "office_name": op.config.name, "units": merged},
    });
    let converted = Import {
        rows: vec![Row { line: 0, request }],
        errors,
    };
    let code = check_and_write(&op, Sheet::Units, &table, file, converted).await?;
    if code == ExitCode::SUCCESS {
        println!(
            "{}",
            t!(
                "import-register-summary",
                office = &office,
                name = &op.config.name,
                total = merged.len(),
                rows = table.rows.len(),
                added = merged.len() - held.len()
            )
        );
    }
    Ok(code)
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

/// Has the node check the converted rows; with no problem anywhere,
/// writes them all in one batch and prints what changed; else prints every
/// problem and writes nothing.
async fn check_and_write(
    op: &Operator,
    sheet: Sheet,
    table: &Table,
    file: &Path,
    converted: Import,
) -> anyhow::Result<ExitCode> {
    let Import { rows, mut errors } = converted;
    if rows.len() > MAX_ROWS {
        bail!(t!(
            "import-too-many-rows",
            file = file.display().to_string(),
            n = rows.len(),
            max = MAX_ROWS
        ));
    }
    let requests: Vec<&Value> = rows.iter().map(|r| &r.request).collect();
    let check = op
        .call(op.post("/api/v1/records/check").json(&requests))
        .await
        .with_context(|| t!("import-check-failed", file = file.display().to_string()))?;
    for refused in check["refused"].as_array().into_iter().flatten() {
        let line = refused["index"]
            .as_u64()
            .and_then(|i| rows.get(i as usize))
            .map_or(0, |r| r.line);
        let error = refused["error"].as_str().unwrap_or_default();
        errors.push(import::refusal(sheet, table, line, error));
    }
    if !errors.is_empty() {
        return Ok(refuse(file, errors));
    }
    op.call(op.post("/api/v1/records").json(&requests))
        .await
        .with_context(|| t!("import-write-failed", file = file.display().to_string()))?;
    let (new, unchanged) = (&check["new"], &check["unchanged"]);
    println!(
        "{}",
        t!(
            "import-summary",
            file = file.display().to_string(),
            rows = rows.len(),
            new = new.as_u64().unwrap_or(0),
            unchanged = unchanged.as_u64().unwrap_or(0)
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints every problem, in line order, and that nothing was written.
fn refuse(file: &Path, mut errors: Vec<RowError>) -> ExitCode {
    errors.sort();
    for e in &errors {
        eprintln!("{}: {e}", file.display());
    }
    eprintln!(
        "{}",
        t!(
            "import-refused",
            file = file.display().to_string(),
            n = errors.len()
        )
    );
    ExitCode::FAILURE
}
