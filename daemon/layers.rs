//! The crate's layers, checked: which top-level module may import which.
//!
//! Imports run one way, from the listener down to the store:
//! `peer → sync → engine → {routing, store, records}`, with the practice
//! (`workflow`) below the engine that enforces it and above the store it
//! reads. [`LAYERS`] lists every top-level module of `daemon/`, highest
//! first; a module may name (`crate::x`) only modules of lower layers. The
//! test reads the sources, so a new import that runs back up fails it, and
//! so does a new module that is not placed here.

/// Every top-level module, highest layer first; modules on one line are
/// peers that may not import each other.
const LAYERS: &[&[&str]] = &[
    &["main", "lib"],
    &["cli"],
    &["run"],
    &["api"],
    &["peer"],
    &["telemetry"],
    &["health", "jobs"],
    &["sync"],
    &["engine"],
    &["network", "routing"],
    &["config"],
    &["workflow"],
    &["submit"],
    &["trust"],
    &["store", "pki"],
    &["records", "identity", "http"],
    &["schedule", "node", "hex", "layers"],
    &["clip", "i18n"],
];

mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::LAYERS;

    /// The layer of each module: 0 is the top.
    fn rank() -> BTreeMap<&'static str, usize> {
        LAYERS
            .iter()
            .enumerate()
            .flat_map(|(i, ms)| ms.iter().map(move |m| (*m, i)))
            .collect()
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

    /// Every `crate::name` a source file mentions.
    fn named_modules(src: &str) -> Vec<&str> {
        src.match_indices("crate::")
            .map(|(i, m)| {
                let rest = &src[i + m.len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                &rest[..end]
            })
            .collect()
    }

    #[test]
    fn imports_run_down_the_layers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("daemon");
        let rank = rank();
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut wrong = Vec::new();
        for file in &files {
            let rel = file.strip_prefix(&root).expect("under daemon/");
            let first = rel.components().next().expect("a component");
            let module = first.as_os_str().to_str().expect("utf-8 name");
            let module = module.strip_suffix(".rs").unwrap_or(module);
            if module == "layers" {
                continue; // this file names modules only as examples
            }
            let Some(&mine) = rank.get(module) else {
                wrong.push(format!(
                    "{}: module `{module}` has no layer in LAYERS",
                    rel.display()
                ));
                continue;
            };
            let src = std::fs::read_to_string(file).expect("read source");
            for target in named_modules(&src) {
                if target == module || target.is_empty() {
                    continue;
                }
                match rank.get(target) {
                    Some(&theirs) if theirs > mine => {}
                    Some(_) => wrong.push(format!(
                        "{}: `{module}` names `crate::{target}`, which is not below it",
                        rel.display()
                    )),
                    None => wrong.push(format!(
                        "{}: `crate::{target}` is not a module in LAYERS",
                        rel.display()
                    )),
                }
            }
        }
        wrong.sort();
        wrong.dedup();
        assert!(
            wrong.is_empty(),
            "imports against the layers:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn every_module_has_one_layer() {
        let mut seen = std::collections::BTreeSet::new();
        for m in LAYERS.iter().flat_map(|ms| ms.iter()) {
            assert!(seen.insert(*m), "`{m}` stands in two layers");
        }
    }
}
