//! The canonical encoding of a record, the bytes an origin signs (see
//! the `trust` module for how the signatures are made and checked).
//!
//! The form follows RFC 8785 (JSON Canonicalization Scheme): the record
//! without its `signature` field; object members sorted by the UTF-16 code
//! units of their names; no insignificant whitespace; strings with the
//! minimal escaping of RFC 8785 (UTF-8 kept as is); integers only — a
//! record holding a non-integer number has no canonical form.
//!
//! A record's envelope is written straight from the `Record` struct (its
//! member order fixed here, its optional members omitted exactly as serde
//! omits them); only its `body`, and other signed documents such as the
//! tree manifest, go through the generic writer over a `serde_json::Value`.
//! Both are on every hop's path (a record's leaf hash), so the common case
//! is written without detours: serde_json's map already iterates in UTF-8
//! byte order, which is UTF-16 order unless U+E000..U+FFFF meets an astral
//! character (checked pair by pair; only then sorted), and strings that
//! need no escaping, times and ids are copied or written directly.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Record, Route, Signature};

#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    #[error("field {0} holds a non-integer number; records carry integers only")]
    NonInteger(String),
    #[error("record does not serialise: {0}")]
    Serialise(String),
}

/// The canonical bytes of `record` (signature excluded).
pub fn canonical_bytes(record: &Record) -> Result<Vec<u8>, CanonicalError> {
    write_record(record, false)
}

/// The text an origin stores and sends for `record`, its doc. A signed
/// record's is its canonical bytes with the `signature` member in its
/// sorted place (after `route`, the last member holding objects, so it is
/// the text's last `,"signature":"`): a hop then has the signed bytes by
/// cutting that member out of the text it received, without serialising
/// the record again (`trust::Verifier::check_doc`; any other text of the
/// record still verifies, the slower way). An unsigned record's is what
/// serde writes.
pub fn origin_doc(record: &Record) -> Result<String, CanonicalError> {
    if record.signature.is_none() {
        return serde_json::to_string(record).map_err(|e| CanonicalError::Serialise(e.to_string()));
    }
    let bytes = write_record(record, true)?;
    String::from_utf8(bytes).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

/// `doc` in two pieces around a `,"signature":"…"` member holding `sig`'s
/// own text (the text before the member, the text after it): so the
/// member is whole (the text has no quote or backslash) and the pieces
/// with the member written again between them are `doc`, byte for byte.
/// The member taken is the last that fits before the closing `}`: the
/// search starts where a member of that length starts at the latest, a
/// few dozen bytes from the end in an origin's doc ([`origin_doc`], whose
/// pieces are the record's signed bytes), not at the end, across the
/// member's own ~300. None when `doc` has no such member.
pub fn around_signature<'d>(doc: &'d str, sig: &Signature) -> Option<(&'d str, &'d str)> {
    const MEMBER: &[u8] = b",\"signature\":\"";
    let bytes = doc.as_bytes();
    let text = sig.text_len();
    let last = bytes.len().checked_sub(MEMBER.len() + text + 2)?;
    let start = (0..=last)
        .rev()
        .find(|&p| bytes[p] == b',' && bytes[p..].starts_with(MEMBER))?;
    let value = start + MEMBER.len();
    let end = value + text;
    (bytes[end] == b'"' && sig.is_text(doc.get(value..end)?))
        .then(|| (&doc[..start], &doc[end + 1..]))
}

/// The canonical writer of a record, with or without its signature.
fn write_record(record: &Record, with_signature: bool) -> Result<Vec<u8>, CanonicalError> {
    // Destructured whole so that a new envelope field cannot be left out
    // of the signed bytes unnoticed.
    let Record {
        id,
        kind,
        origin,
        version,
        created_at,
        updated_at,
        round_id,
        classification,
        route,
        body,
        signature,
    } = record;
    let mut out = Vec::with_capacity(1024);
    // Member names in UTF-16 order (all ASCII here, so byte order).
    let mut obj = Members::open(&mut out);
    write(body, obj.member("body")).map_err(|e| e.under("body"))?;
    scalar(classification, obj.member("classification"))?;
    time(created_at, obj.member("created_at"))?;
    string(
        id.hyphenated().encode_lower(&mut Uuid::encode_buffer()),
        obj.member("id"),
    )?;
    scalar(kind, obj.member("kind"))?;
    string(origin.as_str(), obj.member("origin"))?;
    if let Some(round_id) = round_id {
        string(round_id, obj.member("round_id"))?;
    }
    write_route(route, obj.member("route"))?;
    if let Some(signature) = signature.as_ref().filter(|_| with_signature) {
        string(&signature.to_string(), obj.member("signature"))?;
    }
    time(updated_at, obj.member("updated_at"))?;
    scalar(version, obj.member("version"))?;
    obj.close();
    Ok(out)
}

/// The route object, members in UTF-16 order, empty ones omitted as serde
/// omits them.
fn write_route(route: &Route, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    let Route { up_to, to, subtree } = route;
    let mut obj = Members::open(out);
    if *subtree {
        obj.member("subtree").extend_from_slice(b"true");
    }
    if !to.is_empty() {
        let out = obj.member("to");
        out.push(b'[');
        for (i, node) in to.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(node.as_str(), out)?;
        }
        out.push(b']');
    }
    if let Some(level) = up_to {
        scalar(level, obj.member("up_to"))?;
    }
    obj.close();
    Ok(())
}

/// An object being written member by member; the caller gives the members
/// in canonical order, under names that need no escaping.
struct Members<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Members<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Members { out, empty: true }
    }

    /// Starts member `name`; its value is written to the returned buffer.
    fn member(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// A string, integer or unit enum, as serde_json writes it (the same
/// escaping as the generic writer's strings).
fn scalar<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    serde_json::to_writer(out, value).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

/// A string as serde_json writes it (RFC 8785's escaping): copied as is
/// when nothing in it needs escaping (no control character, quote or
/// backslash), the common case, checked 8 bytes at a time.
fn string(s: &str, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    if needs_escaping(s.as_bytes()) {
        return scalar(s, out);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Whether `bytes` hold a control character, a quote or a backslash: per
/// 8-byte word, the exact tests for a byte below 0x20 and for a zero byte
/// (`(x - 0x01…) & !x & 0x80…`) after xor with the quote and the
/// backslash.
fn needs_escaping(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    words.into_iter().any(|w| {
        let x = u64::from_ne_bytes(w.try_into().unwrap_or_default());
        below(x, 0x20)
            || below(x ^ (ONES * u64::from(b'"')), 1)
            || below(x ^ (ONES * u64::from(b'\\')), 1)
    }) || tail.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// A time as chrono serialises it (RFC 3339, `Z`, the fraction in 0, 3, 6
/// or 9 digits), written directly for years 0 to 9999 outside leap
/// seconds, else through chrono.
fn time(t: &DateTime<Utc>, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    let (year, nano) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&year) || nano >= 1_000_000_000 {
        return scalar(t, out);
    }
    let digits = |out: &mut Vec<u8>, mut n: u32, width: usize| {
        let mut buf = [b'0'; 9];
        for d in buf[..width].iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.extend_from_slice(&buf[..width]);
    };
    out.push(b'"');
    digits(out, year as u32, 4);
    for (sep, n) in [(b'-', t.month()), (b'-', t.day()), (b'T', t.hour())] {
        out.push(sep);
        digits(out, n, 2);
    }
    for n in [t.minute(), t.second()] {
        out.push(b':');
        digits(out, n, 2);
    }
    if nano != 0 {
        out.push(b'.');
        if nano % 1_000_000 == 0 {
            digits(out, nano / 1_000_000, 3);
        } else if nano % 1_000 == 0 {
            digits(out, nano / 1_000, 6);
        } else {
            digits(out, nano, 9);
        }
    }
    out.extend_from_slice(b"Z\"");
    Ok(())
}

/// The RFC 8785 bytes of any JSON value (integers only), for record bodies
/// and other signed documents such as the tree manifest.
pub(crate) fn canonical_json(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(512);
    write(value, &mut out).map_err(|e| match e {
        CanonicalError::NonInteger(path) if path.is_empty() => {
            CanonicalError::NonInteger("/".into())
        }
        e => e,
    })?;
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

/// The generic writer. A non-integer's JSON pointer is built only on the
/// way out of an error ([`CanonicalError::under`]), so a record that has a
/// canonical form pays nothing for it.
fn write(v: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::String(s) => string(s, out)?,
        Value::Number(n) => {
            if n.is_f64() {
                return Err(CanonicalError::NonInteger(String::new()));
            }
            // Integers: serde_json writes them as RFC 8785 does.
            scalar(n, out)?;
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out).map_err(|e| e.under(&i.to_string()))?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // serde_json's map iterates its keys in UTF-8 byte order, which
            // is UTF-16 order unless U+E000..U+FFFF meets an astral
            // character: the members are written as they come, and only a
            // map where a neighbouring pair says so is written again sorted.
            let start = out.len();
            out.push(b'{');
            let mut last: Option<&str> = None;
            for (k, v) in map {
                if let Some(prev) = last {
                    if utf16_cmp(prev, k).is_gt() {
                        out.truncate(start);
                        return sorted_object(map, out);
                    }
                    out.push(b',');
                }
                member(k, v, out)?;
                last = Some(k);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// An object whose keys need sorting by their UTF-16 code units.
fn sorted_object(
    map: &serde_json::Map<String, Value>,
    out: &mut Vec<u8>,
) -> Result<(), CanonicalError> {
    let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
    sorted.sort_by(|(a, _), (b, _)| utf16_cmp(a, b));
    out.push(b'{');
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        member(k, v, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// One member of an object: its name, a colon and its value.
fn member(k: &str, v: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    string(k, out)?;
    out.push(b':');
    write(v, out).map_err(|e| e.under(k))
}

/// The order of two strings by their UTF-16 code units (RFC 8785's order
/// of member names), decided on their UTF-8 bytes: byte order is code
/// point order, and UTF-16 differs from it only where, at the first
/// differing byte, one string has a character of U+E000..U+FFFF (lead byte
/// 0xEE or 0xEF) and the other an astral one (0xF0..0xF4), which UTF-16
/// writes as surrogates (0xD800..0xDFFF) and so sorts first.
fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).find(|(x, y)| x != y) {
        None => a.len().cmp(&b.len()),
        Some((&x, &y)) => {
            let high_bmp = |c: u8| matches!(c, 0xEE | 0xEF);
            if (high_bmp(x) && y >= 0xF0) || (x >= 0xF0 && high_bmp(y)) {
                y.cmp(&x)
            } else {
                x.cmp(&y)
            }
        }
    }
}

impl CanonicalError {
    /// The error as found under member or index `segment` of its parent.
    fn under(self, segment: &str) -> Self {
        match self {
            CanonicalError::NonInteger(path) => {
                CanonicalError::NonInteger(format!("/{segment}{path}"))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::node::{Level, NodeId};
    use crate::records::{Classification, Kind, Signature};

    fn record(body: Value) -> Record {
        serde_json::from_value(json!({
            "id": "01a20e06-80e3-7253-b2e5-290e7b2e5ef0", "kind": "notice", "origin": "630200",
            "version": 2, "created_at": "2026-11-24T08:00:00Z", "updated_at": "2026-11-24T08:00:00Z",
            "classification": "internal", "route": {"subtree": true}, "body": body,
            "signature": "v2 ecdsa-p256-sha256 k 0/1 c2ln"
        }))
        .unwrap()
    }

    /// The canonical form through the generic writer: the whole record as
    /// a `Value`, signature removed (how it was made before the direct
    /// writer, and the reference it must match).
    fn through_value(record: &Record) -> Result<Vec<u8>, CanonicalError> {
        let mut value = serde_json::to_value(record).unwrap();
        value.as_object_mut().unwrap().remove("signature");
        canonical_json(&value)
    }

    /// RFC 8785 written the plain way, every object's members sorted by
    /// their UTF-16 code units: the reference the writer's fast paths
    /// must match.
    fn plain_rfc8785(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push(':');
                    plain_rfc8785(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    plain_rfc8785(item, out);
                }
                out.push(']');
            }
            Value::Number(n) => out.push_str(&n.to_string()),
            other => out.push_str(&serde_json::to_string(other).unwrap()),
        }
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
    fn each_byte_that_needs_escaping_is_found_at_every_position() {
        for c in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..40 {
                let mut text = "督办x".repeat(6).into_bytes();
                text.truncate(40);
                text[at] = c;
                assert!(needs_escaping(&text), "{c:#x} at {at}");
                text[at] = b'a';
                assert!(!needs_escaping(&text), "{c:#x} replaced at {at}");
            }
        }
        assert!(!needs_escaping("请按期整改 \u{7f} \u{2028}".as_bytes()));
    }

    #[test]
    fn key_order_follows_utf16_and_floats_are_refused() {
        // U+FF61 sorts after U+1F600 in UTF-8 but before it in UTF-16.
        let r = record(json!({"\u{1F600}": 1, "\u{FF61}": 2}));
        let got = String::from_utf8(canonical_bytes(&r).unwrap()).unwrap();
        assert!(got.find('\u{FF61}').unwrap() > got.find('\u{1F600}').unwrap());
        let err = canonical_bytes(&record(json!({"x": [1.5]}))).unwrap_err();
        assert!(err.to_string().contains("/body/x/0"), "{err}");
        let err = through_value(&record(json!({"x": [1.5]}))).unwrap_err();
        assert!(err.to_string().contains("/body/x/0"), "{err}");
        let err = canonical_json(&json!(1.5)).unwrap_err();
        assert!(err.to_string().contains("field / holds"), "{err}");
    }

    /// Characters that stress the escaping and the key order: controls,
    /// quotes and backslashes, separators, BMP beyond U+FF00, astral.
    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            any::<char>(),
            prop::char::range('\u{0}', '\u{1f}'),
            Just('"'),
            Just('\\'),
            Just('\u{7f}'),
            Just('\u{2028}'),
            prop::char::range('\u{ff00}', '\u{ffff}'),
            prop::char::range('\u{10000}', '\u{10ffff}'),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(any_char(), 0..8).prop_map(String::from_iter)
    }

    fn node_id() -> impl Strategy<Value = NodeId> {
        "[A-Za-z0-9_-]{1,64}".prop_map(|s| s.parse().unwrap())
    }

    /// Times across the years, with and without fractions of a second.
    fn time() -> impl Strategy<Value = DateTime<Utc>> {
        let nanos = prop_oneof![
            Just(0u32),
            (0..1000u32).prop_map(|ms| ms * 1_000_000),
            0..1_000_000_000u32,
        ];
        (-62_135_596_800i64..253_402_300_800, nanos)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
    }

    fn integer() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            Just(Value::from(u64::MAX)),
            Just(Value::from(i64::MIN)),
        ]
    }

    /// JSON bodies of integers, strings and nested arrays and objects.
    fn body() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            integer(),
            text().prop_map(Value::String),
        ];
        let value = leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(text(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        prop_oneof![
            4 => prop::collection::btree_map(text(), value.clone(), 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            1 => value,
        ]
    }

    fn route() -> impl Strategy<Value = Route> {
        (
            prop::option::of(prop::sample::select(Level::ALL.to_vec())),
            prop::collection::vec(node_id(), 0..4),
            any::<bool>(),
        )
            .prop_map(|(up_to, to, subtree)| Route { up_to, to, subtree })
    }

    fn signature() -> impl Strategy<Value = Option<Signature>> {
        prop::option::of(
            (
                "[A-Za-z0-9+/]{1,90}",
                any::<u32>(),
                any::<u32>(),
                "([A-Za-z0-9+/]{1,130})?",
            )
                .prop_map(|(value, index, count, proof)| Signature {
                    alg: "ecdsa-p256-sha256".into(),
                    key_id: "k".into(),
                    index,
                    count,
                    value,
                    proof,
                }),
        )
    }

    fn any_record() -> impl Strategy<Value = Record> {
        (
            (
                any::<u128>(),
                prop::sample::select(Kind::ALL.to_vec()),
                node_id(),
                any::<u64>(),
                time(),
                time(),
            ),
            (
                prop::option::of(text()),
                prop::sample::select(vec![
                    Classification::Internal,
                    Classification::Confidential,
                    Classification::Secret,
                ]),
                route(),
                body(),
                signature(),
            ),
        )
            .prop_map(
                |(
                    (id, kind, origin, version, created_at, updated_at),
                    (round_id, classification, route, body, signature),
                )| {
                    let mut r = record(body);
                    (r.id, r.kind, r.origin) = (Uuid::from_u128(id), kind, origin);
                    (r.version, r.created_at, r.updated_at) = (version, created_at, updated_at);
                    (r.round_id, r.classification) = (round_id, classification);
                    (r.route, r.signature) = (route, signature);
                    r
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn direct_writer_matches_the_generic_one(r in any_record()) {
            let direct = canonical_bytes(&r).unwrap();
            prop_assert_eq!(
                String::from_utf8(direct).unwrap(),
                String::from_utf8(through_value(&r).unwrap()).unwrap()
            );
        }

        #[test]
        fn the_writer_matches_plain_rfc8785(v in body()) {
            let mut plain = String::new();
            plain_rfc8785(&v, &mut plain);
            prop_assert_eq!(String::from_utf8(canonical_json(&v).unwrap()).unwrap(), plain);
        }

        #[test]
        fn an_origins_doc_cut_around_its_signature_is_the_signed_bytes(r in any_record()) {
            let Some(sig) = &r.signature else { return Ok(()) };
            let text = sig.to_string();
            prop_assert_eq!(sig.text_len(), text.len());
            prop_assert!(sig.is_text(&text));
            prop_assert!(!sig.is_text(&text[..text.len() - 1]));
            let longer = format!("{text} ");
            prop_assert!(!sig.is_text(&longer));
            let doc = origin_doc(&r).unwrap();
            let (head, tail) = around_signature(&doc, sig).unwrap();
            prop_assert_eq!(
                format!("{head}{tail}").into_bytes(),
                canonical_bytes(&r).unwrap()
            );
            // serde's member order, the signature last: cut as well.
            let serde = serde_json::to_string(&r).unwrap();
            let (head, tail) = around_signature(&serde, sig).unwrap();
            let whole = format!("{head},\"signature\":\"{text}\"{tail}");
            prop_assert_eq!(whole, serde);
            // Another signature's text is not cut out.
            let mut other = sig.clone();
            other.index = other.index.wrapping_add(1);
            prop_assert!(around_signature(&doc, &other).is_none());
        }

        #[test]
        fn member_names_compare_as_utf16(a in text(), b in text()) {
            prop_assert_eq!(utf16_cmp(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
        }
    }
}
