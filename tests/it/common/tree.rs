//! Trees of offices for test networks, built in code rather than written
//! out as TOML: central first, then one call per office below it, each
//! naming its parent. [`TreeBuilder::toml`] gives the tree file
//! `network init` reads.

use std::fmt::Write;

use xunlian::node::Level;

/// A tree file being built, one office at a time (parents first).
pub struct TreeBuilder {
    toml: String,
}

impl TreeBuilder {
    /// Central (000000) and nothing below it yet.
    pub fn central() -> TreeBuilder {
        TreeBuilder {
            toml: String::new(),
        }
        .office("000000", "中央巡视办", Level::Central, None)
    }

    /// A province under central.
    pub fn province(self, id: &str, name: &str) -> TreeBuilder {
        self.office(id, name, Level::Provincial, Some("000000"))
    }

    /// A municipality under province `parent`.
    pub fn city(self, id: &str, name: &str, parent: &str) -> TreeBuilder {
        self.office(id, name, Level::Municipal, Some(parent))
    }

    /// A county under municipality `parent`.
    pub fn county(self, id: &str, name: &str, parent: &str) -> TreeBuilder {
        self.office(id, name, Level::County, Some(parent))
    }

    fn office(mut self, id: &str, name: &str, level: Level, parent: Option<&str>) -> TreeBuilder {
        let _ = write!(
            self.toml,
            "[[node]]\nid = \"{id}\"\nname = \"{name}\"\nlevel = \"{level}\"\n"
        );
        if let Some(parent) = parent {
            let _ = writeln!(self.toml, "parent = \"{parent}\"");
        }
        self
    }

    /// The tree file's text.
    pub fn toml(&self) -> String {
        self.toml.clone()
    }
}

/// Central, one province, two municipalities and three counties (two
/// under 630100, one under 630200): the tree most tests run.
pub fn small_tree() -> TreeBuilder {
    TreeBuilder::central()
        .province("630000", "青海省委巡视办")
        .city("630100", "西宁市委巡察办", "630000")
        .county("630102", "城东区委巡察办", "630100")
        .county("630103", "城中区委巡察办", "630100")
        .city("630200", "海东市委巡察办", "630000")
        .county("630202", "乐都区委巡察办", "630200")
}
