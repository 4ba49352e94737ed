//! The template of each import: its Chinese headers and one example row,
//! as XLSX (headers bold, columns wide enough, cells text so Excel keeps
//! 编号 and dates as typed) or as CSV (UTF-8 with a BOM, which Excel opens).

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use super::Sheet;

/// Writes the template of `sheet` to `path`: XLSX for `.xlsx`, else CSV.
pub fn write_template(sheet: Sheet, path: &Path) -> Result<(), String> {
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let written = if is_xlsx {
        template_xlsx(sheet)
            .and_then(|bytes| std::fs::write(path, bytes).map_err(|e| e.to_string()))
    } else {
        std::fs::write(path, template_csv(sheet)).map_err(|e| e.to_string())
    };
    written.map_err(|e| {
        format!(
            "{}: 无法写入模板 (cannot write the template): {e}",
            path.display()
        )
    })
}

/// The CSV template: a BOM, the headers, the example row.
pub fn template_csv(sheet: Sheet) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let columns = sheet.columns();
    // Writing to memory cannot fail.
    let _ = w.write_record(columns.iter().map(|c| c.header));
    let _ = w.write_record(columns.iter().map(|c| c.example));
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

/// The XLSX template's bytes.
pub fn template_xlsx(sheet: Sheet) -> Result<Vec<u8>, String> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (i, c) in sheet.columns().iter().enumerate() {
        let col = u16::try_from(i).map_err(|e| e.to_string())?;
        let width = c
            .header
            .chars()
            .count()
            .max(c.example.chars().count())
            .clamp(8, 40);
        ws.set_column_width(col, width as f64 * 2.0).map_err(err)?;
        ws.set_column_format(col, &text).map_err(err)?;
        ws.write_string_with_format(0, col, c.header, &bold)
            .map_err(err)?;
        ws.write_string(1, col, c.example).map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}
