//! How one item's value is composed: its expressions, every input in force with its distribution and
//! simulated range, and the claims and graded sources behind each input.

use crate::assess::is_overridden;
use crate::plan::NodeDef;
use crate::run::Run;
use crate::stats::{summarise, Summary};
use entente_core::{Claim, Dataset, Source, VariableKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct InputExplanation {
    pub variable: String,
    pub unit: String,
    pub description: String,
    /// `pert(…)`, `a to b`, or the expression for derived variables.
    pub definition: String,
    pub derived: bool,
    /// Date of the estimate in force, if dated.
    pub estimate_public: Option<chrono::NaiveDate>,
    pub overridden_by_scenario: bool,
    pub note: String,
    pub summary: Summary,
    pub claims: Vec<Claim>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub item: String,
    pub name: String,
    pub flow: String,
    pub category: String,
    pub quantity_expr: String,
    pub unit_price_expr: String,
    pub unit: String,
    pub note: String,
    pub quantity: Summary,
    pub unit_price: Summary,
    pub value: Summary,
    pub inputs: Vec<InputExplanation>,
    pub sources: Vec<Source>,
    pub scenario: String,
    pub as_of: chrono::NaiveDate,
    /// The other side of the same transfer (troop services ↔ the cash paid for them), with its value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterpart: Option<Counterpart>,
}

/// The item on the other flow that pays for, or is paid by, the explained one.
#[derive(Debug, Clone, Serialize)]
pub struct Counterpart {
    pub item: String,
    pub name: String,
    pub flow: String,
    pub value: Summary,
}

/// Explains an item of a run; `None` if the item is not in the plan (unknown or left out).
pub fn explain(ds: &Dataset, run: &Run, item: &str) -> Option<Explanation> {
    let plan = &run.plan;
    let it = plan.items.iter().find(|i| i.item.id == item)?;
    let mut source_ids = std::collections::BTreeSet::new();
    let inputs = it
        .inputs
        .iter()
        .map(|&n| {
            let node = &plan.nodes[n];
            let var = ds.variable(&node.name);
            let (definition, derived, public, claims, note) = match &node.def {
                NodeDef::Leaf { estimate, .. } => {
                    let claims: Vec<Claim> = estimate.claims.iter().filter_map(|c| ds.claims.get(c)).cloned().collect();
                    let mut def = estimate.dist.to_string();
                    if let Some(m) = estimate.truncation.min {
                        def += &format!(", min {m}");
                    }
                    if let Some(m) = estimate.truncation.max {
                        def += &format!(", max {m}");
                    }
                    (def, false, estimate.public, claims, estimate.note.clone())
                }
                _ => {
                    let def = match var.map(|v| &v.kind) {
                        Some(VariableKind::Expr(x)) => x.to_string(),
                        _ => String::new(),
                    };
                    (def, true, None, Vec::new(), String::new())
                }
            };
            for c in &claims {
                source_ids.extend(c.sources.iter().cloned());
            }
            InputExplanation {
                variable: node.name.clone(),
                unit: node.unit.to_string(),
                description: var.map(|v| v.description.clone()).unwrap_or_default(),
                definition,
                derived,
                estimate_public: public,
                overridden_by_scenario: is_overridden(plan, n),
                note,
                summary: summarise(run.values(n), &[]),
                claims,
            }
        })
        .collect();
    Some(Explanation {
        item: it.item.id.clone(),
        name: it.item.name.clone(),
        flow: it.item.flow.to_string(),
        category: it.item.category.clone(),
        quantity_expr: it.item.quantity.to_string(),
        unit_price_expr: it.item.unit_price.to_string(),
        unit: it.item.unit.to_string(),
        note: it.item.note.clone(),
        quantity: summarise(run.values(it.quantity), &[]),
        unit_price: summarise(run.values(it.unit_price), &[]),
        value: summarise(run.values(it.value), &[]),
        inputs,
        sources: source_ids.iter().filter_map(|s| ds.sources.get(s)).cloned().collect(),
        scenario: plan.scenario.id.clone(),
        as_of: plan.as_of,
        counterpart: plan
            .items
            .iter()
            .find(|o| {
                o.item.id != it.item.id
                    && (it.item.counterpart.as_deref() == Some(&o.item.id)
                        || o.item.counterpart.as_deref() == Some(&it.item.id))
            })
            .map(|o| Counterpart {
                item: o.item.id.clone(),
                name: o.item.name.clone(),
                flow: o.item.flow.to_string(),
                value: summarise(run.values(o.value), &[]),
            }),
    })
}
