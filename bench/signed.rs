//! What the benchmarks that sign records like an office share: county
//! 630202's signing key, made for the run, and a tree manifest that lists
//! it, from which a hop's `trust::Verifier` is built.

use std::path::Path;

use xunlian::node::Level;
use xunlian::trust::{Alg, Manifest, Office, OfficeKey, Offices, SigningKey};

/// A new ECDSA P-256 key for county 630202, kept in `dir`.
pub fn county_key(dir: &Path) -> SigningKey {
    SigningKey::create(&dir.join("sign.key"), Alg::EcdsaP256Sha256).expect("signing key")
}

/// A manifest of central and the county, the county's key listed.
pub fn manifest(key: &SigningKey) -> Manifest {
    let office = |o: &str, level, parent: Option<&str>, keys| Office {
        id: o.parse().expect("node id"),
        name: o.into(),
        level,
        parent: parent.map(|p| p.parse().expect("node id")),
        keys,
        seal_keys: Vec::new(),
        successor: None,
    };
    let since = chrono::Utc::now() - chrono::Duration::days(1);
    Manifest {
        network: "bench".into(),
        version: 1,
        issued_at: since,
        suite: key.alg(),
        unsigned_before: None,
        offices: Offices::new(vec![
            office("000000", Level::Central, None, vec![]),
            office(
                "630202",
                Level::County,
                Some("000000"),
                vec![OfficeKey::of(key, since)],
            ),
        ])
        .expect("manifest"),
    }
}
