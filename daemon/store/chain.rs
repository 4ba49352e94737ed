//! The change log's chain hash: each entry's hash covers the whole log up
//! to it, so a peer holding a position can prove it still has exactly that
//! history.

/// The chain hash after appending (record_id, version) to a log whose
/// chain was `prev`: hex SHA-256 of `prev \n id \n version`.
pub fn chain_next(prev: &str, record_id: &str, version: i64) -> String {
    use std::fmt::Write;
    // One buffer, one digest call: a commit hashes every record it stores.
    let mut input = String::with_capacity(prev.len() + record_id.len() + 22);
    input.push_str(prev);
    input.push('\n');
    input.push_str(record_id);
    input.push('\n');
    let _ = write!(input, "{version}"); // Writing to a String cannot fail.
    crate::hex::encode(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input.as_bytes()).as_ref(),
    )
}
