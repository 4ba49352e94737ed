//! Running supervision (督办) at a node: now (the operator API) or on
//! `schedules.supervision`. What it grades and sends is
//! [`crate::workflow::supervise`].

use chrono::NaiveDate;
use tokio_util::sync::CancellationToken;

use super::submit_all;
use crate::engine::{Engine, SharedEngine};
use crate::submit::SubmitError;
use crate::workflow::Snapshot;
use crate::workflow::supervise::{self, Office, Outcome};

/// Runs supervision at `engine`'s office as of `today`.
pub async fn run(engine: &Engine, today: NaiveDate) -> Result<Outcome, SubmitError> {
    let snap = Snapshot::load(engine.store())
        .await?
        .with_succession(engine.succession());
    let tree = engine.workflow_tree().await?;
    let sent = supervise::notices_sent(engine.store(), engine.id()).await?;
    let office = Office {
        tree: &tree,
        name: &engine.config.name,
        level: engine.config.level,
        parent: engine.config.parent.as_ref().map(|p| &p.id),
        deadlines: &engine.config.workflow.deadlines,
    };
    let (outcome, reqs) = supervise::grade(&office, &snap, &sent, today);
    submit_all(engine, reqs).await?;
    Ok(outcome)
}

/// Runs supervision on `schedules.supervision` until `stop`.
pub async fn run_on_schedule(engine: SharedEngine, stop: CancellationToken) {
    let schedule = engine.config.supervision_schedule.clone();
    crate::schedule::every("supervision", schedule, stop, || async {
        let outcome = run(&engine, chrono::Local::now().date_naive()).await?;
        tracing::info!(
            message = "Supervision graded open items.",
            notices_sent = outcome.notices_sent,
            red = outcome.rectifications.get("red").copied().unwrap_or(0)
        );
        Ok(())
    })
    .await
}
