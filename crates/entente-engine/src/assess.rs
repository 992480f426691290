//! From draws to figures: the summary of every item, category, flow and the total, the share of GDP and the
//! claims and sources behind each. A figure never leaves the engine without its provenance.

use crate::history::Band;
use crate::hypotheses::{side_by_side_of, InUse};
use crate::plan::{NodeDef, Plan};
use crate::run::Run;
use crate::stats::{summarise_with, summary_probabilities, Summary};
use crate::stream::{stream, Request, Source};
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

/// What one figure reports on.
struct Spec {
    id: String,
    kind: FigureKind,
    label: String,
    flow: Option<Flow>,
    category: Option<String>,
    /// The node summarised; `None` for the ratio of the flows.
    node: Option<usize>,
}

impl Spec {
    /// Flows and the ratio report the batch error of their P95.
    fn batch_error(&self) -> bool {
        matches!(self.kind, FigureKind::Flow | FigureKind::Ratio)
    }
}

/// The figures of a plan: items, categories, flows and, when `ratio`, deliveries per dollar of compensation.
fn specs(plan: &Plan, ratio: bool) -> Vec<Spec> {
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
    if ratio {
        specs.push(Spec {
            id: "ratio:KP->RU/RU->KP".into(),
            kind: FigureKind::Ratio,
            label: "Deliveries per dollar of compensation".into(),
            flow: None,
            category: None,
            node: None,
        });
    }
    specs
}

/// Summarises a run into figures.
pub fn assess(ds: &Dataset, run: &Run, quantiles: &[f64]) -> Assessment {
    let plan: &Plan = &run.plan;
    let ratio = balance_ratio(run);
    let specs = specs(plan, ratio.is_some());
    let draws: Vec<&[f64]> =
        specs.iter().map(|s| s.node.map_or(ratio.as_deref().unwrap_or(&[]), |n| run.values(n))).collect();
    // Figures that read the same draws (a category of one item and that item) share one summary.
    let same =
        |i: usize, j: usize| draws[i].as_ptr() == draws[j].as_ptr() && specs[i].batch_error() == specs[j].batch_error();
    let first: Vec<usize> = (0..specs.len()).map(|i| (0..i).find(|j| same(i, *j)).unwrap_or(i)).collect();
    let summaries: Vec<Option<Summary>> = (0..specs.len())
        .into_par_iter()
        .map(|i| (first[i] == i).then(|| summarise_with(draws[i], quantiles, specs[i].batch_error())))
        .collect();
    let summaries: Vec<Summary> =
        first.iter().map(|f| summaries[*f].clone().expect("summarised once, at its first figure")).collect();
    figures_of(ds, plan, run.samples, run.seed, specs, summaries)
}

/// The assessment of `plan` from the summary of each figure.
fn figures_of(
    ds: &Dataset,
    plan: &Plan,
    samples: usize,
    seed: u64,
    specs: Vec<Spec>,
    summaries: Vec<Summary>,
) -> Assessment {
    // Only a GDP figure public by the as-of date: the scenario's year, else the latest earlier year then known.
    let gdp = plan.scenario.gdp_year.and_then(|y| ds.gdp_known(y, plan.as_of).map(|g| (y, g))).map(|(y, g)| GdpBasis {
        year: g.year,
        usd: g.usd,
        basis: g.basis.clone(),
        public: g.public,
        instead_of: (g.year != y).then_some(y),
        measure: g.measure.clone(),
    });
    let figures: Vec<Figure> = specs
        .into_par_iter()
        .zip(summaries)
        .map(|(s, summary)| {
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
            let share_of_gdp = match (&gdp, s.kind) {
                (Some(g), FigureKind::Item | FigureKind::Category | FigureKind::Flow) => {
                    Some(summary.quantiles.iter().map(|(p, v)| (*p, v / g.usd)).collect())
                }
                _ => None,
            };
            Figure {
                id: s.id,
                kind: s.kind,
                label: s.label,
                flow: s.flow,
                category: s.category,
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
        samples,
        seed,
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

/// The probabilities of a band (P5, P50, P95).
const BAND: [f64; 3] = [0.05, 0.5, 0.95];

/// `assess` for runs too large to hold in memory: the same figures as [`assess`] of a run of `plan` keeping
/// `Keep::Figures` with the same sample count and seed (exactly: mean, standard deviation, quantiles and batch
/// errors are bit-identical, see [`crate::stream`]), with the headline judgment
/// ([`crate::sensitivity::judgment`]) and the side-by-side of hypotheses
/// ([`crate::hypotheses::side_by_side`] with `hypothesis_samples` per option), in memory that does not grow
/// with the sample count.
pub fn assess_streaming(
    ds: &Dataset,
    plan: Plan,
    samples: usize,
    seed: u64,
    quantiles: &[f64],
    hypothesis_samples: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Assessment, String> {
    let has_ru = plan.items.iter().any(|i| i.item.flow == Flow::RuToKp);
    let mut specs = specs(&plan, has_ru);
    let ps = summary_probabilities(quantiles);
    // the bands of the side-by-side are read at exactly these probabilities
    let mut probs = ps.clone();
    probs.extend(BAND.iter().filter(|b| !ps.contains(b)));
    let requests: Vec<Request> = specs
        .iter()
        .map(|s| Request {
            source: s.node.map_or(Source::Ratio, Source::Node),
            probs: probs.clone(),
            batch_error: s.batch_error(),
        })
        .collect();
    let hypothesis_samples = hypothesis_samples.min(samples);
    let streamed = stream(&plan, samples, seed, &requests, hypothesis_samples, progress)?;
    let band = |k: usize| {
        let q =
            |p: f64| streamed.summaries[k].quantiles[probs.iter().position(|x| *x == p).expect("a band probability")];
        Band { p5: q(BAND[0]), p50: q(BAND[1]), p95: q(BAND[2]) }
    };
    let at = |id: &str| specs.iter().position(|s| s.id == id).expect("a figure of the plan");
    let flow = |f: usize| at(&format!("flow:{}", plan.flows[f].0));
    let ratio = (has_ru && streamed.compensation_positive).then(|| band(at("ratio:KP->RU/RU->KP")));
    let in_use = InUse {
        plan: &plan,
        seed,
        samples,
        deliveries: band(flow(0)),
        compensation: band(flow(1)),
        ratio,
        categories: plan
            .categories
            .iter()
            .map(|(c, f, _)| (c.clone(), *f, band(at(&format!("category:{f}:{c}"))).p50))
            .collect(),
        flows: streamed.flows_prefix.clone(),
    };
    let hypotheses = side_by_side_of(ds, &in_use, hypothesis_samples)?;
    let mut summaries: Vec<Summary> = streamed
        .summaries
        .iter()
        .map(|s| Summary {
            mean: s.moments.mean,
            sd: s.moments.sd,
            se_mean: s.moments.sd / (samples as f64).sqrt(),
            quantiles: ps.iter().copied().zip(s.quantiles.iter().copied()).collect(),
            se_p95: s.se_p95,
        })
        .collect();
    if has_ru && !streamed.compensation_positive {
        // compensation can be zero: the ratio is undefined (the flows are still reported)
        specs.pop();
        summaries.pop();
    }
    let p_exceed = has_ru.then(|| streamed.deliveries_exceed as f64 / samples as f64);
    let judgment = crate::sensitivity::judgment_of(ds, &plan, seed, p_exceed);
    let mut a = figures_of(ds, &plan, samples, seed, specs, summaries);
    a.judgment = Some(judgment);
    a.hypotheses = hypotheses;
    Ok(a)
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
