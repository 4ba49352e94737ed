//! A spreadsheet as rows of text: the first sheet of an XLSX (or XLS/ODS)
//! workbook, a CSV file in UTF-8 (with or without a BOM) or GB18030/GBK
//! (what Excel on Chinese Windows saves), or a JSON array of objects. Each
//! row keeps its line: the spreadsheet's row number, the CSV line, or the
//! JSON entry counted from 1.

use std::path::Path;

use calamine::{Data, Reader};

/// A header row and the rows below it, empty rows left out.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    /// (line, cells) of each row with any text.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads `path` by its extension: `.xlsx`, `.xlsm`, `.xls`, `.ods`,
/// `.json`, anything else as CSV. Errors are Chinese first and name the file.
pub fn read_table(path: &Path) -> Result<Table, String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    std::fs::read(path)
        .map_err(|e| format!("无法读取 (cannot read): {e}"))
        .and_then(|bytes| table_of(ext, bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads the bytes of a file whose name ends in `ext` (an upload), as
/// [`read_table`] reads a file.
pub fn table_of(ext: &str, bytes: Vec<u8>) -> Result<Table, String> {
    match ext.to_ascii_lowercase().as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(bytes),
        "json" => parse_json(&decode(&bytes)?),
        _ => parse_csv(&decode(&bytes)?),
    }
}

/// The text of a CSV or JSON file: valid UTF-8 (a BOM dropped) is UTF-8;
/// anything else is read as GB18030, which covers GBK and GB2312.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.trim_start_matches('\u{feff}').to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(
            "编码无法识别：既不是 UTF-8 也不是 GB18030/GBK (neither UTF-8 nor GB18030)".into(),
        );
    }
    Ok(text.into_owned())
}

/// Parses CSV text: a header line, then one row per record; short rows
/// are padded with empty cells.
pub fn parse_csv(text: &str) -> Result<Table, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut table = Table::default();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("CSV 格式错误 (bad CSV): {e}"))?;
        let line = record.position().map_or(n + 1, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if n == 0 {
            table.headers = cells;
        } else {
            table.push(line, cells);
        }
    }
    Ok(table)
}

/// Parses a JSON array of flat objects; the headers are the keys in the
/// order first seen, a row's line its entry's place.
fn parse_json(text: &str) -> Result<Table, String> {
    let items: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)
        .map_err(|e| format!("第 {} 行 JSON 格式错误 (line {0}: bad JSON): {e}", e.line()))?;
    let mut table = Table::default();
    for key in items.iter().flat_map(|o| o.keys()) {
        if !table.headers.contains(key) {
            table.headers.push(key.clone());
        }
    }
    for (i, item) in items.iter().enumerate() {
        let cells = table
            .headers
            .iter()
            .map(|h| match item.get(h) {
                Some(serde_json::Value::String(s)) => s.trim().to_string(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            })
            .collect();
        table.push(i + 1, cells);
    }
    Ok(table)
}

/// The first sheet of a workbook; a row's line is its row number in Excel.
fn read_workbook(bytes: Vec<u8>) -> Result<Table, String> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("无法打开工作簿 (cannot open the workbook): {e}"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("工作簿中没有工作表 (the workbook has no sheet)")?
        .map_err(|e| format!("无法读取第一个工作表 (cannot read the first sheet): {e}"))?;
    let first = range.start().map_or(0, |(row, _)| row as usize);
    let mut table = Table::default();
    for (i, row) in range.rows().enumerate() {
        let cells = row.iter().map(cell_text).collect();
        if i == 0 {
            table.headers = cells;
        } else {
            table.push(first + i + 1, cells);
        }
    }
    Ok(table)
}

/// A cell as the text a person sees: whole numbers without `.0`, dates
/// as YYYY-MM-DD, booleans as 是/否.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
    }
}

impl Table {
    /// Adds a row unless every cell is empty.
    fn push(&mut self, line: usize, cells: Vec<String>) {
        if cells.iter().any(|c| !c.is_empty()) {
            self.rows.push((line, cells));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_and_bom_are_detected() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("编号,名称\nu1,雨润镇党委\n");
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode(&gbk).unwrap(), "编号,名称\nu1,雨润镇党委\n");
        assert_eq!(decode("\u{feff}编号".as_bytes()).unwrap(), "编号");
    }

    #[test]
    fn csv_rows_keep_their_lines() {
        let t = parse_csv("编号,名称\nu1,\"a\nb\"\n,\nu2\n").unwrap();
        assert_eq!(t.headers, ["编号", "名称"]);
        assert_eq!(t.rows[0], (2, vec!["u1".to_string(), "a\nb".to_string()]));
        assert_eq!(t.rows[1], (5, vec!["u2".to_string()]));
    }
}
