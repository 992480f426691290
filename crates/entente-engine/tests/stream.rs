//! Streamed summaries (runs too large to hold) against the same run held in memory: the very same figures, bit
//! for bit, whatever path the streaming takes; and against a closed form at a large sample count.

use chrono::NaiveDate;
use entente_core::*;
use entente_engine::stats::{summarise_with, summary_probabilities};
use entente_engine::stream::{stream_tuned, Request, Source, Tuning};
use entente_engine::{assess, assess_streaming, hypotheses, sensitivity, Keep, Plan, PlanOptions, Run};

mod common;
use common::{item, var};

fn dataset(variables: Vec<Variable>, items: Vec<Item>) -> Dataset {
    Dataset {
        variables,
        items,
        scenarios: vec![Scenario {
            id: "s".into(),
            title: "test".into(),
            description: String::new(),
            as_of: "2025-01-01".parse::<NaiveDate>().unwrap(),
            gdp_year: None,
            overrides: Default::default(),
        }],
        default_scenario: "s".into(),
        ..Default::default()
    }
}

/// Deliveries and compensation, a correlated pair, a point mass (a fixed item) and a clipped quantity (ties at
/// the clip): every awkward shape a column can take.
fn awkward() -> Dataset {
    let mut ds = dataset(
        vec![
            var("x", "shell", Distribution::Pert { low: 1000.0, mode: 3000.0, high: 9000.0 }),
            var("y", "USD/shell", Distribution::Uniform { low: 300.0, high: 900.0 }),
            var("z", "rocket", Distribution::lognormal_90(100.0, 400.0).unwrap()),
            var("w", "USD/rocket", Distribution::Triangular { low: 1000.0, mode: 4000.0, high: 6000.0 }),
            var("f", "barrel", Distribution::Point { value: 5000.0 }),
            var("fp", "USD/barrel", Distribution::Point { value: 80.0 }),
            var("t", "tonne", Distribution::Normal { mean: 100.0, sd: 40.0 }),
            var("tp", "USD/tonne", Distribution::Uniform { low: 500.0, high: 700.0 }),
        ],
        vec![
            item("shells", Flow::KpToRu, "artillery-shells", "shell", "x", "y"),
            item("rockets", Flow::KpToRu, "mrl-rockets", "rocket", "z", "w"),
            item("oil", Flow::RuToKp, "oil", "barrel", "f", "fp"),
            item("wheat", Flow::RuToKp, "food", "tonne", "max(t, 80)", "tp"),
        ],
    );
    ds.correlations.push(Correlation { a: "x".into(), b: "y".into(), rank: 0.6, claims: vec![], note: String::new() });
    ds
}

/// Every figure a streamed run reports, against `summarise_with` of the run's columns held in memory.
fn check_requests(ds: &Dataset, samples: usize, tuning: Tuning, quantiles: &[f64]) -> usize {
    let plan = Plan::new(ds, &PlanOptions::default()).unwrap();
    let run = Run::keeping(plan.clone(), samples, 7, &|_| {}, Keep::Figures).unwrap();
    let kp = run.values(plan.flows[0].1);
    let ru = run.values(plan.flows[1].1);
    let ratio: Vec<f64> = kp.iter().zip(ru).map(|(a, b)| a / b).collect();
    let ps = summary_probabilities(quantiles);
    let mut requests = Vec::new();
    let mut nodes: Vec<usize> = plan.items.iter().map(|i| i.value).collect();
    nodes.extend(plan.categories.iter().map(|c| c.2));
    for n in nodes {
        requests.push(Request { source: Source::Node(n), probs: ps.clone(), batch_error: false });
    }
    for (_, n) in &plan.flows {
        requests.push(Request { source: Source::Node(*n), probs: ps.clone(), batch_error: true });
    }
    requests.push(Request { source: Source::Ratio, probs: ps.clone(), batch_error: true });
    let s = stream_tuned(&plan, samples, 7, &requests, 1000, &|_| {}, tuning).unwrap();
    for (req, got) in requests.iter().zip(&s.summaries) {
        let x = match req.source {
            Source::Node(n) => run.values(n),
            Source::Ratio => &ratio,
        };
        let want = summarise_with(x, quantiles, req.batch_error);
        let what = format!("{:?} at {samples} samples with {tuning:?}", req.source);
        assert_eq!(got.moments.mean.to_bits(), want.mean.to_bits(), "mean of {what}");
        assert_eq!(got.moments.sd.to_bits(), want.sd.to_bits(), "sd of {what}");
        let qs: Vec<(f64, f64)> = ps.iter().copied().zip(got.quantiles.iter().copied()).collect();
        assert_eq!(qs, want.quantiles, "quantiles of {what}");
        assert_eq!(got.se_p95, want.se_p95, "batch error of {what}");
    }
    assert_eq!(s.deliveries_exceed, kp.iter().zip(ru).filter(|(a, b)| a > b).count());
    assert!(s.compensation_positive);
    let n = 1000.min(samples);
    assert_eq!((&s.flows_prefix.0[..], &s.flows_prefix.1[..]), (&kp[..n], &ru[..n]));
    s.passes
}

const CHUNK: usize = entente_engine::sample::CHUNK;

/// Sample counts at chunk boundaries and on either side of the pilot, with the default tuning: one pass.
#[test]
fn streamed_summaries_equal_those_in_memory() {
    let ds = awkward();
    for n in [2, 17, CHUNK, CHUNK + 1, 3 * CHUNK + 1, 8 * CHUNK, 8 * CHUNK + 1, 9 * CHUNK - 1, 200_001] {
        assert_eq!(check_requests(&ds, n, Tuning::default(), &[0.0, 0.001, 0.25, 0.999, 1.0]), 1, "{n}");
    }
}

/// Forced off the fast path: brackets histogrammed first (a tiny budget), brackets that miss their rank (far
/// too narrow) and odd windows. Every path gives the exact figures, in more passes over the run.
#[test]
fn every_streaming_path_is_exact() {
    let ds = awkward();
    let n = 5 * CHUNK + 3;
    let histogram = Tuning { pilot_chunks: 2, window: 3, sigmas: 6.0, budget: 0 };
    assert!(check_requests(&ds, n, histogram, &[0.1, 0.999]) >= 2);
    let missing = Tuning { pilot_chunks: 1, window: 2, sigmas: 0.0, budget: 1 << 20 };
    assert!(check_requests(&ds, n, missing, &[0.0, 0.3, 1.0]) >= 2);
    let both = Tuning { pilot_chunks: 1, window: 1, sigmas: 0.0, budget: 10 };
    assert!(check_requests(&ds, n, both, &[0.5]) >= 3);
}

/// The whole assessment of the default dataset (figures, judgment, hypotheses side by side with their weighted
/// mixture), streamed, is the very JSON of the run held in memory.
#[test]
fn streamed_assessment_of_the_default_dataset_is_the_one_in_memory() {
    let ds = entente_data::load_embedded().unwrap();
    assert!(ds.hypotheses.iter().any(|h| h.weighted()), "the mixture is exercised");
    for (n, per_option) in [(CHUNK + 5, 1000), (300_007, 20_000)] {
        let plan = Plan::new(&ds, &PlanOptions::default()).unwrap();
        let run = Run::keeping(plan.clone(), n, 3, &|_| {}, Keep::Figures).unwrap();
        let mut want = assess(&ds, &run, &[0.01, 0.25]);
        want.judgment = Some(sensitivity::judgment(&ds, &run));
        want.hypotheses = hypotheses::side_by_side(&ds, &run, per_option).unwrap();
        let got = assess_streaming(&ds, plan, n, 3, &[0.01, 0.25], per_option, &|_| {}).unwrap();
        assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(&want).unwrap(), "{n}");
    }
}

/// A bad value is the same error, naming the same node and sample, streamed or not.
#[test]
fn a_non_finite_value_is_the_same_error_streamed() {
    let mut ds = awkward();
    ds.variables.push(var("zero", "rocket", Distribution::Point { value: 0.0 }));
    ds.items[1].quantity = Expr::parse("z * z / zero").unwrap();
    let plan = Plan::new(&ds, &PlanOptions::default()).unwrap();
    let n = 20 * CHUNK;
    let want = Run::keeping(plan.clone(), n, 1, &|_| {}, Keep::Figures).unwrap_err();
    let got = assess_streaming(&ds, plan, n, 1, &[], 100, &|_| {}).unwrap_err();
    assert_eq!(got, want);
    assert!(got.contains("item:rockets:quantity"), "{got}");
}

/// Two million draws of a lognormal item: its quantiles within five standard errors of the closed form
/// exp(μ + σ z_p), its mean within five of exp(μ + σ²/2).
#[test]
fn streamed_quantiles_of_a_lognormal_match_the_closed_form() {
    use statrs::distribution::{ContinuousCDF, Normal};
    let (mu, sigma) = (8.0, 0.6);
    let ds = dataset(
        vec![
            var("q", "shell", Distribution::LogNormal { mu, sigma }),
            var("p", "USD/shell", Distribution::Point { value: 1.0 }),
        ],
        vec![item("shells", Flow::KpToRu, "artillery-shells", "shell", "q", "p")],
    );
    let n = 2_000_000;
    let plan = Plan::new(&ds, &PlanOptions::default()).unwrap();
    let a = assess_streaming(&ds, plan, n, 11, &[0.01, 0.25, 0.75, 0.99], 1000, &|_| {}).unwrap();
    let f = a.figure("item:shells").unwrap();
    let z = Normal::new(0.0, 1.0).unwrap();
    for (p, got) in &f.summary.quantiles {
        let zp = z.inverse_cdf(*p);
        let want = (mu + sigma * zp).exp();
        // SE of a sample quantile: √(p(1−p)/n) / f(x_p), with the lognormal density f
        let density = (-zp * zp / 2.0).exp() / ((2.0 * std::f64::consts::PI).sqrt() * sigma * want);
        let se = (p * (1.0 - p) / n as f64).sqrt() / density;
        assert!((got - want).abs() < 5.0 * se, "P{p}: {got} vs {want} (se {se})");
    }
    let mean = (mu + sigma * sigma / 2.0).exp();
    assert!((f.summary.mean - mean).abs() < 5.0 * f.summary.se_mean, "{} vs {mean}", f.summary.mean);
    assert_eq!(f.summary.quantiles.len(), 7);
}

/// Windows are drawn in parallel: the streamed figures do not depend on the number of threads.
#[test]
fn streamed_figures_do_not_depend_on_the_thread_count() {
    let ds = awkward();
    let json = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let plan = Plan::new(&ds, &PlanOptions::default()).unwrap();
            let a = assess_streaming(&ds, plan, 12 * CHUNK + 7, 5, &[0.3], 500, &|_| {}).unwrap();
            serde_json::to_string(&a).unwrap()
        })
    };
    assert_eq!(json(1), json(3));
}
