//! The rules of a unit register: an office writes only its own, each unit
//! listed once, under the register's derived id.

use super::{Context, derived_id, invalid, read};
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest};
use crate::workflow::bodies::UnitRegister;
use crate::workflow::ids;

/// Checks the unit register of this office and gives it its derived id.
pub(super) fn check(ctx: &Context<'_>, req: &mut SubmitRequest) -> Result<(), SubmitError> {
    let reg: UnitRegister = read(Kind::UnitRegister, &req.body)?;
    if reg.office != ctx.me.as_str() {
        return Err(invalid(format!(
            "body.office: 只能报送本办公室的名册 ({} may only write its own register, not {}'s)",
            ctx.me, reg.office
        )));
    }
    for (i, u) in reg.units.iter().enumerate() {
        if reg.units[..i].iter().any(|o| o.id == u.id) {
            return Err(invalid(format!(
                "body.units[{i}].id: 单位重复 (unit {} is listed twice)",
                u.id
            )));
        }
    }
    derived_id(req, ids::register(ctx.me.as_str()), "a unit register")
}
