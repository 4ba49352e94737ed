//! The columns of each import: the Chinese header a template writes, the
//! body field it fills (also accepted as the header), whether it is
//! required, an example value, and the enumerated values by code or
//! Chinese name.

use std::sync::LazyLock;

use crate::records::Choice;

/// One column of an import sheet.
#[derive(Debug)]
pub struct Column {
    /// The header a template writes (Chinese).
    pub header: &'static str,
    /// The body field it fills, also accepted as the header.
    pub field: &'static str,
    pub required: bool,
    /// The value of the template's example row.
    pub example: &'static str,
}

const fn col(
    header: &'static str,
    field: &'static str,
    required: bool,
    example: &'static str,
) -> Column {
    Column {
        header,
        field,
        required,
        example,
    }
}

/// The unit register (被巡察党组织名册).
pub const UNITS: &[Column] = &[
    col("编号", "id", true, "630202-xjz"),
    col("名称", "name", true, "乐都区雨润镇党委"),
    col("类型", "type", true, "乡镇"),
];

/// Findings (问题底稿); 编号 is the natural key.
pub const FINDINGS: &[Column] = &[
    col("编号", "number", true, "[2026]乐巡-2组-07号"),
    col("轮次", "round_id", true, "2026-1"),
    col("标题", "title", true, "惠农补贴发放不及时"),
    col("问题类别", "category", true, "群众身边腐败问题和不正之风"),
    col("严重程度", "severity", true, "较重"),
    col(
        "事实",
        "facts",
        false,
        "抽查发现部分补贴资金滞留超过三个月。",
    ),
    col("被巡察单位编号", "unit_id", false, ""),
    col("被巡察单位", "unit_name", false, "乐都区雨润镇党委"),
    col("巡察组", "team", false, ""),
    col("标签", "tags", false, "廉洁纪律"),
    col(
        "违反规定",
        "rule_violated",
        false,
        "《关于加强惠民惠农财政补贴资金管理的意见》",
    ),
    col("证据", "evidence", false, "台账第12页"),
    col("责任人", "responsible", false, "镇财政所"),
    col("发现人", "finder", false, "第二巡察组"),
    col("发现日期", "found_on", false, "2026-05-10"),
    col("共性问题", "common", false, "否"),
];

/// Rectification progress (整改进展) of the host office.
pub const PROGRESS: &[Column] = &[
    col("问题编号", "finding_id", true, "[2026]乐巡-2组-07号"),
    col("整改状态", "status", true, "整改中"),
    col("巡察机构", "inspecting_office", false, ""),
    col("整改单位", "host_office", false, ""),
    col("整改期限", "deadline", false, "2026-08-20"),
    col("责任单位", "responsible_unit", false, "雨润镇党委"),
    col("责任人", "responsible_person", false, "王某"),
    col("整改措施", "measures", false, "建立补贴发放台账，按月公示"),
    col("证据", "evidence", false, ""),
    col("备注", "note", false, ""),
];

/// Yes and no as a sheet may write them (the enumerated values of the
/// records are named in their schemas: [`crate::records::Names`]).
pub fn yes_no() -> &'static [Choice] {
    static YES_NO: LazyLock<Vec<Choice>> = LazyLock::new(|| {
        let choice = |code: &str, names: &[&str]| Choice {
            code: code.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        };
        vec![
            choice("true", &["是", "Y", "y", "yes", "1", "TRUE"]),
            choice("false", &["否", "N", "n", "no", "0", "FALSE", ""]),
        ]
    });
    &YES_NO
}

/// The choices as a person reads them: `一般 (general)、较重 (serious)`.
pub fn choices_text(choices: &[Choice]) -> String {
    choices
        .iter()
        .map(|c| format!("{} ({})", c.names.first().unwrap_or(&c.code), c.code))
        .collect::<Vec<_>>()
        .join("、")
}
