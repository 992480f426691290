//! Analytic integrity on purpose-built datasets (the valid fixture `tests/fixtures/mini`, changed on purpose):
//! no evidence from the future, named price bases side by side, one balance, and a grade filter that keeps
//! chains resting on good evidence.

use entente_core::Dataset;
use entente_data::{load, Files};
use entente_engine::{estimate, hypotheses, Plan, PlanOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture() -> BTreeMap<String, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini");
    entente_data::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")).files
}

/// The fixture with `(file, from, to)` replacements (each must apply; an empty `from` appends, creating the
/// file if needed).
fn edited(edits: &[(&str, &str, &str)]) -> Files {
    let mut files = fixture();
    for (file, from, to) in edits {
        let text = files.entry(file.to_string()).or_default();
        if from.is_empty() {
            text.push_str(to);
        } else {
            assert!(text.contains(from), "fixture {file} has no `{from}`");
            *text = text.replacen(from, to, 1);
        }
    }
    Files { files }
}

fn dataset(edits: &[(&str, &str, &str)]) -> Dataset {
    load(&edited(edits)).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(edits: &[(&str, &str, &str)]) -> Vec<String> {
    match load(&edited(edits)) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

fn opts(as_of: &str) -> PlanOptions {
    PlanOptions { as_of: Some(as_of.parse().unwrap()), ..Default::default() }
}

/// The only price claim becomes public on 2024-06-01: the undated price estimate is dated by it.
const LATE_PRICE: (&str, &str, &str) = ("claims.toml", "public = 2024-01-01", "public = 2024-06-01");
const LATE_ASSUMPTION: (&str, &str, &str) = ("sources.toml", "made = 2024-01-01", "made = 2024-06-01");

#[test]
fn a_figure_never_rests_on_a_claim_public_after_the_as_of_date() {
    let ds = dataset(&[LATE_PRICE, LATE_ASSUMPTION]);
    let before = Plan::new(&ds, &opts("2024-05-31")).unwrap();
    assert!(before.items.iter().all(|i| i.item.id != "shells"), "shells must be left out before the price is public");
    let (id, why) = before.excluded.iter().find(|(i, _)| i == "shells").expect("shells left out with a reason");
    assert_eq!(id, "shells");
    assert!(why.contains("`price`") && why.contains("2024-05-31"), "{why}");
    let after = Plan::new(&ds, &opts("2024-06-01")).unwrap();
    assert!(after.items.iter().any(|i| i.item.id == "shells"));
}

#[test]
fn validate_refuses_estimates_and_claims_dated_before_their_evidence() {
    // a dated estimate that cites a later claim
    let e = errors(&[("variables.toml", "public = 2024-08-27", "public = 2024-08-26")]);
    assert!(
        e.iter().any(|m| m.starts_with("variables.toml:")
            && m.contains("dated 2024-08-26 but rests on claim `containers-aug`, public only on 2024-08-27")),
        "{e:?}"
    );
    // a claim informed by a later one
    let e =
        errors(&[("claims.toml", "public = 2024-01-01", "public = 2024-01-01\ninformed_by = [\"containers-aug\"]")]);
    assert!(
        e.iter().any(|m| m.starts_with("claims.toml:2")
            && m.contains("(price).public: claim is public on 2024-01-01 but is informed by claim `containers-aug`")),
        "{e:?}"
    );
    // an assumption whose claim is dated after the day it was made
    let e = errors(&[LATE_PRICE]);
    assert!(e.iter().any(|m| m.contains("assumption `analyst-price` was made on 2024-01-01")), "{e:?}");
    // a scenario override resting on evidence later than the scenario
    let e = errors(&[("scenarios.toml", "value = 500", "value = 500\nclaims = [\"containers-aug\"]")]);
    assert!(e.iter().any(|m| m.contains("scenario `early` is as of 2024-02-28 but its override of `price`")), "{e:?}");
    // an assumption without the date it was made
    let e = errors(&[("sources.toml", "made = 2024-01-01\n", "")]);
    assert!(e.iter().any(|m| m.starts_with("sources.toml:") && m.contains(".made: missing")), "{e:?}");
}

#[test]
fn gdp_published_after_the_as_of_date_is_not_used() {
    let ds = dataset(&[(
        "reference.toml",
        "[[gdp]]",
        "[[gdp]]\nyear = 2022\nusd = 24.5e9\nbasis = \"earlier\"\npublic = 2023-06-01\n\n[[gdp]]",
    )]);
    // the fixture's 2023 GDP became public on 2024-01-15
    let (_, a) = estimate(&ds, &opts("2024-01-10"), 2000, 1, &[], &|_| {}).unwrap();
    let g = a.gdp.expect("an earlier year was public");
    assert_eq!((g.year, g.instead_of), (2022, Some(2023)));
    let (_, a) = estimate(&ds, &opts("2024-01-15"), 2000, 1, &[], &|_| {}).unwrap();
    assert_eq!(a.gdp.map(|g| (g.year, g.instead_of)), Some((2023, None)));
}

/// Three price bases as point prices, with a point quantity, so every figure has a closed form.
const BASES: &str = r#"
[[hypothesis]]
id = "price-basis"
title = "Price basis"
base = "export"
weight_claims = ["price"]

[[hypothesis.option]]
id = "export"
title = "Export price"
weight = 0.6

[[hypothesis.option.override]]
variable = "price"
value = 100

[[hypothesis.option]]
id = "cost"
title = "Production cost"
weight = 0.3

[[hypothesis.option.override]]
variable = "price"
value = 200

[[hypothesis.option]]
id = "replacement"
title = "Replacement value"
weight = 0.1

[[hypothesis.option.override]]
variable = "price"
value = 400
"#;

fn point_quantities() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("hypotheses.toml", "", BASES),
        ("variables.toml", "dist = \"uniform\"\nlow = 400\nhigh = 480", "value = 450"),
        ("variables.toml", "dist = \"pert\"\nlow = 13000\nmode = 13500\nhigh = 16000", "value = 14000"),
    ]
}

#[test]
fn every_price_basis_is_shown_side_by_side_with_a_weighted_combination() {
    let ds = dataset(&point_quantities());
    let o = opts("2024-12-31");
    let (run, a) = estimate(&ds, &o, 10_000, 7, &[], &|_| {}).unwrap();
    assert_eq!(a.basis.len(), 1);
    assert_eq!((a.basis[0].hypothesis.as_str(), a.basis[0].option.as_str()), ("price-basis", "export"));
    let q = 14000.0 * 450.0;
    assert!((a.total().summary.p50() - 100.0 * q).abs() < 1e-3);
    let h = hypotheses::side_by_side(&ds, &run, 10_000).unwrap();
    assert_eq!(h.len(), 1);
    let medians: Vec<f64> = h[0].options.iter().map(|x| x.deliveries.unwrap().p50).collect();
    assert_eq!(medians.len(), 3);
    for (m, p) in medians.iter().zip([100.0, 200.0, 400.0]) {
        assert!((m - p * q).abs() < 1e-3, "{m} vs {}", p * q);
    }
    assert!(h[0].options[0].in_use && !h[0].options[1].in_use);
    // the option in use is the headline run itself
    assert_eq!(h[0].options[0].deliveries.unwrap().p95, a.total().summary.p95());
    // the mixture with weights 0.6 / 0.3 / 0.1 is discrete: P5 and P50 at the export price, P95 at replacement
    let c = h[0].combined.as_ref().expect("weights are stated");
    assert!((c.deliveries.p5 - 100.0 * q).abs() < 1e-3);
    assert!((c.deliveries.p50 - 100.0 * q).abs() < 1e-3);
    assert!((c.deliveries.p95 - 400.0 * q).abs() < 1e-3);
    // pinning another option changes the figures and the named basis
    let mut pinned = o.clone();
    pinned.hypotheses.insert("price-basis".into(), "cost".into());
    let (_, b) = estimate(&ds, &pinned, 10_000, 7, &[], &|_| {}).unwrap();
    assert_eq!(b.basis[0].option, "cost");
    assert!((b.total().summary.p50() - 200.0 * q).abs() < 1e-3);
    // no weights, no combined figure
    let unweighted = BASES.replace("weight = 0.6\n", "").replace("weight = 0.3\n", "").replace("weight = 0.1\n", "");
    let mut edits = point_quantities();
    edits[0].2 = &unweighted;
    let ds = dataset(&edits);
    let (run, _) = estimate(&ds, &o, 10_000, 7, &[], &|_| {}).unwrap();
    let h = hypotheses::side_by_side(&ds, &run, 10_000).unwrap();
    assert!(h[0].combined.is_none());
    assert_eq!(h[0].options.iter().filter(|x| x.deliveries.is_some()).count(), 3);
}

#[test]
fn an_option_resting_on_later_evidence_is_unavailable_not_silently_replaced() {
    let late = BASES.replacen("value = 400", "value = 400\nclaims = [\"containers-aug\"]", 1);
    let mut edits = point_quantities();
    edits[0].2 = &late;
    let ds = dataset(&edits);
    let side = |o: PlanOptions| {
        let (run, _) = estimate(&ds, &o, 2000, 1, &[], &|_| {}).unwrap();
        hypotheses::side_by_side(&ds, &run, 2000).unwrap()
    };
    let h = side(opts("2024-06-30"));
    let r = &h[0].options[2];
    assert!(r.deliveries.is_none());
    assert!(r.unavailable.as_deref().unwrap().contains("2024-08-27"), "{:?}", r.unavailable);
    assert!(h[0].combined.is_none(), "no mixture of what cannot be evaluated");
    let h = side(opts("2024-09-01"));
    assert!(h[0].options[2].deliveries.is_some() && h[0].combined.is_some());
}

#[test]
fn weights_need_a_graded_reason_and_must_sum_to_one() {
    let mut files = fixture();
    files.insert("hypotheses.toml".into(), BASES.replace("weight_claims = [\"price\"]\n", ""));
    let e = load(&Files { files }).unwrap_err().to_string();
    assert!(e.contains("hypotheses.toml:2: hypothesis[0] (price-basis).weight_claims: weights need"), "{e}");
    let mut files = fixture();
    files.insert("hypotheses.toml".into(), BASES.replace("weight = 0.1", "weight = 0.2"));
    let e = load(&Files { files }).unwrap_err().to_string();
    assert!(e.contains("weights sum to 1.1"), "{e}");
}

#[test]
fn troop_pay_appears_on_both_sides_of_the_balance() {
    let troops = r#"
[[item]]
id = "troops"
name = "Troops"
flow = "KP->RU"
category = "troops"
unit = "person*month"
quantity = "soldier_months"
unit_price = "pay"
period = { from = 2024-01-01 }

[[item]]
id = "troop-pay"
name = "Troop pay kept by the state"
flow = "RU->KP"
category = "troop-pay"
unit = "person*month"
quantity = "soldier_months"
unit_price = "pay"
period = { from = 2024-01-01 }
counterpart = "troops"
"#;
    let vars = "\n[[variable]]\nid = \"soldier_months\"\nunit = \"person*month\"\nvalue = 1000\n\n[[variable]]\nid = \"pay\"\nunit = \"USD/person/month\"\nvalue = 2000\n";
    let ds = dataset(&[("items.toml", "", troops), ("variables.toml", "", vars)]);
    let (run, a) = estimate(&ds, &opts("2024-12-31"), 2000, 1, &[], &|_| {}).unwrap();
    let oil = a.figure("category:RU->KP:oil").unwrap().summary.p50();
    let comp = a.figure("flow:RU->KP").unwrap().summary.p50();
    assert!((comp - oil - 2e6).abs() < 1e-6 * comp, "compensation {comp} = oil {oil} + pay 2 M");
    let e = entente_engine::explain::explain(&ds, &run, "troops").unwrap();
    let c = e.counterpart.expect("explain shows the other side");
    assert_eq!((c.item.as_str(), c.flow.as_str()), ("troop-pay", "RU->KP"));
    assert!((c.value.p50() - 2e6).abs() < 1e-6);
    // a counterpart on the same flow is refused
    let mut files = fixture();
    files.get_mut("items.toml").unwrap().push_str(&troops.replace("flow = \"RU->KP\"", "flow = \"KP->RU\""));
    files.get_mut("variables.toml").unwrap().push_str(vars);
    let e = load(&Files { files }).unwrap_err().to_string();
    assert!(e.contains("(troop-pay).counterpart: `troops` is on the same flow"), "{e}");
}

#[test]
fn min_grade_widens_an_estimate_left_with_its_assumption_instead_of_dropping_the_chain() {
    // shells_per_container rests on a C3 report beside an analyst assumption; containers on B2/B3 evidence
    let edits = [
        (
            "variables.toml",
            "low = 400\nhigh = 480",
            "low = 400\nhigh = 480\nclaims = [\"capacity-report\", \"price\"]",
        ),
        (
            "claims.toml",
            "",
            "\n[[claim]]\nid = \"capacity-report\"\nsources = [\"weak-outlet\"]\nmeasure = \"shells per container\"\nvalue = 450\nunit = \"shell/container\"\nas_of = 2024-02-01\npublic = 2024-02-01\n",
        ),
        (
            "sources.toml",
            "",
            "\n[[source]]\nid = \"weak-outlet\"\ntitle = \"t\"\npublisher = \"p\"\npublished = 2024-02-01\nreliability = \"C\"\ncredibility = 3\n",
        ),
    ];
    let ds = dataset(&edits);
    let mut o = opts("2024-12-31");
    o.min_grade = Some("B3".parse().unwrap());
    let plan = Plan::new(&ds, &o).unwrap();
    assert!(plan.items.iter().any(|i| i.item.id == "shells"), "the B2-backed chain is kept: {:?}", plan.excluded);
    assert_eq!(plan.widened, vec!["shells_per_container".to_string()]);
    let leaf = &plan.nodes[plan.index_of("shells_per_container")];
    let entente_engine::plan::NodeDef::Leaf { estimate, .. } = &leaf.def else { panic!("a leaf") };
    // uniform 400–480 widened by a quarter of its width on each side
    assert_eq!(estimate.dist.to_string(), entente_core::Distribution::Uniform { low: 380.0, high: 500.0 }.to_string());
    // without the assumption nothing remains: the item is left out, with the reason
    let mut edits2 = edits;
    edits2[0].2 = "low = 400\nhigh = 480\nclaims = [\"capacity-report\"]";
    let ds = dataset(&edits2);
    let plan = Plan::new(&ds, &o).unwrap();
    assert!(plan.excluded.iter().any(|(i, why)| i == "shells" && why.contains("B3")), "{:?}", plan.excluded);
}

#[test]
fn a_claim_is_graded_by_its_originator_whatever_outlet_relays_it() {
    let edits = [
        (
            "sources.toml",
            "",
            "\n[[source]]\nid = \"agency\"\ntitle = \"An intelligence agency\"\npublisher = \"agency\"\nreliability = \"B\"\ncredibility = 2\noriginator = true\n\n[[source]]\nid = \"tabloid\"\ntitle = \"t\"\npublisher = \"p\"\npublished = 2024-02-26\nreliability = \"D\"\ncredibility = 3\n",
        ),
        (
            "claims.toml",
            "",
            "\n[[claim]]\nid = \"relayed\"\nsources = [\"tabloid\"]\noriginator = \"agency\"\ncredibility = 3\nmeasure = \"m\"\nvalue = 1\nunit = \"1\"\nas_of = 2024-02-26\npublic = 2024-02-26\n",
        ),
    ];
    let ds = dataset(&edits);
    assert_eq!(ds.claim_grade("relayed").unwrap().to_string(), "B3");
    assert_eq!(ds.claim_grade("containers-feb").unwrap().to_string(), "B2");
    let mut files = fixture();
    for (f, _, t) in &edits {
        files.get_mut(*f).unwrap().push_str(&t.replace("originator = true\n", ""));
    }
    let e = load(&Files { files }).unwrap_err().to_string();
    assert!(e.contains("(relayed).originator: source `agency` is not an originator"), "{e}");
}

#[test]
fn deliveries_are_placed_in_the_period_shipped_not_the_period_reported() {
    // the August report describes the stock on 2024-03-15: a later report about an earlier date
    let ds = dataset(&[
        ("claims.toml", "as_of = 2024-08-27", "as_of = 2024-03-15"),
        (
            "variables.toml",
            "description = \"containers shipped, cumulative\"",
            "description = \"c\"\ncumulative = true",
        ),
    ]);
    let p = |o: PlanOptions| {
        let (_, a) = estimate(&ds, &o, 4000, 3, &[], &|_| {}).unwrap();
        a.total().summary.p50()
    };
    let known = p(opts("2024-03-31"));
    let shipped = p(PlanOptions { shipped_by: Some("2024-03-31".parse().unwrap()), ..opts("2024-12-31") });
    let all = p(opts("2024-12-31"));
    // known then: the February count (~6,700 containers); shipped by then, as we know now: the later count
    assert!(shipped > 1.8 * known, "shipped {shipped} vs known {known}");
    assert!((shipped - all).abs() < 1e-9 * all, "nothing later than March is described: {shipped} vs {all}");
    // before the first described date nothing is counted as shipped
    let early =
        Plan::new(&ds, &PlanOptions { shipped_by: Some("2024-02-01".parse().unwrap()), ..opts("2024-12-31") }).unwrap();
    assert!(early.excluded.iter().any(|(i, why)| i == "shells" && why.contains("describes a date on or before")));
    // the per-year figures of the timeline are by the year shipped
    let tl = entente_engine::history::timeline(&ds, &opts("2024-12-31"), 4000, 3, &|_| {}).unwrap();
    let y2024 = tl.years.iter().find(|y| y.year == 2024).unwrap();
    assert!((y2024.deliveries_median - tl.shipped.last().unwrap().deliveries.p50).abs() < 1.0);
    // only a variable with estimates may be declared a running total
    let mut files = fixture();
    files
        .get_mut("variables.toml")
        .unwrap()
        .push_str("\n[[variable]]\nid = \"twice\"\nunit = \"barrel\"\nexpr = \"oil_barrels * 2\"\ncumulative = true\n");
    let e = load(&Files { files }).unwrap_err().to_string();
    assert!(e.contains("(twice).cumulative: only a variable with estimates can be a running total"), "{e}");
}
