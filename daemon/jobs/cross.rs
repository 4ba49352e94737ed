//! Planning and issuing a cross inspection (交叉巡察) at a node, on request
//! (the operator API, `xunlian demo`): the plan is
//! [`crate::workflow::assign::plan_cross`]; the assignment it issues meets the
//! same rules at submit as any other.

use crate::engine::Engine;
use crate::records::Kind;
use crate::submit::SubmitError;
use crate::workflow::assign::{self, CrossOutcome, CrossRequest};

/// Plans the cross inspection `req` asks for at this office, from the
/// tree it knows and the cross assignments it holds, and unless it is a
/// dry run issues it as an `assignment` record.
pub async fn plan_cross(engine: &Engine, req: CrossRequest) -> Result<CrossOutcome, SubmitError> {
    let tree = engine.workflow_tree().await?;
    let held = engine.store().records_of_kind(Kind::Assignment).await?;
    // A CPU-bound search: off the async workers.
    let planned = tokio::task::spawn_blocking(move || assign::plan_cross(&tree, &held, req))
        .await
        .map_err(|e| SubmitError::Invalid(format!("the planner stopped: {e}")))??;
    let mut outcome = planned.outcome;
    if let Some(issue) = planned.issue {
        outcome.assignment = Some(engine.submit(issue).await?);
    }
    Ok(outcome)
}
