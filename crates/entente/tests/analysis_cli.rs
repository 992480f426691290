//! End-to-end tests of `sensitivity`, `history`, `timeline`, `model` and `--min-grade` on the fixture dataset.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini").to_str().unwrap().to_string()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = Command::cargo_bin("entente")
        .unwrap()
        .args(args)
        .args(["--format", "json", "--data", &fixture()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sensitivity_ranks_inputs_and_brackets_the_base() {
    let v = json(&["sensitivity", "--samples", "40000"]);
    let inputs = v["inputs"].as_array().unwrap();
    let names: Vec<&str> = inputs.iter().map(|i| i["variable"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3, "{names:?}"); // containers, shells_per_container, price (oil is another flow)
    assert_eq!(names[0], "price", "the widest input (triangular 300–1000) comes first: {names:?}");
    let base = v["base"].as_f64().unwrap();
    for i in inputs {
        let (lo, hi) = (i["at_p5"].as_f64().unwrap(), i["at_p95"].as_f64().unwrap());
        assert!(lo < base && base < hi, "{i}");
        let s = i["first_order"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s));
    }
    // a product model has interactions, so the first-order indices sum to less than one (up to sampling noise)
    assert!(v["sum_first_order"].as_f64().unwrap() < 1.02, "{}", v["sum_first_order"]);
    Command::cargo_bin("entente")
        .unwrap()
        .args(["sensitivity", "--samples", "1000", "--figure", "nothing", "--data", &fixture()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown figure `nothing`"));
}

#[test]
fn history_replays_the_evidence_in_order() {
    let v = json(&["history", "--samples", "20000"]);
    let steps = v["steps"].as_array().unwrap();
    let dates: Vec<&str> = steps.iter().map(|s| s["date"].as_str().unwrap()).collect();
    // the price assumption is dated by its claim (2024-01-01): it is a step of its own
    assert_eq!(dates, vec!["2023-08-01", "2024-01-01", "2024-02-26", "2024-03-01", "2024-08-27"], "{dates:?}");
    // the August claim moves the estimate up, and says why
    let aug = &steps[4];
    assert!(aug["median_change"].as_f64().unwrap() > 0.5);
    assert!(aug["claims"].as_array().unwrap().iter().any(|c| c == "containers-aug"));
    assert!(aug["changes"][0].as_str().unwrap().starts_with("containers: pert(13000, 13500, 16000) (was"));
    // before any container count was public, the shells item had no evidence: zero
    assert_eq!(steps[0]["deliveries"]["p50"].as_f64().unwrap(), 0.0);
}

#[test]
fn as_of_uses_only_evidence_public_by_then() {
    let v = json(&["history", "--samples", "20000", "--as-of", "2024-03-01"]);
    let dates: Vec<&str> = v["steps"].as_array().unwrap().iter().map(|s| s["date"].as_str().unwrap()).collect();
    assert_eq!(dates, vec!["2023-08-01", "2024-01-01", "2024-02-26", "2024-03-01"]);
    let out = Command::cargo_bin("entente")
        .unwrap()
        .args(["model", "--as-of", "2024-03-01", "--data", &fixture()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("6000") || text.contains("lognormal"), "the February estimate is in force");
    assert!(!text.contains("13500"), "the August estimate is not yet public");
}

#[test]
fn timeline_is_cumulative_and_sets_years_against_gdp() {
    let v = json(&["timeline", "--samples", "20000"]);
    let pts = v["points"].as_array().unwrap();
    // the shells item starts in 2023-08 but has no container count until 2024-02-26
    assert_eq!(pts.first().unwrap()["label"], "2024 Q1");
    assert_eq!(pts.last().unwrap()["date"], "2024-12-31");
    let years = v["years"].as_array().unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!(years[0]["year"], 2024);
    assert!(years[0]["share_of_gdp"].is_null(), "the fixture has GDP for 2023 only");
}

#[test]
fn min_grade_shows_its_effect() {
    // B2 sets aside the B3 August count: the estimate falls back to the February one
    let v = json(&["assess", "--samples", "20000", "--min-grade", "B2"]);
    let g = &v["grade_effect"];
    assert_eq!(g["min_grade"], "B2");
    assert!(g["filtered_deliveries"]["p50"].as_f64().unwrap() < 0.7 * g["all_deliveries"]["p50"].as_f64().unwrap());
    assert!(g["changed"][0].as_str().unwrap().starts_with("containers:"), "{g}");
    // the price rests only on an analyst assumption: kept
    assert!(!g["changed"].to_string().contains("price"));
}
