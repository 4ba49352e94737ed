//! The Merkle tree over a chunk of records (RFC 6962 shape): leaf =
//! H(0x00 || canonical bytes), node = H(0x01 || left || right), pairs taken
//! left to right on each level and an odd last node promoted unchanged. The
//! prefixes keep a leaf from ever being read as a node. Every hash of the
//! tree is the suite's digest cut to its first [`NODE`] bytes (why 16 is
//! enough: the trust module's design note).

use super::{CHUNK, Digest};

/// Bytes of a leaf, node or root hash.
pub const NODE: usize = 16;

/// A hash of the tree: the first [`NODE`] bytes of the suite's digest.
pub type Node = [u8; NODE];

/// The most hashes a proof in a chunk of [`CHUNK`] records has.
pub const MAX_PATH: usize = CHUNK.ilog2() as usize;

fn cut(d: Digest, parts: &[&[u8]]) -> Node {
    let mut out = [0u8; NODE];
    out.copy_from_slice(&d.hash(parts)[..NODE]);
    out
}

/// The leaf hash of a record's canonical bytes.
pub fn leaf(d: Digest, canonical: &[u8]) -> Node {
    cut(d, &[&[0x00], canonical])
}

/// The leaf hash of canonical bytes given in two pieces, `head` then
/// `tail` (a text with a member cut out between them).
pub fn leaf_of_pieces(d: Digest, head: &[u8], tail: &[u8]) -> Node {
    cut(d, &[&[0x00], head, tail])
}

/// The hash of an inner node over its two children.
pub fn node(d: Digest, left: &Node, right: &Node) -> Node {
    // One buffer, one update of the digest (a third of the calls).
    let mut m = [0x01; 1 + 2 * NODE];
    m[1..=NODE].copy_from_slice(left);
    m[1 + NODE..].copy_from_slice(right);
    cut(d, &[&m])
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

/// The hashes a proof walk passes: at each level, the node on the path
/// and its sibling, if it has one.
pub struct Walk {
    pub path: [(Node, Option<Node>); MAX_PATH + 1],
    pub levels: usize,
}

/// The position of `pos`'s sibling on a level of `size` nodes, if it has
/// one (an odd last node is promoted alone).
pub fn sibling_of(pos: usize, size: usize) -> Option<usize> {
    let s = pos ^ 1;
    (s < size).then_some(s)
}

/// How many hashes the proof of leaf `index` of `count` has.
pub fn path_len(index: usize, count: usize) -> usize {
    let (mut pos, mut size, mut n) = (index, count, 0);
    while size > 1 {
        n += usize::from(sibling_of(pos, size).is_some());
        (pos, size) = (pos / 2, size.div_ceil(2));
    }
    n
}

/// The walk from `leaf` at `index` of `count` up `path` (of the length
/// [`path_len`] says; `count` at most [`CHUNK`]): each level's node and sibling; the last node is
/// the root.
pub fn walk(d: Digest, leaf: Node, index: usize, count: usize, path: &[Node]) -> Walk {
    let mut out = Walk {
        path: [([0; NODE], None); MAX_PATH + 1],
        levels: 0,
    };
    let (mut hash, mut pos, mut size) = (leaf, index, count);
    let mut siblings = path.iter();
    while size > 1 {
        let sibling = sibling_of(pos, size).and_then(|_| siblings.next()).copied();
        out.path[out.levels] = (hash, sibling);
        if let Some(s) = &sibling {
            hash = if pos % 2 == 1 {
                node(d, s, &hash)
            } else {
                node(d, &hash, s)
            };
        }
        (pos, size) = (pos / 2, size.div_ceil(2));
        out.levels += 1;
    }
    out.path[out.levels] = (hash, None);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The root `path` leads to from `leaf` at `index` of `count`, or why
    /// the proof does not fit that position.
    fn root_from_path(
        d: Digest,
        leaf: Node,
        index: usize,
        count: usize,
        path: &[Node],
    ) -> Result<Node, &'static str> {
        if index >= count {
            return Err("leaf index outside the chunk");
        }
        match path.len().cmp(&path_len(index, count)) {
            std::cmp::Ordering::Less => Err("proof path too short"),
            std::cmp::Ordering::Greater => Err("proof path too long"),
            std::cmp::Ordering::Equal => {
                let w = walk(d, leaf, index, count, path);
                Ok(w.path[w.levels].0)
            }
        }
    }

    fn leaves(n: usize) -> Vec<Node> {
        (0..n)
            .map(|i| leaf(Digest::Sha256, i.to_string().as_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_of_every_size_leads_to_the_root() {
        for n in 1..=CHUNK {
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
