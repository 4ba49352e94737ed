//! Every text the workbench shows, in one place (Chinese first, English in
//! parentheses where it helps), so the i18n catalogue can take them over.

pub const APP: &str = "巡察工作台";
pub const SIGN_IN: &str = "登录 (sign in)";
pub const SIGN_OUT: &str = "退出 (sign out)";
pub const USER: &str = "用户名 (user)";
pub const PASSWORD: &str = "密码 (password)";
pub const BAD_LOGIN: &str =
    "用户名或密码不正确，或账号已停用。(Wrong user or password, or the account is disabled.)";
pub const EXPIRED: &str = "会话已过期或表单已失效，请重新登录后再提交。(The session expired or the form is stale: sign in and submit again.)";
pub const FORBIDDEN: &str = "您的角色无权执行此操作。(Your role may not do this.)";
pub const SAVED: &str = "已保存 (saved)";
pub const REFUSED: &str = "不符合规则，未保存 (refused by the rules; nothing saved)";
pub const NOT_SAVED: &str =
    "未保存，请修改标出的内容。(Nothing was saved: correct the fields marked.)";
pub const STORE_FAILED: &str = "存储暂不可用，未保存。(The store is unavailable; nothing saved.)";
pub const SUBMIT: &str = "提交 (submit)";
pub const NONE_YET: &str = "暂无 (none yet)";
pub const REQUIRED: &str = "必填 (required)";

// Navigation and page titles.
pub const HOME: &str = "首页";
pub const UNITS: &str = "被巡察单位名册";
pub const PLAN: &str = "巡察轮次计划";
pub const FINDING: &str = "问题底稿";
pub const CLUE: &str = "问题线索移交";
pub const PROGRESS: &str = "整改进展";
pub const SIGN_OFF: &str = "整改销号";
pub const LEDGER: &str = "整改台账";
pub const IMPORT: &str = "表格导入";
pub const AUDIT: &str = "操作审计";

// Roles.
pub const CLERK: &str = "录入";
pub const REVIEWER: &str = "审核";
pub const OPERATOR: &str = "运维";

// Fields.
pub const UNIT_ID: &str = "单位编号";
pub const UNIT_NAME: &str = "单位名称";
pub const UNIT_TYPE: &str = "单位类型";
pub const ROUND_ID: &str = "轮次编号";
pub const TERM: &str = "届次";
pub const ROUND_NO: &str = "轮次";
pub const ROUND_KIND: &str = "巡察方式";
pub const TITLE: &str = "标题";
pub const START: &str = "开始日期";
pub const ENTRY: &str = "进驻日期";
pub const FEEDBACK: &str = "反馈日期";
pub const END: &str = "结束日期";
pub const TEAM_ID: &str = "巡察组代号";
pub const TEAM_NAME: &str = "巡察组名称";
pub const TEAM_LEADER: &str = "组长";
pub const TARGETS: &str = "被巡察单位（从名册中选择）";
pub const ROUND: &str = "所属轮次";
pub const NUMBER: &str = "问题编号";
pub const CATEGORY: &str = "问题类别";
pub const SEVERITY: &str = "严重程度";
pub const COMMON: &str = "共性问题";
pub const TARGET_UNIT: &str = "被巡察单位";
pub const FACTS: &str = "问题事实";
pub const FOUND_ON: &str = "发现日期";
pub const TEAM: &str = "巡察组";
pub const TRANSFER_TO: &str = "移交对象";
pub const MANAGING_LEVEL: &str = "干部管理层级";
pub const FINDINGS: &str = "关联问题";
pub const SUBJECT: &str = "涉及人员";
pub const SUMMARY: &str = "线索摘要";
pub const STATUS: &str = "整改状态";
pub const DEADLINE: &str = "整改期限";
pub const RESPONSIBLE_UNIT: &str = "责任单位";
pub const RESPONSIBLE_PERSON: &str = "责任人";
pub const GOAL: &str = "整改目标";
pub const MEASURES: &str = "整改措施";
pub const LEADER: &str = "牵头领导";
pub const LEAD_DEPT: &str = "牵头部门";
pub const EVIDENCE: &str = "佐证材料（每行一项）";
pub const NOTE: &str = "备注";
pub const HOST: &str = "整改机构";
pub const INSPECTING: &str = "巡察机构";
pub const STATE: &str = "状态";
pub const GRADE: &str = "督办等级";
pub const DUE: &str = "到期";
pub const FILTER: &str = "筛选 (filter)";
pub const SHEET: &str = "导入内容";
pub const FILE: &str = "表格文件（XLSX 或 CSV，支持 GBK/GB18030）";
pub const TEMPLATES: &str = "下载模板 (templates)";
pub const IMPORTED: &str = "导入成功 (imported)";
pub const IMPORT_FAILED: &str = "导入失败，未写入任何内容 (nothing was imported)";
pub const WHEN: &str = "时间";
pub const WHO: &str = "操作人";
pub const ROLE: &str = "角色";
pub const ACTION: &str = "操作";
pub const RECORD: &str = "记录";
pub const ADDRESS: &str = "来源地址";

/// Choices by code, with the Chinese shown.
pub const ROUND_KINDS: &[(&str, &str)] = &[
    ("regular", "常规巡察"),
    ("special", "专项巡察"),
    ("mobile", "机动巡察"),
];
pub const TRANSFER_TOS: &[(&str, &str)] = &[
    ("discipline_commission", "纪委监委"),
    ("organization_dept", "组织部"),
];
pub const LEVELS: &[(&str, &str)] = &[
    ("central", "中管"),
    ("provincial", "省管"),
    ("municipal", "市管"),
    ("county", "县管"),
];
pub const STATES: &[(&str, &str)] = &[
    ("awaiting_plan", "待报整改方案"),
    ("planned", "已制定方案"),
    ("in_progress", "整改中"),
    ("completed", "已完成待销号"),
    ("reopened", "退回重新整改"),
    ("verified", "已销号"),
];
pub const GRADES: &[(&str, &str)] = &[
    ("none", "正常"),
    ("green", "绿色"),
    ("yellow", "黄色"),
    ("red", "红色（逾期）"),
];
/// What the audit records, by the code it stores.
pub const ACTIONS: &[(&str, &str)] = &[
    ("sign_in", "登录"),
    ("submit", "提交"),
    ("import", "导入"),
    ("sign_off", "销号"),
];
pub const SHEETS: &[(&str, &str)] = &[
    ("units", "被巡察单位名册"),
    ("findings", "问题底稿"),
    ("progress", "整改进展"),
];

/// The Chinese of `code` among `choices`, or the code itself.
pub fn name_of<'a>(choices: &[(&'a str, &'a str)], code: &'a str) -> &'a str {
    choices
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, n)| n)
}
