//! Records: the envelope every record carries, the kinds, their JSON
//! Schemas (in `schemas/`, compiled into the binary and enforced on submit
//! and at every hop), the names people use for their enumerated values,
//! and the canonical encoding an origin signs.

mod canonical;
mod envelope;
mod names;
mod per_lane;
mod schema;

pub use canonical::*;
pub use envelope::*;
pub use names::{Choice, Names};
pub use per_lane::PerLane;
pub use schema::*;
