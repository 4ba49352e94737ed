//! The trust layer attacked from outside: a small network (central, two
//! provinces, a municipality and two counties) with a real CA from
//! [`crate::pki`], office keys made at the offices, a signed manifest, and
//! records signed in chunks then altered, moved between chunks and forged.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::*;
use crate::node::{Level, NodeId};
use crate::records::{Classification, Kind, Record, Route, Schemas, Signature};

fn id(s: &str) -> NodeId {
    NodeId::new(s).unwrap()
}

/// A network on disk: the CA and one signing key per office.
struct Net {
    dir: tempfile::TempDir,
    ca_cert: Vec<u8>,
    ca_key: SigningKey,
    signed: SignedManifest,
}

const OFFICES: [(&str, Level, Option<&str>); 6] = [
    ("000000", Level::Central, None),
    ("630000", Level::Provincial, Some("000000")),
    ("630200", Level::Municipal, Some("630000")),
    ("630202", Level::County, Some("630200")),
    ("110000", Level::Provincial, Some("000000")),
    ("110101", Level::County, Some("110000")),
];

fn since() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

impl Net {
    fn new() -> Net {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca");
        crate::pki::init_ca(&ca, "test CA", 1).unwrap();
        let ca_cert = crate::identity::load_first_cert(&ca.join("ca.pem"))
            .unwrap()
            .to_vec();
        let ca_key = SigningKey::load(&ca.join("ca.key")).unwrap();
        let offices = OFFICES
            .iter()
            .map(|(o, level, parent)| {
                let key =
                    SigningKey::create(&key_path(dir.path(), o), Alg::EcdsaP256Sha256).unwrap();
                Office {
                    id: id(o),
                    name: format!("office {o}"),
                    level: *level,
                    parent: parent.map(id),
                    keys: vec![OfficeKey::of(&key, since())],
                    seal_keys: Vec::new(),
                    successor: None,
                }
            })
            .collect();
        let signed = sign(manifest(1, Offices::new(offices).unwrap()), &ca_key).unwrap();
        Net {
            dir,
            ca_cert,
            ca_key,
            signed,
        }
    }

    fn key(&self, office: &str) -> SigningKey {
        SigningKey::load(&key_path(self.dir.path(), office)).unwrap()
    }

    fn verifier(&self) -> Verifier {
        Verifier::new(verify(self.signed.clone(), &self.ca_cert).unwrap()).unwrap()
    }
}

fn key_path(dir: &Path, office: &str) -> std::path::PathBuf {
    dir.join(office).with_extension("key")
}

fn manifest(version: u64, offices: Offices) -> Manifest {
    Manifest {
        network: "test".into(),
        version,
        issued_at: since(),
        suite: Alg::EcdsaP256Sha256,
        unsigned_before: None,
        offices,
    }
}

fn finding(origin: &str, n: usize) -> Record {
    let at: DateTime<Utc> = "2026-11-24T08:00:00Z".parse().unwrap();
    Record {
        id: uuid::Uuid::now_v7(),
        kind: Kind::Finding,
        origin: id(origin),
        version: 1,
        created_at: at,
        updated_at: at,
        round_id: Some(format!("{origin}-2026-1")),
        classification: Classification::Internal,
        route: Route {
            up_to: Some(Level::Central),
            ..Route::default()
        },
        body: json!({"title": format!("finding {n}"), "severity": "general",
            "category": "policy_delivery", "facts": "整改推进迟缓"}),
        signature: None,
    }
}

fn signed_chunk(net: &Net, origin: &str, n: usize) -> Vec<Record> {
    let mut records: Vec<Record> = (0..n).map(|i| finding(origin, i)).collect();
    sign_chunk(&mut records, &net.key(origin)).unwrap();
    records
}

#[test]
fn a_record_in_its_canonical_text_is_checked_from_the_text_and_an_altered_byte_fails() {
    let net = Net::new();
    let v = net.verifier();
    let mut chunk: Vec<Record> = (0..8).map(|i| finding("630202", i)).collect();
    // A nested member named `signature`, before the record's own.
    chunk[3].body["evidence"] = json!({"signature": "v2 not the record's"});
    sign_chunk(&mut chunk, &net.key("630202")).unwrap();
    let d = Alg::EcdsaP256Sha256.digest();
    for (i, r) in chunk.iter().enumerate() {
        let doc = crate::records::origin_doc(r).unwrap();
        let sig = r.signature.as_ref().unwrap();
        assert_eq!(
            verifier::doc_leaf(d, &doc, sig),
            Some(chunk::record_leaf(d, r).unwrap()),
            "record {i}: its text less the signature member is the signed bytes"
        );
        let text = sig.to_string();
        assert!(sig.is_text(&text));
        assert!(!sig.is_text(&format!("{text} ")) && !sig.is_text(&text[1..]));
        let other = chunk[(i + 1) % chunk.len()].signature.as_ref().unwrap();
        assert_eq!(
            verifier::doc_leaf(d, &doc, other),
            None,
            "{i}: not its member"
        );
        let parsed: Record = serde_json::from_str(&doc).unwrap();
        assert_eq!(&parsed, r, "record {i} reads back");
        let got = v.check_doc(&parsed, &doc).unwrap();
        assert!(matches!(got, Checked::Signed(s) if s.from_cache == (i > 0)));
    }
    assert_eq!(v.signature_checks(), 1, "one ECDSA for the chunk");
    for (i, r) in chunk.iter().enumerate() {
        // Any other text of the record verifies too, the slower way.
        v.check_doc(r, &serde_json::to_string(r).unwrap())
            .unwrap_or_else(|e| panic!("record {i} in serde's member order: {e}"));
        // A byte of the text altered is refused, cached chunk or not.
        let doc = crate::records::origin_doc(r)
            .unwrap()
            .replace("finding ", "finding-");
        let altered: Record = serde_json::from_str(&doc).unwrap();
        assert!(v.check_doc(&altered, &doc).is_err(), "altered record {i}");
        assert!(
            net.verifier().check_doc(&altered, &doc).is_err(),
            "cold, {i}"
        );
    }
}

#[test]
fn chunks_of_every_size_verify_and_the_cache_saves_the_ecdsa() {
    let net = Net::new();
    let v = net.verifier();
    let mut checks = 0;
    for n in [1, 2, 3, 63, 64] {
        for (i, r) in signed_chunk(&net, "630202", n).iter().enumerate() {
            let got = v
                .verify(r)
                .unwrap_or_else(|e| panic!("chunk {n} record {i}: {e}"));
            assert_eq!(got.from_cache, i > 0, "chunk {n} record {i}");
            assert_eq!(got.key_id, net.key("630202").key_id());
        }
        checks += 1;
        assert_eq!(v.signature_checks(), checks, "one ECDSA per chunk of {n}");
    }
    let mut too_many: Vec<Record> = (0..CHUNK + 1).map(|i| finding("630202", i)).collect();
    assert!(sign_chunk(&mut too_many, &net.key("630202")).is_err());
    let mut mixed = vec![finding("630202", 0), finding("630200", 1)];
    assert!(sign_chunk(&mut mixed, &net.key("630202")).is_err());
}

#[test]
fn signed_records_pass_the_envelope_schema_and_survive_json() {
    let net = Net::new();
    let v = net.verifier();
    for r in signed_chunk(&net, "630202", CHUNK) {
        let text = serde_json::to_string(&r).unwrap();
        let back = Schemas::builtin()
            .validate(serde_json::from_str(&text).unwrap())
            .unwrap();
        assert_eq!(back, r);
        v.verify(&back).unwrap();
    }
}

#[test]
fn any_changed_field_fails() {
    let net = Net::new();
    let records = signed_chunk(&net, "630202", 3);
    type Tamper = fn(&mut Record);
    let tampers: [(&str, Tamper); 17] = [
        ("body", |r| r.body["facts"] = json!("整改推进及时")),
        ("body key", |r| r.body["extra"] = json!(1)),
        ("id", |r| r.id = uuid::Uuid::now_v7()),
        ("kind", |r| r.kind = Kind::Notice),
        ("origin", |r| r.origin = id("630200")),
        ("version", |r| r.version += 1),
        ("created_at", |r| r.created_at -= Duration::seconds(1)),
        ("updated_at", |r| r.updated_at += Duration::seconds(1)),
        ("round_id", |r| r.round_id = None),
        ("classification", |r| {
            r.classification = Classification::Secret
        }),
        ("route", |r| r.route.subtree = true),
        ("alg", |r| {
            r.signature.as_mut().unwrap().alg = "sm2-sm3".into()
        }),
        ("value", |r| {
            let s = r.signature.as_mut().unwrap();
            // Another first character, whatever the (random) signature.
            let first = if s.value.starts_with('A') { "B" } else { "A" };
            s.value = format!("{first}{}", &s.value[1..]);
        }),
        ("index", |r| r.signature.as_mut().unwrap().index ^= 1),
        ("count", |r| r.signature.as_mut().unwrap().count += 1),
        ("proof", |r| {
            let s = r.signature.as_mut().unwrap();
            s.proof = s.proof.chars().rev().collect();
        }),
        ("no signature", |r| r.signature = None),
    ];
    for (what, tamper) in tampers {
        // A warm cache must not let an altered record through either.
        let v = net.verifier();
        for r in &records {
            v.verify(r).unwrap();
        }
        let mut r = records[0].clone();
        tamper(&mut r);
        assert_ne!(r, records[0], "{what}: the tamper changes something");
        let err = v.verify(&r).expect_err(what);
        assert!(err.to_string().len() <= 200, "{what}: {err}");
    }
}

#[test]
fn a_proof_from_another_chunk_fails() {
    let net = Net::new();
    let v = net.verifier();
    let a = signed_chunk(&net, "630202", 4);
    let b = signed_chunk(&net, "630202", 4);
    let mut moved = a[1].clone();
    moved.signature = b[1].signature.clone();
    assert!(matches!(
        v.verify(&moved),
        Err(SigError::BadSignature { .. })
    ));
}

#[test]
fn another_offices_key_cannot_speak_for_an_origin() {
    let net = Net::new();
    let v = net.verifier();
    // A county signs a record in another province's county's name.
    let mut forged = vec![finding("110101", 0)];
    sign_chunk(&mut forged, &net.key("630202")).unwrap();
    let err = v.verify(&forged[0]).unwrap_err();
    assert!(
        matches!(err, SigError::Key(TrustError::KeyNotOfOffice { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("110101"), "{err}");
    // ... and claims the victim's key id for its own signature.
    forged[0].signature.as_mut().unwrap().key_id = net.key("110101").key_id().into();
    assert!(matches!(
        v.verify(&forged[0]),
        Err(SigError::BadSignature { .. })
    ));
    // A record of an office the manifest does not list.
    let mut ghost = vec![finding("630299", 0)];
    sign_chunk(&mut ghost, &net.key("630202")).unwrap();
    assert!(matches!(
        v.verify(&ghost[0]),
        Err(SigError::Key(TrustError::UnknownOffice(_)))
    ));
}

#[test]
fn unknown_long_or_expired_keys_fail_with_short_reasons() {
    let net = Net::new();
    let v = net.verifier();
    let mut r = signed_chunk(&net, "630202", 1).remove(0);
    r.signature.as_mut().unwrap().key_id = "f".repeat(10_000);
    let err = v.verify(&r).unwrap_err().to_string();
    assert!(
        err.len() <= crate::clip::CLIP + 100 && err.contains("not a key of office 630202"),
        "{err}"
    );
    let mut early = finding("630202", 0);
    early.updated_at = since() - Duration::days(1);
    let mut chunk = vec![early];
    sign_chunk(&mut chunk, &net.key("630202")).unwrap();
    assert!(matches!(
        v.verify(&chunk[0]),
        Err(SigError::Key(TrustError::KeyNotValid { .. }))
    ));
}

#[test]
fn the_manifest_is_the_cas_word_and_nothing_else() {
    let net = Net::new();
    let m = verify(net.signed.clone(), &net.ca_cert).unwrap();
    // Survives JSON.
    let again = SignedManifest::from_json(&net.signed.to_json().unwrap()).unwrap();
    assert_eq!(verify(again, &net.ca_cert).unwrap(), m);
    // Signed by another CA.
    let other = tempfile::tempdir().unwrap();
    crate::pki::init_ca(other.path(), "other CA", 1).unwrap();
    let other_cert = crate::identity::load_first_cert(&other.path().join("ca.pem")).unwrap();
    assert!(matches!(
        verify(net.signed.clone(), &other_cert),
        Err(TrustError::WrongCa { .. })
    ));
    let other_key = SigningKey::load(&other.path().join("ca.key")).unwrap();
    let mut forged = sign(m.clone(), &other_key).unwrap();
    forged.sig.key_id = net.ca_key.key_id().into();
    assert!(matches!(
        verify(forged, &net.ca_cert),
        Err(TrustError::BadSignature { .. })
    ));
    // Tampered: a county moved under another province, or a version bumped.
    let mut moved = net.signed.clone();
    let mut offices: Vec<Office> = moved.manifest.offices.iter().cloned().collect();
    offices
        .iter_mut()
        .find(|o| o.id == id("630202"))
        .unwrap()
        .parent = Some(id("110000"));
    moved.manifest.offices = Offices::new(offices).unwrap();
    assert!(matches!(
        verify(moved, &net.ca_cert),
        Err(TrustError::BadSignature { .. })
    ));
    let mut bumped = net.signed.clone();
    bumped.manifest.version += 1;
    assert!(verify(bumped, &net.ca_cert).is_err());
}

#[test]
fn only_a_newer_manifest_replaces_the_held_one() {
    let net = Net::new();
    let held = verify(net.signed.clone(), &net.ca_cert).unwrap();
    assert!(
        !held.newer_than(&held).unwrap(),
        "the same manifest is not newer"
    );
    let mut next = held.clone();
    next.version = 2;
    assert!(next.newer_than(&held).unwrap());
    assert!(matches!(
        held.newer_than(&next),
        Err(TrustError::Stale { got: 1, held: 2 })
    ));
    let mut twin = held.clone();
    twin.issued_at += Duration::seconds(1);
    assert!(matches!(
        twin.newer_than(&held),
        Err(TrustError::Conflict { version: 1 })
    ));
    next.network = "other".into();
    assert!(matches!(
        next.newer_than(&held),
        Err(TrustError::OtherNetwork { .. })
    ));
}

#[test]
fn lookups_follow_the_tree() {
    let net = Net::new();
    let m = verify(net.signed.clone(), &net.ca_cert).unwrap();
    assert_eq!(m.office(&id("630200")).unwrap().level, Level::Municipal);
    assert!(m.office(&id("630299")).is_none());
    let chain: Vec<&str> = m.ancestors(&id("630202")).map(|o| o.id.as_str()).collect();
    assert_eq!(chain, ["630200", "630000", "000000"]);
    assert!(m.is_descendant(&id("630202"), &id("630000")));
    assert!(!m.is_descendant(&id("110101"), &id("630000")));
    assert!(!m.is_descendant(&id("630000"), &id("630000")));
    let k = net.key("630202");
    assert!(m.key(&id("630202"), k.key_id(), Utc::now()).is_ok());
    assert!(m.key(&id("630200"), k.key_id(), Utc::now()).is_err());
}

#[test]
fn a_manifest_that_is_not_one_tree_does_not_parse() {
    let net = Net::new();
    let good: Vec<Office> = net.signed.manifest.offices.iter().cloned().collect();
    let broken = |f: fn(&mut Vec<Office>)| {
        let mut offices = good.clone();
        f(&mut offices);
        Offices::new(offices).unwrap_err().to_string()
    };
    let err = broken(|o| {
        let twin = o[0].clone();
        o.push(twin);
    });
    assert!(err.contains("listed twice"), "{err}");
    let err = broken(|o| o.retain(|x| x.id != id("630200")));
    assert!(
        err.contains("parent 630200 is not in the manifest"),
        "{err}"
    );
    let err = broken(|o| {
        let county = o.iter_mut().find(|x| x.id == id("630202")).unwrap();
        county.level = Level::Provincial;
    });
    assert!(err.contains("cannot be under"), "{err}");
    let err = broken(|o| o.iter_mut().find(|x| x.id == id("630202")).unwrap().parent = None);
    assert!(err.contains("needs a parent"), "{err}");
    let err = broken(|o| {
        let other = o
            .iter()
            .find(|x| x.id == id("630200"))
            .unwrap()
            .keys
            .clone();
        o.iter_mut().find(|x| x.id == id("630202")).unwrap().keys = other;
    });
    assert!(err.contains("listed twice"), "{err}");
    let err = broken(|o| {
        let k = &mut o.iter_mut().find(|x| x.id == id("630202")).unwrap().keys[0];
        k.key_id = "00".repeat(16);
    });
    assert!(err.contains("does not match its public key"), "{err}");
    // The same checks run when a manifest is read from JSON.
    let mut json = serde_json::to_value(&net.signed).unwrap();
    json["manifest"]["offices"][0]["parent"] = json!("999999");
    let err = SignedManifest::from_json(&serde_json::to_vec(&json).unwrap()).unwrap_err();
    assert!(err.to_string().contains("999999"), "{err}");
}

#[test]
fn a_proof_that_does_not_fit_its_chunk_fails_as_a_proof() {
    let net = Net::new();
    let v = net.verifier();
    let records = signed_chunk(&net, "630202", 5);
    type Bend = fn(&mut Signature);
    let bends: [(&str, Bend); 5] = [
        ("no proof", |s| s.proof.clear()),
        ("a hash short", |s| s.proof.truncate(s.proof.len() - 22)),
        ("not base64", |s| s.proof.replace_range(..1, "*")),
        ("too long", |s| s.proof = "A".repeat(200)),
        ("empty chunk", |s| s.count = 0),
    ];
    for (what, bend) in bends {
        let mut r = records[0].clone();
        bend(r.signature.as_mut().unwrap());
        assert!(
            matches!(v.verify(&r), Err(SigError::Proof(_))),
            "{what}: {:?}",
            v.verify(&r)
        );
    }
}

#[test]
fn the_packed_form_reads_back_and_the_old_form_is_refused() {
    let net = Net::new();
    let records = signed_chunk(&net, "630202", CHUNK);
    for r in [&records[0], &records[CHUNK - 1]] {
        let json = serde_json::to_value(r).unwrap();
        let packed = json["signature"].as_str().unwrap();
        assert!(packed.starts_with("v2 ecdsa-p256-sha256 "), "{packed}");
        // Format, alg, key id (32), position, value (86) and proof (6 ×
        // 16 bytes: 128): 275 bytes at most, where format 1 took ~500.
        assert!(packed.len() <= 275, "{} bytes: {packed}", packed.len());
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(&back, r);
    }
    let mut one = signed_chunk(&net, "630202", 1).remove(0);
    let packed = one.signature.as_ref().unwrap().to_string();
    assert_eq!(packed.split(' ').count(), 5, "no proof in a chunk of one");
    assert_eq!(
        packed.parse::<Signature>().unwrap(),
        *one.signature.as_ref().unwrap()
    );
    for bad in [
        "v1 ecdsa-p256-sha256 k 0/1 c2ln",
        "v2 ecdsa-p256-sha256 k 0-1 c2ln",
        "v2 ecdsa-p256-sha256 k 0/1",
        "v2 ecdsa-p256-sha256 k 0/1 c2ln ",
        "v2 ecdsa-p256-sha256 k 0/2 c2ln c2ln c2ln",
        "v2  k 0/1 c2ln",
    ] {
        assert!(bad.parse::<Signature>().is_err(), "{bad:?}");
    }
    // Format 1, an object, no longer reads (as a schema error at a hop).
    let mut value = serde_json::to_value(&one).unwrap();
    value["signature"] =
        json!({"alg": "ecdsa-p256-sha256", "key_id": net.key("630202").key_id(), "value": "c2ln"});
    assert!(Schemas::builtin().validate(value).is_err());
    one.signature.as_mut().unwrap().value.clear();
    assert!(
        one.signature
            .unwrap()
            .to_string()
            .parse::<Signature>()
            .is_err()
    );
}

/// A chunk checked record by record in `order`, then every record of
/// `chunk` altered one at a time (its body) against that warm cache.
fn altered_records_fail_warm(v: &Verifier, chunk: &[Record], order: &[usize]) {
    for &i in order {
        v.verify(&chunk[i])
            .unwrap_or_else(|e| panic!("record {i}: {e}"));
    }
    for (i, r) in chunk.iter().enumerate() {
        let mut bad = r.clone();
        bad.body["facts"] = json!("改过的");
        assert!(v.verify(&bad).is_err(), "altered record {i} passed");
    }
}

#[test]
fn the_tree_cache_binds_each_record_in_any_order() {
    let net = Net::new();
    let chunk = signed_chunk(&net, "630202", CHUNK);
    let in_order: Vec<usize> = (0..CHUNK).collect();
    let v = net.verifier();
    altered_records_fail_warm(&v, &chunk, &in_order);
    // One ECDSA for the chunk, and one for each altered record (its root
    // is not the signed one).
    assert_eq!(v.signature_checks(), 1 + CHUNK as u64);
    let reversed: Vec<usize> = (0..CHUNK).rev().collect();
    altered_records_fail_warm(&net.verifier(), &chunk, &reversed);
    let scattered: Vec<usize> = (0..CHUNK).map(|i| i * 37 % CHUNK).collect();
    altered_records_fail_warm(&net.verifier(), &chunk, &scattered);
    let odd = signed_chunk(&net, "630202", 37);
    altered_records_fail_warm(&net.verifier(), &odd, &(0..37).collect::<Vec<_>>());
}

#[test]
fn one_altered_record_in_a_batch_fails_while_its_chunk_mates_pass() {
    let net = Net::new();
    let v = net.verifier();
    let mut chunk = signed_chunk(&net, "630202", CHUNK);
    chunk[17].body["facts"] = json!("改过的");
    for (i, r) in chunk.iter().enumerate() {
        assert_eq!(v.verify(r).is_ok(), i != 17, "record {i}");
    }
}

#[test]
fn swapped_indexes_and_foreign_proofs_fail_against_a_warm_cache() {
    let net = Net::new();
    let v = net.verifier();
    let chunk = signed_chunk(&net, "630202", CHUNK);
    let other = signed_chunk(&net, "630202", CHUNK);
    for r in &chunk {
        v.verify(r).unwrap();
    }
    // Records 4 and 5 share a parent: swapping their indexes (each keeping
    // its proof, or taking the other's) must not pass.
    let (s4, s5) = (
        chunk[4].signature.clone().unwrap(),
        chunk[5].signature.clone().unwrap(),
    );
    for (mut r, sig) in [
        (
            chunk[4].clone(),
            Signature {
                index: 5,
                ..s4.clone()
            },
        ),
        (chunk[4].clone(), s5.clone()),
        (chunk[5].clone(), s4.clone()),
    ] {
        r.signature = Some(sig);
        assert!(v.verify(&r).is_err(), "{:?}", r.signature);
    }
    // A record of another chunk with this chunk's value and a record's
    // proof: the walk meets no known hash and the root is not signed.
    let mut foreign = other[4].clone();
    foreign.signature = Some(s4.clone());
    assert!(v.verify(&foreign).is_err());
    // This chunk's record with an upper proof hash from another chunk.
    let mut proof = B64.decode(&s4.proof).unwrap();
    let theirs = B64
        .decode(&other[4].signature.as_ref().unwrap().proof)
        .unwrap();
    let last = proof.len() - 16;
    proof[last..].copy_from_slice(&theirs[last..]);
    let mut r = chunk[4].clone();
    r.signature = Some(Signature {
        proof: B64.encode(&proof),
        ..s4
    });
    assert!(v.verify(&r).is_err(), "a foreign upper sibling passed");
}

#[test]
fn chunks_of_two_origins_mixed_in_a_batch_each_verify_alone() {
    let net = Net::new();
    let v = net.verifier();
    let a = signed_chunk(&net, "630202", CHUNK);
    let b = signed_chunk(&net, "630200", CHUNK);
    for (x, y) in a.iter().zip(&b) {
        v.verify(x).unwrap();
        v.verify(y).unwrap();
    }
    assert_eq!(v.signature_checks(), 2);
    // b's signature and proof on a's record: another key, another root.
    let mut r = a[9].clone();
    r.signature = b[9].signature.clone();
    assert!(v.verify(&r).is_err());
    // a's record claimed by b's origin.
    let mut r = a[9].clone();
    r.origin = id("630200");
    assert!(v.verify(&r).is_err());
}
