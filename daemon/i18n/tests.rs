//! The catalogue test: both languages have exactly the same keys with the
//! same arguments, and every key the code names (a `t!`/`tl!`/`refused!`/`refusal!` call) is
//! in them with the arguments the call passes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_bundle::FluentResource;
use fluent_syntax::ast;

use super::{Lang, SOURCES, message};

/// Every message of a catalogue with the variables its text uses.
fn keys(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let res = FluentResource::try_new(text.to_string()).expect("parses");
    res.entries()
        .filter_map(|e| match e {
            ast::Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut vars);
                }
                Some((m.id.name.to_string(), vars))
            }
            _ => None,
        })
        .collect()
}

fn pattern_vars(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, out),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, out);
            }
        }
        _ => {}
    }
}

fn catalogue(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let (_, _, text) = SOURCES.iter().find(|(l, _, _)| *l == lang).unwrap();
    keys(text)
}

#[test]
fn both_catalogues_have_the_same_keys_and_arguments() {
    let zh = catalogue(Lang::Zh);
    let en = catalogue(Lang::En);
    assert!(zh.len() > 50, "the Chinese catalogue is loaded");
    let mut wrong = Vec::new();
    for (key, vars) in &zh {
        match en.get(key) {
            None => wrong.push(format!("{key}: in zh-CN.ftl, not in en.ftl")),
            Some(v) if v != vars => wrong.push(format!("{key}: arguments zh {vars:?}, en {v:?}")),
            Some(_) => {}
        }
    }
    for key in en.keys().filter(|k| !zh.contains_key(*k)) {
        wrong.push(format!("{key}: in en.ftl, not in zh-CN.ftl"));
    }
    assert!(
        wrong.is_empty(),
        "the catalogues differ:\n{}",
        wrong.join("\n")
    );
}

/// One `t!`/`tl!`/`refused!`/`refusal!` call in the sources: its key and argument names.
#[derive(Debug)]
struct Call {
    at: String,
    key: String,
    args: BTreeSet<String>,
}

/// The top-level, comma-separated arguments of the call whose `(` ends
/// just before `src` (strings and nested brackets skipped).
fn call_args(src: &str) -> Vec<&str> {
    let mut args = Vec::new();
    let (mut depth, mut start, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for (i, c) in src.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                args.push(src[start..i].trim());
                break;
            }
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                args.push(src[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.retain(|a| !a.is_empty());
    args
}

fn calls_in(src: &str, file: &str, out: &mut Vec<Call>) {
    for (mac, skip) in [("t!(", 0), ("tl!(", 1), ("refused!(", 1), ("refusal!(", 1)] {
        for (i, _) in src.match_indices(mac) {
            let before = src[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let args = call_args(&src[i + mac.len()..]);
            let Some(key) = args
                .get(skip)
                .and_then(|k| k.strip_prefix('"'))
                .and_then(|k| k.strip_suffix('"'))
            else {
                continue; // the macro's own definition
            };
            let names = args[skip + 1..]
                .iter()
                .filter_map(|a| a.split_once('=').map(|(n, _)| n.trim().to_string()))
                .collect();
            out.push(Call {
                at: format!("{file}:{}", src[..i].lines().count()),
                key: key.to_string(),
                args: names,
            });
        }
    }
}

/// Keys named as plain literals (tables' headings, clap's headings):
/// every `"dash-…"`, `"status-…"` or `"help-…"` literal, `#` mark aside.
fn literal_keys_in(src: &str, file: &str, out: &mut Vec<Call>) {
    for prefix in ["\"dash-", "\"#dash-", "\"status-", "\"help-"] {
        for (i, _) in src.match_indices(prefix) {
            let rest = &src[i + 1..];
            let Some(end) = rest.find('"') else { continue };
            let key = rest[..end].trim_start_matches('#');
            if key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            {
                out.push(Call {
                    at: format!("{file}:{}", src[..i].lines().count()),
                    key: key.to_string(),
                    args: BTreeSet::new(),
                });
            }
        }
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read daemon/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_key_the_code_names_is_in_the_catalogues_with_its_arguments() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("daemon");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut calls = Vec::new();
    let mut literals = Vec::new();
    for file in &files {
        let src = std::fs::read_to_string(file).expect("read source");
        let rel = file.strip_prefix(&root).unwrap().display().to_string();
        if rel.starts_with("i18n/") {
            continue; // examples in docs, and this scan's own patterns
        }
        calls_in(&src, &rel, &mut calls);
        literal_keys_in(&src, &rel, &mut literals);
    }
    assert!(calls.len() > 20, "the scan finds the calls: {calls:?}");
    let zh = catalogue(Lang::Zh);
    let mut wrong = Vec::new();
    for c in &calls {
        match zh.get(&c.key) {
            None => wrong.push(format!("{}: key {} is in no catalogue", c.at, c.key)),
            Some(vars) if *vars != c.args => wrong.push(format!(
                "{}: {} takes {vars:?}, the call passes {:?}",
                c.at, c.key, c.args
            )),
            Some(_) => {}
        }
    }
    for c in literals.iter().filter(|c| !zh.contains_key(&c.key)) {
        wrong.push(format!("{}: key {} is in no catalogue", c.at, c.key));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_language_comes_from_its_code_or_locale() {
    assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
    assert_eq!(Lang::parse("zh_CN.GB18030"), Some(Lang::Zh));
    assert_eq!(Lang::parse("EN"), Some(Lang::En));
    assert_eq!(Lang::parse("C.UTF-8"), None);
    assert_eq!(Lang::default(), Lang::Zh);
}

#[test]
fn arguments_are_filled_in_without_isolation_marks() {
    let zh = message(Lang::Zh, "status-quarantined", &[("n", 3.into())]);
    assert_eq!(zh, "隔离：3");
    let en = message(Lang::En, "status-quarantined", &[("n", 3.into())]);
    assert_eq!(en, "quarantined: 3");
}
