//! Typed views of record bodies. Bodies are schema-checked before they get
//! here; these structs read the fields the practice needs and ignore the
//! rest, so a body written by a newer version still reads.

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::node::Level;
use crate::records::Record;

/// Reads the body of `r` as `T`, naming the record when it does not fit.
pub fn read<T: DeserializeOwned>(r: &Record) -> Result<T, String> {
    serde_json::from_value(r.body.clone()).map_err(|e| format!("{} {} body: {e}", r.kind, r.id))
}

/// The round a record belongs to: the envelope's `round_id`, else the
/// body's `round_id`.
pub fn round_of(r: &Record) -> Option<&str> {
    r.round_id
        .as_deref()
        .or_else(|| r.body.get("round_id").and_then(|v| v.as_str()))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RoundPlan {
    pub term: String,
    pub round_no: u32,
    pub kind: String,
    pub title: String,
    pub dates: Dates,
    pub teams: Vec<Team>,
    pub targets: Vec<Target>,
    pub assignment_id: Option<Uuid>,
    pub follow_up_of: Option<String>,
    pub rechecks: Vec<Uuid>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Dates {
    pub start: Option<NaiveDate>,
    pub entry: Option<NaiveDate>,
    pub feedback: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub leader: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Target {
    pub unit_id: String,
    pub unit_name: String,
    pub host: Option<String>,
    pub team: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Finding {
    pub number: Option<String>,
    pub round_id: Option<String>,
    pub team: Option<String>,
    pub target_unit: Option<Target>,
    pub category: String,
    pub tags: Vec<String>,
    pub severity: String,
    pub title: String,
    pub common: bool,
    pub redacted_of: Option<Uuid>,
    /// On a cross-inspection finding: the coordinating office.
    pub coordinator: Option<String>,
    /// On the copy released to the inspected office: the original.
    pub released_of: Option<Uuid>,
    /// On a released copy: the office whose team found it.
    pub inspected_by: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Clue {
    pub transfer_to: Option<String>,
    pub managing_level: Option<Level>,
    pub finding_ids: Vec<Uuid>,
    pub disposal_of: Option<Uuid>,
    pub disposal: Option<Disposal>,
}

/// The countable trace of a clue (`clue_tally`).
#[derive(Debug, Clone, Deserialize)]
pub struct ClueTally {
    pub clue_id: Uuid,
    /// `transferred` or `disposed`.
    pub event: String,
    pub transferred_by: String,
    pub managing_level: Level,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Disposal {
    pub method: String,
    pub reported_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Rectification {
    pub finding_id: Option<Uuid>,
    pub inspecting_office: String,
    pub host_office: String,
    pub status: String,
    pub attempt: u32,
    pub deadline: Option<NaiveDate>,
    pub evidence: Vec<String>,
    pub responsible_unit: Option<String>,
    pub responsible_person: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Assignment {
    #[serde(rename = "type")]
    pub kind: String,
    pub round: Option<String>,
    pub coordinator: Option<String>,
    pub pairs: Vec<Pair>,
    pub elevated: Option<Elevated>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Pair {
    pub inspecting: String,
    pub inspected: String,
    pub units: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Elevated {
    pub taking_over: String,
    pub office: String,
    pub units: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UnitRegister {
    pub office: String,
    pub office_name: Option<String>,
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Notice {
    pub category: Option<String>,
    pub grade: Option<String>,
    pub about: Option<About>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct About {
    pub record_id: Option<Uuid>,
    pub kind: Option<String>,
}
