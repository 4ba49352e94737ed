//! Exports for Excel against a real county daemon, through the command
//! line: the findings list and the ledger as XLSX read back with calamine
//! (bold frozen headers aside, what a person sees: the headers, and every
//! enumerated value by its Chinese name — category, severity, state,
//! grade), a round filter, CSV with the same names, English headers over
//! the same Chinese values with `--lang en`, and the workbench's download
//! for a person signed in.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use serde_json::json;

use crate::common::desk::Desk;
use crate::common::practice::day;
use crate::common::tree::small_tree;
use crate::common::{Net, text, xunlian};

const COUNTY: &str = "630202";
/// Fed back 60 days ago: its plan is overdue (红色).
const OVERDUE: &str = "630202-2026-1";
/// Fed back in ten days.
const LATER: &str = "630202-2026-2";

const FINDINGS_HEADER: [&str; 11] = [
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
];

const LEDGER_HEADER: [&str; 15] = [
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
];

/// The county running, two rounds planned and a finding in each: one
/// by codes, one by Chinese names.
async fn county_with_findings() -> Net {
    let mut net = Net::new(&small_tree().toml());
    net.start(COUNTY).await;
    for (no, round, start) in [(1, OVERDUE, -100), (2, LATER, -30)] {
        net.submit(
            COUNTY,
            "round_plan",
            json!({"round_id": round, "term": "2021-2026", "round_no": no, "kind": "regular",
                   "title": format!("2026年第{no}轮巡察"),
                   "dates": {"start": day(start), "entry": day(start + 5),
                             "feedback": day(start + 40), "end": day(start + 70)}}),
        )
        .await;
    }
    net.submit(
        COUNTY,
        "finding",
        json!({"number": "[2026]乐巡-01号", "round_id": OVERDUE, "title": "惠农补贴发放不及时",
               "category": "grassroots_corruption", "severity": "major", "found_on": "2026-05-10"}),
    )
    .await;
    net.submit(
        COUNTY,
        "finding",
        json!({"number": "[2026]乐巡-02号", "round_id": LATER, "title": "低保评定优亲厚友",
               "category": "惠民富民、促进共同富裕政策落实", "severity": "一般"}),
    )
    .await;
    net
}

/// Runs `xunlian export ARGS… --config (county)`; its output.
fn export(net: &Net, args: &[&str]) -> std::process::Output {
    let config = net.config_arg(COUNTY);
    let mut all = vec!["export"];
    all.extend(args);
    all.extend(["--config", &config]);
    let out = xunlian(&all);
    assert!(out.status.success(), "export {args:?}: {}", text(&out));
    out
}

/// The only sheet of the workbook at `path`, as rows of cells.
fn sheet(path: &Path) -> (String, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    (name, range.rows().map(<[Data]>::to_vec).collect())
}

fn strings(row: &[Data]) -> Vec<String> {
    row.iter().map(ToString::to_string).collect()
}

/// The cell under `header` in `row`.
fn cell<'a>(header: &[Data], row: &'a [Data], name: &str) -> &'a Data {
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"));
    &row[i]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_as_xlsx_and_csv_show_chinese_names() {
    let net = county_with_findings().await;
    let file = |name: &str| net.dir.path().join(name);

    // The findings list, every round, XLSX chosen by the extension.
    let path = file("问题清单.xlsx");
    let out = export(&net, &["findings", "--out", path.to_str().unwrap()]);
    assert!(text(&out).contains("已写入"), "{}", text(&out));
    let (name, rows) = sheet(&path);
    assert_eq!(name, "问题清单");
    assert_eq!(strings(&rows[0]), FINDINGS_HEADER);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let by_number = |n: &str| {
        rows.iter()
            .find(|r| r[0] == n)
            .unwrap_or_else(|| panic!("no row {n} in {rows:?}"))
    };
    let first = by_number("[2026]乐巡-01号");
    assert_eq!(
        cell(&rows[0], first, "类别").to_string(),
        "群众身边腐败问题和不正之风"
    );
    assert_eq!(cell(&rows[0], first, "严重程度").to_string(), "严重");
    assert_eq!(cell(&rows[0], first, "共性问题").to_string(), "否");
    assert!(
        matches!(cell(&rows[0], first, "发现日期"), Data::DateTime(_)),
        "found_on is an Excel date: {first:?}"
    );
    let second = by_number("[2026]乐巡-02号");
    assert_eq!(
        cell(&rows[0], second, "类别").to_string(),
        "惠民富民、促进共同富裕政策落实"
    );
    assert_eq!(cell(&rows[0], second, "严重程度").to_string(), "一般");

    // The ledger of one round: its finding only, state and grade by name.
    let path = file("ledger");
    export(
        &net,
        &[
            "ledger",
            "--round",
            OVERDUE,
            "--format",
            "xlsx",
            "--out",
            path.to_str().unwrap(),
        ],
    );
    let (name, rows) = sheet(&path);
    assert_eq!(name, "整改台账");
    assert_eq!(strings(&rows[0]), LEDGER_HEADER);
    assert_eq!(rows.len(), 2, "only round {OVERDUE}: {rows:?}");
    let line = &rows[1];
    assert_eq!(cell(&rows[0], line, "编号").to_string(), "[2026]乐巡-01号");
    assert_eq!(
        cell(&rows[0], line, "类别").to_string(),
        "群众身边腐败问题和不正之风"
    );
    assert_eq!(cell(&rows[0], line, "严重程度").to_string(), "严重");
    assert_eq!(cell(&rows[0], line, "状态").to_string(), "待制定方案");
    assert_eq!(cell(&rows[0], line, "预警").to_string(), "红色");
    assert!(matches!(cell(&rows[0], line, "期限"), Data::DateTime(_)));
    assert_eq!(cell(&rows[0], line, "整改轮次"), &Data::Float(0.0));

    // CSV to standard output names the values the same way.
    let out = export(&net, &["ledger"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'), "{csv}");
    for name in [
        "群众身边腐败问题和不正之风",
        "惠民富民、促进共同富裕政策落实",
        ",严重,",
        ",一般,",
        ",待制定方案,",
        ",红色,",
    ] {
        assert!(csv.contains(name), "{name:?} in {csv}");
    }
    for code in [
        "grassroots_corruption",
        "policy_delivery",
        "major",
        "awaiting_plan",
        ",red,",
    ] {
        assert!(!csv.contains(code), "no code {code:?} in {csv}");
    }

    // In English the headers change; the values are data and stay Chinese.
    let path = file("ledger-en.xlsx");
    export(
        &net,
        &["--lang", "en", "ledger", "--out", path.to_str().unwrap()],
    );
    let (name, rows) = sheet(&path);
    assert_eq!(name, "Ledger");
    let line = &rows[1..]
        .iter()
        .find(|r| r[0] == "[2026]乐巡-01号")
        .expect("the overdue finding");
    assert_eq!(cell(&rows[0], line, "state").to_string(), "待制定方案");
    assert_eq!(cell(&rows[0], line, "grade").to_string(), "红色");
}

/// The workbench serves the same files to a person signed in, and sends
/// anyone else to the sign-in page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbench_downloads_the_ledger_as_xlsx() {
    let net = county_with_findings().await;
    let (status, v) = net
        .post(
            COUNTY,
            "/api/v1/users",
            &json!({"name": "张录入", "role": "clerk", "password": "clerk-password-1"}),
        )
        .await;
    assert!((200..300).contains(&status), "{status} {v}");
    let base = format!("http://{}", net.nodes[COUNTY].operator_addr);
    let url = format!("/wb/exports/ledger.xlsx?round={OVERDUE}");
    let stranger = Desk::signed_out(&base);
    assert_eq!(stranger.fetch(&url).await.status().as_u16(), 303);

    let mut clerk = Desk::sign_in(&base, "张录入", "clerk-password-1").await;
    let (_, page) = clerk.get(&format!("/wb/ledger?round={OVERDUE}")).await;
    assert!(
        page.contains(&format!(
            "<a href=\"/wb/exports/ledger.xlsx?round={OVERDUE}\">导出 XLSX</a>"
        )),
        "{page}"
    );
    let r = clerk.fetch(&url).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("ledger.xlsx")
    );
    let mut book = Xlsx::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let range = book.worksheet_range("整改台账").unwrap();
    let rows: Vec<_> = range.rows().collect();
    assert_eq!(strings(rows[0]), LEDGER_HEADER);
    assert_eq!(rows.len(), 2, "only round {OVERDUE}");
    assert_eq!(cell(rows[0], rows[1], "状态").to_string(), "待制定方案");

    let r = clerk.fetch("/wb/exports/secrets.xlsx").await;
    assert_eq!(r.status().as_u16(), 404);
}
