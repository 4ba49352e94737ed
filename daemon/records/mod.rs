//! Records: the envelope every record carries, the kinds, their JSON
//! Schemas (in `schemas/`, compiled into the binary and enforced on submit
//! and at every hop), and the canonical encoding an origin signs.

mod canonical;
mod envelope;
mod per_lane;
mod schema;

pub use canonical::*;
pub use envelope::*;
pub use per_lane::PerLane;
pub use schema::*;
