//! `validate` and `model`: what a valid dataset holds, and the compiled model as JSON.

use entente_app::model::DatasetCounts;

/// The line `validate` prints for a valid dataset named `name`.
pub fn valid(name: &str, c: &DatasetCounts) -> String {
    format!(
        "{name}: valid — {} sources, {} claims, {} variables, {} items, {} scenarios, {} trade figures, {} meetings\n",
        c.sources, c.claims, c.variables, c.items, c.scenarios, c.trade_figures, c.meetings
    )
}

/// The compiled model of a scenario (`entente model`), as indented JSON starting with `schema_version`.
pub fn model(d: &entente_engine::describe::ModelDescription) -> String {
    crate::render(crate::OutputFormat::Json, &crate::Doc::default(), d)
}
