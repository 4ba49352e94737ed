//! The inspection practice on top of records: rounds, registers, findings,
//! clues, rectification to sign-off (销号), supervision, coverage and
//! statistics, and cross (交叉) and elevated (提级) inspections arranged
//! from above: planned ([`cross`]), issued ([`assign`]), checked where
//! written ([`rules`]), released at feedback ([`release`]) and followed
//! ([`pairs`]).
//!
//! Below the engine: the engine calls [`rules::check_submit`] on every
//! submit, and the jobs that drive a node (the `jobs` module, above the engine) load what it
//! holds, ask the pure parts here ([`supervise::grade`],
//! [`release::due`], [`assign::plan_cross`]) and submit what they return.
//! Nothing here imports the engine; the store is read through `&Store`.
//!
//! Architecture Invariant: domain rules are checked once, where a record is
//! written (its origin office), in [`rules::check_submit`]. Every other
//! office folds what it holds ([`rectify::fold`], [`report`]); the folds
//! count a record only if its origin had the right to write it, so a forged
//! verdict from the wrong office changes nothing anywhere.

pub mod assign;
pub mod bodies;
pub mod cross;
pub mod deadlines;
pub mod export;
pub mod ids;
pub mod import;
pub mod pairs;
pub mod rectify;
pub mod register;
pub mod release;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod succession;
pub mod supervise;
pub mod taxonomy;

pub use deadlines::{Deadlines, Grade};
pub use snapshot::{Snapshot, Tree};
pub use succession::Succession;
pub use taxonomy::Taxonomy;
