//! The peer protocol, both sides, above the engine and below `peer/`
//! (which only speaks HTTP and checks who calls).
//!
//! Children open every connection: a child pushes its outbox up and pulls
//! what the parent queued for it with a long-poll ([`uplink`]). The parent
//! answers a hello and a push in [`inbound`] and a pull in [`outbound`],
//! which also cuts the child's push batches, and a restored child's
//! request for its own records in [`recover`]. [`admission`] admits a batch
//! of wire items either way; [`wire`] holds the versioned types, the
//! refusal [`wire::Reason`]s and what both sides share.
//!
//! Architecture Invariant: the receiver of a stream is the authority on how
//! far it got. Before sending, the sender checks the receiver's cursor
//! against its own change log ([`crate::engine::Engine::reconcile`]): a
//! cursor of another generation means "send everything again"; a cursor the
//! log cannot confirm means this store went back in time, so it takes a new
//! generation and sends everything again. Re-delivery is harmless because
//! applying a record is idempotent by (id, version).

pub mod admission;
pub mod backoff;
pub mod budget;
pub mod bundle;
pub mod inbound;
pub mod outbound;
pub mod recover;
pub mod uplink;
pub mod wire;
