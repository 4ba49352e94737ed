//! An export as an XLSX workbook: one sheet, the header row bold and
//! frozen, days as Excel dates (`yyyy-mm-dd`), counts as numbers, the rest
//! as text, and each column as wide as its widest cell (a Chinese
//! character counts two).

use chrono::Datelike;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use unicode_width::UnicodeWidthStr;

use super::{Cell, Table};

/// Columns never get wider than this (long titles wrap in Excel's own way).
const MAX_WIDTH: usize = 60;

/// The display width of a column: its widest cell, plus a little room.
fn width(texts: impl Iterator<Item = String>) -> f64 {
    let widest = texts.map(|t| t.width()).max().unwrap_or(0);
    (widest + 2).clamp(6, MAX_WIDTH) as f64
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    // Month and day are 1..=12 and 1..=31.
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

impl Table {
    /// The table as the bytes of an XLSX workbook.
    pub fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name(&self.sheet)?;
        let bold = Format::new().set_bold();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (c, h) in self.header.iter().enumerate() {
            let col = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
            ws.write_string_with_format(0, col, h, &bold)?;
            let cells = self.rows.iter().filter_map(|r| r.get(c)).map(Cell::text);
            ws.set_column_width(col, width(std::iter::once(h.clone()).chain(cells)))?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in self.rows.iter().enumerate() {
            let at = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
                match cell {
                    Cell::Text(s) => ws.write_string(at, col, s)?,
                    Cell::Count(n) => ws.write_number(at, col, *n as f64)?,
                    Cell::Date(d) => {
                        ws.write_datetime_with_format(at, col, excel_date(*d)?, &date)?
                    }
                };
            }
        }
        book.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx};

    use super::super::{Cell, Table};
    use super::width;

    #[test]
    fn chinese_counts_double_in_column_widths() {
        assert_eq!(width(["整改台账".to_string()].into_iter()), 10.0);
        assert_eq!(width(["abcd".to_string()].into_iter()), 6.0);
        assert_eq!(width(["长".repeat(100)].into_iter()), 60.0);
    }

    #[test]
    fn a_table_reads_back_with_its_header_dates_and_numbers() {
        let t = Table {
            sheet: "整改台账".into(),
            header: vec!["问题".into(), "期限".into(), "措施数".into()],
            rows: vec![vec![
                "惠农补贴发放不及时".into(),
                Cell::Date(chrono::NaiveDate::from_ymd_opt(2026, 8, 20).unwrap()),
                Cell::Count(3),
            ]],
        };
        let bytes = t.xlsx().unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["整改台账"]);
        let range = book.worksheet_range("整改台账").unwrap();
        let rows: Vec<_> = range.rows().collect();
        assert_eq!(rows[0][0], Data::String("问题".into()));
        assert_eq!(rows[1][0], Data::String("惠农补贴发放不及时".into()));
        // An Excel date: days since 1899-12-30.
        let Data::DateTime(due) = rows[1][1] else {
            panic!("{:?} is not a date", rows[1][1]);
        };
        assert_eq!(due.as_f64(), 46254.0);
        assert_eq!(rows[1][2], Data::Float(3.0));
    }
}
