//! Values that would overflow the model's arithmetic, or bounds that leave a distribution no probability, are
//! dataset errors naming file, line, key path and field — not plausible but wrong totals, nor a failure at
//! sampling time (issue 14).

use entente_data::{load, Files};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture() -> BTreeMap<String, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini");
    let mut files = BTreeMap::new();
    for name in entente_data::TOML_FILES.iter().chain(entente_data::CSV_FILES.iter()) {
        files.insert(name.to_string(), std::fs::read_to_string(dir.join(name)).unwrap());
    }
    files
}

fn errors_after(file: &str, from: &str, to: &str) -> Vec<String> {
    let mut files = fixture();
    let text = files.get_mut(file).unwrap();
    assert!(text.contains(from), "fixture {file} has no `{from}`");
    *text = text.replacen(from, to, 1);
    match load(&Files { files }) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

fn one_error(file: &str, from: &str, to: &str, starts: &str, mentions: &str) {
    let errs = errors_after(file, from, to);
    assert_eq!(errs.len(), 1, "{from} → {to}: {errs:?}");
    assert!(errs[0].starts_with(starts), "{from} → {to}: {}", errs[0]);
    assert!(errs[0].contains(mentions), "{from} → {to}: {}", errs[0]);
}

#[test]
fn a_value_that_overflows_the_arithmetic_is_rejected_with_file_and_line() {
    one_error(
        "variables.toml",
        "low = 400\nhigh = 480",
        "low = 400\nhigh = 1e308",
        "variables.toml:24: variable[1] (shells_per_container).high:",
        "beyond ±1e18",
    );
    one_error(
        "variables.toml",
        "value = 70",
        "value = 1e300",
        "variables.toml:46: variable[4] (oil_price).value:",
        "overflow",
    );
    one_error(
        "variables.toml",
        "mode = 1000000\nhigh = 2000000",
        "mode = 1000000\nhigh = 2e19",
        "variables.toml:41: variable[3] (oil_barrels).high:",
        "beyond ±1e18",
    );
    // a lognormal so wide that its extreme draws overflow, written as `value = "a to b"`
    one_error(
        "variables.toml",
        "value = 70",
        "value = \"1 to 1e17\"",
        "variables.toml:46: variable[4] (oil_price).value:",
        "narrow the interval",
    );
    // a normal whose tail reaches past the limit
    one_error(
        "variables.toml",
        "value = 70",
        "dist = \"normal\"\nmean = 70\nsd = 5e17\nmin = 0",
        "variables.toml:47: variable[4] (oil_price).mean:",
        "extreme draws",
    );
}

#[test]
fn large_but_finite_values_stay_valid() {
    assert!(errors_after("variables.toml", "value = 70", "value = 1e15").is_empty());
    assert!(errors_after("variables.toml", "value = 70", "value = \"1 to 1e9\"").is_empty());
}

#[test]
fn bounds_that_leave_no_probability_are_rejected() {
    // above the distribution's support
    one_error(
        "variables.toml",
        "low = 400\nhigh = 480",
        "low = 400\nhigh = 480\nmin = 500",
        "variables.toml:25: variable[1] (shells_per_container).min:",
        "none of its probability",
    );
    // below it
    one_error(
        "variables.toml",
        "mode = 600\nhigh = 1000",
        "mode = 600\nhigh = 1000\nmax = 200",
        "variables.toml:33: variable[2] (price).max:",
        "none of its probability",
    );
    // a point outside its own bounds
    one_error(
        "variables.toml",
        "value = 70",
        "value = 70\nmin = 80",
        "variables.toml:47: variable[4] (oil_price).min:",
        "none of its probability",
    );
    // a sliver of a normal's tail: possible in principle, but rejection sampling would not find it
    one_error(
        "variables.toml",
        "value = 70",
        "dist = \"normal\"\nmean = 70\nsd = 5\nmin = 100",
        "variables.toml:49: variable[4] (oil_price).min:",
        "only 0.00%",
    );
    // a PERT's far tail (Beta CDF)
    one_error(
        "variables.toml",
        "mode = 1000000\nhigh = 2000000",
        "mode = 1000000\nhigh = 2000000\nmin = 1990000",
        "variables.toml:42: variable[3] (oil_barrels).min:",
        "% of its probability",
    );
}

#[test]
fn bounds_that_keep_enough_probability_stay_valid() {
    assert!(errors_after("variables.toml", "low = 400\nhigh = 480", "low = 400\nhigh = 480\nmin = 470").is_empty());
    assert!(errors_after("variables.toml", "value = 70", "dist = \"normal\"\nmean = 70\nsd = 5\nmin = 0").is_empty());
    assert!(errors_after("variables.toml", "value = 70", "value = \"50 to 90\"\nmax = 60").is_empty());
}

#[test]
fn truncated_mass_matches_closed_forms() {
    use entente_core::{Distribution, Truncation};
    let u = Distribution::Uniform { low: 0.0, high: 10.0 };
    let t = Truncation { min: Some(2.0), max: Some(5.0) };
    assert!((entente_data::truncated_mass(&u, &t) - 0.3).abs() < 1e-12);
    let n = Distribution::Normal { mean: 0.0, sd: 1.0 };
    let t = Truncation { min: Some(0.0), max: None };
    assert!((entente_data::truncated_mass(&n, &t) - 0.5).abs() < 1e-9);
    let tri = Distribution::Triangular { low: 0.0, mode: 0.0, high: 1.0 };
    let t = Truncation { min: Some(0.5), max: None };
    assert!((entente_data::truncated_mass(&tri, &t) - 0.25).abs() < 1e-9);
}
