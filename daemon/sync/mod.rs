//! Moving records between a node and its parent.
//!
//! Children open every connection: a child pushes its outbox up
//! ([`uplink`]) and pulls what the parent queued for it with a long-poll;
//! the parent side of both lives in `peer/`, built on [`outbound`].
//!
//! Architecture Invariant: the receiver of a stream is the authority on how
//! far it got. Before sending, the sender checks the receiver's cursor
//! against its own change log ([`outbound::reconcile`]): a cursor of another
//! generation means "send everything again"; a cursor the log cannot
//! confirm means this store went back in time, so it takes a new
//! generation and sends everything again. Re-delivery is harmless because
//! applying a record is idempotent by (id, version).

pub mod backoff;
pub mod budget;
pub mod outbound;
pub mod uplink;
pub mod wire;
