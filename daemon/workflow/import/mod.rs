//! Spreadsheets in: the unit register, findings and rectification
//! progress read from XLSX or CSV ([`table`]: UTF-8, with or without a
//! BOM, or GB18030/GBK) under Chinese headers ([`columns`]), each row
//! checked and turned into a submit request, every bad row reported at
//! once with its line, column and a reason in Chinese; and the templates
//! (headers and one example row) to fill in ([`template`]).
//!
//! Re-importing stores nothing twice: a finding's id is derived from the
//! office, the kind and its 编号 ([`ids::imported`]), a progress row's
//! from its finding (the rules derive it), and the register is one record
//! per office; an unchanged resubmit of an id is a no-op at the engine.
//! The domain rules are not repeated here: the node checks every request
//! (`POST /api/v1/records/check`) before any is written.

mod columns;
mod table;
mod template;

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value, json};

pub use columns::Column;
pub use table::{Table, decode, parse_csv, read_table, table_of};
pub use template::{template_csv, template_xlsx, write_template};

use super::bodies::Unit;
use super::ids;
use crate::records::{Choice, Kind, Names};
use columns::{FINDINGS, PROGRESS, UNITS, choices_text, yes_no};

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet {
    Units,
    Findings,
    Progress,
}

impl Sheet {
    /// The columns of this sheet.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Sheet::Units => UNITS,
            Sheet::Findings => FINDINGS,
            Sheet::Progress => PROGRESS,
        }
    }
}

/// One problem of an import: where (line 0 is the whole file) and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowError {
    pub line: usize,
    /// The column's header as the sheet wrote it, or empty.
    pub column: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "整个文件 (whole file)"),
            n => write!(f, "第 {n} 行 (line {n})"),
        }?;
        if !self.column.is_empty() {
            write!(f, "，{}列", self.column)?;
        }
        write!(f, "：{}", self.reason)
    }
}

/// A row turned into the JSON of a submit request.
#[derive(Debug)]
pub struct Row {
    pub line: usize,
    pub request: Value,
}

/// The good rows of a sheet and the problems of the others: the good ones
/// still go to the node's check, so one run reports every problem.
#[derive(Debug, Default)]
pub struct Import {
    pub rows: Vec<Row>,
    pub errors: Vec<RowError>,
}

/// The rows of `table` as findings of `office`, or every problem found.
pub fn findings(table: &Table, office: &str) -> Import {
    convert(table, Sheet::Findings, |c| {
        let number = c.required("number");
        let round = c.required("round_id");
        let title = c.required("title");
        let category = c.required("category");
        let severity = c.choice(
            "severity",
            Names::builtin().choices(Kind::Finding, "severity"),
        );
        let common = c.choice("common", yes_no()).map(|v| v == "true");
        let found_on = c.date("found_on");
        let mut body = Map::new();
        for field in [
            "title",
            "category",
            "facts",
            "team",
            "rule_violated",
            "finder",
        ] {
            c.put_text(&mut body, field);
        }
        for field in ["tags", "evidence", "responsible"] {
            c.put_list(&mut body, field);
        }
        let (unit_id, unit_name) = (c.text("unit_id"), c.text("unit_name"));
        if !unit_id.is_empty() || !unit_name.is_empty() {
            body.insert(
                "target_unit".into(),
                json!({"unit_id": unit_id, "unit_name": unit_name}),
            );
        }
        let (
            Some(number),
            Some(round),
            Some(_),
            Some(_),
            Some(severity),
            Some(common),
            Some(found_on),
        ) = (number, round, title, category, severity, common, found_on)
        else {
            return None;
        };
        body.insert("number".into(), json!(number));
        body.insert("severity".into(), json!(severity));
        if common {
            body.insert("common".into(), json!(true));
        }
        if let Some(d) = found_on {
            body.insert("found_on".into(), json!(d));
        }
        Some((
            Some(number.to_string()),
            json!({"kind": "finding", "id": ids::imported(office, "finding", number),
                   "round_id": round, "body": body}),
        ))
    })
}

/// The rows of `table` as progress reports of `office` (the host): a
/// finding is named by its UUID, or by the 编号 it was imported under at
/// its inspecting office (巡察机构, this office when empty).
pub fn progress(table: &Table, office: &str) -> Import {
    convert(table, Sheet::Progress, |c| {
        let finding = c.required("finding_id");
        let status = c.choice(
            "status",
            Names::builtin().choices(Kind::Rectification, "status"),
        );
        let deadline = c.date("deadline");
        let inspecting = non_empty(c.text("inspecting_office"))
            .unwrap_or(office)
            .to_string();
        let host = non_empty(c.text("host_office"))
            .unwrap_or(office)
            .to_string();
        let mut body = Map::new();
        for field in ["responsible_unit", "responsible_person", "note"] {
            c.put_text(&mut body, field);
        }
        c.put_list(&mut body, "evidence");
        if let Some(m) = non_empty(c.text("measures")) {
            body.insert("measures".into(), json!([{"measures": m}]));
        }
        let (Some(finding), Some(status), Some(deadline)) = (finding, status, deadline) else {
            return None;
        };
        let finding_id = uuid::Uuid::parse_str(finding)
            .unwrap_or_else(|_| ids::imported(&inspecting, "finding", finding));
        body.insert("finding_id".into(), json!(finding_id));
        body.insert("status".into(), json!(status));
        body.insert("inspecting_office".into(), json!(inspecting));
        body.insert("host_office".into(), json!(host));
        if let Some(d) = deadline {
            body.insert("deadline".into(), json!(d));
        }
        Some((
            Some(finding_id.to_string()),
            json!({"kind": "rectification", "body": body}),
        ))
    })
}

/// The rows of `table` as units of a register, and every problem found.
pub fn units(table: &Table) -> (Vec<Unit>, Vec<RowError>) {
    let Import { rows, errors } = convert(table, Sheet::Units, |c| {
        let id = c.required("id").filter(|id| c.at_most("id", id, 64));
        let name = c.required("name").filter(|n| c.at_most("name", n, 200));
        let kind = c.choice(
            "type",
            Names::builtin().choices(Kind::UnitRegister, "units[].type"),
        );
        let (Some(id), Some(name), Some(kind)) = (id, name, kind) else {
            return None;
        };
        Some((
            Some(id.to_string()),
            json!({"id": id, "name": name, "type": kind}),
        ))
    });
    let units = rows
        .into_iter()
        .filter_map(|r| serde_json::from_value(r.request).ok())
        .collect();
    (units, errors)
}

/// Where a refusal the node gave for a row points: the column of the body
/// field it names (`body.category/tags: …`), the round for a round, else none.
pub fn refusal(sheet: Sheet, table: &Table, line: usize, error: &str) -> RowError {
    let field = error
        .split_once("body.")
        .map(|(_, rest)| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
        })
        .or_else(|| error.starts_with("round").then_some("round_id"))
        .or_else(|| error.contains("finding").then_some("finding_id"));
    let column = field
        .and_then(|f| sheet.columns().iter().find(|c| c.field == f))
        .map(|c| header_in(table, c))
        .unwrap_or_default();
    RowError {
        line,
        column,
        reason: format!("节点拒绝（refused by the node）：{error}"),
    }
}

/// The header `table` uses for `column`: its Chinese header or its field.
fn header_in(table: &Table, column: &Column) -> String {
    table
        .headers
        .iter()
        .find(|h| matches(h, column))
        .cloned()
        .unwrap_or_else(|| column.header.to_string())
}

fn matches(header: &str, column: &Column) -> bool {
    let h = header.trim();
    h == column.header || h.eq_ignore_ascii_case(column.field)
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Maps each row of `table` through `row` (which returns the row's
/// natural key, if it has one, and its JSON), after checking the headers;
/// a key twice is an error of the later row. With a bad header, no rows.
fn convert(
    table: &Table,
    sheet: Sheet,
    mut row: impl FnMut(&mut Cells<'_>) -> Option<(Option<String>, Value)>,
) -> Import {
    let columns = sheet.columns();
    let mut errors = header_errors(table, columns);
    if table.rows.is_empty() {
        errors.push(RowError {
            line: 0,
            column: String::new(),
            reason: "没有数据行，未导入任何内容 (no rows; nothing imported)".into(),
        });
    }
    if !errors.is_empty() {
        return Import {
            rows: Vec::new(),
            errors,
        };
    }
    let at: Vec<Option<usize>> = columns
        .iter()
        .map(|c| table.headers.iter().position(|h| matches(h, c)))
        .collect();
    let mut keys = BTreeSet::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (line, cells) in &table.rows {
        let mut c = Cells {
            line: *line,
            table,
            columns,
            at: &at,
            cells,
            errors: &mut errors,
        };
        let Some((key, request)) = row(&mut c) else {
            continue;
        };
        if let Some(key) = key
            && !keys.insert(key.clone())
        {
            let first = &columns[0];
            c.bad(
                first.field,
                format!("「{key}」与前面的行重复 (appears twice)"),
            );
            continue;
        }
        rows.push(Row {
            line: *line,
            request,
        });
    }
    Import { rows, errors }
}

/// Missing required columns and unknown ones, on line 1.
fn header_errors(table: &Table, columns: &[Column]) -> Vec<RowError> {
    let on_header = |column: &str, reason: String| RowError {
        line: 1,
        column: column.to_string(),
        reason,
    };
    let missing = columns
        .iter()
        .filter(|c| c.required && !table.headers.iter().any(|h| matches(h, c)))
        .map(|c| on_header(c.header, "缺少这一必填列 (required column missing)".into()));
    let known: Vec<&str> = columns.iter().map(|c| c.header).collect();
    let unknown = table
        .headers
        .iter()
        .filter(|h| !h.is_empty() && !columns.iter().any(|c| matches(h, c)))
        .map(|h| {
            on_header(
                h,
                format!(
                    "不认识的列 (unknown column)；可用的列：{}",
                    known.join("、")
                ),
            )
        });
    missing.chain(unknown).collect()
}

/// The cells of one row, read by field, with the row's errors.
struct Cells<'a> {
    line: usize,
    table: &'a Table,
    columns: &'static [Column],
    at: &'a [Option<usize>],
    cells: &'a [String],
    errors: &'a mut Vec<RowError>,
}

impl<'a> Cells<'a> {
    fn column(&self, field: &str) -> (usize, &'static Column) {
        let i = self
            .columns
            .iter()
            .position(|c| c.field == field)
            .unwrap_or_else(|| panic!("no column for field {field}"));
        (i, &self.columns[i])
    }

    /// The cell of `field`, trimmed; empty when absent.
    fn text(&self, field: &str) -> &'a str {
        let (i, _) = self.column(field);
        self.at[i]
            .and_then(|k| self.cells.get(k))
            .map_or("", |s| s.trim())
    }

    fn bad(&mut self, field: &str, reason: String) {
        let (_, column) = self.column(field);
        self.errors.push(RowError {
            line: self.line,
            column: header_in(self.table, column),
            reason,
        });
    }

    /// The cell of a required field, or an error.
    fn required(&mut self, field: &str) -> Option<&'a str> {
        let v = self.text(field);
        if v.is_empty() {
            self.bad(field, "必填，不能为空 (required)".into());
            return None;
        }
        Some(v)
    }

    /// Is `value` at most `max` characters? An error if not.
    fn at_most(&mut self, field: &str, value: &str, max: usize) -> bool {
        let ok = value.chars().count() <= max;
        if !ok {
            self.bad(
                field,
                format!("不能超过 {max} 个字符 (at most {max} characters)"),
            );
        }
        ok
    }

    /// The code the cell names among `choices`; empty is the first
    /// choice named "" (or an error when the field is required).
    fn choice<'c>(&mut self, field: &str, choices: &'c [Choice]) -> Option<&'c str> {
        let v = self.text(field);
        if v.is_empty() && self.column(field).1.required {
            return self.required(field).and(None);
        }
        let code = Choice::code_in(choices, v);
        if code.is_none() {
            self.bad(
                field,
                format!(
                    "「{v}」不是可选的值 (not a valid value)；可选：{}",
                    choices_text(choices)
                ),
            );
        }
        code
    }

    /// The cell as a date YYYY-MM-DD (also YYYY/M/D or YYYY.M.D): `Some(None)`
    /// when empty, `None` after an error.
    fn date(&mut self, field: &str) -> Option<Option<String>> {
        let v = self.text(field);
        if v.is_empty() {
            return Some(None);
        }
        let normal = v.replace(['/', '.'], "-");
        match chrono::NaiveDate::parse_from_str(&normal, "%Y-%m-%d") {
            Ok(d) => Some(Some(d.format("%Y-%m-%d").to_string())),
            Err(_) => {
                self.bad(
                    field,
                    format!("「{v}」不是日期，应为 YYYY-MM-DD (not a date)"),
                );
                None
            }
        }
    }

    /// Sets `body[field]` to the cell's text when there is any.
    fn put_text(&self, body: &mut Map<String, Value>, field: &str) {
        if let Some(v) = non_empty(self.text(field)) {
            body.insert(field.to_string(), json!(v));
        }
    }

    /// Sets `body[field]` to the cell's items (split at ；;、 or a line
    /// break) when there are any.
    fn put_list(&self, body: &mut Map<String, Value>, field: &str) {
        let items: Vec<&str> = self
            .text(field)
            .split(['；', ';', '、', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if !items.is_empty() {
            body.insert(field.to_string(), json!(items));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        parse_csv(csv).unwrap()
    }

    #[test]
    fn findings_take_chinese_headers_and_names() {
        let t = table(
            "编号,轮次,标题,问题类别,严重程度,标签,发现日期,共性问题\n\
             F1,r1,补贴滞留,群众身边腐败问题和不正之风,严重,廉洁纪律、工作纪律,2026/5/1,是\n",
        );
        let rows = findings(&t, "630202").rows;
        let r = &rows[0].request;
        assert_eq!(rows[0].line, 2);
        assert_eq!(r["body"]["severity"], "major");
        assert_eq!(r["body"]["tags"], json!(["廉洁纪律", "工作纪律"]));
        assert_eq!(r["body"]["found_on"], "2026-05-01");
        assert_eq!(r["body"]["common"], true);
        assert_eq!(r["round_id"], "r1");
        assert_eq!(r["id"], json!(ids::imported("630202", "finding", "F1")));
    }

    #[test]
    fn every_bad_row_is_reported() {
        let t = table(
            "编号,轮次,标题,问题类别,严重程度\n\
             F1,r1,,c,一般\n\
             F2,r1,t,c,很重\n\
             F3,r1,t,c,一般\n\
             F3,r1,t,c,一般\n",
        );
        let Import { rows, errors } = findings(&t, "x");
        assert_eq!(rows.len(), 1);
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 3, "{said:?}");
        assert!(
            said[0].starts_with("第 2 行 (line 2)，标题列：必填"),
            "{said:?}"
        );
        assert!(
            said[1].starts_with("第 3 行 (line 3)，严重程度列：「很重」"),
            "{said:?}"
        );
        assert!(
            said[2].starts_with("第 5 行 (line 5)，编号列：「F3」"),
            "{said:?}"
        );
    }

    #[test]
    fn headers_are_checked() {
        let errors = findings(&table("编号,标题,备注\nF1,t,x\n"), "x").errors;
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["轮次", "问题类别", "严重程度", "备注"]);
    }

    #[test]
    fn units_by_chinese_or_english_headers() {
        let (u, _) = units(&table("编号,名称,类型\nu1,雨润镇党委,乡镇\n"));
        assert_eq!(u[0].kind, "township");
        let (u, _) = units(&table("id,name,type\nu1,a,department\n"));
        assert_eq!(u[0].kind, "department");
        let (_, e) = units(&table("id,name,type\nu1,a,农场\nu2,b,部门\nu2,c,部门\n"));
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn progress_names_an_imported_finding_by_number() {
        let t = table("问题编号,整改状态,整改期限\nF1,整改中,2026-08-20\n");
        let rows = progress(&t, "630202").rows;
        let b = &rows[0].request["body"];
        assert_eq!(
            b["finding_id"],
            json!(ids::imported("630202", "finding", "F1"))
        );
        assert_eq!(b["status"], "in_progress");
        assert_eq!(b["host_office"], "630202");
    }

    #[test]
    fn a_refusal_points_at_its_column() {
        let t = table("编号,轮次,标题,问题类别,严重程度\n");
        let e = refusal(
            Sheet::Findings,
            &t,
            7,
            "body.category/tags: category \"x\" is not …",
        );
        assert_eq!((e.line, e.column.as_str()), (7, "问题类别"));
    }
}
