//! An exclusion in one line, for lists, messages and the rows it suppresses.

use super::model::{Exclusion, ExclusionOp, SavedQuery};

/// `field op value` in one line: `Computer = "MGMT01"`, `Computer like "ws*"`, `user in (a, b)`,
/// `sha256(ScriptBlockText) = <hex>`.
pub fn describe(x: &Exclusion) -> String {
    describe_with(x, |v| v.to_string())
}

/// [`describe`] with each value shown through `show` (e.g. a SID with its account name beside
/// it; display only, the exclusion keeps the bare value).
pub fn describe_with(x: &Exclusion, show: impl Fn(&str) -> String) -> String {
    match &x.op {
        ExclusionOp::Equals(v) => format!("{} = \"{}\"", x.field, show(v)),
        ExclusionOp::Wildcard(v) => format!("{} like \"{}\"", x.field, show(v)),
        ExclusionOp::OneOf(vs) => {
            let vs: Vec<String> = vs.iter().map(|v| show(v)).collect();
            format!("{} in ({})", x.field, vs.join(", "))
        }
        ExclusionOp::Sha256(h) => format!("sha256({}) = {h}", x.field),
    }
}

/// The analytic's short label (`ESCU 4104 script block`, `extended`), else its id.
pub fn label_of<'a>(queries: impl IntoIterator<Item = &'a SavedQuery>, id: &'a str) -> &'a str {
    queries
        .into_iter()
        .find(|q| q.id == id)
        .map_or(id, |q| q.short_label())
}
