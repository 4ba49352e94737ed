//! The documentation holds together: README.md stays short enough to read
//! (at most [`README_MAX_LINES`] lines), and every relative link in the
//! project's Markdown points to a file that exists, and to a heading that
//! exists when it names a simple anchor (`#lower-case-words`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The most lines README.md may have (issue 17: what it is, how to run a
/// network, how to test; the rest lives in `docs/`).
const README_MAX_LINES: usize = 250;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every Markdown file whose links are checked.
fn documents() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = [
        "README.md",
        "ARCHITECTURE.md",
        "CHANGELOG.md",
        "bench/README.md",
        "bench/RESULTS.md",
    ]
    .iter()
    .map(|p| root().join(p))
    .collect();
    let docs = std::fs::read_dir(root().join("docs")).expect("read docs/");
    for entry in docs {
        let path = entry.expect("docs/ entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The lines of `text` outside fenced code blocks, with inline code spans
/// blanked out: links in code are examples, not links.
fn prose(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut kept = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                kept.push_str(part);
            }
        }
        out.push(kept);
    }
    out
}

/// The targets of the inline (`[text](target)`) and reference-style
/// (`[label]: target`) links of `text`.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose(text) {
        if let Some(rest) = line.trim_start().strip_prefix('[')
            && let Some((label, target)) = rest.split_once("]:")
            && !label.contains(']')
        {
            out.extend(target.split_whitespace().next().map(str::to_string));
        }
        for (i, _) in line.match_indices("](") {
            let rest = &line[i + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            let target = rest[..end].split_whitespace().next().unwrap_or("");
            out.push(target.trim_matches(['<', '>']).to_string());
        }
    }
    out
}

/// The anchor a heading gets, GitHub's way: lower case, punctuation
/// dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of every heading of `text`, with GitHub's `-1`, `-2`
/// suffixes for repeated headings.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        if fenced {
            continue;
        }
        let base = slug(heading.trim_start_matches('#').replace('`', "").as_str());
        let mut anchor = base.clone();
        let mut n = 0;
        while !out.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
    }
    out
}

/// An anchor simple enough to check: lower-case ASCII words and `-`.
fn is_simple(anchor: &str) -> bool {
    !anchor.is_empty()
        && anchor
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What is wrong with the relative links of `doc` (whose text is `text`),
/// one line per broken link.
fn broken_links(doc: &Path, text: &str) -> Vec<String> {
    let dir = doc.parent().expect("a document has a directory");
    let mut broken = Vec::new();
    for target in link_targets(text) {
        if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (file, anchor) = match target.split_once('#') {
            Some((file, anchor)) => (file, Some(anchor)),
            None => (target.as_str(), None),
        };
        let path = dir.join(file);
        if !file.is_empty() && !path.exists() {
            broken.push(format!("{}: {target}: no such file", doc.display()));
            continue;
        }
        let Some(anchor) = anchor.filter(|a| is_simple(a)) else {
            continue;
        };
        let headings = if file.is_empty() {
            anchors(text)
        } else if path.extension().is_some_and(|e| e == "md") {
            anchors(&read(&path))
        } else {
            continue;
        };
        if !headings.contains(anchor) {
            broken.push(format!("{}: {target}: no such heading", doc.display()));
        }
    }
    broken
}

#[test]
fn readme_is_at_most_250_lines() {
    let lines = read(&root().join("README.md")).lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, more than {README_MAX_LINES}: move detail to docs/"
    );
}

#[test]
fn every_relative_link_points_to_something_that_exists() {
    let mut broken = Vec::new();
    for doc in documents() {
        broken.extend(broken_links(&doc, &read(&doc)));
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The checker itself: a missing file and a missing heading are reported;
/// links in code, absolute URLs and existing targets are not.
#[test]
fn a_broken_link_is_reported() {
    let doc = root().join("README.md");
    let text = "# Top heading\n\
                [ok](ARCHITECTURE.md) [ok](#top-heading) [ok](docs/testing.md#chaos)\n\
                [web](https://example.org/missing.md) `[code](missing.md)`\n\
                ```\n[fenced](missing.md)\n```\n\
                [gone](no/such/file.md) [bad anchor](#no-such-heading)\n\
                [ref]: docs/nowhere.md\n";
    let broken = broken_links(&doc, text);
    assert_eq!(broken.len(), 3, "{broken:#?}");
    for want in ["no/such/file.md", "#no-such-heading", "docs/nowhere.md"] {
        assert!(
            broken.iter().any(|b| b.contains(want)),
            "{want}: {broken:#?}"
        );
    }
}
