//! The tree manifest this node believes: read from `[trust] manifest` at
//! start, checked with the CA certificate (`tls.ca`), and kept in the
//! store (meta key [`MANIFEST_KEY`]) so that a newer manifest received
//! later survives a restart with an older file. The newer of file and
//! store wins; two different manifests of one version stop start-up. The
//! manifest must list this office as configured, with the key in
//! `[trust] sign_key`.

use anyhow::{Context, bail};
use tracing::{info, warn};

use crate::config::Config;
use crate::node::NodeId;
use crate::store::{Store, TopologyEntry};
use std::sync::Arc;

use crate::trust::{self, Manifest, SignedManifest, SigningKey, Verifier};

/// Meta key under which the believed manifest (signed, JSON) is kept.
const MANIFEST_KEY: &str = "tree_manifest";

/// The tree as the network's authority states it, with the CA's signature
/// so it can be passed on, and the record checks made from its keys.
pub struct Authority {
    signed: SignedManifest,
    verifier: Arc<Verifier>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("version", &self.manifest().version)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// The authority of a manifest already checked with the CA, its office
    /// keys parsed once for the record checks.
    fn new(signed: SignedManifest) -> anyhow::Result<Self> {
        let verifier =
            Verifier::new(signed.manifest.clone()).context("the tree manifest's office keys")?;
        Ok(Authority {
            signed,
            verifier: Arc::new(verifier),
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.signed.manifest
    }

    /// The record checks under this manifest, shared by every link.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The manifest with the CA's signature, as stored and sent.
    pub fn signed(&self) -> &SignedManifest {
        &self.signed
    }

    /// Every office below `me` in the manifest, in id order, with the
    /// child of `me` it sits under: who is below whom, whether or not it
    /// ever connected.
    pub fn below(&self, me: &NodeId) -> Vec<(TopologyEntry, NodeId)> {
        let m = self.manifest();
        m.offices
            .iter()
            .filter_map(|o| {
                let via = std::iter::once(o)
                    .chain(m.ancestors(&o.id))
                    .find(|a| a.parent.as_ref() == Some(me))?;
                let entry = TopologyEntry {
                    node: o.id.clone(),
                    parent: o.parent.clone()?,
                    level: o.level,
                    name: o.name.clone(),
                };
                Some((entry, via.id.clone()))
            })
            .collect()
    }

    /// The offices whose parent is `me` in the manifest, in id order.
    pub fn children(&self, me: &NodeId) -> Vec<NodeId> {
        self.manifest()
            .offices
            .iter()
            .filter(|o| o.parent.as_ref() == Some(me))
            .map(|o| o.id.clone())
            .collect()
    }

    /// The offices of `child`'s announcement (itself under `me`, then its
    /// subtree) that contradict the manifest: unknown, not below `child`,
    /// or with another parent or level. Empty when it is the truth.
    pub fn contradictions(
        &self,
        me: &NodeId,
        child: &NodeId,
        announced: &[TopologyEntry],
    ) -> Vec<NodeId> {
        let m = self.manifest();
        let under_me = m.office(child).and_then(|o| o.parent.as_ref()) == Some(me);
        announced
            .iter()
            .filter(|e| {
                let true_entry = m.office(&e.node).is_some_and(|o| {
                    o.parent.as_ref() == Some(&e.parent)
                        && o.level == e.level
                        && (e.node == *child || m.is_descendant(&e.node, child))
                });
                !(under_me && true_entry)
            })
            .map(|e| e.node.clone())
            .collect()
    }
}

/// The manifest of `config`'s `[trust]` section or, without one, the one a
/// parent sent earlier (kept in the store); `None`, with one warn line, if
/// neither. Errors name the file and what failed.
pub(super) async fn load(config: &Config, store: &Store) -> anyhow::Result<Option<Authority>> {
    let ca = ca_cert(config)?;
    let stored = match store.meta_get(MANIFEST_KEY).await? {
        Some(json) => {
            Some(verified(json.as_bytes(), &ca).context("the tree manifest kept in the store")?)
        }
        None => None,
    };
    let Some(files) = &config.trust else {
        let Some(signed) = stored else {
            warn!(
                message = "no tree manifest: children's announcements are trusted",
                node = %config.id,
                config = %config.path.display()
            );
            return Ok(None);
        };
        check_office(
            config,
            &signed.manifest,
            "the tree manifest kept in the store",
        )?;
        return Ok(Some(Authority::new(signed)?));
    };
    let file = format!("tree manifest {}", files.manifest.display());
    let bytes = std::fs::read(&files.manifest).with_context(|| format!("reading {file}"))?;
    let from_file = verified(&bytes, &ca).with_context(|| file.clone())?;
    let signed = match stored {
        Some(s) if s.manifest.version > from_file.manifest.version => {
            s.manifest
                .newer_than(&from_file.manifest)
                .with_context(|| file.clone())?;
            info!(
                message = "Keeping the newer tree manifest of the store.",
                node = %config.id,
                stored_version = s.manifest.version,
                file_version = from_file.manifest.version,
                file = %files.manifest.display()
            );
            s
        }
        stored => {
            let is_new = match &stored {
                Some(s) => from_file
                    .manifest
                    .newer_than(&s.manifest)
                    .with_context(|| file.clone())?,
                None => true,
            };
            if is_new {
                keep(store, &from_file).await?;
            }
            from_file
        }
    };
    check_office(config, &signed.manifest, &file)?;
    info!(
        message = "Tree manifest loaded.",
        node = %config.id,
        version = signed.manifest.version,
        offices = signed.manifest.offices.iter().count()
    );
    Ok(Some(Authority::new(signed)?))
}

/// Takes `offered`, a manifest the parent sent, if the CA signed it, it is
/// newer than `held` and lists this office as configured: kept in the
/// store and returned. `Ok(None)` if it is the one held; an error (same
/// version with other bytes, older, another network, a bad signature) says
/// why it was refused.
pub(super) async fn accept(
    config: &Config,
    store: &Store,
    held: Option<&Authority>,
    offered: SignedManifest,
) -> anyhow::Result<Option<Authority>> {
    let json = offered.to_json()?;
    let offered = verified(&json, &ca_cert(config)?)?;
    if let Some(h) = held
        && !offered.manifest.newer_than(h.manifest())?
    {
        return Ok(None);
    }
    check_office(config, &offered.manifest, "the parent's tree manifest")?;
    keep(store, &offered).await?;
    Ok(Some(Authority::new(offered)?))
}

/// The DER of the CA certificate manifests are checked with (`tls.ca`).
fn ca_cert(config: &Config) -> anyhow::Result<Vec<u8>> {
    let der = crate::identity::load_first_cert(&config.tls.ca)
        .with_context(|| format!("reading the CA certificate {}", config.tls.ca.display()))?;
    Ok(der.as_ref().to_vec())
}

/// `bytes` parsed as a signed manifest whose signature the CA made.
fn verified(bytes: &[u8], ca_der: &[u8]) -> Result<SignedManifest, trust::TrustError> {
    let signed = SignedManifest::from_json(bytes)?;
    trust::verify(signed.clone(), ca_der)?;
    Ok(signed)
}

/// Keeps `signed` in the store, for the next start.
async fn keep(store: &Store, signed: &SignedManifest) -> anyhow::Result<()> {
    let json = String::from_utf8(signed.to_json()?).context("tree manifest JSON is not UTF-8")?;
    store.meta_set(MANIFEST_KEY, &json).await?;
    Ok(())
}

/// `m` (named `what` in errors) lists this office at its configured level
/// under its configured parent, with the key of `[trust] sign_key` (if
/// configured) valid now.
fn check_office(config: &Config, m: &Manifest, what: &str) -> anyhow::Result<()> {
    let Some(me) = m.office(&config.id) else {
        bail!(
            "{what} (version {}) does not list this office {}",
            m.version,
            config.id
        );
    };
    let parent = config.parent.as_ref().map(|p| &p.id);
    if me.level != config.level || me.parent.as_ref() != parent {
        bail!(
            "{what} (version {}) puts office {} at {} under {}, config {} at {} under {}",
            m.version,
            config.id,
            me.level,
            me.parent.as_ref().map_or("nothing", |p| p.as_str()),
            config.path.display(),
            config.level,
            parent.map_or("nothing", |p| p.as_str())
        );
    }
    let Some(files) = &config.trust else {
        return Ok(());
    };
    let key = SigningKey::load(&files.sign_key)?;
    m.key(&config.id, key.key_id(), chrono::Utc::now())
        .with_context(|| format!("signing key {} against {what}", files.sign_key.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::network::{InitOptions, Tree, init};

    const TREE: &str = "[[node]]\nid='000000'\nname='c'\nlevel='central'\n\
        [[node]]\nid='630000'\nname='p'\nlevel='provincial'\nparent='000000'\n";

    /// A network of two offices and the province's config and store.
    async fn province(dir: &Path) -> (Config, Store) {
        init(&Tree::parse(TREE).unwrap(), dir, &InitOptions::default()).unwrap();
        let config = Config::load(&dir.join("630000/config.toml")).unwrap();
        let store = Store::open(&config.store_url, &config.id, None)
            .await
            .unwrap();
        (config, store)
    }

    fn resign(dir: &Path, version: u64, name: &str) -> Vec<u8> {
        let path = dir.join("630000/manifest.json");
        let mut m = SignedManifest::from_json(&std::fs::read(path).unwrap())
            .unwrap()
            .manifest;
        m.version = version;
        let offices: Vec<_> = m
            .offices
            .iter()
            .cloned()
            .map(|mut o| {
                o.name = name.into();
                o
            })
            .collect();
        m.offices = trust::Offices::new(offices).unwrap();
        let ca = SigningKey::load(&dir.join("ca/ca.key")).unwrap();
        trust::sign(m, &ca).unwrap().to_json().unwrap()
    }

    #[tokio::test]
    async fn init_writes_a_manifest_every_office_believes() {
        let dir = tempfile::tempdir().unwrap();
        let (config, store) = province(dir.path()).await;
        let a = load(&config, &store).await.unwrap().unwrap();
        assert_eq!(a.manifest().version, 1);
        assert_eq!(a.manifest().offices.iter().count(), 2);
        let stored = store.meta_get(MANIFEST_KEY).await.unwrap().unwrap();
        assert_eq!(
            SignedManifest::from_json(stored.as_bytes()).unwrap(),
            *a.signed()
        );
    }

    #[tokio::test]
    async fn a_bad_manifest_stops_start_up_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (config, store) = province(dir.path()).await;
        let path = dir.path().join("630000/manifest.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"p\"", "\"P\"", 1)).unwrap();
        let err = format!("{:#}", load(&config, &store).await.unwrap_err());
        assert!(
            err.contains("manifest.json") && err.contains("does not verify"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn the_newer_of_file_and_store_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (config, store) = province(dir.path()).await;
        let v2 = resign(dir.path(), 2, "two");
        store
            .meta_set(MANIFEST_KEY, std::str::from_utf8(&v2).unwrap())
            .await
            .unwrap();
        let a = load(&config, &store).await.unwrap().unwrap();
        assert_eq!(a.manifest().version, 2, "the store's newer manifest");

        std::fs::write(
            dir.path().join("630000/manifest.json"),
            resign(dir.path(), 3, "three"),
        )
        .unwrap();
        assert_eq!(
            load(&config, &store)
                .await
                .unwrap()
                .unwrap()
                .manifest()
                .version,
            3
        );
        let stored = store.meta_get(MANIFEST_KEY).await.unwrap().unwrap();
        assert!(
            stored.contains("three"),
            "the file's newer manifest is kept"
        );

        std::fs::write(
            dir.path().join("630000/manifest.json"),
            resign(dir.path(), 3, "other"),
        )
        .unwrap();
        let err = format!("{:#}", load(&config, &store).await.unwrap_err());
        assert!(err.contains("version 3 differs"), "{err}");
    }

    /// Why `accept` refused `offered`.
    async fn refusal(
        config: &Config,
        store: &Store,
        held: &Authority,
        offered: SignedManifest,
    ) -> String {
        let err = accept(config, store, Some(held), offered)
            .await
            .unwrap_err();
        format!("{err:#}")
    }

    #[tokio::test]
    async fn a_parent_s_manifest_is_taken_only_if_newer_and_signed() {
        let dir = tempfile::tempdir().unwrap();
        let (config, store) = province(dir.path()).await;
        let held = load(&config, &store).await.unwrap().unwrap();
        let offer =
            |v: u64, name: &str| SignedManifest::from_json(&resign(dir.path(), v, name)).unwrap();

        let same = held.signed().clone();
        assert!(
            accept(&config, &store, Some(&held), same)
                .await
                .unwrap()
                .is_none()
        );

        let conflict = refusal(&config, &store, &held, offer(1, "other")).await;
        assert!(conflict.contains("version 1 differs"), "{conflict}");

        let mut forged = offer(2, "two");
        forged.manifest.offices = offer(2, "forged").manifest.offices;
        let bad = refusal(&config, &store, &held, forged).await;
        assert!(bad.contains("does not verify"), "{bad}");

        let newer = accept(&config, &store, Some(&held), offer(2, "two"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(newer.manifest().version, 2);
        let stored = store.meta_get(MANIFEST_KEY).await.unwrap().unwrap();
        assert!(stored.contains("two"), "kept for the next start");
        let older = refusal(&config, &store, &newer, offer(1, "x")).await;
        assert!(older.contains("older"), "{older}");
    }

    #[tokio::test]
    async fn without_trust_the_stored_manifest_is_believed() {
        let dir = tempfile::tempdir().unwrap();
        let (mut config, store) = province(dir.path()).await;
        config.trust = None;
        assert!(load(&config, &store).await.unwrap().is_none());
        let offered = SignedManifest::from_json(&resign(dir.path(), 2, "two")).unwrap();
        accept(&config, &store, None, offered)
            .await
            .unwrap()
            .unwrap();
        let a = load(&config, &store).await.unwrap().unwrap();
        assert_eq!(a.manifest().version, 2);
    }

    #[tokio::test]
    async fn the_manifest_must_list_this_office_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let (config, store) = province(dir.path()).await;
        let key = dir.path().join("630000/sign.key");
        std::fs::remove_file(&key).unwrap();
        SigningKey::create(&key, trust::Alg::EcdsaP256Sha256).unwrap();
        let err = format!("{:#}", load(&config, &store).await.unwrap_err());
        assert!(
            err.contains("sign.key") && err.contains("not a key of office 630000"),
            "{err}"
        );
    }

    /// central 000000 > provinces 110000, 630000 > cities 110100, 630100 >
    /// counties 110101, 630102.
    fn tree_of_two_provinces() -> Authority {
        let office = |id: &str, level: &str, parent: Option<&str>| trust::Office {
            id: NodeId::new(id.to_string()).unwrap(),
            name: id.into(),
            level: level.parse().unwrap(),
            parent: parent.map(|p| NodeId::new(p.to_string()).unwrap()),
            keys: Vec::new(),
            seal_keys: Vec::new(),
            successor: None,
        };
        let offices = trust::Offices::new(vec![
            office("000000", "central", None),
            office("110000", "provincial", Some("000000")),
            office("110100", "municipal", Some("110000")),
            office("110101", "county", Some("110100")),
            office("630000", "provincial", Some("000000")),
            office("630100", "municipal", Some("630000")),
            office("630102", "county", Some("630100")),
        ])
        .unwrap();
        let ca = tempfile::tempdir().unwrap();
        crate::pki::init_ca(ca.path(), "test CA", 1).unwrap();
        let key = SigningKey::load(&ca.path().join("ca.key")).unwrap();
        let m = Manifest {
            network: "test".into(),
            version: 1,
            issued_at: chrono::Utc::now(),
            suite: key.alg(),
            unsigned_before: None,
            offices,
        };
        Authority::new(trust::sign(m, &key).unwrap()).unwrap()
    }

    fn id(s: &str) -> NodeId {
        NodeId::new(s.to_string()).unwrap()
    }

    fn entry(node: &str, parent: &str, level: &str) -> TopologyEntry {
        TopologyEntry {
            node: id(node),
            parent: id(parent),
            level: level.parse().unwrap(),
            name: node.into(),
        }
    }

    #[test]
    fn below_maps_every_descendant_to_its_child_link() {
        let a = tree_of_two_provinces();
        let below: Vec<(String, String)> = a
            .below(&id("630000"))
            .into_iter()
            .map(|(e, via)| (e.node.to_string(), via.to_string()))
            .collect();
        let want = [("630100", "630100"), ("630102", "630100")];
        assert_eq!(below, want.map(|(a, b)| (a.into(), b.into())));
        assert_eq!(a.below(&id("000000")).len(), 6);
        assert!(a.below(&id("630102")).is_empty());
    }

    #[test]
    fn a_truthful_announcement_has_no_contradictions() {
        let a = tree_of_two_provinces();
        let hello = [
            entry("630100", "630000", "municipal"),
            entry("630102", "630100", "county"),
        ];
        assert!(
            a.contradictions(&id("630000"), &id("630100"), &hello)
                .is_empty()
        );
        // Announcing less than the manifest holds is no contradiction.
        assert!(
            a.contradictions(&id("630000"), &id("630100"), &hello[..1])
                .is_empty()
        );
    }

    #[test]
    fn contradictions_name_each_false_office() {
        let a = tree_of_two_provinces();
        let (me, child) = (id("630000"), id("630100"));
        let cases = [
            (
                "another province's county",
                entry("110101", "630100", "county"),
            ),
            ("a nonexistent office", entry("630299", "630100", "county")),
            ("a wrong parent", entry("630102", "630000", "county")),
            ("a wrong level", entry("630102", "630100", "municipal")),
            ("a sibling's place", entry("110100", "110000", "municipal")),
        ];
        for (what, false_entry) in cases {
            let hello = [entry("630100", "630000", "municipal"), false_entry.clone()];
            assert_eq!(
                a.contradictions(&me, &child, &hello),
                vec![false_entry.node],
                "{what}"
            );
        }
        // A certificate of an office that is not this node's child in the
        // manifest: its own entry is false, and so is all it announces.
        let hello = [
            entry("110100", "630000", "municipal"),
            entry("110101", "110100", "county"),
        ];
        assert_eq!(
            a.contradictions(&me, &id("110100"), &hello),
            vec![id("110100"), id("110101")]
        );
    }
}
