//! Sealing and opening clues: readers, tampering, rotation, suites.

use serde_json::json;

use super::*;
use crate::records::{Classification, Route, Schemas};
use crate::trust::{Alg, Office, Offices};

fn id(s: &str) -> NodeId {
    NodeId::new(s).unwrap()
}

fn since() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

/// Central, a province, a municipality and a county, each with a
/// sealing key of `alg` in `dir/<id>.seal` (the central office without
/// one).
fn manifest_of(dir: &Path, alg: SealAlg) -> Manifest {
    let tree = [
        ("000000", Level::Central, None),
        ("630000", Level::Provincial, Some("000000")),
        ("630200", Level::Municipal, Some("630000")),
        ("630202", Level::County, Some("630200")),
    ];
    let offices = tree
        .into_iter()
        .map(|(o, level, parent)| Office {
            id: id(o),
            name: format!("office {o}"),
            level,
            parent: parent.map(id),
            keys: Vec::new(),
            seal_keys: (level != Level::Central)
                .then(|| new_key_of(dir, o, since(), alg))
                .into_iter()
                .collect(),
            successor: None,
        })
        .collect();
    Manifest {
        network: "test".into(),
        version: 1,
        issued_at: since(),
        suite: Alg::EcdsaP256Sha256,
        unsigned_before: None,
        offices: Offices::new(offices).unwrap(),
    }
}

/// [`manifest_of`] in the standard suite.
fn manifest(dir: &Path) -> Manifest {
    manifest_of(dir, SealAlg::HpkeX25519Sha256Aes256Gcm)
}

fn new_key_of(dir: &Path, office: &str, not_before: DateTime<Utc>, alg: SealAlg) -> SealKey {
    OpeningKeys::add_new(&keys_path(dir, office), alg, not_before).unwrap()
}

fn new_key(dir: &Path, office: &str, not_before: DateTime<Utc>) -> SealKey {
    new_key_of(dir, office, not_before, SealAlg::HpkeX25519Sha256Aes256Gcm)
}

fn keys_path(dir: &Path, office: &str) -> std::path::PathBuf {
    dir.join(office).with_extension("seal")
}

fn keys(dir: &Path, office: &str) -> OpeningKeys {
    OpeningKeys::load(&keys_path(dir, office)).unwrap()
}

fn clue(origin: &str, managing: &str) -> Record {
    let at: DateTime<Utc> = "2026-11-24T08:00:00Z".parse().unwrap();
    Record {
        id: uuid::Uuid::now_v7(),
        kind: Kind::Clue,
        origin: id(origin),
        version: 1,
        created_at: at,
        updated_at: at,
        round_id: None,
        classification: Classification::Secret,
        route: Route::default(),
        body: json!({"transfer_to": "discipline_commission", "managing_level": managing,
                     "summary": "涉嫌虚报冒领补贴资金", "subject": "李某某"}),
        signature: None,
    }
}

#[test]
fn a_sealed_clue_opens_at_its_readers_only_in_every_suite() {
    for alg in SealAlg::ALL {
        let dir = tempfile::tempdir().unwrap();
        let m = manifest_of(dir.path(), alg);
        let mut r = clue("630202", "provincial");
        let clear = r.body.clone();
        seal_clue(&mut r, &m).unwrap();
        let text = r.body.to_string();
        assert!(!text.contains("李某某") && !text.contains("补贴"), "{text}");
        assert_eq!(r.body["managing_level"], "provincial");
        assert_eq!(r.body["sealed"]["alg"], alg.to_string());
        assert_eq!(r.body["sealed"]["to"].as_array().unwrap().len(), 2);
        Schemas::builtin()
            .check(&serde_json::to_value(&r).unwrap())
            .unwrap();

        for reader in ["630202", "630000"] {
            let opened = open_clue(&r, &keys(dir.path(), reader)).unwrap();
            assert_eq!(opened, Some(clear.clone()), "{alg} {reader}");
        }
        assert_eq!(open_clue(&r, &keys(dir.path(), "630200")).unwrap(), None);
        assert!(refuse_unsealed(&m, &r).is_none());

        // Altered content does not open.
        let mut altered = r.clone();
        let ct = altered.body["sealed"]["ct"].as_str().unwrap().to_string();
        let flipped = if ct.starts_with('A') { "B" } else { "A" };
        altered.body["sealed"]["ct"] = json!(format!("{flipped}{}", &ct[1..]));
        assert!(
            open_clue(&altered, &keys(dir.path(), "630000")).is_err(),
            "{alg}"
        );
    }
}

#[test]
fn tampered_or_moved_boxes_do_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let mut r = clue("630202", "provincial");
    seal_clue(&mut r, &m).unwrap();
    let province = keys(dir.path(), "630000");

    let mut altered = r.clone();
    let ct = altered.body["sealed"]["ct"].as_str().unwrap().to_string();
    let flipped = if ct.starts_with('A') { "B" } else { "A" };
    altered.body["sealed"]["ct"] = json!(format!("{flipped}{}", &ct[1..]));
    assert!(matches!(
        open_clue(&altered, &province),
        Err(SealError::Hpke(_))
    ));

    // The box of one record pasted into another does not open there.
    let mut moved = clue("630202", "provincial");
    moved.body = r.body.clone();
    assert!(open_clue(&moved, &province).is_err());
}

#[test]
fn a_rotated_key_still_opens_older_clues() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = manifest(dir.path());
    let mut old = clue("630202", "provincial");
    seal_clue(&mut old, &m).unwrap();

    // The province adds a key; the manifest lists the new one only.
    let newer = new_key(dir.path(), "630000", since() + chrono::Duration::days(1));
    let mut offices: Vec<Office> = m.offices.iter().cloned().collect();
    let province = offices.iter_mut().find(|o| o.id == id("630000")).unwrap();
    province.seal_keys = vec![newer.clone()];
    m.offices = Offices::new(offices).unwrap();
    let mut new = clue("630202", "provincial");
    seal_clue(&mut new, &m).unwrap();
    assert_eq!(new.body["sealed"]["to"][1]["key_id"], json!(newer.key_id));

    let both = keys(dir.path(), "630000");
    assert!(open_clue(&old, &both).unwrap().is_some());
    assert!(open_clue(&new, &both).unwrap().is_some());
}

#[test]
fn clear_clues_are_refused_once_their_origin_seals() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let r = clue("630202", "provincial");
    let reason = refuse_unsealed(&m, &r).unwrap();
    assert!(reason.contains("in clear"), "{reason}");
    // The central office has no sealing key: its clues stay clear.
    let mut central = clue("000000", "central");
    seal_clue(&mut central, &m).unwrap();
    assert_eq!(central.body["subject"], "李某某");
    assert!(refuse_unsealed(&m, &central).is_none());
}

#[test]
fn a_reader_without_a_sealing_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let mut r = clue("630202", "central");
    let err = seal_clue(&mut r, &m).unwrap_err().to_string();
    assert!(
        err.contains("000000") && err.contains("no sealing key"),
        "{err}"
    );
    assert_eq!(r.body["subject"], "李某某", "left as it was");
}

#[test]
fn key_files_name_themselves_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seal.key");
    let err = OpeningKeys::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("seal.key") && err.contains("cannot read"),
        "{err}"
    );
    std::fs::write(&path, "").unwrap();
    let err = OpeningKeys::load(&path).unwrap_err().to_string();
    assert!(err.contains("holds no key"), "{err}");
}
