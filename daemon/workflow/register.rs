//! The unit register (被巡察党组织名册) of an office: reading it from CSV
//! or JSON with line-numbered errors, and merging an import into the
//! register held. Nothing of a bad file is imported.

use std::collections::BTreeSet;
use std::path::Path;

use super::bodies::Unit;

/// The unit types, with the Chinese names a CSV may use instead.
const TYPES: [(&str, &[&str]); 5] = [
    ("department", &["部门", "机关"]),
    ("state_enterprise", &["国有企业", "国企"]),
    ("public_institution", &["事业单位"]),
    ("township", &["乡镇", "街道", "乡镇（街道）"]),
    ("village", &["村", "社区", "村（社区）", "村社区"]),
];

/// A unit type by its code or Chinese name.
pub fn unit_type(s: &str) -> Option<&'static str> {
    let s = s.trim();
    TYPES
        .iter()
        .find(|(code, names)| *code == s || names.contains(&s))
        .map(|(code, _)| *code)
}

/// Reads units from `path`: `.json` (an array of `{id, name, type}`) or
/// CSV with a header naming `id`, `name` and `type` columns (UTF-8, BOM
/// allowed). Every row is checked; the first bad one is reported with its
/// line number and nothing is returned.
pub fn read_file(path: &Path) -> Result<Vec<Unit>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let text = text.trim_start_matches('\u{feff}');
    let units = if path.extension().is_some_and(|e| e == "json") {
        parse_json(text)
    } else {
        parse_csv(text)
    };
    units.map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses CSV text: a header line, then one unit per line.
pub fn parse_csv(text: &str) -> Result<Vec<Unit>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            format!("line 1: the header has no {name:?} column (need id, name, type)")
        })
    };
    let (id, name, kind) = (column("id")?, column("name")?, column("type")?);
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| match e.position() {
            Some(p) => format!("line {}: {e}", p.line()),
            None => e.to_string(),
        })?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        let get = |i: usize| row.get(i).unwrap_or("").to_string();
        rows.push((line, get(id), get(name), get(kind)));
    }
    check_rows(rows)
}

/// Parses a JSON array of `{id, name, type}`; "line" is the entry's
/// position counted from 1.
pub fn parse_json(text: &str) -> Result<Vec<Unit>, String> {
    let items: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("line {}: {e}", e.line()))?;
    let field = |v: &serde_json::Value, k: &str| {
        v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string()
    };
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, v)| (i + 1, field(v, "id"), field(v, "name"), field(v, "type")))
        .collect();
    check_rows(rows).map_err(|e| e.replacen("line", "entry", 1))
}

fn check_rows(rows: Vec<(usize, String, String, String)>) -> Result<Vec<Unit>, String> {
    let mut seen = BTreeSet::new();
    let mut units = Vec::with_capacity(rows.len());
    for (line, id, name, kind) in rows {
        let bad = |why: String| Err(format!("line {line}: {why}; nothing was imported"));
        if id.is_empty() || id.chars().count() > 64 {
            return bad(format!("id {id:?} must be 1 to 64 characters"));
        }
        if name.is_empty() || name.chars().count() > 200 {
            return bad(format!("name of {id} must be 1 to 200 characters"));
        }
        let Some(code) = unit_type(&kind) else {
            let known: Vec<_> = TYPES.iter().map(|(c, _)| *c).collect();
            return bad(format!(
                "type {kind:?} of {id} is not one of {}",
                known.join(", ")
            ));
        };
        if !seen.insert(id.clone()) {
            return bad(format!("unit {id} appears twice"));
        }
        units.push(Unit {
            id,
            name,
            kind: code.to_string(),
        });
    }
    if units.is_empty() {
        return Err("no units found; nothing was imported".into());
    }
    Ok(units)
}

/// The register after importing `new` into `held`: units with a known id
/// are updated, new ones appended; nothing held is dropped.
pub fn merge(held: &[Unit], new: Vec<Unit>) -> Vec<Unit> {
    let mut out: Vec<Unit> = held.to_vec();
    for u in new {
        match out.iter_mut().find(|h| h.id == u.id) {
            Some(h) => *h = u,
            None => out.push(u),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_chinese_types_and_bom_reads() {
        let units =
            parse_csv("id,name,type\nu1,雨润镇党委,乡镇\nu2,\"河家村党支部, 一组\",村\n").unwrap();
        assert_eq!(units[0].kind, "township");
        assert_eq!(units[1].name, "河家村党支部, 一组");
        assert_eq!(units[1].kind, "village");
    }

    #[test]
    fn a_bad_row_is_named_by_line() {
        let e = parse_csv("id,name,type\nu1,a,部门\nu2,b,农场\n").unwrap_err();
        assert!(e.starts_with("line 3:") && e.contains("农场"), "{e}");
        let e = parse_csv("id,name,type\nu1,a,部门\nu1,b,部门\n").unwrap_err();
        assert!(e.starts_with("line 3:") && e.contains("twice"), "{e}");
        let e = parse_csv("id,name\nu1,a\n").unwrap_err();
        assert!(e.contains("\"type\""), "{e}");
        let e = parse_csv("id,name,type\nu1,a,部门\nu2,b\n").unwrap_err();
        assert!(e.starts_with("line 3:"), "{e}");
        let e = parse_json(r#"[{"id":"a","name":"n","type":"department"},{"id":"","name":"n","type":"department"}]"#).unwrap_err();
        assert!(e.starts_with("entry 2:"), "{e}");
    }

    #[test]
    fn merge_updates_and_keeps() {
        let u = |id: &str, name: &str| Unit {
            id: id.into(),
            name: name.into(),
            kind: "department".into(),
        };
        let m = merge(&[u("a", "A"), u("b", "B")], vec![u("b", "B2"), u("c", "C")]);
        assert_eq!(m, vec![u("a", "A"), u("b", "B2"), u("c", "C")]);
    }
}
