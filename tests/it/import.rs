//! Spreadsheets in and bulk submits, against a real county daemon: a
//! findings workbook with bad rows is refused whole with every problem by
//! line and column, then imported once, and importing it again stores
//! nothing new; a unit register from a GB18030 CSV with Chinese headers;
//! the templates filled and imported; a bulk submit run again after a fix
//! stores nothing twice.

use crate::common::practice::day;
use crate::common::tree::small_tree;
use crate::common::{Net, text, xunlian};
use serde_json::{Value, json};

const COUNTY: &str = "630202";
const ROUND: &str = "630202-2026-1";

/// A started network with only the county running, its round planned.
async fn county_with_round(round: &str) -> Net {
    let mut net = Net::new(&small_tree().toml());
    net.start(COUNTY).await;
    net.submit(
        COUNTY,
        "round_plan",
        json!({"round_id": round, "term": "2021-2026", "round_no": 1, "kind": "regular",
               "title": "2026年第一轮巡察",
               "dates": {"start": day(-30), "entry": day(-25), "feedback": day(10), "end": day(40)}}),
    )
    .await;
    net
}

/// Runs `xunlian ARGS… --config (county) FILE`.
fn run(net: &Net, args: &[&str], file: &std::path::Path) -> std::process::Output {
    let config = net.config_arg(COUNTY);
    let mut all = args.to_vec();
    all.extend(["--config", &config, file.to_str().unwrap()]);
    xunlian(&all)
}

const HEADERS: [&str; 6] = ["编号", "轮次", "标题", "问题类别", "严重程度", "发现日期"];

/// Row `i` of the findings workbook (its line in Excel is `i + 2`).
fn finding_row(i: usize) -> [String; 6] {
    let severity = ["一般", "较重", "严重"][i % 3];
    let category = if i.is_multiple_of(2) {
        "群众身边腐败问题和不正之风"
    } else {
        "policy_delivery"
    };
    [
        format!("[2026]乐巡-{i:04}号"),
        ROUND.into(),
        format!("第 {i} 个问题"),
        category.into(),
        severity.into(),
        "2026-05-10".into(),
    ]
}

fn write_xlsx(path: &std::path::Path, rows: &[[String; 6]]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    book.save(path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_findings_workbook_with_bad_rows_writes_nothing_then_imports_once() {
    let net = county_with_round(ROUND).await;
    let path = net.dir.path().join("问题清单.xlsx");
    let mut rows: Vec<[String; 6]> = (0..2000).map(finding_row).collect();
    rows[100][3] = "不存在的类别".into();
    rows[700][2] = String::new();
    rows[1500][4] = "特别严重".into();
    write_xlsx(&path, &rows);

    let out = run(&net, &["import", "findings"], &path);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    for expected in [
        "第 102 行 (line 102)，问题类别列：节点拒绝",
        "第 702 行 (line 702)，标题列：必填",
        "第 1502 行 (line 1502)，严重程度列：「特别严重」",
        "共 3 处错误，未导入任何内容",
    ] {
        assert!(said.contains(expected), "{expected:?} not in {said}");
    }
    assert!(net.query(COUNTY, "finding").await.is_empty());

    rows[100] = finding_row(100);
    rows[700] = finding_row(700);
    rows[1500] = finding_row(1500);
    write_xlsx(&path, &rows);
    let said = imported(&net, "findings", &path);
    assert!(said.contains("新增或更新 2000 条，未变 0 条"), "{said}");
    let held = net.query(COUNTY, "finding").await;
    assert_eq!(held.len(), 2000);
    assert_eq!(held[0]["body"]["severity"], "general");
    assert_eq!(held[1]["body"]["severity"], "serious");

    let said = imported(&net, "findings", &path);
    assert!(said.contains("新增或更新 0 条，未变 2000 条"), "{said}");
    let again = net.query(COUNTY, "finding").await;
    assert_eq!(again.len(), 2000);
    assert!(again.iter().all(|r| r["version"] == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gb18030_units_csv_with_chinese_headers_imports() {
    let mut net = Net::new(&small_tree().toml());
    net.start(COUNTY).await;
    let csv = "编号,名称,类型\r\nu1,雨润镇党委,乡镇\r\nu2,河家村党支部,村（社区）\r\nu3,区教育局党组,部门\r\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(csv);
    assert!(std::str::from_utf8(&gbk).is_err(), "the file is not UTF-8");
    let path = net.dir.path().join("名册.csv");
    std::fs::write(&path, &gbk).unwrap();

    imported(&net, "units", &path);
    let register = net.query(COUNTY, "unit_register").await;
    let units = &register[0]["body"]["units"];
    assert_eq!(
        units,
        &json!([{"id": "u1", "name": "雨润镇党委", "type": "township"},
                {"id": "u2", "name": "河家村党支部", "type": "village"},
                {"id": "u3", "name": "区教育局党组", "type": "department"}])
    );
    // The older name still works, and the same file changes nothing.
    let out = run(&net, &["units", "import"], &path);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(net.query(COUNTY, "unit_register").await[0]["version"], 1);
}

/// Writes the template of `kind` to `path`.
fn template(kind: &str, path: &std::path::Path) {
    let out = xunlian(&["import", "template", kind, "--out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
}

/// Imports `path` as `kind` at the county, expecting success; its output.
fn imported(net: &Net, kind: &str, path: &std::path::Path) -> String {
    let out = run(net, &["import", kind], path);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_templates_filled_in_import() {
    // The templates' example row names round 2026-1.
    let net = county_with_round("2026-1").await;
    let dir = net.dir.path();
    let xlsx = dir.join("问题模板.xlsx");
    template("findings", &xlsx);
    imported(&net, "findings", &xlsx);
    assert_eq!(net.query(COUNTY, "finding").await.len(), 1);

    // The CSV template, its example kept and a row added: the example is
    // the same finding (unchanged), the new row a second one.
    let csv = dir.join("问题模板.csv");
    template("findings", &csv);
    let mut filled = std::fs::read_to_string(&csv).unwrap();
    filled.push_str("[2026]乐巡-2组-08号,2026-1,村务公开不及时,惠民富民、促进共同富裕政策落实,一般,,,,,,,,,,,\n");
    std::fs::write(&csv, filled).unwrap();
    let said = imported(&net, "findings", &csv);
    assert!(said.contains("新增或更新 1 条，未变 1 条"), "{said}");
    assert_eq!(net.query(COUNTY, "finding").await.len(), 2);

    // Progress on the first finding, named by its 编号.
    let progress = dir.join("整改模板.xlsx");
    template("progress", &progress);
    imported(&net, "progress", &progress);
    let rect = net.query(COUNTY, "rectification").await;
    assert_eq!(rect[0]["body"]["status"], "in_progress");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_submit_run_again_stores_nothing_twice() {
    let net = county_with_round(ROUND).await;
    let line = |i: usize, category: &str| {
        json!({"title": format!("问题 {i}"), "severity": "general", "category": category,
               "round_id": ROUND})
        .to_string()
    };
    let lines = |bad: bool| -> String {
        (1..=5)
            .map(|i| {
                line(
                    i,
                    if bad && i == 3 {
                        "不存在的类别"
                    } else {
                        "policy_delivery"
                    },
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let path = net.dir.path().join("findings.jsonl");
    std::fs::write(&path, lines(true)).unwrap();
    let config = net.config_arg(COUNTY);
    let file = path.to_str().unwrap();
    let submit = || {
        xunlian(&[
            "submit", "--config", &config, "--kind", "finding", "--file", file,
        ])
    };
    let out = submit();
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("第 3 行: body.category"), "{said}");
    assert!(said.contains("已存储 4 条，未变 0 条，被拒 1 条"), "{said}");
    assert!(
        !said.contains("\"body\""),
        "records are printed only with --verbose: {said}"
    );
    assert_eq!(net.query(COUNTY, "finding").await.len(), 4);

    std::fs::write(&path, lines(false)).unwrap();
    let out = submit();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("已存储 1 条，未变 4 条，被拒 0 条"),
        "{}",
        text(&out)
    );
    // Once more, with a line repeated: the same record, stored once.
    let repeated = format!("{}\n{}", lines(false), line(2, "policy_delivery"));
    std::fs::write(&path, repeated).unwrap();
    let said = text(&submit());
    assert!(said.contains("第 6 行 与第 2 行相同"), "{said}");
    assert!(said.contains("已存储 0 条，未变 6 条"), "{said}");
    let held: Vec<Value> = net.query(COUNTY, "finding").await;
    assert_eq!(held.len(), 5);
}
