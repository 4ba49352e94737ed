//! xunlian (巡联): the store-and-forward sync daemon of the four-level
//! inspection supervision network (巡视巡察上下联动监督网).
//!
//! One daemon runs at each office. It stores records durably and exchanges
//! them with its parent and children over mutual TLS, so that a record
//! written at any office reaches every office it is addressed to, through
//! the levels in between, exactly once in effect.
//!
//! # Layout
//! - [`node`]: node ids and levels.
//! - [`config`]: the TOML file → validated, immutable [`config::Config`].
//! - [`identity`]: certificate identity and rustls configs (with reload).
//! - [`pki`]: the network CA: init, issue, revoke.
//! - [`records`]: the envelope, kinds, schemas and canonical encoding.
//! - [`store`]: records, change log, outbox, cursors, topology, quarantine.
//! - [`routing`]: who a record goes to and who may send it; pure functions.
//! - [`submit`]: what an operator submits and why a submit is refused.
//! - [`engine`]: a node's runtime state and the one path into the store.
//! - [`health`]: per-link measures and the health rollup up the tree.
//! - [`sync`]: the wire protocol, the child's uplink and the sending side.
//! - [`peer`]: the mTLS listener serving children.
//! - [`api`]: the operator HTTP API.
//! - [`run`]: starting and stopping a node.
//! - [`schedule`]: the cron loop of scheduled jobs (health, supervision,
//!   release of cross findings).
//! - [`network`]: writing a whole network (PKI and configs) from a tree file.
//! - [`workflow`]: the inspection practice: rules at submit, rectification
//!   state, coverage, statistics, supervision, exports; cross and elevated
//!   inspections (planner, assignment rules, release at feedback).
//! - [`jobs`]: the workflow jobs a node runs (supervision, release, cross
//!   planning): load what the office holds, ask [`workflow`], submit.
//! - [`cli`]: the `xunlian` subcommands.
//! - [`hex`]: lowercase hex of hashes, serials and tokens.
//! - [`i18n`]: the message catalogues (Chinese first, English) and the
//!   choice of language.
//! - [`trust`]: the signed tree manifest and origin signatures on records.
//!
//! See `ARCHITECTURE.md` for how a record flows and the invariants.

pub mod api;
pub mod cli;
pub mod clip;
pub mod config;
pub mod engine;
pub mod health;
pub mod hex;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod jobs;
#[cfg(test)]
mod layers;
pub mod network;
pub mod node;
pub mod peer;
pub mod pki;
pub mod records;
pub mod routing;
pub mod run;
pub mod schedule;
pub mod store;
pub mod submit;
pub mod sync;
pub mod telemetry;
pub mod trust;
pub mod workflow;
