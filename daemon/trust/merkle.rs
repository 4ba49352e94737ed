//! The Merkle tree over a chunk of records (RFC 6962 shape): leaf =
//! H(0x00 || canonical bytes), node = H(0x01 || left || right), pairs taken
//! left to right on each level and an odd last node promoted unchanged. The
//! prefixes keep a leaf from ever being read as a node. Every hash of the
//! tree is the suite's digest cut to its first [`NODE`] bytes (why 16 is
//! enough: the trust module's design note).

use super::Digest;

/// Bytes of a leaf, node or root hash.
pub const NODE: usize = 16;

/// A hash of the tree: the first [`NODE`] bytes of the suite's digest.
pub type Node = [u8; NODE];

fn cut(d: Digest, parts: &[&[u8]]) -> Node {
    let mut out = [0u8; NODE];
    out.copy_from_slice(&d.hash(parts)[..NODE]);
    out
}

/// The leaf hash of a record's canonical bytes.
pub fn leaf(d: Digest, canonical: &[u8]) -> Node {
    cut(d, &[&[0x00], canonical])
}

fn node(d: Digest, left: &Node, right: &Node) -> Node {
    cut(d, &[&[0x01], left, right])
}

/// The root over `leaves` (at least one) and, for each leaf, the sibling
/// hashes from it up to the root.
pub fn root_and_paths(d: Digest, leaves: &[Node]) -> (Node, Vec<Vec<Node>>) {
    let mut paths = vec![Vec::new(); leaves.len()];
    let mut level = leaves.to_vec();
    // Where each leaf's ancestor sits on the current level.
    let mut at: Vec<usize> = (0..leaves.len()).collect();
    while level.len() > 1 {
        for (path, pos) in paths.iter_mut().zip(at.iter_mut()) {
            let sibling = *pos ^ 1;
            if sibling < level.len() {
                path.push(level[sibling]);
            }
            *pos /= 2;
        }
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => node(d, l, r),
                [single] => *single,
                _ => unreachable!("chunks(2) yields one or two"),
            })
            .collect();
    }
    (level[0], paths)
}

/// The root that `path` leads to from `leaf` at `index` of `count` leaves,
/// or why the proof does not fit that position.
pub fn root_from_path(
    d: Digest,
    leaf: Node,
    index: usize,
    count: usize,
    path: &[Node],
) -> Result<Node, &'static str> {
    if index >= count {
        return Err("leaf index outside the chunk");
    }
    let (mut hash, mut index, mut size) = (leaf, index, count);
    let mut siblings = path.iter();
    while size > 1 {
        if index % 2 == 1 {
            let s = siblings.next().ok_or("proof path too short")?;
            hash = node(d, s, &hash);
        } else if index + 1 < size {
            let s = siblings.next().ok_or("proof path too short")?;
            hash = node(d, &hash, s);
        }
        index /= 2;
        size = size.div_ceil(2);
    }
    if siblings.next().is_some() {
        return Err("proof path too long");
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Node> {
        (0..n)
            .map(|i| leaf(Digest::Sha256, i.to_string().as_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_of_every_size_leads_to_the_root() {
        for n in 1..=70 {
            let ls = leaves(n);
            let (root, paths) = root_and_paths(Digest::Sha256, &ls);
            for (i, p) in paths.iter().enumerate() {
                assert_eq!(root_from_path(Digest::Sha256, ls[i], i, n, p), Ok(root));
            }
        }
    }

    #[test]
    fn known_shapes() {
        let d = Digest::Sha256;
        let l = leaves(3);
        let (root, _) = root_and_paths(d, &l);
        assert_eq!(root, node(d, &node(d, &l[0], &l[1]), &l[2]));
        let (one, paths) = root_and_paths(d, &l[..1]);
        assert_eq!((one, paths), (l[0], vec![vec![]]));
    }

    #[test]
    fn wrong_position_or_path_fails() {
        let d = Digest::Sha256;
        let ls = leaves(5);
        let (root, paths) = root_and_paths(d, &ls);
        assert_ne!(root_from_path(d, ls[1], 0, 5, &paths[1]), Ok(root));
        assert_ne!(root_from_path(d, ls[2], 2, 5, &paths[1]), Ok(root));
        assert_eq!(
            root_from_path(d, ls[4], 5, 5, &paths[4]),
            Err("leaf index outside the chunk")
        );
        let mut long = paths[4].clone();
        long.push(ls[0]);
        assert_eq!(
            root_from_path(d, ls[4], 4, 5, &long),
            Err("proof path too long")
        );
        assert_eq!(
            root_from_path(d, ls[0], 0, 5, &paths[0][..1]),
            Err("proof path too short")
        );
    }
}
