//! The integration tests, one crate: real `xunlian` daemons on loopback
//! driven through their operator API and peer protocol, and the command
//! line. [`common`] is the harness every module shares; each other module
//! is one area of behaviour. Run one with `cargo nextest run --test it
//! chaos::` (or any module path prefix).

mod common;

mod at_rest;
mod backup;
mod bundles;
mod chaos;
mod cli;
mod compose;
mod cross;
mod demo;
mod docs;
mod elevated;
mod examples;
mod export;
mod fleet;
mod health;
mod hostile_parent;
mod hostile_peer;
mod i18n;
mod import;
mod lanes;
mod legacy;
mod liveness;
mod operator_tls;
mod peer_security;
mod quarantine;
mod recovery;
mod sealed_clues;
mod sessions;
mod signatures;
mod storage;
mod tampered_store;
mod tree_authority;
mod tree_sync;
mod upgrade;
mod workbench;
mod workflow;
