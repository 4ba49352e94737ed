//! The exports an office hands to Excel: the findings list (问题清单) and
//! the rectification ledger (整改台账), built once as a [`Table`] and
//! written as CSV (UTF-8 with a BOM, so Excel opens Chinese text
//! correctly) or as XLSX (`xlsx`).
//!
//! Headers follow the language asked for (Chinese by default). Enumerated
//! values always show their Chinese names — category by the taxonomy,
//! severity by the names the import accepts, state and grade by the
//! catalogue's Chinese labels — never their codes, in either language:
//! they are data, what offices file and read.

mod xlsx;

use chrono::NaiveDate;

use super::bodies::{self, Finding};
use super::report::LedgerLine;
use super::snapshot::{Snapshot, host_of};
use super::taxonomy::Taxonomy;
use crate::i18n::{Lang, label, tl};
use crate::records::{Kind, Names};

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A day: an Excel date in XLSX, `YYYY-MM-DD` in CSV.
    Date(NaiveDate),
}

impl Cell {
    /// A day written as text (`found_on`): a date when it reads as one.
    fn day(s: &str) -> Cell {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or_else(|_| Cell::Text(s.into()), Cell::Date)
    }

    /// The cell as CSV (and column widths) read it.
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.into())
    }
}

/// An export: a sheet name, a header row and the rows under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheet: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The byte order mark Excel needs to read UTF-8.
const BOM: &str = "\u{feff}";

impl Table {
    /// The table as CSV, with a BOM.
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing to memory cannot fail.
        let _ = w.write_record(&self.header);
        for r in &self.rows {
            let _ = w.write_record(r.iter().map(Cell::text));
        }
        let bytes = w.into_inner().unwrap_or_default();
        format!("{BOM}{}", String::from_utf8_lossy(&bytes))
    }
}

/// The Chinese name of a severity code (the value itself if unknown).
fn severity_name(code: &str) -> String {
    Names::builtin()
        .name_of(Kind::Finding, "severity", code)
        .to_string()
}

/// The findings held (originals only), optionally of one round.
pub fn findings(snap: &Snapshot, taxonomy: &Taxonomy, round: Option<&str>, lang: Lang) -> Table {
    let rows = snap
        .findings()
        .into_iter()
        .filter(|(r, _)| round.is_none_or(|x| bodies::round_of(r) == Some(x)))
        .map(|(r, f): (_, Finding)| {
            let unit = f
                .target_unit
                .as_ref()
                .map(|t| t.unit_name.clone())
                .unwrap_or_default();
            let found_on = r.body.get("found_on").and_then(|v| v.as_str());
            vec![
                f.number.clone().unwrap_or_default().into(),
                bodies::round_of(r).unwrap_or("").into(),
                f.title.clone().into(),
                taxonomy.category_name(&f.category).into(),
                severity_name(&f.severity).into(),
                unit.into(),
                host_of(r, &f).into(),
                r.origin.to_string().into(),
                if f.common { "是" } else { "否" }.into(),
                found_on.map_or(Cell::Text(String::new()), Cell::day),
                r.id.to_string().into(),
            ]
        })
        .collect();
    Table {
        sheet: tl!(lang, "export-sheet-findings"),
        header: vec![
            tl!(lang, "export-col-number"),
            tl!(lang, "export-col-round"),
            tl!(lang, "export-col-title"),
            tl!(lang, "export-col-category"),
            tl!(lang, "export-col-severity"),
            tl!(lang, "export-col-unit"),
            tl!(lang, "export-col-host"),
            tl!(lang, "export-col-inspecting"),
            tl!(lang, "export-col-common"),
            tl!(lang, "export-col-found-on"),
            tl!(lang, "export-col-id"),
        ],
        rows,
    }
}

/// The rectification ledger.
pub fn ledger(lines: &[LedgerLine], taxonomy: &Taxonomy, lang: Lang) -> Table {
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                l.number.clone().into(),
                l.round.clone().into(),
                l.title.clone().into(),
                taxonomy.category_name(&l.category).into(),
                severity_name(&l.severity).into(),
                l.inspecting_office.to_string().into(),
                l.host_office.clone().into(),
                label(Lang::Zh, "rect-state", l.state.as_str()).into(),
                Cell::Count(l.attempt.into()),
                l.due.map_or(Cell::Text(String::new()), Cell::Date),
                l.grade
                    .map(|g| label(Lang::Zh, "grade", g.as_str()))
                    .unwrap_or_default()
                    .into(),
                l.responsible_unit.clone().into(),
                l.responsible_person.clone().into(),
                Cell::Count(l.measures as u64),
                l.finding_id.to_string().into(),
            ]
        })
        .collect();
    Table {
        sheet: tl!(lang, "export-sheet-ledger"),
        header: vec![
            tl!(lang, "export-col-number"),
            tl!(lang, "export-col-round"),
            tl!(lang, "export-col-title"),
            tl!(lang, "export-col-category"),
            tl!(lang, "export-col-severity"),
            tl!(lang, "export-col-inspecting"),
            tl!(lang, "export-col-host"),
            tl!(lang, "export-col-state"),
            tl!(lang, "export-col-attempt"),
            tl!(lang, "export-col-due"),
            tl!(lang, "export-col-grade"),
            tl!(lang, "export-col-responsible-unit"),
            tl!(lang, "export-col-responsible-person"),
            tl!(lang, "export-col-measures"),
            tl!(lang, "export-col-finding-id"),
        ],
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_name_enumerated_values_in_chinese() {
        assert_eq!(severity_name("major"), "严重");
        assert_eq!(severity_name("general"), "一般");
        assert_eq!(severity_name("严重"), "严重");
        assert_eq!(label(Lang::Zh, "rect-state", "awaiting_plan"), "待制定方案");
        assert_eq!(label(Lang::Zh, "grade", "red"), "红色");
    }

    /// The state an export writes is a status a progress import reads:
    /// the import's names start with the catalogue's.
    #[test]
    fn exported_states_read_back_as_import_statuses() {
        let names = Names::builtin();
        for c in names.choices(Kind::Rectification, "status") {
            let name = label(Lang::Zh, "rect-state", &c.code);
            let read = names.code_of(Kind::Rectification, "status", &name);
            assert_eq!(read, Some(c.code.as_str()), "{name}");
        }
    }

    #[test]
    fn csv_has_a_bom_and_days_as_iso_text() {
        let t = Table {
            sheet: "s".into(),
            header: vec!["编号".into(), "期限".into(), "措施数".into()],
            rows: vec![vec!["a,b".into(), Cell::day("2026-08-20"), Cell::Count(3)]],
        };
        assert_eq!(t.csv(), "\u{feff}编号,期限,措施数\n\"a,b\",2026-08-20,3\n");
        assert_eq!(Cell::day("八月"), Cell::Text("八月".into()));
    }
}
