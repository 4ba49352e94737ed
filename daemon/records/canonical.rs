//! The canonical encoding of a record, the bytes an origin signs (see
//! the `trust` module for how the signatures are made and checked).
//!
//! The form follows RFC 8785 (JSON Canonicalization Scheme): the record
//! without its `signature` field; object members sorted by the UTF-16 code
//! units of their names; no insignificant whitespace; strings with the
//! minimal escaping of RFC 8785 (UTF-8 kept as is); integers only — a
//! record holding a non-integer number has no canonical form.

use std::io::Write;

use serde_json::Value;

use super::Record;

#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    #[error("field {0} holds a non-integer number; records carry integers only")]
    NonInteger(String),
    #[error("record does not serialise: {0}")]
    Serialise(String),
}

/// The canonical bytes of `record` (signature excluded).
pub fn canonical_bytes(record: &Record) -> Result<Vec<u8>, CanonicalError> {
    let mut value =
        serde_json::to_value(record).map_err(|e| CanonicalError::Serialise(e.to_string()))?;
    if let Some(obj) = value.as_object_mut() {
        obj.remove("signature");
    }
    canonical_json(&value)
}

/// The RFC 8785 bytes of any JSON value (integers only), for other signed
/// documents such as the tree manifest.
pub(crate) fn canonical_json(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(512);
    write(value, &mut out, &mut String::new())?;
    Ok(out)
}

/// SHA-256 of the canonical bytes.
pub fn digest(record: &Record) -> Result<[u8; 32], CanonicalError> {
    let bytes = canonical_bytes(record)?;
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    Ok(out)
}

fn write(v: &Value, out: &mut Vec<u8>, path: &mut String) -> Result<(), CanonicalError> {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => serde_json::to_writer(&mut *out, v)
            .map_err(|e| CanonicalError::Serialise(e.to_string())),
        Value::Number(n) => {
            if n.is_f64() {
                return Err(CanonicalError::NonInteger(if path.is_empty() {
                    "/".into()
                } else {
                    path.clone()
                }));
            }
            write!(out, "{n}").map_err(|e| CanonicalError::Serialise(e.to_string()))
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("/{i}"));
                write(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
            Ok(())
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k)
                    .map_err(|e| CanonicalError::Serialise(e.to_string()))?;
                out.push(b':');
                let len = path.len();
                path.push('/');
                path.push_str(k);
                write(&map[k], out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(body: Value) -> Record {
        serde_json::from_value(json!({
            "id": "01a20e06-80e3-7253-b2e5-290e7b2e5ef0", "kind": "notice", "origin": "630200",
            "version": 2, "created_at": "2026-11-24T08:00:00Z", "updated_at": "2026-11-24T08:00:00Z",
            "classification": "internal", "route": {"subtree": true}, "body": body,
            "signature": {"alg": "ecdsa-p256-sha256", "key_id": "k", "value": "c2ln"}
        }))
        .unwrap()
    }

    #[test]
    fn known_answer_sorted_compact_utf8_without_signature() {
        let r = record(
            json!({"title": "督办", "text": "请\"按期\"整改", "a": [1, {"z": true, "b": null}]}),
        );
        let got = String::from_utf8(canonical_bytes(&r).unwrap()).unwrap();
        assert_eq!(
            got,
            r#"{"body":{"a":[1,{"b":null,"z":true}],"text":"请\"按期\"整改","title":"督办"},"classification":"internal","created_at":"2026-11-24T08:00:00Z","id":"01a20e06-80e3-7253-b2e5-290e7b2e5ef0","kind":"notice","origin":"630200","route":{"subtree":true},"updated_at":"2026-11-24T08:00:00Z","version":2}"#
        );
        let mut unsigned = r.clone();
        unsigned.signature = None;
        assert_eq!(digest(&r).unwrap(), digest(&unsigned).unwrap());
    }

    #[test]
    fn key_order_follows_utf16_and_floats_are_refused() {
        // U+FF61 sorts after U+1F600 in UTF-8 but before it in UTF-16.
        let r = record(json!({"\u{1F600}": 1, "\u{FF61}": 2}));
        let got = String::from_utf8(canonical_bytes(&r).unwrap()).unwrap();
        assert!(got.find('\u{FF61}').unwrap() > got.find('\u{1F600}').unwrap());
        let err = canonical_bytes(&record(json!({"x": [1.5]}))).unwrap_err();
        assert!(err.to_string().contains("/body/x/0"), "{err}");
    }
}
