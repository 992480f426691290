//! End-to-end tests of `compare` per category, `triangulate` (with and without `--condition`) and the validation
//! of `checks.toml` and `[[study.category]]`, on a purpose-built small dataset written to a temporary folder.
//!
//! The model: shells = containers × shells per container (uniform 400–480), at a price; rockets counted
//! directly (uniform 100–150 k); troops in person-months (not comparable with a head count); guns from 2025
//! (after the as-of date). Containers: ~6,700 by Feb 2024 (lognormal 6,000–7,500), ≥13,000 by Aug 2024
//! (PERT 13,000–13,500–16,000). So on 2024-12-31 the model implies about 6.1 M shells, and about 3.1 M over
//! Mar–Dec 2024.

use assert_cmd::Command;
use std::path::Path;

const SOURCES: &str = r#"
[[source]]
id = "intel-a"
title = "Containers shipped"
publisher = "Example intelligence service"
url = "https://example.org/a"
published = 2024-01-01
reliability = "B"
credibility = 2

[[source]]
id = "ngo-c"
title = "An NGO's count"
publisher = "Example NGO"
url = "https://example.org/c"
published = 2024-01-01
reliability = "C"
credibility = 3
"#;

const CLAIMS: &str = r#"
[[claim]]
id = "containers-feb"
sources = ["intel-a"]
measure = "containers KP->RU, cumulative"
value = { point = 6700 }
unit = "container"
as_of = 2024-02-26
public = 2024-02-26

[[claim]]
id = "containers-aug"
sources = ["intel-a"]
measure = "containers KP->RU, cumulative"
value = { at_least = 13000 }
unit = "container"
as_of = 2024-08-27
public = 2024-08-27

[[claim]]
id = "capacity"
sources = ["intel-a"]
measure = "shells per container"
value = { low = 400, high = 480 }
unit = "shell/container"
as_of = 2024-01-01
public = 2024-01-01

[[claim]]
id = "shells-low-2024"
sources = ["intel-a"]
measure = "shells KP->RU, cumulative"
value = { point = 2e6 }
unit = "shell"
as_of = 2024-12-31
public = 2024-12-31

[[claim]]
id = "shells-ngo-2024"
sources = ["ngo-c"]
measure = "shells KP->RU, cumulative"
value = { low = 5.5e6, high = 6.5e6 }
unit = "shell"
as_of = 2024-12-31
public = 2024-12-31

[[claim]]
id = "shells-mar-dec"
sources = ["ngo-c"]
measure = "shells KP->RU, Mar–Dec 2024"
value = { point = 3e6 }
unit = "shell"
period = { from = 2024-03-01, to = 2024-12-31 }
public = 2024-12-31

[[claim]]
id = "shells-later"
sources = ["ngo-c"]
measure = "shells KP->RU, cumulative (published after the as-of date)"
value = { point = 6e6 }
unit = "shell"
as_of = 2024-12-31
public = 2025-06-01

[[claim]]
id = "value-2024"
sources = ["ngo-c"]
measure = "value of shells KP->RU, cumulative"
value = { point = 1e9 }
unit = "USD"
as_of = 2024-12-31
public = 2024-12-31

[[claim]]
id = "study-shells"
sources = ["ngo-c"]
measure = "shells (study)"
value = { low = 2.0e6, high = 2.5e6 }
unit = "shell"
as_of = 2024-12-31
public = 2024-12-31

[[claim]]
id = "study-rockets"
sources = ["ngo-c"]
measure = "rockets (study)"
value = { low = 110000, high = 140000 }
unit = "rocket"
as_of = 2024-12-31
public = 2024-12-31

[[claim]]
id = "study-total"
sources = ["ngo-c"]
measure = "value KP->RU (study)"
value = { low = 2e9, high = 4e9 }
unit = "USD"
as_of = 2024-12-31
public = 2024-12-31
"#;

const VARIABLES: &str = r#"
[[variable]]
id = "containers"
unit = "container"
description = "containers shipped, cumulative"
cumulative = true

[[variable.estimate]]
public = 2024-02-26
value = "6000 to 7500"
claims = ["containers-feb"]

[[variable.estimate]]
public = 2024-08-27
dist = "pert"
low = 13000
mode = 13500
high = 16000
claims = ["containers-aug"]

[[variable]]
id = "shells_per_container"
unit = "shell/container"
dist = "uniform"
low = 400
high = 480
claims = ["capacity"]

[[variable]]
id = "price"
unit = "USD/shell"
dist = "triangular"
low = 300
mode = 600
high = 1000
claims = ["capacity"]

[[variable]]
id = "rockets"
unit = "rocket"
dist = "uniform"
low = 100000
high = 150000
claims = ["capacity"]

[[variable]]
id = "price_rocket"
unit = "USD/rocket"
value = 1000

[[variable]]
id = "troop_months"
unit = "person*month"
value = 1000

[[variable]]
id = "pay"
unit = "USD/person/month"
value = 2000

[[variable]]
id = "guns"
unit = "gun"
value = 100

[[variable]]
id = "price_gun"
unit = "USD/gun"
value = 1000000
"#;

const ITEMS: &str = r#"
[[item]]
id = "shells"
name = "Artillery shells"
flow = "KP->RU"
category = "artillery-shells"
unit = "shell"
quantity = "containers * shells_per_container"
unit_price = "price"
period = { from = 2023-08-01 }

[[item]]
id = "rockets"
name = "MRL rockets"
flow = "KP->RU"
category = "mrl-rockets"
unit = "rocket"
quantity = "rockets"
unit_price = "price_rocket"
period = { from = 2023-08-01 }

[[item]]
id = "troops"
name = "Troops"
flow = "KP->RU"
category = "troops"
unit = "person*month"
quantity = "troop_months"
unit_price = "pay"
period = { from = 2024-10-01 }

[[item]]
id = "guns"
name = "Guns"
flow = "KP->RU"
category = "guns-launchers"
unit = "gun"
quantity = "guns"
unit_price = "price_gun"
period = { from = 2025-01-01 }
"#;

const SCENARIOS: &str = r#"
default = "now"

[[scenario]]
id = "now"
title = "All evidence"
as_of = 2024-12-31
"#;

const REFERENCE: &str = r#"
[[gdp]]
year = 2023
usd = 23.7e9
basis = "fixture"
claims = ["study-total"]

[[study]]
id = "study"
title = "A study"
scenario = "now"
flow = "KP->RU"
low = 2e9
high = 4e9
claims = ["study-total"]

[[study.category]]
category = "artillery-shells"
low = 2.0e6
high = 2.5e6
unit = "shell"
claims = ["study-shells"]

[[study.category]]
category = "mrl-rockets"
low = 110000
high = 140000
unit = "rocket"
claims = ["study-rockets"]

[[study.category]]
category = "troops"
low = 5000
high = 5000
unit = "person"

[[study.category]]
category = "guns-launchers"
low = 100
high = 200
unit = "system"
value_low = 1e8
value_high = 2e8
"#;

const CHECKS: &str = r#"
[[check]]
id = "agrees"
claim = "shells-ngo-2024"
measure = "quantity"
categories = ["artillery-shells"]

[[check]]
id = "too-low"
claim = "shells-low-2024"
measure = "quantity"
items = ["shells"]
note = "a B2 count far below the model"

[[check]]
id = "period"
claim = "shells-mar-dec"
measure = "quantity"
categories = ["artillery-shells"]

[[check]]
id = "later"
claim = "shells-later"
measure = "quantity"
categories = ["artillery-shells"]

[[check]]
id = "value"
claim = "value-2024"
measure = "value"
categories = ["artillery-shells"]
sd_log = 0.3

[[check]]
id = "containers"
claim = "containers-aug"
measure = "quantity"
variable = "containers"
"#;

/// Writes the dataset, with `edit(file, text)` applied to each file, into a temporary folder.
fn dataset(edit: impl Fn(&str, &str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("sources.toml", SOURCES),
        ("claims.toml", CLAIMS),
        ("variables.toml", VARIABLES),
        ("items.toml", ITEMS),
        ("scenarios.toml", SCENARIOS),
        ("reference.toml", REFERENCE),
        ("checks.toml", CHECKS),
    ] {
        std::fs::write(dir.path().join(name), edit(name, text)).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("entente").unwrap().args(args).arg("--data").arg(dir).output().unwrap()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = run(dir, &[args, &["--format", "json"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn compare_sets_the_study_quantities_beside_ours_category_by_category() {
    let d = dataset(|_, t| t.to_string());
    let v = json(d.path(), &["compare", "--samples", "20000"]);
    let cats = v["comparisons"][0]["categories"].as_array().unwrap();
    let cat = |id: &str| cats.iter().find(|c| c["category"] == id).unwrap_or_else(|| panic!("{id} missing"));

    // shells: ours ≈ 13,800 containers × 440 ≈ 6.1 M against the study's 2.0–2.5 M: above, and the drivers are
    // the two inputs of the quantity (never the price)
    let shells = cat("artillery-shells");
    assert_eq!((f(&shells["study_low"]), f(&shells["study_high"])), (2.0e6, 2.5e6));
    let q = &shells["quantity"];
    assert!(f(&q["p50"]) > 5.5e6 && f(&q["p50"]) < 6.7e6, "{q}");
    assert!(f(&q["p5"]) > 2.5e6, "{q}");
    assert_eq!(shells["finding"]["quantity_differs"], "above", "{shells}");
    let drivers: Vec<&str> =
        shells["drivers"].as_array().unwrap().iter().map(|d| d["variable"].as_str().unwrap()).collect();
    assert_eq!(drivers.len(), 2, "{drivers:?}");
    assert!(drivers.contains(&"containers") && drivers.contains(&"shells_per_container"), "{drivers:?}");
    assert!(shells["drivers"].as_array().unwrap().iter().all(|d| d["reaches_study"] == false));
    // our unit price is value ÷ quantity: the triangular price's median (≈ 620), whatever the quantity
    let p = f(&shells["unit_price"]["p50"]);
    assert!((590.0..650.0).contains(&p), "{p}");
    // the study's counts at our median price
    let at = shells["study_quantity_at_our_price"].as_array().unwrap();
    assert!((f(&at[0]) / (2.0e6 * p) - 1.0).abs() < 1e-9);
    assert_eq!(shells["claims"][0], "study-shells");

    // rockets: uniform 100–150 k against 110–140 k: they agree
    assert_eq!(cat("mrl-rockets")["finding"], "quantity_agrees");
    // troops: person-months against persons cannot be compared, but our value is still shown
    let troops = cat("troops");
    assert_eq!(troops["finding"], "units_differ");
    assert!(troops.get("quantity").is_none());
    assert_eq!(f(&troops["value"]["p50"]), 2e6);
    // guns begin after the as-of date: not in the model, with the reason; the study's value gives its price
    let guns = cat("guns-launchers");
    assert_eq!(guns["finding"], "not_in_model");
    assert_eq!(guns["excluded"][0][0], "guns");
    let sp = guns["study_unit_price"].as_array().unwrap();
    assert_eq!((f(&sp[0]), f(&sp[1])), (1e8 / 200.0, 2e8 / 100.0));

    // the table shows the study's quantities beside ours, and the reason in words
    let out = run(d.path(), &["compare", "--samples", "20000"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("A study — quantities by category"), "{text}");
    assert!(text.contains("2.00 M–2.50 M shell"), "{text}");
    assert!(text.contains("Our whole 90 % interval lies above the study's count"), "{text}");
    assert!(text.contains("Not comparable: we count month*person where the study counts person"), "{text}");
    assert!(text.contains("totals that agree can hide offsetting differences"), "{text}");
}

#[test]
fn the_default_dataset_shows_the_2025_study_quantities_beside_ours() {
    let out = Command::cargo_bin("entente")
        .unwrap()
        .args(["compare", "--scenario", "unequal-partnership-2025", "--samples", "20000", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kp = v["comparisons"].as_array().unwrap().iter().find(|c| c["study"] == "unequal-partnership-kp").unwrap();
    let cats: Vec<&str> =
        kp["categories"].as_array().unwrap().iter().map(|c| c["category"].as_str().unwrap()).collect();
    for c in ["artillery-shells", "mortar-shells", "mrl-rockets", "ballistic-missiles", "guns-launchers", "troops"] {
        assert!(cats.contains(&c), "{c} missing from {cats:?}");
    }
    let shells = kp["categories"].as_array().unwrap().iter().find(|c| c["category"] == "artillery-shells").unwrap();
    assert_eq!((f(&shells["study_low"]), f(&shells["study_high"])), (5.7e6, 6.7e6));
    assert!(shells["quantity"]["p50"].is_number());
}

#[test]
fn triangulate_sets_counts_beside_the_model_at_their_dates() {
    let d = dataset(|_, t| t.to_string());
    let v = json(d.path(), &["triangulate", "--samples", "20000"]);
    assert!(v.get("conditioning").is_none(), "no conditioning unless asked");
    let checks = v["checks"].as_array().unwrap();
    let check = |id: &str| checks.iter().find(|c| c["id"] == id).unwrap();
    let implied = |id: &str| f(&check(id)["implied"]["p50"]);
    assert_eq!(check("agrees")["agreement"], "within");
    assert_eq!(check("too-low")["agreement"], "count_below");
    // the same figure whether counted by category or by item
    assert_eq!(implied("agrees"), implied("too-low"));
    assert!((5.5e6..6.7e6).contains(&implied("agrees")));
    // over Mar–Dec 2024: the cumulative at the end minus that on 29 Feb (≈ 6.1 M − 2.95 M), world by world
    let period = implied("period");
    assert!((2.6e6..3.6e6).contains(&period), "{period}");
    assert_eq!(check("period")["agreement"], "within");
    assert_eq!(check("period")["upper_bound"], false);
    // published after the as-of date: not used
    assert_eq!(check("later")["status"], "not_yet_public");
    assert!(check("later").get("implied").is_none());
    // a value check reads item values; the stated sd_log is used instead of the grade's
    assert!(f(&check("value")["implied"]["p50"]) > 3e9);
    assert_eq!(f(&check("value")["likelihood"]["sd_log"]), 0.3);
    assert_eq!(check("value")["likelihood"]["from_grade"], false);
    assert_eq!(f(&check("agrees")["likelihood"]["sd_log"]), 0.6, "C3 → 0.1 × (3 + 3)");
    assert_eq!(v["disagreements"], 2);
    // a count the model rests on: the variable as shipped by its date, flagged as no independent evidence
    let c = check("containers");
    assert_eq!(c["model_rests_on_it"], true);
    assert_eq!(check("agrees")["model_rests_on_it"], false);
    assert!((13000.0..16000.0).contains(&f(&c["implied"]["p50"])), "{c}");
    assert_eq!(c["agreement"], "within");

    let out = run(d.path(), &["triangulate", "--samples", "20000"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("DISAGREES: the count is below our P5"), "{text}");
    assert!(text.contains("not yet public on the as-of date"), "{text}");
}

#[test]
fn condition_weights_the_worlds_and_shows_both_results() {
    let d = dataset(|_, t| t.to_string());
    let v = json(d.path(), &["triangulate", "--samples", "20000", "--condition"]);
    let k = &v["conditioning"];
    let ess = f(&k["effective_samples"]);
    assert!(ess > 0.0 && ess < 20000.0, "{ess}");
    // every compared check, but neither the unpublished one nor the one the model rests on
    let used: Vec<&str> = k["checks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(used, vec!["agrees", "too-low", "period", "value"]);
    let shells =
        k["figures"].as_array().unwrap().iter().find(|x| x["id"] == "category:KP->RU:artillery-shells").unwrap();
    let (prior, post) = (f(&shells["prior"]["p50"]), f(&shells["conditioned"]["p50"]));
    // the counts below the model (2 M at B2, 3 M over Mar–Dec, USD 1 bn) pull the value down
    assert!(post < prior * 0.95, "{prior} → {post}");
    // rockets enter no check and are independent of shells: they do not move (beyond sampling noise)
    let rockets = k["figures"].as_array().unwrap().iter().find(|x| x["id"] == "category:KP->RU:mrl-rockets").unwrap();
    assert!((f(&rockets["conditioned"]["p50"]) / f(&rockets["prior"]["p50"]) - 1.0).abs() < 0.03);
    let c = v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "too-low").unwrap();
    assert!(f(&c["implied_conditioned"]["p50"]) < f(&c["implied"]["p50"]));

    let out = run(d.path(), &["triangulate", "--samples", "20000", "--condition"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("conditioned P5"), "{text}");
    assert!(text.contains("Effective sample size"), "{text}");
}

#[test]
fn same_data_and_seed_give_byte_identical_output() {
    let d = dataset(|_, t| t.to_string());
    for args in [&["triangulate", "--samples", "5000", "--condition"][..], &["compare", "--samples", "5000"][..]] {
        let a = run(d.path(), args);
        let b = run(d.path(), args);
        assert!(a.status.success());
        assert_eq!(a.stdout, b.stdout, "{args:?}");
    }
}

#[test]
fn bad_checks_and_study_categories_name_file_line_and_field() {
    let d = dataset(|name, t| {
        match name {
        "checks.toml" => t
            .replace("measure = \"value\"", "measure = \"worth\"")
            .replace("claim = \"shells-later\"", "claim = \"no-such-claim\"")
            .replace("items = [\"shells\"]", "items = [\"shelz\"]")
            + "\n[[check]]\nid = \"wrong-unit\"\nclaim = \"capacity\"\nmeasure = \"quantity\"\ncategories = [\"tanks\"]\n"
            + "\n[[check]]\nid = \"no-var\"\nclaim = \"containers-feb\"\nmeasure = \"quantity\"\nvariable = \"nope\"\n"
            + "\n[[check]]\nid = \"var-unit\"\nclaim = \"containers-feb\"\nmeasure = \"quantity\"\nvariable = \"rockets\"\n",
        "reference.toml" => t.replace("low = 110000", "low = 160000"),
        _ => t.to_string(),
    }
    });
    let dir = d.path().to_str().unwrap();
    let out2 = Command::cargo_bin("entente").unwrap().args(["validate", dir]).output().unwrap();
    assert_eq!(out2.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out2.stderr);
    assert!(err.contains("checks.toml:"), "{err}");
    assert!(err.contains("check[4] (value).measure: `worth` is not `quantity` or `value`"), "{err}");
    assert!(err.contains("check[3] (later).claim: unknown claim `no-such-claim`"), "{err}");
    assert!(err.contains("check[1] (too-low).items: unknown item `shelz`"), "{err}");
    assert!(err.contains("(wrong-unit).categories: no item has category `tanks`"), "{err}");
    assert!(err.contains("claim `capacity` is in shell/container, but a quantity check needs a count"), "{err}");
    assert!(err.contains("(no-var).variable: unknown variable `nope`"), "{err}");
    assert!(
        err.contains("(var-unit).variable: variable `rockets` is in rocket, but the claim counts container"),
        "{err}"
    );
    assert!(err.contains("reference.toml:"), "{err}");
    assert!(err.contains("study[0] (study).category[1].low: low 160000 is greater than 140000"), "{err}");
}

#[test]
fn assess_states_judgments_with_icd_203_words_confidence_and_key_assumptions() {
    // every input rests on claims of one B2 source: strong evidence, high confidence
    let d = dataset(|_, t| t.to_string());
    let v = json(d.path(), &["assess", "--samples", "20000"]);
    let j = &v["judgment"];
    assert_eq!(j["confidence"], "high", "{j}");
    assert!(f(&j["grade_mix"]["strong"]) > 0.99, "{j}");
    // the widest input first: the triangular price (300–1000) moves the total most
    let keys: Vec<&str> =
        j["key_assumptions"].as_array().unwrap().iter().map(|k| k["variable"].as_str().unwrap()).collect();
    assert_eq!(keys[0], "price", "{keys:?}");
    assert!(keys.contains(&"containers"), "{keys:?}");
    assert_eq!(j["key_assumptions"][0]["best_grade"], "B2");
    assert!(j.get("p_deliveries_exceed_compensation").is_none(), "no compensation items in this dataset");
    let out = run(d.path(), &["assess", "--samples", "20000"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("are very likely (90.0 %) worth"), "{text}");
    assert!(text.contains("Confidence in these judgments: high."), "{text}");
    assert!(text.contains("Key assumptions"), "{text}");

    // the same model resting on a D4 source: weak evidence, low confidence
    let d = dataset(|name, t| match name {
        "sources.toml" => t.replacen("reliability = \"B\"\ncredibility = 2", "reliability = \"D\"\ncredibility = 4", 1),
        _ => t.to_string(),
    });
    let v = json(d.path(), &["assess", "--samples", "20000"]);
    assert_eq!(v["judgment"]["confidence"], "low", "{}", v["judgment"]);
    assert_eq!(v["judgment"]["key_assumptions"][0]["strength"], "weak");
}

#[test]
fn the_report_has_the_category_comparison_the_direct_counts_and_the_judgment() {
    let d = dataset(|_, t| t.to_string());
    let out_dir = tempfile::tempdir().unwrap();
    let html = out_dir.path().join("r.html");
    let out = run(d.path(), &["report", "--samples", "20000", "-o", html.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    for s in [
        "The studies&#39; quantities by category beside ours",
        "Our whole 90 % interval lies above the study&#39;s count",
        "Direct counts beside what the model implies",
        "DISAGREES: the count is below our P5",
        "are very likely (90.0 %) worth",
        "Key assumptions: the inputs that move the total most",
    ] {
        assert!(page.contains(s), "{s} missing from the report");
    }
}

#[test]
fn sensitivity_names_correlation_when_the_indices_sum_above_one() {
    // price and shells per container strongly correlated: each one's first-order index also counts the other's
    let d = dataset(|name, t| {
        match name {
        "variables.toml" => format!(
            "{t}\n[[correlation]]\nvariables = [\"price\", \"shells_per_container\"]\nrank = 0.9\nclaims = [\"capacity\"]\n"
        ),
        _ => t.to_string(),
    }
    });
    let v = json(d.path(), &["sensitivity", "--samples", "40000"]);
    assert!(f(&v["sum_first_order"]) > 1.05, "{}", v["sum_first_order"]);
    assert_eq!(v["correlated"], serde_json::json!(["price", "shells_per_container"]));
    let out = run(d.path(), &["sensitivity", "--samples", "40000"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("more than 1 because of correlation"), "{text}");
    // without the correlation the same model sums to about 1 and no correlation is blamed
    let d = dataset(|_, t| t.to_string());
    let v = json(d.path(), &["sensitivity", "--samples", "40000"]);
    assert!(f(&v["sum_first_order"]) < 1.02, "{}", v["sum_first_order"]);
    assert_eq!(v["correlated"], serde_json::json!([]));
    let out = run(d.path(), &["sensitivity", "--samples", "40000"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("because of correlation"), "{text}");
}
