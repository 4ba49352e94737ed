//! The workflow jobs that drive a node: each loads what the office holds,
//! asks the pure part in [`crate::workflow`] what to write, and submits it
//! through the engine. Supervision ([`supervise`]) and the release of
//! cross findings ([`release`]) also run on their schedules; a cross
//! inspection is planned and issued on request ([`cross`]).

pub mod cross;
pub mod release;
pub mod supervise;

use crate::engine::Engine;
use crate::submit::{SubmitError, SubmitRequest};

/// Submits what a job found to write, in one transaction (nothing when
/// there is nothing).
async fn submit_all(engine: &Engine, reqs: Vec<SubmitRequest>) -> Result<(), SubmitError> {
    if !reqs.is_empty() {
        engine.submit_batch(reqs).await.map_err(|(_, e)| e)?;
    }
    Ok(())
}
