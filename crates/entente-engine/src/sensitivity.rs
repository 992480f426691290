//! Which inputs drive the spread of a figure. Two views, as analysts use them:
//!
//! - **First-order variance indices** Sᵢ = Var(E[Y | Xᵢ]) / Var(Y), estimated from the existing draws by binning
//!   Xᵢ into equal-count bins (the "change in output" method of @RISK, a given-data estimator in SALib's
//!   terms). Unlike regression coefficients this is right for non-linear models such as quantity × price.
//! - **Tornado**: the figure evaluated with one input at its own P5 and P95 and every other input at its median.

use crate::plan::{CExpr, NodeDef, Plan};
use crate::run::Run;
use crate::stats::{mean_sd, quantiles};
use entente_core::expr::Op;
use rayon::prelude::*;
use serde::Serialize;

/// Number of equal-count bins used to estimate E[Y | Xᵢ].
pub const BINS: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct InputSensitivity {
    pub variable: String,
    pub unit: String,
    /// First-order index in [0, 1] (estimates may be slightly negative for inert inputs; they are clamped).
    pub first_order: f64,
    pub input_p5: f64,
    pub input_p50: f64,
    pub input_p95: f64,
    /// The figure with this input at its P5 (others at medians), and at its P95.
    pub at_p5: f64,
    pub at_p95: f64,
    /// |at_p95 − at_p5|: the length of the tornado bar.
    pub swing: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sensitivity {
    pub figure: String,
    pub scenario: String,
    pub as_of: chrono::NaiveDate,
    pub samples: usize,
    /// The figure with every input at its median.
    pub base: f64,
    /// Sum of the first-order indices; well below 1 means interactions matter (products of uncertain terms).
    pub sum_first_order: f64,
    /// Sorted by first-order index, largest first.
    pub inputs: Vec<InputSensitivity>,
    /// Inputs of this figure that are rank-correlated with another input: their first-order indices share the
    /// correlated part of the variance, so the indices can sum to more than 1.
    pub correlated: Vec<String>,
}

/// First-order index of `x` for `y` by equal-count binning, with the small-sample bias of the between-bin
/// variance removed (the within-bin variance divided by the bin size).
pub fn first_order(x: &[f64], y: &[f64], bins: usize) -> f64 {
    let n = x.len();
    let (_, sd_y) = mean_sd(y);
    let var_y = sd_y * sd_y;
    if var_y == 0.0 || n < 2 * bins {
        return 0.0;
    }
    let idx = crate::correlate::argsort(x);
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let (mut between, mut within) = (0.0, 0.0);
    for b in 0..bins {
        let (lo, hi) = (b * n / bins, (b + 1) * n / bins);
        let ys: Vec<f64> = idx[lo..hi].iter().map(|i| y[*i as usize]).collect();
        let (m, s) = mean_sd(&ys);
        let w = (hi - lo) as f64 / n as f64;
        between += w * (m - mean_y).powi(2);
        within += w * s * s / (hi - lo) as f64;
    }
    ((between - within) / var_y).clamp(0.0, 1.0)
}

fn eval_scalar(e: &CExpr, v: &[f64]) -> f64 {
    match e {
        CExpr::Num(x) => *x,
        CExpr::Node(i) => v[*i],
        CExpr::Neg(a) => -eval_scalar(a, v),
        CExpr::Bin(op, a, b) => {
            let (x, y) = (eval_scalar(a, v), eval_scalar(b, v));
            match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div => x / y,
            }
        }
        CExpr::Min(a, b) => eval_scalar(a, v).min(eval_scalar(b, v)),
        CExpr::Max(a, b) => eval_scalar(a, v).max(eval_scalar(b, v)),
    }
}

/// Evaluates the plan once with the given leaf values; returns every node's value.
pub fn evaluate_point(plan: &Plan, leaf_value: &dyn Fn(usize) -> f64) -> Vec<f64> {
    let mut v = vec![0.0; plan.nodes.len()];
    for (i, node) in plan.nodes.iter().enumerate() {
        v[i] = match &node.def {
            NodeDef::Leaf { .. } => leaf_value(i),
            NodeDef::Expr(e) => eval_scalar(e, &v),
            NodeDef::Sum(m) => m.iter().map(|k| v[*k]).sum(),
        };
    }
    v
}

/// Sensitivity of the node `target` (by default the deliveries total) to every uncertain input it depends on.
/// Reads the inputs and the target: a run keeping `Keep::Inputs` (or everything) will do.
pub fn sensitivity(run: &Run, target: usize) -> Sensitivity {
    let plan = &run.plan;
    let y = run.values(target);
    let leaves: Vec<usize> = plan
        .leaves_of(target)
        .into_iter()
        .filter(|&l| {
            let c = run.values(l);
            c.iter().any(|x| *x != c[0])
        })
        .collect();
    let stats: Vec<[f64; 3]> = leaves
        .par_iter()
        .map(|&l| {
            let q = quantiles(run.values(l), &[0.05, 0.5, 0.95]);
            [q[0], q[1], q[2]]
        })
        .collect();
    // only leaves are read by a point evaluation: other nodes need no median
    let medians: Vec<f64> = (0..plan.nodes.len())
        .into_par_iter()
        .map(|i| match (leaves.iter().position(|l| *l == i), &plan.nodes[i].def) {
            (Some(k), _) => stats[k][1],
            (None, NodeDef::Leaf { .. }) => quantiles(run.values(i), &[0.5])[0],
            (None, _) => f64::NAN,
        })
        .collect();
    let base = evaluate_point(plan, &|i| medians[i])[target];
    let mut inputs: Vec<InputSensitivity> = leaves
        .par_iter()
        .zip(&stats)
        .map(|(&l, s)| {
            let at = |v: f64| evaluate_point(plan, &|i| if i == l { v } else { medians[i] })[target];
            let (at_p5, at_p95) = (at(s[0]), at(s[2]));
            InputSensitivity {
                variable: plan.nodes[l].name.clone(),
                unit: plan.nodes[l].unit.to_string(),
                first_order: first_order(run.values(l), y, BINS),
                input_p5: s[0],
                input_p50: s[1],
                input_p95: s[2],
                at_p5,
                at_p95,
                swing: (at_p95 - at_p5).abs(),
            }
        })
        .collect();
    inputs.sort_by(|a, b| {
        b.first_order.total_cmp(&a.first_order).then(b.swing.total_cmp(&a.swing)).then(a.variable.cmp(&b.variable))
    });
    Sensitivity {
        figure: plan.nodes[target].name.clone(),
        scenario: plan.scenario.id.clone(),
        as_of: plan.as_of,
        samples: run.samples,
        base,
        sum_first_order: inputs.iter().map(|i| i.first_order).sum(),
        correlated: {
            let mut c: Vec<String> = plan
                .correlations
                .iter()
                .flat_map(|(g, _)| g.iter())
                .filter(|n| leaves.contains(n))
                .map(|n| plan.nodes[*n].name.clone())
                .collect();
            c.sort();
            c
        },
        inputs,
    }
}

/// P5 / P50 / P95 of every leaf's own distribution (`None` for other nodes), from the first chunk of its draws
/// (the very draws a run with this seed starts from, before any re-ordering): enough to rank inputs by how far
/// they move a figure, without keeping every input of a run.
pub fn leaf_bands(plan: &Plan, seed: u64) -> Vec<Option<[f64; 3]>> {
    plan.nodes
        .par_iter()
        .map(|n| match &n.def {
            NodeDef::Leaf { sampler, estimate, stream, .. } => {
                let mut x = vec![0.0; crate::sample::CHUNK];
                sampler.fill(&mut crate::sample::rng(seed, *stream, 0), &estimate.truncation, &mut x);
                if x.iter().all(|v| v.is_finite()) {
                    let q = quantiles(&x, &[0.05, 0.5, 0.95]);
                    Some([q[0], q[1], q[2]])
                } else {
                    None
                }
            }
            _ => None,
        })
        .collect()
}

/// One input's effect on a figure with every other input at its median: the tornado bar, from [`leaf_bands`].
#[derive(Debug, Clone, Serialize)]
pub struct Swing {
    /// The leaf node.
    pub node: usize,
    pub variable: String,
    pub input_p5: f64,
    pub input_p95: f64,
    /// The figure (the sum of `targets`) with this input at its P5, and at its P95.
    pub at_p5: f64,
    pub at_p95: f64,
}

/// The inputs of the sum of `targets`, widest tornado bar first (ties by name), with the figure at all medians.
pub fn swings(plan: &Plan, bands: &[Option<[f64; 3]>], targets: &[usize]) -> (f64, Vec<Swing>) {
    let median = |i: usize| bands[i].map_or(f64::NAN, |b| b[1]);
    let figure = |v: &[f64]| targets.iter().map(|t| v[*t]).sum::<f64>();
    let base = figure(&evaluate_point(plan, &median));
    let mut leaves: Vec<usize> = targets.iter().flat_map(|t| plan.leaves_of(*t)).collect();
    leaves.sort();
    leaves.dedup();
    let mut out: Vec<Swing> = leaves
        .into_iter()
        .filter_map(|l| {
            let b = bands[l]?;
            if b[0] == b[2] {
                return None; // a fixed number moves nothing
            }
            let at = |x: f64| figure(&evaluate_point(plan, &|i| if i == l { x } else { median(i) }));
            Some(Swing {
                node: l,
                variable: plan.nodes[l].name.clone(),
                input_p5: b[0],
                input_p95: b[2],
                at_p5: at(b[0]),
                at_p95: at(b[2]),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (b.at_p95 - b.at_p5).abs().total_cmp(&(a.at_p95 - a.at_p5).abs()).then(a.variable.cmp(&b.variable))
    });
    (base, out)
}

/// How strong the evidence behind an input is, from the best Admiralty grade among its reported claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceStrength {
    /// A reported claim graded A–B and 1–2.
    Strong,
    /// A reported claim graded A–C and 1–3 (but none A–B/1–2).
    Fair,
    /// Only reported claims graded below C3.
    Weak,
    /// Only analyst assumptions (F6), or no claim at all.
    Assumption,
}

/// The strength of the evidence behind a leaf's estimate, and its best reported grade.
pub fn evidence_strength(
    ds: &entente_core::Dataset,
    claims: &[String],
) -> (EvidenceStrength, Option<entente_core::Grade>) {
    let best = claims
        .iter()
        .filter(|c| !ds.claim_is_assumption(c))
        .filter_map(|c| ds.claim_grade(c))
        .min_by_key(|g| (g.reliability, g.credibility));
    let ok = |g: entente_core::Grade, s: &str| g.meets(s.parse().expect("valid grade"));
    let strength = match best {
        None => EvidenceStrength::Assumption,
        Some(g) if ok(g, "B2") => EvidenceStrength::Strong,
        Some(g) if ok(g, "C3") => EvidenceStrength::Fair,
        Some(_) => EvidenceStrength::Weak,
    };
    (strength, best)
}

/// Confidence in a judgment, from the grades of the evidence behind it (see [`judgment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Moderate,
    Low,
}

/// One of the inputs that drive the headline most, with its basis.
#[derive(Debug, Clone, Serialize)]
pub struct KeyAssumption {
    pub variable: String,
    pub description: String,
    pub unit: String,
    pub input_p5: f64,
    pub input_p50: f64,
    pub input_p95: f64,
    /// The headline with this input at its P5 and P95 (every other input at its median).
    pub at_p5: f64,
    pub at_p95: f64,
    /// This input's share of the tornado's spread (its swing squared over the sum of all swings squared).
    pub share: f64,
    pub strength: EvidenceStrength,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_grade: Option<String>,
    pub claims: Vec<String>,
    pub sources: Vec<String>,
}

/// Share of the headline's spread resting on evidence of each strength (they sum to 1).
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct GradeMix {
    pub strong: f64,
    pub fair: f64,
    pub weak: f64,
    pub assumption: f64,
}

/// The headline judgment in numbers: probabilities of the statements an analyst would publish, the confidence
/// that the evidence supports, and the key assumptions. Words are made in the report's views (ICD 203).
#[derive(Debug, Clone, Serialize)]
pub struct Judgment {
    /// The probability that the deliveries lie within their P5–P95 (0.9 by construction).
    pub interval_probability: f64,
    /// P(deliveries > Russia's identified compensation), when the model has compensation items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_deliveries_exceed_compensation: Option<f64>,
    pub grade_mix: GradeMix,
    /// High when at least half of the spread rests on strong evidence (A–B, 1–2) and under a fifth on weak
    /// evidence or analyst assumptions; low when half or more does; moderate otherwise.
    pub confidence: Confidence,
    /// The inputs that move the headline most (widest tornado bars), at most five.
    pub key_assumptions: Vec<KeyAssumption>,
}

/// Number of key assumptions listed with a judgment.
pub const KEY_ASSUMPTIONS: usize = 5;

/// The confidence rule of [`Judgment::confidence`].
pub fn confidence_of(mix: &GradeMix) -> Confidence {
    let weak = mix.weak + mix.assumption;
    if mix.strong >= 0.5 && weak < 0.2 {
        Confidence::High
    } else if weak >= 0.5 {
        Confidence::Low
    } else {
        Confidence::Moderate
    }
}

/// The judgment behind the headline (the deliveries total) of a run keeping at least its flows.
pub fn judgment(ds: &entente_core::Dataset, run: &Run) -> Judgment {
    let plan = &run.plan;
    let (kp, ru) = (run.values(plan.flows[0].1), run.values(plan.flows[1].1));
    let has_ru = plan.items.iter().any(|i| i.item.flow == entente_core::Flow::RuToKp);
    let p_exceed = (has_ru && !kp.is_empty() && kp.len() == ru.len())
        .then(|| kp.iter().zip(ru).filter(|(a, b)| a > b).count() as f64 / kp.len() as f64);
    judgment_of(ds, plan, run.seed, p_exceed)
}

/// [`judgment`] of a plan drawn with `seed`, given the share of its worlds where deliveries exceed compensation
/// (`None` when it has no compensation items).
pub fn judgment_of(ds: &entente_core::Dataset, plan: &Plan, seed: u64, p_exceed: Option<f64>) -> Judgment {
    let bands = leaf_bands(plan, seed);
    let (_, sw) = swings(plan, &bands, &[plan.total]);
    let sq: Vec<f64> = sw.iter().map(|s| (s.at_p95 - s.at_p5).powi(2)).collect();
    let total_sq: f64 = sq.iter().sum();
    let mut mix = GradeMix::default();
    let mut key = Vec::new();
    for (k, (s, q)) in sw.iter().zip(&sq).enumerate() {
        let claims = plan.claims_of(s.node);
        let (strength, best) = evidence_strength(ds, &claims);
        let share = if total_sq > 0.0 { q / total_sq } else { 0.0 };
        match strength {
            EvidenceStrength::Strong => mix.strong += share,
            EvidenceStrength::Fair => mix.fair += share,
            EvidenceStrength::Weak => mix.weak += share,
            EvidenceStrength::Assumption => mix.assumption += share,
        }
        if k < KEY_ASSUMPTIONS {
            key.push(KeyAssumption {
                variable: s.variable.clone(),
                description: ds.variable(&s.variable).map(|v| v.description.clone()).unwrap_or_default(),
                unit: plan.nodes[s.node].unit.to_string(),
                input_p5: s.input_p5,
                input_p50: bands[s.node].map_or(f64::NAN, |b| b[1]),
                input_p95: s.input_p95,
                at_p5: s.at_p5,
                at_p95: s.at_p95,
                share,
                strength,
                best_grade: best.map(|g| g.to_string()),
                sources: crate::assess::sources_of(ds, &claims),
                claims,
            });
        }
    }
    Judgment {
        interval_probability: 0.9,
        p_deliveries_exceed_compensation: p_exceed,
        confidence: confidence_of(&mix),
        grade_mix: mix,
        key_assumptions: key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{rng, stream_id, Sampler};
    use entente_core::{Distribution, Truncation};

    fn draws(d: Distribution, name: &str, n: usize) -> Vec<f64> {
        let mut v = vec![0.0; n];
        Sampler::new(&d).unwrap().fill(&mut rng(5, stream_id(name), 0), &Truncation::default(), &mut v);
        v
    }

    /// Y = X₁ + X₂: Sᵢ = Var Xᵢ / (Var X₁ + Var X₂).
    #[test]
    fn sum_model_matches_closed_form() {
        let n = 200_000;
        let (d1, d2) = (Distribution::Normal { mean: 0.0, sd: 1.0 }, Distribution::Uniform { low: 0.0, high: 6.0 });
        let (x1, x2) = (draws(d1.clone(), "a", n), draws(d2.clone(), "b", n));
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| a + b).collect();
        let total = d1.variance() + d2.variance();
        assert!((first_order(&x1, &y, BINS) - d1.variance() / total).abs() < 0.01);
        assert!((first_order(&x2, &y, BINS) - d2.variance() / total).abs() < 0.01);
    }

    /// Y = X₁ · X₂ independent: S₁ = E[X₂]² Var X₁ / Var Y, and the indices sum to less than one.
    #[test]
    fn product_model_matches_closed_form() {
        let n = 200_000;
        let (d1, d2) = (
            Distribution::Pert { low: 1000.0, mode: 3000.0, high: 9000.0 },
            Distribution::Uniform { low: 300.0, high: 900.0 },
        );
        let (x1, x2) = (draws(d1.clone(), "q", n), draws(d2.clone(), "p", n));
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| a * b).collect();
        let var_y =
            d1.variance() * d2.variance() + d1.variance() * d2.mean().powi(2) + d2.variance() * d1.mean().powi(2);
        let s1 = d2.mean().powi(2) * d1.variance() / var_y;
        let s2 = d1.mean().powi(2) * d2.variance() / var_y;
        let (e1, e2) = (first_order(&x1, &y, BINS), first_order(&x2, &y, BINS));
        assert!((e1 - s1).abs() < 0.015, "{e1} vs {s1}");
        assert!((e2 - s2).abs() < 0.015, "{e2} vs {s2}");
        assert!(e1 + e2 < 1.0);
    }

    #[test]
    fn confidence_follows_the_grade_mix() {
        let mix = |strong, fair, weak, assumption| GradeMix { strong, fair, weak, assumption };
        assert_eq!(confidence_of(&mix(0.6, 0.3, 0.05, 0.05)), Confidence::High);
        assert_eq!(confidence_of(&mix(0.6, 0.1, 0.1, 0.2)), Confidence::Moderate, "a fifth weak is too much for high");
        assert_eq!(confidence_of(&mix(0.3, 0.4, 0.1, 0.2)), Confidence::Moderate);
        assert_eq!(confidence_of(&mix(0.3, 0.2, 0.1, 0.4)), Confidence::Low);
    }

    #[test]
    fn an_inert_input_scores_zero() {
        let n = 100_000;
        let x = draws(Distribution::Normal { mean: 0.0, sd: 1.0 }, "x", n);
        let y = draws(Distribution::Normal { mean: 0.0, sd: 1.0 }, "y", n);
        assert!(first_order(&x, &y, BINS) < 0.005);
    }
}
