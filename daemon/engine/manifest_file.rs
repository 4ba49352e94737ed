//! Watching `[trust] manifest` while the node runs: `network add-office`,
//! `move-office` and `merge-office` write a newer signed manifest into
//! every office's directory, and each daemon takes it from there within
//! [`POLL`] (the same way as one its parent sends: checked with the CA,
//! only if newer, [`Engine::offer_manifest`]). So a parent and every
//! ancestor learn of a new child without a restart.

use std::path::Path;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::SharedEngine;
use crate::trust::SignedManifest;

/// How often the manifest file's size and modification time are looked at.
pub const POLL: Duration = Duration::from_secs(1);

/// What identifies one version of the file without reading it.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Offers the manifest file to the engine whenever it changes, until
/// `stop`. A file that does not parse or is refused is logged once per
/// change; the node goes on with the manifest it holds.
pub async fn watch(engine: SharedEngine, stop: CancellationToken) {
    let Some(path) = engine.config.trust.as_ref().map(|t| t.manifest.clone()) else {
        return;
    };
    let mut seen = stamp(&path);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(POLL) => {}
        }
        let now = stamp(&path);
        if now == seen || now.is_none() {
            continue;
        }
        seen = now;
        let offered = std::fs::read(&path)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| Ok(SignedManifest::from_json(&bytes)?));
        let result = match offered {
            Ok(signed) => engine.offer_manifest(signed).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(Some(version)) => info!(
                message = "Took a newer tree manifest from its file.",
                file = %path.display(),
                version
            ),
            Ok(None) => {}
            Err(e) => warn!(
                message = "Refused the tree manifest file; going on with the one held.",
                file = %path.display(),
                error = %format!("{e:#}")
            ),
        }
    }
}
