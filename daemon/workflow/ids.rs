//! Ids the daemon derives instead of leaving them to chance, so that one
//! thing has one record: one register per office, one progress record and
//! one verdict per (finding, host office), one disposal per clue, one
//! redacted copy per common finding, one released copy per cross finding,
//! one record per imported row and per line of a bulk submit.

use uuid::Uuid;

/// The namespace of derived ids (a fixed random UUID).
const NAMESPACE: Uuid = Uuid::from_u128(0x5d1f_3c2e_8a4b_4e7f_9c61_27b0_a4d3_e812);

fn derive(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// The unit register of `office`.
pub fn register(office: &str) -> Uuid {
    derive(&format!("unit_register/{office}"))
}

/// A record imported from a spreadsheet by `office`: a row of `kind`
/// under its natural key (a finding's 编号), so importing it again, or a
/// corrected file, updates that record instead of adding one.
pub fn imported(office: &str, kind: &str, key: &str) -> Uuid {
    derive(&format!("import/{office}/{kind}/{key}"))
}

/// A record of a bulk submit given without an id: `item` is the request
/// as the file wrote it (body, round, classification), so submitting the
/// same file again stores nothing twice.
pub fn submitted(office: &str, kind: &str, item: &str) -> Uuid {
    derive(&format!("submit/{office}/{kind}/{item}"))
}

/// The host office's progress record on `finding`.
pub fn progress(finding: &Uuid, host: &str) -> Uuid {
    derive(&format!("rectification/{finding}/{host}/progress"))
}

/// The inspecting office's verdict on the host's rectification of `finding`.
pub fn verdict(finding: &Uuid, host: &str) -> Uuid {
    derive(&format!("rectification/{finding}/{host}/verdict"))
}

/// The receiver's disposal report of `clue`.
pub fn disposal(clue: &Uuid) -> Uuid {
    derive(&format!("clue/{clue}/disposal"))
}

/// The redacted copy of common finding `finding`.
pub fn common_copy(finding: &Uuid) -> Uuid {
    derive(&format!("finding/{finding}/common"))
}

/// The copy of cross-inspection finding `finding` its coordinator releases
/// to the inspected office at the feedback date (反馈).
pub fn release(finding: &Uuid) -> Uuid {
    derive(&format!("finding/{finding}/release"))
}

/// The supervision summary an office files upward.
pub fn supervision_summary(office: &str) -> Uuid {
    derive(&format!("notice/{office}/supervision-summary"))
}

/// The tally of `event` (transferred, disposed) of `clue`.
pub fn clue_tally(clue: &Uuid, event: &str) -> Uuid {
    derive(&format!("clue/{clue}/tally/{event}"))
}
