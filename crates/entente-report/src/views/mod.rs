//! Documents built from the engine's results, one module per command. `human = false` gives raw numbers
//! (for CSV); `human = true` gives scaled, unit-labelled cells (for the terminal and Markdown).

pub mod assess;
pub mod compare;
pub mod dataset;
pub mod explain;
pub mod gaps;
pub mod history;
pub mod judgment;
pub mod lists;
pub mod meetings;
pub mod screen;
pub mod sensitivity;
pub mod trade;
pub mod triangulate;

/// A money cell: formatted for people, full precision for machines.
pub(crate) fn money(v: f64, human: bool) -> String {
    if human {
        crate::num::usd(v)
    } else {
        format!("{v:.0}")
    }
}

pub(crate) fn share(v: f64, human: bool) -> String {
    if human {
        crate::num::pct(v)
    } else {
        format!("{v:.6}")
    }
}
