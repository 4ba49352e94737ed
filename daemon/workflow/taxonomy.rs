//! The finding taxonomy (问题分类), versioned per term (届): which
//! categories and tags a finding may carry, by term and by level.
//! The format is documented in `config/taxonomy.toml`, which is also the
//! copy built into the binary.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::node::Level;
use crate::submit::{Refusal, refusal};

/// The taxonomy shipped in `config/taxonomy.toml`.
const BUILTIN: &str = include_str!("../../config/taxonomy.toml");

#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    terms: BTreeMap<String, Term>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    term: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    framework: Vec<Framework>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Framework {
    name: String,
    levels: Vec<Level>,
    categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Category {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    term: Vec<Term>,
}

impl Taxonomy {
    /// The copy built into the binary.
    pub fn builtin() -> &'static Taxonomy {
        static T: OnceLock<Taxonomy> = OnceLock::new();
        // The embedded file is fixed at build time and covered by tests.
        T.get_or_init(|| Taxonomy::parse(BUILTIN).expect("built-in taxonomy parses"))
    }

    /// Reads a taxonomy file; errors name the file and the problem.
    pub fn load(path: &Path) -> Result<Taxonomy, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Taxonomy::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Taxonomy, String> {
        let file: File = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut terms = BTreeMap::new();
        for t in file.term {
            if t.framework.is_empty() {
                return Err(format!("term {:?} has no [[term.framework]]", t.term));
            }
            if terms.insert(t.term.clone(), t.clone()).is_some() {
                return Err(format!("term {:?} is defined twice", t.term));
            }
        }
        if terms.is_empty() {
            return Err("no [[term]] defined".into());
        }
        Ok(Taxonomy { terms })
    }

    /// The terms defined, oldest first.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.terms.keys().map(String::as_str)
    }

    /// The categories (id, name) a finding of `term` may carry at `level`,
    /// for the workbench's choice list; empty for an unknown term.
    pub fn categories(&self, term: &str, level: Level) -> Vec<(&str, &str)> {
        self.terms
            .get(term)
            .into_iter()
            .flat_map(|t| &t.framework)
            .filter(|f| f.levels.contains(&level))
            .flat_map(|f| &f.categories)
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect()
    }

    /// The Chinese name of `category` as a person reads it (exports): the
    /// name of the id in the newest term that defines it; a name, or a
    /// value no term defines, as it is. The same entries
    /// [`Taxonomy::check_finding`] accepts either way.
    pub fn category_name<'a>(&'a self, category: &'a str) -> &'a str {
        self.terms
            .values()
            .rev()
            .flat_map(|t| &t.framework)
            .flat_map(|f| &f.categories)
            .find(|c| c.id == category)
            .map_or(category, |c| c.name.as_str())
    }

    /// Is `term` defined? The refusal lists the terms that are.
    pub fn check_term(&self, term: &str) -> Result<(), Refusal> {
        if self.terms.contains_key(term) {
            Ok(())
        } else {
            Err(refusal!(
                "",
                "refuse-term-unknown",
                term = crate::clip::clip(term),
                defined = self.terms().collect::<Vec<_>>().join(", ")
            ))
        }
    }

    /// The category id `category` (an id or a name) stands for in `term`
    /// at `level`, or why it is not allowed there.
    pub fn check_finding(
        &self,
        term: &str,
        level: Level,
        category: &str,
        tags: &[String],
    ) -> Result<(), Refusal> {
        self.check_term(term)?;
        let t = &self.terms[term];
        let frameworks: Vec<&Framework> = t
            .framework
            .iter()
            .filter(|f| f.levels.contains(&level))
            .collect();
        let found = frameworks
            .iter()
            .flat_map(|f| &f.categories)
            .any(|c| c.id == category || c.name == category);
        if !found {
            let allowed: Vec<String> = frameworks
                .iter()
                .flat_map(|f| {
                    f.categories
                        .iter()
                        .map(move |c| format!("{} ({}, {})", c.id, c.name, f.name))
                })
                .collect();
            return Err(refusal!(
                "",
                "refuse-category-unknown",
                category = category,
                term = term,
                level = level,
                allowed = allowed.join("; ")
            ));
        }
        if let Some(bad) = tags.iter().find(|tag| !t.tags.contains(tag)) {
            return Err(refusal!(
                "",
                "refuse-tag-unknown",
                tag = bad,
                term = term,
                allowed = t.tags.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn builtin_parses_and_keeps_old_terms_valid() {
        let t = Taxonomy::builtin();
        assert_eq!(t.terms().collect::<Vec<_>>(), ["2016-2021", "2021-2026"]);
        // 六个围绕 of the old term stays valid for records of that term ...
        t.check_finding("2016-2021", Level::County, "conduct", &[])
            .unwrap();
        // ... but the new term's county framework is 三个聚焦.
        let e = t
            .check_finding("2021-2026", Level::County, "conduct", &[])
            .unwrap_err();
        assert!(e.text(Lang::En).contains("grassroots_corruption"), "{e}");
        t.check_finding(
            "2021-2026",
            Level::County,
            "群众身边腐败问题和不正之风",
            &["廉洁纪律".into()],
        )
        .unwrap();
        // 四个落实 is for central and provincial inspections only.
        assert!(
            t.check_finding("2021-2026", Level::County, "strict_governance", &[])
                .is_err()
        );
        t.check_finding("2021-2026", Level::Provincial, "strict_governance", &[])
            .unwrap();
        let e = t
            .check_finding("2021-2026", Level::County, "policy_delivery", &["x".into()])
            .unwrap_err();
        assert!(e.text(Lang::En).contains("tag \"x\""), "{e}");
        assert!(e.to_string().contains("标签 \"x\""), "{e}");
        let e = t.check_term("2031-2036").unwrap_err();
        assert!(e.text(Lang::En).contains("2016-2021"), "{e}");
    }

    #[test]
    fn a_category_id_reads_as_its_chinese_name() {
        let t = Taxonomy::builtin();
        assert_eq!(
            t.category_name("grassroots_corruption"),
            "群众身边腐败问题和不正之风"
        );
        assert_eq!(t.category_name("conduct"), "党的作风建设（四风）");
        assert_eq!(
            t.category_name("群众身边腐败问题和不正之风"),
            "群众身边腐败问题和不正之风"
        );
        assert_eq!(t.category_name("unknown"), "unknown");
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        assert!(Taxonomy::parse("").unwrap_err().contains("term"));
        let e = Taxonomy::parse("[[term]]\nterm = \"a\"\nbogus = 1\n").unwrap_err();
        assert!(e.contains("bogus"), "{e}");
        let e = Taxonomy::parse("[[term]]\nterm = \"a\"\n").unwrap_err();
        assert!(e.contains("framework"), "{e}");
    }
}
