//! Releasing cross findings at their feedback date (交叉巡察反馈) at a
//! node: now (the operator API, `xunlian assign release`) or on
//! `schedules.release`. What is due is [`crate::workflow::release::due`].

use chrono::NaiveDate;
use tokio_util::sync::CancellationToken;

use super::submit_all;
use crate::engine::{Engine, SharedEngine};
use crate::submit::SubmitError;
use crate::workflow::Snapshot;
use crate::workflow::release::{self, Outcome};

/// Releases, as of `today`, every cross finding coordinated at `engine`'s
/// office whose round's feedback date has come and whose current copy is
/// not yet released.
pub async fn run(engine: &Engine, today: NaiveDate) -> Result<Outcome, SubmitError> {
    let snap = Snapshot::load(engine.store()).await?;
    let (outcome, reqs) = release::due(&snap, engine.id(), today);
    submit_all(engine, reqs).await?;
    Ok(outcome)
}

/// Runs the release on `schedules.release` until `stop`.
pub async fn run_on_schedule(engine: SharedEngine, stop: CancellationToken) {
    let schedule = engine.config.release_schedule.clone();
    crate::schedule::every("release", schedule, stop, || async {
        let outcome = run(&engine, chrono::Local::now().date_naive()).await?;
        if outcome.released > 0 {
            tracing::info!(
                message = "Released cross-inspection findings at their feedback date.",
                released = outcome.released,
                awaiting_feedback = outcome.awaiting_feedback
            );
        }
        Ok(())
    })
    .await
}
