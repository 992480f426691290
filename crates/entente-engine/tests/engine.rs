//! The engine against closed forms: moments of products and sums of independent inputs, determinism for a
//! seed, and independence from the number of threads.

use chrono::NaiveDate;
use entente_core::*;
use entente_engine::{estimate, Keep, Plan, PlanOptions};

mod common;
use common::{item, var};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// X ~ PERT(1000, 3000, 9000) shells, Y ~ uniform(300, 900) USD/shell; Z ~ lognormal rockets at W ~ triangular.
fn model() -> Dataset {
    Dataset {
        variables: vec![
            var("x", "shell", Distribution::Pert { low: 1000.0, mode: 3000.0, high: 9000.0 }),
            var("y", "USD/shell", Distribution::Uniform { low: 300.0, high: 900.0 }),
            var("z", "rocket", Distribution::lognormal_90(100.0, 400.0).unwrap()),
            var("w", "USD/rocket", Distribution::Triangular { low: 1000.0, mode: 4000.0, high: 6000.0 }),
        ],
        items: vec![
            item("shells", Flow::KpToRu, "artillery-shells", "shell", "x", "y"),
            item("rockets", Flow::KpToRu, "mrl-rockets", "rocket", "z", "w"),
        ],
        scenarios: vec![Scenario {
            id: "s".into(),
            title: "test".into(),
            description: String::new(),
            as_of: d("2025-01-01"),
            gdp_year: None,
            overrides: Default::default(),
        }],
        default_scenario: "s".into(),
        ..Default::default()
    }
}

const N: usize = 400_000;

#[test]
fn product_of_independent_inputs_matches_closed_form() {
    let ds = model();
    let (_, a) = estimate(&ds, &PlanOptions::default(), N, 1, &[], &|_| {}).unwrap();
    let x = Distribution::Pert { low: 1000.0, mode: 3000.0, high: 9000.0 };
    let y = Distribution::Uniform { low: 300.0, high: 900.0 };
    // E[XY] = E[X]E[Y]; Var[XY] = Var X Var Y + Var X E[Y]² + Var Y E[X]²
    let mean = x.mean() * y.mean();
    let var = x.variance() * y.variance() + x.variance() * y.mean().powi(2) + y.variance() * x.mean().powi(2);
    let f = a.figure("item:shells").unwrap();
    assert!((f.summary.mean - mean).abs() < 4.0 * f.summary.se_mean, "mean {} vs {mean}", f.summary.mean);
    assert!((f.summary.sd.powi(2) / var - 1.0).abs() < 0.02, "var {} vs {var}", f.summary.sd.powi(2));
}

#[test]
fn sum_of_independent_items_matches_closed_form() {
    let ds = model();
    let (_, a) = estimate(&ds, &PlanOptions::default(), N, 2, &[], &|_| {}).unwrap();
    let prod = |x: &Distribution, y: &Distribution| {
        (
            x.mean() * y.mean(),
            x.variance() * y.variance() + x.variance() * y.mean().powi(2) + y.variance() * x.mean().powi(2),
        )
    };
    let v = &ds.variables;
    let dist = |i: usize| match &v[i].kind {
        VariableKind::Estimates(e) => e[0].dist.clone(),
        _ => unreachable!(),
    };
    let (m1, v1) = prod(&dist(0), &dist(1));
    let (m2, v2) = prod(&dist(2), &dist(3));
    let t = a.total();
    assert!((t.summary.mean - (m1 + m2)).abs() < 4.0 * t.summary.se_mean);
    // Var of a sum of independent terms is the sum of their variances
    assert!((t.summary.sd.powi(2) / (v1 + v2) - 1.0).abs() < 0.02, "{} vs {}", t.summary.sd.powi(2), v1 + v2);
    // categories partition the flow
    let c1 = a.figure("category:KP->RU:artillery-shells").unwrap();
    let c2 = a.figure("category:KP->RU:mrl-rockets").unwrap();
    assert!((c1.summary.mean + c2.summary.mean - t.summary.mean).abs() < 1e-6 * t.summary.mean);
}

#[test]
fn one_sample_index_runs_through_the_model() {
    // value = quantity × price in every world, not merely in distribution
    let ds = model();
    let (run, _) = estimate(&ds, &PlanOptions::default(), 50_000, 3, &[], &|_| {}).unwrap();
    let it = &run.plan.items[0];
    for k in (0..50_000).step_by(997) {
        let (q, p, v) = (run.columns[it.quantity][k], run.columns[it.unit_price][k], run.columns[it.value][k]);
        assert_eq!(q * p, v);
    }
    let total = &run.columns[run.plan.total];
    let rockets = &run.plan.items[1];
    for k in (0..50_000).step_by(991) {
        assert!((run.columns[it.value][k] + run.columns[rockets.value][k] - total[k]).abs() <= 1e-6 * total[k]);
    }
}

#[test]
fn same_seed_same_json_and_different_seed_differs() {
    let ds = model();
    let json = |seed| {
        let (_, a) = estimate(&ds, &PlanOptions::default(), 100_000, seed, &[0.25], &|_| {}).unwrap();
        serde_json::to_string(&a).unwrap()
    };
    assert_eq!(json(42), json(42));
    assert_ne!(json(42), json(43));
}

#[test]
fn thread_count_does_not_change_the_result() {
    let ds = model();
    let run_with = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let (_, a) = estimate(&ds, &PlanOptions::default(), 150_000, 9, &[], &|_| {}).unwrap();
            serde_json::to_string(&a).unwrap()
        })
    };
    assert_eq!(run_with(1), run_with(4));
}

#[test]
fn division_by_zero_is_an_error_not_an_infinity() {
    let mut ds = model();
    ds.variables.push(var("zero", "rocket", Distribution::Point { value: 0.0 }));
    ds.items[1].quantity = Expr::parse("z * z / zero").unwrap();
    let err = estimate(&ds, &PlanOptions::default(), 1000, 1, &[], &|_| {}).unwrap_err();
    assert!(err.contains("item:rockets:quantity") && err.contains("division by zero"), "{err}");
}

#[test]
fn correlated_inputs_get_the_requested_rank_correlation() {
    let mut ds = model();
    ds.correlations.push(Correlation { a: "x".into(), b: "y".into(), rank: 0.8, claims: vec![], note: String::new() });
    let run_with = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| estimate(&ds, &PlanOptions::default(), 100_000, 4, &[], &|_| {}).unwrap())
    };
    let (run, a) = run_with(2);
    let (x, y) = (&run.columns[run.plan.index["x"]], &run.columns[run.plan.index["y"]]);
    let rho = entente_engine::correlate::spearman(x, y);
    assert!((rho - 0.8).abs() < 0.02, "{rho}");
    // positive dependence raises the mean of the product above E[X]E[Y]
    let indep = estimate(&model(), &PlanOptions::default(), 100_000, 4, &[], &|_| {}).unwrap().1;
    assert!(a.figure("item:shells").unwrap().summary.mean > 1.05 * indep.figure("item:shells").unwrap().summary.mean);
    // still deterministic whatever the thread count
    let (_, a1) = run_with(1);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&a1).unwrap());
}

#[test]
fn keeping_only_figures_gives_the_same_figures() {
    let mut ds = model();
    ds.correlations.push(Correlation { a: "x".into(), b: "y".into(), rank: 0.5, claims: vec![], note: String::new() });
    let (_, full) = estimate(&ds, &PlanOptions::default(), 60_000, 11, &[0.1], &|_| {}).unwrap();
    let (_, lean) =
        entente_engine::estimate_keeping(&ds, &PlanOptions::default(), 60_000, 11, &[0.1], &|_| {}, Keep::Figures)
            .unwrap();
    assert_eq!(serde_json::to_string(&full).unwrap(), serde_json::to_string(&lean).unwrap());
}

/// On the default dataset, where categories of one item and bare-variable quantities are read in place rather
/// than stored: lean runs give the very same figures, and `Keep::Items` the same quantities and unit prices.
#[test]
fn lean_runs_on_the_default_dataset_give_the_same_figures() {
    let ds = entente_data::load_embedded().unwrap();
    let opts = PlanOptions::default();
    let (full_run, full) = estimate(&ds, &opts, 20_000, 5, &[0.25], &|_| {}).unwrap();
    assert!(full_run.plan.items.iter().any(|it| full_run.plan.alias_of(it.quantity).is_some()));
    for keep in [Keep::Figures, Keep::Items] {
        let (run, lean) = entente_engine::estimate_keeping(&ds, &opts, 20_000, 5, &[0.25], &|_| {}, keep).unwrap();
        assert_eq!(serde_json::to_string(&full).unwrap(), serde_json::to_string(&lean).unwrap(), "{keep:?}");
        let stored: usize = run.columns.iter().filter(|c| !c.is_empty()).count();
        assert!(stored < full_run.columns.len() / 2, "{keep:?} stores {stored} columns");
        if keep == Keep::Items {
            for it in &run.plan.items {
                assert_eq!(run.values(it.quantity), full_run.values(it.quantity), "{}", it.item.id);
                assert_eq!(run.values(it.unit_price), full_run.values(it.unit_price), "{}", it.item.id);
            }
        }
    }
}

/// The default dataset correlates three prices: with fewer draws than that, or barely more, the re-ordering
/// must neither fail nor panic, and every figure stays finite.
#[test]
fn tiny_runs_with_a_correlated_group_are_fine() {
    let ds = entente_data::load_embedded().unwrap();
    assert!(Plan::new(&ds, &PlanOptions::default()).unwrap().correlations.iter().any(|(g, _)| g.len() == 3));
    for n in [2, 3, 4, 5, 101] {
        let (_, a) = estimate(&ds, &PlanOptions::default(), n, 9, &[], &|_| {}).unwrap();
        assert!(a.figures.iter().all(|f| f.summary.mean.is_finite() && f.summary.p95().is_finite()), "{n}");
    }
}
