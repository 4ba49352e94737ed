//! Rectification (整改) to sign-off (销号): the state of one host office's
//! rectification of one finding is a fold over two single-owner records,
//! the host office's progress record and the inspecting office's verdict,
//! and the transitions each office may write are named rules.

use serde::Serialize;

use super::bodies::Rectification;
use crate::submit::{Refusal, refusal};

/// A status a rectification record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Planned,
    InProgress,
    Completed,
    Verified,
    Reopened,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "planned" => Status::Planned,
            "in_progress" => Status::InProgress,
            "completed" => Status::Completed,
            "verified" => Status::Verified,
            "reopened" => Status::Reopened,
            _ => return None,
        })
    }

    /// Verified and reopened are the inspecting office's verdicts; the rest
    /// are the host office's progress reports.
    pub fn is_verdict(self) -> bool {
        matches!(self, Status::Verified | Status::Reopened)
    }
}

/// Where a rectification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// No progress record yet: the rectification plan is awaited.
    AwaitingPlan,
    Planned,
    InProgress,
    /// Reported completed; awaiting the inspecting office's verdict.
    Completed,
    /// Sent back by the inspecting office; the host works on it again.
    Reopened,
    /// Verified by the inspecting office (销号): closed for good.
    Verified,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::AwaitingPlan => "awaiting_plan",
            State::Planned => "planned",
            State::InProgress => "in_progress",
            State::Completed => "completed",
            State::Reopened => "reopened",
            State::Verified => "verified",
        }
    }

    pub fn is_closed(self) -> bool {
        self == State::Verified
    }
}

/// The current state from the host's progress record and the inspecting
/// office's verdict. A verdict counts only for the attempt it judged.
/// Callers pass only records whose origin is the right office.
pub fn fold(progress: Option<&Rectification>, verdict: Option<&Rectification>) -> State {
    let Some(p) = progress else {
        return State::AwaitingPlan;
    };
    if let Some(v) = verdict
        && v.attempt == p.attempt
    {
        match Status::parse(&v.status) {
            Some(Status::Verified) => return State::Verified,
            Some(Status::Reopened) => return State::Reopened,
            _ => {}
        }
    }
    match Status::parse(&p.status) {
        Some(Status::Planned) => State::Planned,
        Some(Status::InProgress) => State::InProgress,
        Some(Status::Completed) => State::Completed,
        _ => State::AwaitingPlan,
    }
}

/// The offices on either side of one rectification.
#[derive(Debug, Clone)]
pub struct Parties<'a> {
    pub finding: &'a str,
    pub inspecting: &'a str,
    pub host: &'a str,
}

/// May `writer` record `wanted` now that the rectification is `state`?
/// Returns the attempt the new record belongs to; a refusal names the
/// rule it breaks (`refuse-rectify-RULE`) and who may do what.
pub fn check(
    parties: &Parties<'_>,
    writer: &str,
    state: State,
    current_attempt: u32,
    wanted: Status,
    has_evidence: bool,
) -> Result<u32, Refusal> {
    let Parties {
        finding,
        inspecting,
        host,
    } = parties;
    if state.is_closed() {
        return Err(refusal!(
            "body.status",
            "refuse-rectify-closed-is-final",
            finding = finding,
            host = host
        ));
    }
    if wanted.is_verdict() {
        if writer != *inspecting {
            return Err(refusal!(
                "body.status",
                "refuse-rectify-inspector-signs-off",
                inspecting = inspecting,
                writer = writer
            ));
        }
        if state != State::Completed {
            return Err(refusal!(
                "body.status",
                "refuse-rectify-verdict-after-completed",
                inspecting = inspecting,
                host = host,
                state = state.as_str()
            ));
        }
        return Ok(current_attempt);
    }
    if writer != *host {
        return Err(refusal!(
            "body.status",
            "refuse-rectify-host-reports-progress",
            host = host,
            writer = writer,
            inspecting = inspecting
        ));
    }
    if state == State::Completed && wanted != Status::Completed {
        return Err(refusal!(
            "body.status",
            "refuse-rectify-completed-awaits-verdict",
            inspecting = inspecting,
            host = host
        ));
    }
    if wanted == Status::Completed && !has_evidence {
        return Err(refusal!(
            "body.evidence",
            "refuse-rectify-evidence-for-completed"
        ));
    }
    Ok(match state {
        State::AwaitingPlan => 1,
        State::Reopened => current_attempt + 1,
        _ => current_attempt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(status: &str, attempt: u32) -> Rectification {
        Rectification {
            status: status.into(),
            attempt,
            ..Default::default()
        }
    }

    const P: Parties<'static> = Parties {
        finding: "f",
        inspecting: "630200",
        host: "630202",
    };

    #[test]
    fn fold_follows_the_attempt() {
        assert_eq!(fold(None, None), State::AwaitingPlan);
        let done = rec("completed", 1);
        assert_eq!(fold(Some(&done), None), State::Completed);
        assert_eq!(
            fold(Some(&done), Some(&rec("reopened", 1))),
            State::Reopened
        );
        // A new attempt after a reopen: the old verdict no longer counts.
        let again = rec("in_progress", 2);
        assert_eq!(
            fold(Some(&again), Some(&rec("reopened", 1))),
            State::InProgress
        );
        assert_eq!(
            fold(Some(&rec("completed", 2)), Some(&rec("verified", 2))),
            State::Verified
        );
    }

    #[test]
    fn every_forbidden_transition_names_its_rule() {
        let cases = [
            // (writer, state, wanted, evidence, rule)
            (
                "630200",
                State::InProgress,
                Status::Verified,
                false,
                "verdict-after-completed",
            ),
            (
                "630202",
                State::Completed,
                Status::Verified,
                false,
                "inspector-signs-off",
            ),
            (
                "630202",
                State::Completed,
                Status::Reopened,
                false,
                "inspector-signs-off",
            ),
            (
                "630202",
                State::Verified,
                Status::Completed,
                true,
                "closed-is-final",
            ),
            (
                "630200",
                State::Verified,
                Status::Reopened,
                false,
                "closed-is-final",
            ),
            (
                "630200",
                State::Planned,
                Status::InProgress,
                false,
                "host-reports-progress",
            ),
            (
                "630202",
                State::Completed,
                Status::InProgress,
                false,
                "completed-awaits-verdict",
            ),
            (
                "630202",
                State::InProgress,
                Status::Completed,
                false,
                "evidence-for-completed",
            ),
            (
                "630200",
                State::AwaitingPlan,
                Status::Reopened,
                false,
                "verdict-after-completed",
            ),
        ];
        for (writer, state, wanted, ev, rule) in cases {
            let e = check(&P, writer, state, 1, wanted, ev).unwrap_err();
            assert_eq!(
                e.key.strip_prefix("refuse-rectify-"),
                Some(rule),
                "{writer} {state:?} → {wanted:?}: {e}"
            );
        }
    }

    #[test]
    fn allowed_transitions_give_the_attempt() {
        assert_eq!(
            check(&P, "630202", State::AwaitingPlan, 0, Status::Planned, false),
            Ok(1)
        );
        assert_eq!(
            check(&P, "630202", State::Planned, 1, Status::Completed, true),
            Ok(1)
        );
        assert_eq!(
            check(&P, "630200", State::Completed, 1, Status::Reopened, false),
            Ok(1)
        );
        assert_eq!(
            check(&P, "630202", State::Reopened, 1, Status::InProgress, false),
            Ok(2)
        );
        // One office inspecting its own units holds both roles.
        let own = Parties {
            finding: "f",
            inspecting: "630202",
            host: "630202",
        };
        assert_eq!(
            check(&own, "630202", State::Completed, 1, Status::Verified, false),
            Ok(1)
        );
    }
}
