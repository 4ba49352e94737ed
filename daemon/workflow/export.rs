//! CSV exports an office hands to Excel: the findings list (问题清单) and
//! the rectification ledger (整改台账). UTF-8 with a BOM, so Excel opens
//! Chinese text correctly.

use super::bodies::{self, Finding};
use super::report::LedgerLine;
use super::snapshot::{Snapshot, host_of};

/// The byte order mark Excel needs to read UTF-8.
const BOM: &str = "\u{feff}";

fn to_csv(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("{BOM}{}", String::from_utf8_lossy(&bytes))
}

/// The findings held (originals only), optionally of one round.
pub fn findings_csv(snap: &Snapshot, round: Option<&str>) -> String {
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
            vec![
                f.number.clone().unwrap_or_default(),
                bodies::round_of(r).unwrap_or("").to_string(),
                f.title.clone(),
                f.category.clone(),
                f.severity.clone(),
                unit,
                host_of(r, &f),
                r.origin.to_string(),
                if f.common { "是" } else { "否" }.to_string(),
                r.body
                    .get("found_on")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
                r.id.to_string(),
            ]
        })
        .collect();
    to_csv(
        &[
            "编号",
            "轮次",
            "问题",
            "类别",
            "严重程度",
            "被巡察单位",
            "整改主体",
            "巡察机构",
            "共性问题",
            "发现日期",
            "id",
        ],
        rows,
    )
}

/// The rectification ledger.
pub fn ledger_csv(lines: &[LedgerLine]) -> String {
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                l.number.clone(),
                l.round.clone(),
                l.title.clone(),
                l.category.clone(),
                l.severity.clone(),
                l.inspecting_office.to_string(),
                l.host_office.clone(),
                l.state.as_str().to_string(),
                l.attempt.to_string(),
                l.due.map(|d| d.to_string()).unwrap_or_default(),
                l.grade.map(|g| g.as_str().to_string()).unwrap_or_default(),
                l.responsible_unit.clone(),
                l.responsible_person.clone(),
                l.measures.to_string(),
                l.finding_id.to_string(),
            ]
        })
        .collect();
    to_csv(
        &[
            "编号",
            "轮次",
            "问题",
            "类别",
            "严重程度",
            "巡察机构",
            "整改主体",
            "状态",
            "整改轮次",
            "期限",
            "预警",
            "责任单位",
            "责任人",
            "措施数",
            "finding_id",
        ],
        rows,
    )
}
