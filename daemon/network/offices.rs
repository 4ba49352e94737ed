//! Changing the tree of a network that runs: `network add-office`,
//! `move-office` and `merge-office`, at the CA's directory (`DIR/ca/`)
//! beside the offices' directories `network init` wrote. Each takes the
//! newest signed manifest found under `DIR`, changes it, signs version + 1
//! with the CA key and writes it into every office's directory
//! ([`publish`]); running daemons take it from their `[trust] manifest`
//! file within a second (`engine::manifest_file`) and pass it down in
//! hello answers, so parents and ancestors follow without a restart.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;

use super::ports::{PortPicker, PortRange};
use super::{
    Addressing, Crypto, MANIFEST_FILE, NodeFiles, OPERATOR_PORT, PEER_PORT, SEAL_KEY_FILE,
    SIGN_KEY_FILE, default_store_url, host_of, office_files, write_config,
};
use crate::config::{RawConfig, RawParent, RawTrust};
use crate::node::{Level, NodeId};
use crate::trust::{self, Alg, Manifest, Office, Offices, SignedManifest, SigningKey};

/// The office `network add-office` adds.
#[derive(Debug, Clone)]
pub struct NewOffice {
    pub id: NodeId,
    pub name: String,
    pub level: Level,
    pub parent: NodeId,
}

/// What a change wrote: the manifest version signed and the files written.
#[derive(Debug)]
pub struct Published {
    pub version: u64,
    pub manifests: Vec<PathBuf>,
}

/// Adds `office` under its parent: its directory (certificate, keys,
/// token, config derived from the parent's, with free ports from `ports`
/// when the network is on loopback), the parent's config `children`, and
/// the manifest with the office, version + 1, everywhere.
pub fn add_office(
    dir: &Path,
    office: &NewOffice,
    ports: PortRange,
) -> anyhow::Result<(NodeFiles, Published)> {
    let held = newest_manifest(dir)?;
    if held.office(&office.id).is_some() {
        bail!("office {} is already in the tree manifest", office.id);
    }
    let Some(parent) = held.office(&office.parent) else {
        bail!(
            "parent {} is not in the tree manifest (version {})",
            office.parent,
            held.version
        );
    };
    let node_dir = dir.join(office.id.as_str());
    if node_dir.exists() {
        bail!(
            "{} exists; an added office gets a new directory",
            node_dir.display()
        );
    }
    let parent_config = dir.join(office.parent.as_str()).join("config.toml");
    let mut raw = read_config(&parent_config)?;
    let addressing = addressing_of(&raw);
    let (peer_addr, operator_addr) = match addressing {
        Addressing::Hosts => (
            SocketAddr::from(([0, 0, 0, 0], PEER_PORT)),
            SocketAddr::from(([127, 0, 0, 1], OPERATOR_PORT)),
        ),
        Addressing::Loopback => {
            let mut picker = PortPicker::new(ports);
            picker.skip(ports_in_use(dir)?);
            (picker.take()?, picker.take()?)
        }
    };
    let parent_url = parent_url(&raw, &office.parent, &addressing)?;
    let keys = office_files(
        &dir.join("ca"),
        &node_dir,
        &office.id,
        &addressing,
        crypto_of(held.suite),
    )?;
    // The new office's config is its parent's, with its own identity,
    // addresses and store: the sync, schedule and workflow settings of
    // the network stay the same.
    raw.node.id = office.id.to_string();
    raw.node.name = office.name.clone();
    raw.node.level = office.level.to_string();
    raw.node.children = Vec::new();
    raw.parent = Some(RawParent {
        id: office.parent.to_string(),
        url: parent_url,
        level: parent.level.to_string(),
    });
    raw.peer.listen = peer_addr.to_string();
    raw.operator.listen = operator_addr.to_string();
    raw.store.url = default_store_url(&addressing).into();
    raw.trust = Some(RawTrust {
        manifest: MANIFEST_FILE.into(),
        sign_key: SIGN_KEY_FILE.into(),
        seal_key: Some(SEAL_KEY_FILE.into()),
    });
    let config = node_dir.join("config.toml");
    write_config(&config, &raw, "network add-office")?;
    edit_config(&parent_config, |p| {
        p.node.children.push(office.id.to_string());
    })?;

    let mut offices: Vec<Office> = held.offices.iter().cloned().collect();
    offices.push(Office {
        id: office.id.clone(),
        name: office.name.clone(),
        level: office.level,
        parent: Some(office.parent.clone()),
        keys: vec![keys.sign],
        seal_keys: keys.seal.into_iter().collect(),
        successor: None,
    });
    let published = publish(dir, held, offices)?;
    let files = NodeFiles {
        id: office.id.clone(),
        dir: node_dir,
        config,
        peer_addr,
        operator_addr,
    };
    Ok((files, published))
}

/// The newest tree manifest in the offices' directories under `dir`,
/// checked with the CA certificate `DIR/ca/ca.pem`. A file that does not
/// verify is an error naming it.
pub fn newest_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let ca_pem = dir.join("ca").join("ca.pem");
    let ca = crate::identity::load_first_cert(&ca_pem)
        .with_context(|| format!("reading the CA certificate {}", ca_pem.display()))?;
    let mut newest: Option<Manifest> = None;
    for path in manifest_files(dir)? {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let m = SignedManifest::from_json(&bytes)
            .and_then(|s| trust::verify(s, ca.as_ref()))
            .with_context(|| format!("tree manifest {}", path.display()))?;
        if newest.as_ref().is_none_or(|n| m.version > n.version) {
            newest = Some(m);
        }
    }
    newest.with_context(|| {
        format!(
            "no office directory under {} holds a {MANIFEST_FILE}; is it a network `xunlian network init` wrote?",
            dir.display()
        )
    })
}

/// `DIR/<office>/manifest.json` for every office directory that has one.
fn manifest_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path()
            .join(MANIFEST_FILE);
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Signs `offices` as the version after `held` with the CA key in
/// `DIR/ca/` and writes it into the directory of every office of it that
/// has one under `dir` (a new file renamed over the old, so a daemon never
/// reads half of it).
pub fn publish(dir: &Path, held: Manifest, offices: Vec<Office>) -> anyhow::Result<Published> {
    let version = held.version + 1;
    let manifest = Manifest {
        version,
        issued_at: Utc::now(),
        offices: Offices::new(offices).context("the changed tree")?,
        ..held
    };
    let ca_key = SigningKey::load(&dir.join("ca").join("ca.key"))?;
    let json = trust::sign(manifest.clone(), &ca_key)?.to_json()?;
    let mut written = Vec::new();
    for o in manifest.offices.iter() {
        let office_dir = dir.join(o.id.as_str());
        if !office_dir.is_dir() {
            continue;
        }
        let path = office_dir.join(MANIFEST_FILE);
        let tmp = office_dir.join(format!(".{MANIFEST_FILE}.new"));
        std::fs::write(&tmp, &json).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("replacing {}", path.display()))?;
        written.push(path);
    }
    Ok(Published {
        version,
        manifests: written,
    })
}

/// The config file at `path`, as written.
pub(super) fn read_config(path: &Path) -> anyhow::Result<RawConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config {}", path.display()))
}

/// Rewrites the config at `path` changed by `change`, keeping the comment
/// lines at its top.
pub(super) fn edit_config(path: &Path, change: impl FnOnce(&mut RawConfig)) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config {}", path.display()))?;
    let mut raw: RawConfig =
        toml::from_str(&text).with_context(|| format!("config {}", path.display()))?;
    change(&mut raw);
    let header: String = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let body = toml::to_string(&raw).context("writing config")?;
    std::fs::write(path, header + &body).with_context(|| format!("writing {}", path.display()))
}

/// How the network of an office with config `raw` is addressed: on hosts
/// when it listens on every interface, else on loopback.
fn addressing_of(raw: &RawConfig) -> Addressing {
    match raw.peer.listen.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_unspecified() => Addressing::Hosts,
        _ => Addressing::Loopback,
    }
}

/// The URL children of the office with config `raw` reach it at.
fn parent_url(raw: &RawConfig, id: &NodeId, addressing: &Addressing) -> anyhow::Result<String> {
    Ok(match addressing {
        Addressing::Hosts => format!("https://{}:{PEER_PORT}", host_of(id)),
        Addressing::Loopback => {
            let listen: SocketAddr = raw
                .peer
                .listen
                .parse()
                .with_context(|| format!("office {id}: peer.listen {:?}", raw.peer.listen))?;
            format!("https://127.0.0.1:{}", listen.port())
        }
    })
}

/// Every port an office's config under `dir` listens on, whether it runs
/// now or not.
fn ports_in_use(dir: &Path) -> anyhow::Result<BTreeSet<u16>> {
    let mut ports = BTreeSet::new();
    for manifest in manifest_files(dir)? {
        let config = manifest.with_file_name("config.toml");
        if !config.is_file() {
            continue;
        }
        let raw = read_config(&config)?;
        for listen in [&raw.peer.listen, &raw.operator.listen] {
            if let Ok(a) = listen.parse::<SocketAddr>() {
                ports.insert(a.port());
            }
        }
    }
    Ok(ports)
}

/// The `--crypto` of a network that signs with `suite`.
fn crypto_of(suite: Alg) -> Crypto {
    match suite {
        Alg::Sm2Sm3 => Crypto::Sm,
        Alg::EcdsaP256Sha256 => Crypto::Standard,
    }
}

/// Moves office `id` under `new_parent`: the manifest (version + 1)
/// everywhere, the moved office's `[parent]` (id, address, level) and both
/// parents' `children` in their configs. The moved office takes its new
/// parent at its next start; until then its old parent refuses it.
pub fn move_office(dir: &Path, id: &NodeId, new_parent: &NodeId) -> anyhow::Result<Published> {
    let held = newest_manifest(dir)?;
    let Some(office) = held.office(id) else {
        bail!(
            "office {id} is not in the tree manifest (version {})",
            held.version
        );
    };
    let Some(old_parent) = office.parent.clone() else {
        bail!("office {id} is the central office; it has no parent to move from");
    };
    if &old_parent == new_parent {
        bail!("office {id} is already under {new_parent}");
    }
    let Some(parent) = held.office(new_parent) else {
        bail!(
            "new parent {new_parent} is not in the tree manifest (version {})",
            held.version
        );
    };
    if held.is_descendant(new_parent, id) {
        bail!("{new_parent} is below {id}; an office cannot move under its own subtree");
    }
    let parent_level = parent.level;
    let offices: Vec<Office> = held
        .offices
        .iter()
        .cloned()
        .map(|mut o| {
            if &o.id == id {
                o.parent = Some(new_parent.clone());
            }
            o
        })
        .collect();
    // Checked before any file changes: the new parent must be above it.
    Offices::new(offices.clone()).context("the moved tree")?;
    let new_parent_config = read_config(&dir.join(new_parent.as_str()).join("config.toml"))?;
    let url = parent_url(
        &new_parent_config,
        new_parent,
        &addressing_of(&new_parent_config),
    )?;
    edit_config(&dir.join(id.as_str()).join("config.toml"), |c| {
        c.parent = Some(RawParent {
            id: new_parent.to_string(),
            url,
            level: parent_level.to_string(),
        });
    })?;
    edit_config(&dir.join(old_parent.as_str()).join("config.toml"), |c| {
        c.node.children.retain(|c| c != id.as_str());
    })?;
    edit_config(&dir.join(new_parent.as_str()).join("config.toml"), |c| {
        if !c.node.children.iter().any(|c| c == id.as_str()) {
            c.node.children.push(id.to_string());
        }
    })?;
    publish(dir, held, offices)
}

/// Names `into` the successor of `from` (a merge, or a new code for the
/// same office): the manifest (version + 1) everywhere says so, and the
/// certificate of `from` is revoked (the CRL in `DIR/ca/` rewritten).
/// Returns what was published and the revoked serial.
pub fn merge_office(
    dir: &Path,
    from: &NodeId,
    into: &NodeId,
) -> anyhow::Result<(Published, String)> {
    let held = newest_manifest(dir)?;
    let (Some(old), Some(new)) = (held.office(from), held.office(into)) else {
        bail!(
            "both {from} and {into} must be in the tree manifest (version {})",
            held.version
        );
    };
    if from == into {
        bail!("an office cannot succeed itself");
    }
    if old.level != new.level {
        bail!(
            "{from} is {} and {into} is {}: a successor takes over an office of its own level",
            old.level,
            new.level
        );
    }
    if let Some(s) = &old.successor {
        bail!("{from} already has the successor {s}");
    }
    let below: Vec<String> = held
        .offices
        .iter()
        .filter(|o| o.parent.as_ref() == Some(from))
        .map(|o| o.id.to_string())
        .collect();
    if !below.is_empty() {
        bail!(
            "{from} still has offices below it ({}); move them with `xunlian network move-office` first",
            below.join(", ")
        );
    }
    let offices: Vec<Office> = held
        .offices
        .iter()
        .cloned()
        .map(|mut o| {
            if &o.id == from {
                o.successor = Some(into.clone());
            }
            o
        })
        .collect();
    let cert = dir.join(from.as_str()).join("node.pem");
    let published = publish(dir, held, offices)?;
    let serial = crate::pki::revoke(&dir.join("ca"), &cert).with_context(|| {
        format!(
            "revoking {}; revoke it by hand with `xunlian pki revoke`",
            cert.display()
        )
    })?;
    Ok((published, serial))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{InitOptions, Tree, init};

    const TREE: &str = "[[node]]\nid='000000'\nname='c'\nlevel='central'\n\
        [[node]]\nid='630000'\nname='p'\nlevel='provincial'\nparent='000000'\n\
        [[node]]\nid='630100'\nname='m1'\nlevel='municipal'\nparent='630000'\n\
        [[node]]\nid='630200'\nname='m2'\nlevel='municipal'\nparent='630000'\n\
        [[node]]\nid='630102'\nname='c1'\nlevel='county'\nparent='630100'\n";

    fn id(s: &str) -> NodeId {
        NodeId::new(s.to_string()).unwrap()
    }

    fn network() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        init(
            &Tree::parse(TREE).unwrap(),
            dir.path(),
            &InitOptions::default(),
        )
        .unwrap();
        dir
    }

    #[test]
    fn each_change_is_the_next_version_everywhere() {
        let dir = network();
        let new = NewOffice {
            id: id("630103"),
            name: "c2".into(),
            level: Level::County,
            parent: id("630100"),
        };
        let (files, published) =
            add_office(dir.path(), &new, PortRange::outside_ephemeral()).unwrap();
        assert_eq!((published.version, published.manifests.len()), (2, 6));
        let config = crate::config::Config::load(&files.config).unwrap();
        assert_eq!(config.parent.unwrap().id, id("630100"));
        let parent = read_config(&dir.path().join("630100/config.toml")).unwrap();
        assert_eq!(parent.node.children, ["630102", "630103"]);

        let moved = move_office(dir.path(), &id("630103"), &id("630200")).unwrap();
        assert_eq!(moved.version, 3);
        let m = newest_manifest(dir.path()).unwrap();
        assert_eq!(m.office(&id("630103")).unwrap().parent, Some(id("630200")));
        let config = read_config(&dir.path().join("630103/config.toml")).unwrap();
        assert_eq!(config.parent.unwrap().id, "630200");

        let (merged, _serial) = merge_office(dir.path(), &id("630103"), &id("630102")).unwrap();
        assert_eq!(merged.version, 4);
        let m = newest_manifest(dir.path()).unwrap();
        assert_eq!(
            m.office(&id("630103")).unwrap().successor,
            Some(id("630102"))
        );
    }

    #[test]
    fn impossible_changes_are_refused_before_any_file_changes() {
        let dir = network();
        let ports = PortRange::outside_ephemeral();
        let again = NewOffice {
            id: id("630102"),
            name: "x".into(),
            level: Level::County,
            parent: id("630100"),
        };
        let cases = [
            (
                add_office(dir.path(), &again, ports).map(|_| ()),
                "already in the tree manifest",
            ),
            (
                move_office(dir.path(), &id("630102"), &id("630200"))
                    .and(
                        // Back again, then under a county: a level problem.
                        move_office(dir.path(), &id("630100"), &id("630102")),
                    )
                    .map(|_| ()),
                "the moved tree",
            ),
            (
                merge_office(dir.path(), &id("630200"), &id("630100")).map(|_| ()),
                "move them with",
            ),
            (
                merge_office(dir.path(), &id("630102"), &id("630200")).map(|_| ()),
                "of its own level",
            ),
        ];
        for (result, want) in cases {
            let err = format!("{:#}", result.unwrap_err());
            assert!(err.contains(want), "{err} should say {want}");
        }
        // Only the one move that could be made was published.
        assert_eq!(newest_manifest(dir.path()).unwrap().version, 2);
    }
}
