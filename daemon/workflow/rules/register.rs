//! The rules of a unit register: an office writes only its own, each unit
//! listed once, under the register's derived id.

use super::{Context, derived_id, read};
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest, refused};
use crate::workflow::bodies::UnitRegister;
use crate::workflow::ids;

/// Checks the unit register of this office and gives it its derived id.
pub(super) fn check(ctx: &Context<'_>, req: &mut SubmitRequest) -> Result<(), SubmitError> {
    let reg: UnitRegister = read(Kind::UnitRegister, &req.body)?;
    if reg.office != ctx.me.as_str() {
        return Err(refused!(
            "body.office",
            "refuse-register-office",
            office = ctx.me,
            other = reg.office
        ));
    }
    for (i, u) in reg.units.iter().enumerate() {
        if reg.units[..i].iter().any(|o| o.id == u.id) {
            return Err(refused!(
                format!("body.units[{i}].id"),
                "refuse-register-unit-twice",
                unit = u.id
            ));
        }
    }
    derived_id(req, ids::register(ctx.me.as_str()))
}
