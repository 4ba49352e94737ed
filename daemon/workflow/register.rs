//! The unit register (被巡察党组织名册) of an office: merging an import
//! (`import`) into the register held (the unit types and their Chinese
//! names are in its schema: `records::Names`).

use super::bodies::Unit;

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
