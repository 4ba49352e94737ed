//! What an office warns its superiors about in its own health record:
//! its certificate expiring, records waiting in its quarantine. Budget
//! warnings of its links travel in the links themselves. Ancestors show
//! them beside the office (`OfficeHealth::warnings`), so central reads
//! "630202: 证书将于 9 天后到期" without asking the office.

use chrono::{DateTime, Utc};

use crate::engine::Engine;
use crate::store::StoreError;

/// A certificate expiring sooner than this is warned about (and flagged on
/// the dashboard).
pub const CERT_WARNING_DAYS: i64 = 30;

/// The most warnings one health record carries.
pub const MAX_WARNINGS: usize = 10;

/// The warning for a certificate that expires at `not_after`, if it is
/// within [`CERT_WARNING_DAYS`] of `now` or past.
pub fn cert_warning(not_after: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let days = (not_after - now).num_days();
    if not_after <= now {
        Some("证书已过期，须立即更换（certificate expired: renew it）".into())
    } else if days < CERT_WARNING_DAYS {
        Some(format!(
            "证书将于 {days} 天后到期，请及时更换（certificate expires in {days} days: renew it）"
        ))
    } else {
        None
    }
}

/// This office's own warnings now: its certificate (`tls.cert`) and its
/// quarantine.
pub async fn own_warnings(engine: &Engine) -> Result<Vec<String>, StoreError> {
    let now = Utc::now();
    let mut out = Vec::new();
    let cert = crate::identity::load_first_cert(&engine.config.tls.cert)
        .ok()
        .and_then(|c| crate::identity::cert_not_after(&c).ok());
    out.extend(cert.and_then(|t| cert_warning(t, now)));
    let quarantined = engine.store().quarantine_count().await?;
    if quarantined > 0 {
        out.push(format!(
            "隔离区有 {quarantined} 条被拒记录待处理（{quarantined} refused records in quarantine）"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_warned_about_within_the_window_only() {
        let now = Utc::now();
        let days = |d: i64| now + chrono::Duration::days(d) + chrono::Duration::hours(1);
        assert!(cert_warning(days(90), now).is_none());
        let soon = cert_warning(days(9), now).unwrap();
        assert!(soon.contains("9 天") && soon.contains("9 days"), "{soon}");
        let past = cert_warning(now - chrono::Duration::days(1), now).unwrap();
        assert!(past.contains("expired"), "{past}");
    }
}
