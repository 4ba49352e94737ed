//! CSV exports an office hands to Excel: the findings list (问题清单) and
//! the rectification ledger (整改台账). UTF-8 with a BOM, so Excel opens
//! Chinese text correctly. Under the Chinese headers, enumerated values
//! show their Chinese names (严重, 待制定方案, 红色), not their codes.

use super::bodies::{self, Finding};
use super::import::{SEVERITIES, code_of};
use super::report::LedgerLine;
use super::snapshot::{Snapshot, host_of};
use crate::i18n::{Lang, label};

/// The Chinese name of a severity code (the code itself if unknown).
fn severity_name(code: &str) -> String {
    SEVERITIES
        .iter()
        .find(|(c, _)| Some(*c) == code_of(SEVERITIES, code))
        .and_then(|(_, names)| names.first())
        .map_or_else(|| code.to_string(), |n| (*n).to_string())
}

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
                severity_name(&f.severity),
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
                severity_name(&l.severity),
                l.inspecting_office.to_string(),
                l.host_office.clone(),
                label(Lang::Zh, "rect-state", l.state.as_str()),
                l.attempt.to_string(),
                l.due.map(|d| d.to_string()).unwrap_or_default(),
                l.grade
                    .map(|g| label(Lang::Zh, "grade", g.as_str()))
                    .unwrap_or_default(),
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

#[cfg(test)]
mod tests {
    use super::severity_name;
    use crate::i18n::{Lang, label};

    #[test]
    fn exports_name_enumerated_values_in_chinese() {
        assert_eq!(severity_name("major"), "严重");
        assert_eq!(severity_name("general"), "一般");
        assert_eq!(label(Lang::Zh, "rect-state", "awaiting_plan"), "待制定方案");
        assert_eq!(label(Lang::Zh, "grade", "red"), "红色");
    }
}
