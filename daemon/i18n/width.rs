//! Table cells padded by display width: a Chinese character takes two
//! terminal columns, so `format!("{:<10}")`, which counts characters,
//! misaligns Chinese names.

use unicode_width::UnicodeWidthStr;

/// `s` followed by spaces up to `width` display columns.
pub fn pad(s: &str, width: usize) -> String {
    let fill = width.saturating_sub(s.width());
    format!("{s}{}", " ".repeat(fill))
}

/// `s` preceded by spaces up to `width` display columns.
pub fn pad_left(s: &str, width: usize) -> String {
    let fill = width.saturating_sub(s.width());
    format!("{}{s}", " ".repeat(fill))
}

#[cfg(test)]
mod tests {
    use super::{pad, pad_left};

    #[test]
    fn chinese_text_pads_by_display_width() {
        assert_eq!(pad("正常", 6), "正常  ");
        assert_eq!(pad("ok", 6), "ok    ");
        assert_eq!(pad_left("积压", 5), " 积压");
        assert_eq!(pad("超出宽度的文字", 4), "超出宽度的文字");
    }
}
