//! The tree file: one `[[node]]` table per office with `id`, `name`,
//! `level` and `parent` (absent for central). Checked as a whole: unique
//! ids, one central root, every parent present and higher than its child.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::node::{Level, NodeId};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTree {
    node: Vec<RawTreeNode>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTreeNode {
    id: String,
    name: String,
    level: String,
    parent: Option<String>,
}

/// One office of the tree.
#[derive(Debug, Clone)]
pub struct TreeNode {
    pub id: NodeId,
    pub name: String,
    pub level: Level,
    pub parent: Option<NodeId>,
}

/// A checked tree, nodes in file order (parents need not come first).
#[derive(Debug, Clone)]
pub struct Tree {
    pub nodes: Vec<TreeNode>,
}

impl Tree {
    pub fn load(path: &Path) -> anyhow::Result<Tree> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading tree file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("tree file {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Tree> {
        let raw: RawTree = toml::from_str(text)?;
        let mut nodes = Vec::with_capacity(raw.node.len());
        for (i, n) in raw.node.into_iter().enumerate() {
            let at = |field: &str| format!("node[{i}].{field}");
            let id = NodeId::new(n.id).with_context(|| at("id"))?;
            let level: Level = n
                .level
                .parse()
                .map_err(anyhow::Error::msg)
                .with_context(|| at("level"))?;
            let parent = n
                .parent
                .map(NodeId::new)
                .transpose()
                .with_context(|| at("parent"))?;
            nodes.push(TreeNode {
                id,
                name: n.name,
                level,
                parent,
            });
        }
        let tree = Tree { nodes };
        tree.check()?;
        Ok(tree)
    }

    fn check(&self) -> anyhow::Result<()> {
        let mut by_id: HashMap<&NodeId, &TreeNode> = HashMap::new();
        for n in &self.nodes {
            if by_id.insert(&n.id, n).is_some() {
                bail!("node {} appears twice", n.id);
            }
        }
        let roots: Vec<_> = self.nodes.iter().filter(|n| n.parent.is_none()).collect();
        match roots.as_slice() {
            [root] if root.level == Level::Central => {}
            [root] => bail!(
                "node {} has no parent but is {}, not central",
                root.id,
                root.level
            ),
            [] => bail!("no central node (a node without parent)"),
            many => bail!(
                "more than one node without parent: {}",
                many.iter()
                    .map(|n| n.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
        for n in &self.nodes {
            if let Some(p) = &n.parent {
                let Some(parent) = by_id.get(p) else {
                    bail!("node {} names parent {p}, which is not in the tree", n.id);
                };
                if parent.level.rank() >= n.level.rank() {
                    bail!(
                        "node {} ({}) has parent {p} ({}); a parent must be at a higher level",
                        n.id,
                        n.level,
                        parent.level
                    );
                }
            }
        }
        Ok(())
    }

    /// Children of each node, in file order.
    pub fn children(&self) -> BTreeMap<NodeId, Vec<NodeId>> {
        let mut out: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
        for n in &self.nodes {
            out.entry(n.id.clone()).or_default();
            if let Some(p) = &n.parent {
                out.entry(p.clone()).or_default().push(n.id.clone());
            }
        }
        out
    }

    pub fn get(&self, id: &NodeId) -> Option<&TreeNode> {
        self.nodes.iter().find(|n| n.id == *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_province_administered_county() {
        let t = Tree::parse(
            r#"
            [[node]]
            id = "000000"
            name = "中央"
            level = "central"
            [[node]]
            id = "420000"
            name = "湖北省"
            level = "provincial"
            parent = "000000"
            [[node]]
            id = "429004"
            name = "仙桃市"
            level = "county"
            parent = "420000"
            "#,
        )
        .unwrap();
        assert_eq!(t.children()[&NodeId::new("420000").unwrap()].len(), 1);
    }

    #[test]
    fn refuses_bad_trees() {
        let cases = [
            (
                "[[node]]\nid='1'\nname='a'\nlevel='provincial'\n",
                "not central",
            ),
            (
                "[[node]]\nid='0'\nname='a'\nlevel='central'\n[[node]]\nid='1'\nname='b'\nlevel='county'\nparent='9'\n",
                "not in the tree",
            ),
            (
                "[[node]]\nid='0'\nname='a'\nlevel='central'\n[[node]]\nid='0'\nname='b'\nlevel='county'\nparent='0'\n",
                "appears twice",
            ),
            (
                "[[node]]\nid='0'\nname='a'\nlevel='central'\nextra=1\n",
                "unknown field",
            ),
        ];
        for (text, want) in cases {
            let err = format!("{:#}", Tree::parse(text).unwrap_err());
            assert!(err.contains(want), "{err} should mention {want}");
        }
    }
}
