//! The tree manifest this node believes: read from `[trust] manifest` at
//! start, checked with the CA certificate (`tls.ca`), and kept in the
//! store (meta key [`MANIFEST_KEY`]) so that a newer manifest received
//! later survives a restart with an older file. The newer of file and
//! store wins; two different manifests of one version stop start-up. The
//! manifest must list this office as configured, with the key in
//! `[trust] sign_key`.

use std::path::Path;

use anyhow::{Context, bail};
use tracing::{info, warn};

use crate::config::{Config, TrustFiles};
use crate::store::Store;
use crate::trust::{self, Manifest, SignedManifest, SigningKey};

/// Meta key under which the believed manifest (signed, JSON) is kept.
const MANIFEST_KEY: &str = "tree_manifest";

/// The tree as the network's authority states it, with the CA's signature
/// so it can be passed on.
#[derive(Debug, Clone)]
pub struct Authority {
    signed: SignedManifest,
}

impl Authority {
    pub fn manifest(&self) -> &Manifest {
        &self.signed.manifest
    }

    /// The manifest with the CA's signature, as stored and sent.
    pub fn signed(&self) -> &SignedManifest {
        &self.signed
    }
}

/// The manifest of `config`'s `[trust]` section, or `None` (with one warn
/// line) without one. Errors name the file and what failed.
pub(super) async fn load(config: &Config, store: &Store) -> anyhow::Result<Option<Authority>> {
    let Some(files) = &config.trust else {
        warn!(
            message = "no tree manifest: children's announcements are trusted",
            node = %config.id,
            config = %config.path.display()
        );
        return Ok(None);
    };
    let ca = crate::identity::load_first_cert(&config.tls.ca)
        .with_context(|| format!("reading the CA certificate {}", config.tls.ca.display()))?;
    let from_file = read_verified(&files.manifest, ca.as_ref())?;
    let stored = match store.meta_get(MANIFEST_KEY).await? {
        Some(json) => Some(
            verified(json.as_bytes(), ca.as_ref())
                .context("the tree manifest kept in the store")?,
        ),
        None => None,
    };
    let signed = match stored {
        Some(s) if s.manifest.version > from_file.manifest.version => {
            s.manifest
                .newer_than(&from_file.manifest)
                .with_context(|| format!("tree manifest {}", files.manifest.display()))?;
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
                    .with_context(|| format!("tree manifest {}", files.manifest.display()))?,
                None => true,
            };
            if is_new {
                store.meta_set(MANIFEST_KEY, &to_json(&from_file)?).await?;
            }
            from_file
        }
    };
    check_office(config, files, &signed.manifest)?;
    info!(
        message = "Tree manifest loaded.",
        node = %config.id,
        version = signed.manifest.version,
        offices = signed.manifest.offices.iter().count()
    );
    Ok(Some(Authority { signed }))
}

/// The signed manifest in `path`, its signature checked.
fn read_verified(path: &Path, ca_der: &[u8]) -> anyhow::Result<SignedManifest> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading tree manifest {}", path.display()))?;
    verified(&bytes, ca_der).with_context(|| format!("tree manifest {}", path.display()))
}

/// `bytes` parsed as a signed manifest whose signature the CA made.
fn verified(bytes: &[u8], ca_der: &[u8]) -> Result<SignedManifest, trust::TrustError> {
    let signed = SignedManifest::from_json(bytes)?;
    trust::verify(signed.clone(), ca_der)?;
    Ok(signed)
}

fn to_json(signed: &SignedManifest) -> anyhow::Result<String> {
    String::from_utf8(signed.to_json()?).context("the tree manifest's JSON is not UTF-8")
}

/// The manifest lists this office at its configured level under its
/// configured parent, with the key of `[trust] sign_key` valid now.
fn check_office(config: &Config, files: &TrustFiles, m: &Manifest) -> anyhow::Result<()> {
    let Some(me) = m.office(&config.id) else {
        bail!(
            "tree manifest {} (version {}) does not list this office {}",
            files.manifest.display(),
            m.version,
            config.id
        );
    };
    let parent = config.parent.as_ref().map(|p| &p.id);
    if me.level != config.level || me.parent.as_ref() != parent {
        bail!(
            "tree manifest {} (version {}) puts office {} at {} under {}, config {} at {} under {}",
            files.manifest.display(),
            m.version,
            config.id,
            me.level,
            me.parent.as_ref().map_or("nothing", |p| p.as_str()),
            config.path.display(),
            config.level,
            parent.map_or("nothing", |p| p.as_str())
        );
    }
    let key = SigningKey::load(&files.sign_key)?;
    m.key(&config.id, key.key_id(), chrono::Utc::now())
        .with_context(|| {
            format!(
                "signing key {} against tree manifest {}",
                files.sign_key.display(),
                files.manifest.display()
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
