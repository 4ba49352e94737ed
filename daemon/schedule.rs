//! The cron loop every scheduled job runs on (health rollup, supervision,
//! release of cross findings at feedback):
//! wait for the next time the schedule names, run the job, log a failure
//! with the job's name, repeat until the node stops.

use std::future::Future;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Runs `job` at every time `schedule` names until `stop`. A failed run is
/// logged and the next one still happens.
pub async fn every<F, Fut>(
    name: &'static str,
    schedule: cron::Schedule,
    stop: CancellationToken,
    mut job: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for next in schedule.upcoming(Utc) {
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        match job().await {
            Ok(()) => debug!(message = "Scheduled job ran.", job = name),
            Err(e) => {
                warn!(message = "Scheduled job failed; it runs again at its next time.", job = name, error = %format!("{e:#}"))
            }
        }
    }
}
