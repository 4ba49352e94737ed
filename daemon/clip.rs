//! Bounded quoting: a value that came from outside (a peer's record, an
//! operator's request, a header) is quoted in a reason, log line,
//! quarantine entry or dashboard cell through [`clip`], never whole, so
//! an error is never larger than what it refuses is small.

/// Characters of an offending value a message keeps.
pub const CLIP: usize = 200;

/// `s` cut to [`CLIP`] characters, marked when cut.
pub fn clip(s: &str) -> String {
    match s.char_indices().nth(CLIP) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clip_keeps_short_values_and_cuts_long_ones_on_a_char_boundary() {
        assert_eq!(super::clip("630202"), "630202");
        let long = "巡".repeat(1000);
        let cut = super::clip(&long);
        assert_eq!(cut.chars().count(), super::CLIP + 1);
        assert!(cut.ends_with('…'));
    }
}
