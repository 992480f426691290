//! From draws to figures: the summary of every item, category, flow and the total, the share of GDP and the
//! claims and sources behind each. A figure never leaves the engine without its provenance.

use crate::plan::{NodeDef, Plan};
use crate::run::Run;
use crate::stats::{summarise_with, Summary};
use chrono::NaiveDate;
use entente_core::{category_label, Dataset, Flow};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    Item,
    Category,
    Flow,
    /// Deliveries divided by compensation, per simulated world.
    Ratio,
}

/// One reported quantity with its uncertainty and provenance.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub id: String,
    pub kind: FigureKind,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub unit: String,
    #[serde(flatten)]
    pub summary: Summary,
    /// Quantiles as a share of the scenario's GDP (same probabilities as `quantiles`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_of_gdp: Option<Vec<(f64, f64)>>,
    pub claims: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GdpBasis {
    pub year: i32,
    pub usd: f64,
    pub basis: String,
    /// When the figure became public (a run as of an earlier date does not use it).
    pub public: NaiveDate,
    /// The scenario asked for this year's GDP, which was not public yet: an earlier year's figure is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instead_of: Option<i32>,
    /// `nominal`, `real` or `unstated`: which GDP the shares are on.
    pub measure: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Excluded {
    pub item: String,
    pub reason: String,
}

/// The result of `entente assess`.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub scenario: String,
    pub scenario_title: String,
    pub as_of: NaiveDate,
    pub samples: usize,
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_grade: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gdp: Option<GdpBasis>,
    /// The option of each structural hypothesis the figures rest on (e.g. the price basis).
    pub basis: Vec<crate::plan::Basis>,
    /// Variables whose estimate `--min-grade` widened because only analyst assumptions remained.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub widened: Vec<String>,
    pub figures: Vec<Figure>,
    pub excluded: Vec<Excluded>,
    /// With `--min-grade`: the same figures with all evidence, and what the filter changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_effect: Option<crate::grading::GradeEffect>,
    /// Each structural hypothesis with the estimate under each of its options side by side.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hypotheses: Vec<crate::hypotheses::HypothesisResult>,
    /// The headline judgment: probabilities, confidence from the evidence grades, key assumptions (`assess`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judgment: Option<crate::sensitivity::Judgment>,
}

impl Assessment {
    pub fn figure(&self, id: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.id == id)
    }

    /// The headline: everything North Korea delivered.
    pub fn total(&self) -> &Figure {
        self.figure("flow:KP->RU").expect("every assessment has the KP->RU flow")
    }
}

/// Sources cited by a set of claims, sorted.
pub fn sources_of(ds: &Dataset, claims: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> =
        claims.iter().filter_map(|c| ds.claims.get(c)).flat_map(|c| c.sources.iter()).collect();
    set.into_iter().cloned().collect()
}

/// Summarises a run into figures.
pub fn assess(ds: &Dataset, run: &Run, quantiles: &[f64]) -> Assessment {
    let plan: &Plan = &run.plan;
    // Only a GDP figure public by the as-of date: the scenario's year, else the latest earlier year then known.
    let gdp = plan.scenario.gdp_year.and_then(|y| ds.gdp_known(y, plan.as_of).map(|g| (y, g))).map(|(y, g)| GdpBasis {
        year: g.year,
        usd: g.usd,
        basis: g.basis.clone(),
        public: g.public,
        instead_of: (g.year != y).then_some(y),
        measure: g.measure.clone(),
    });

    struct Spec {
        id: String,
        kind: FigureKind,
        label: String,
        flow: Option<Flow>,
        category: Option<String>,
        node: Option<usize>,
    }
    let mut specs = Vec::new();
    for it in &plan.items {
        specs.push(Spec {
            id: format!("item:{}", it.item.id),
            kind: FigureKind::Item,
            label: it.item.name.clone(),
            flow: Some(it.item.flow),
            category: Some(it.item.category.clone()),
            node: Some(it.value),
        });
    }
    for (c, f, n) in &plan.categories {
        specs.push(Spec {
            id: format!("category:{f}:{c}"),
            kind: FigureKind::Category,
            label: category_label(c),
            flow: Some(*f),
            category: Some(c.clone()),
            node: Some(*n),
        });
    }
    for (f, n) in &plan.flows {
        specs.push(Spec {
            id: format!("flow:{f}"),
            kind: FigureKind::Flow,
            label: f.label().into(),
            flow: Some(*f),
            category: None,
            node: Some(*n),
        });
    }
    let ratio = balance_ratio(run);
    if ratio.is_some() {
        specs.push(Spec {
            id: "ratio:KP->RU/RU->KP".into(),
            kind: FigureKind::Ratio,
            label: "Deliveries per dollar of compensation".into(),
            flow: None,
            category: None,
            node: None,
        });
    }
    let draws: Vec<&[f64]> =
        specs.iter().map(|s| s.node.map_or(ratio.as_deref().unwrap_or(&[]), |n| run.values(n))).collect();
    let batch_error = |s: &Spec| matches!(s.kind, FigureKind::Flow | FigureKind::Ratio);
    // Figures that read the same draws (a category of one item and that item) share one summary.
    let same =
        |i: usize, j: usize| draws[i].as_ptr() == draws[j].as_ptr() && batch_error(&specs[i]) == batch_error(&specs[j]);
    let first: Vec<usize> = (0..specs.len()).map(|i| (0..i).find(|j| same(i, *j)).unwrap_or(i)).collect();
    let summaries: Vec<Option<Summary>> = (0..specs.len())
        .into_par_iter()
        .map(|i| (first[i] == i).then(|| summarise_with(draws[i], quantiles, batch_error(&specs[i]))))
        .collect();
    let figures: Vec<Figure> = specs
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let claims = match s.node {
                Some(n) => plan.claims_of(n),
                None => {
                    let mut c = plan.claims_of(plan.flows[0].1);
                    c.extend(plan.claims_of(plan.flows[1].1));
                    c.sort();
                    c.dedup();
                    c
                }
            };
            let summary = summaries[first[i]].clone().expect("summarised once, at its first figure");
            let share_of_gdp = match (&gdp, s.kind) {
                (Some(g), FigureKind::Item | FigureKind::Category | FigureKind::Flow) => {
                    Some(summary.quantiles.iter().map(|(p, v)| (*p, v / g.usd)).collect())
                }
                _ => None,
            };
            Figure {
                id: s.id.clone(),
                kind: s.kind,
                label: s.label.clone(),
                flow: s.flow,
                category: s.category.clone(),
                unit: if s.kind == FigureKind::Ratio { "1".into() } else { "USD".into() },
                summary,
                share_of_gdp,
                sources: sources_of(ds, &claims),
                claims,
            }
        })
        .collect();
    Assessment {
        scenario: plan.scenario.id.clone(),
        scenario_title: plan.scenario.title.clone(),
        as_of: plan.as_of,
        samples: run.samples,
        seed: run.seed,
        min_grade: plan.min_grade.map(|g| g.to_string()),
        gdp,
        basis: plan.basis.clone(),
        widened: plan.widened.clone(),
        figures,
        excluded: plan.excluded.iter().map(|(i, r)| Excluded { item: i.clone(), reason: r.clone() }).collect(),
        grade_effect: None,
        hypotheses: Vec::new(),
        judgment: None,
    }
}

/// Deliveries ÷ compensation in each world, when the model has compensation items that can be positive.
fn balance_ratio(run: &Run) -> Option<Vec<f64>> {
    let plan = &run.plan;
    let has_ru = plan.items.iter().any(|i| i.item.flow == Flow::RuToKp);
    if !has_ru {
        return None;
    }
    ratio_of(run.values(plan.flows[0].1), run.values(plan.flows[1].1))
}

/// Deliveries ÷ compensation per world; `None` when compensation can be zero (the ratio is then undefined; the
/// flows are still reported) or there is none.
pub(crate) fn ratio_of(kp: &[f64], ru: &[f64]) -> Option<Vec<f64>> {
    (!ru.is_empty() && ru.iter().all(|v| *v > 0.0)).then(|| kp.iter().zip(ru).map(|(a, b)| a / b).collect())
}

/// True for leaves that a scenario replaced: shown in `explain` so that scenario effects are visible.
pub fn is_overridden(plan: &Plan, node: usize) -> bool {
    matches!(plan.nodes[node].def, NodeDef::Leaf { overridden: true, .. })
}
