//! End-to-end tests of the `entente` binary on the embedded dataset and on the fixture dataset.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn entente() -> Command {
    Command::cargo_bin("entente").unwrap()
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = entente().args(args).arg("--format").arg("json").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn assess_prints_the_default_table() {
    entente()
        .args(["assess", "--samples", "20000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("North Korea → Russia (deliveries)"))
        .stdout(predicate::str::contains("Artillery shells"))
        .stdout(predicate::str::contains("Total"))
        .stdout(predicate::str::contains("median % GDP"))
        .stdout(predicate::str::is_match(r"samples +20,000 \(seed 20241028\)").unwrap());
}

#[test]
fn assess_json_has_figures_with_provenance() {
    let v = json(&["assess", "--samples", "20000", "--quantiles", "0.25,0.75"]);
    assert_eq!(v["samples"], 20000);
    let figs = v["figures"].as_array().unwrap();
    let total = figs.iter().find(|f| f["id"] == "flow:KP->RU").unwrap();
    let p5 = total["quantiles"][0][1].as_f64().unwrap();
    assert_eq!(total["quantiles"].as_array().unwrap().len(), 5);
    assert!(p5 > 0.0 && total["mean"].as_f64().unwrap() > p5);
    assert!(total["se_mean"].as_f64().unwrap() > 0.0 && total["se_p95"].as_f64().unwrap() > 0.0);
    assert!(!total["claims"].as_array().unwrap().is_empty());
    assert!(!total["sources"].as_array().unwrap().is_empty());
    assert!(total["share_of_gdp"].as_array().is_some());
    for f in figs {
        for q in f["quantiles"].as_array().unwrap() {
            assert!(q[1].as_f64().unwrap().is_finite(), "{f}");
        }
    }
}

#[test]
fn assess_is_byte_identical_for_a_seed() {
    let run = |seed: &str| {
        entente().args(["assess", "--samples", "30000", "--format", "json", "--seed", seed]).output().unwrap().stdout
    };
    assert_eq!(run("7"), run("7"));
    assert_ne!(run("7"), run("8"));
}

#[test]
fn assess_on_a_fixture_dataset() {
    let v = json(&["assess", "--samples", "20000", "--data", fixture().to_str().unwrap()]);
    assert_eq!(v["scenario"], "now");
    let ids: Vec<&str> = v["figures"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(
        ids.contains(&"item:shells") && ids.contains(&"item:oil") && ids.contains(&"ratio:KP->RU/RU->KP"),
        "{ids:?}"
    );
    // as of February 2024 the oil item had not begun and the February container estimate is used
    let v = json(&["assess", "--samples", "20000", "--data", fixture().to_str().unwrap(), "--as-of", "2024-02-27"]);
    assert_eq!(v["excluded"][0]["item"], "oil");
    let shells = v["figures"].as_array().unwrap().iter().find(|f| f["id"] == "item:shells").unwrap().clone();
    assert!(shells["claims"].as_array().unwrap().iter().any(|c| c == "containers-feb"));
    assert!(!shells["claims"].as_array().unwrap().iter().any(|c| c == "containers-aug"));
}

#[test]
fn csv_and_markdown_formats() {
    let out = entente()
        .args(["assess", "--samples", "20000", "--format", "csv", "--data", fixture().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // one rectangular table (not flexible): section, level, id, label, then the figures
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().clone();
    assert_eq!(&header[0], "section");
    assert_eq!(&header[4], "P5 (low)");
    let first = rdr.records().next().unwrap().unwrap();
    assert!(first[4].parse::<f64>().unwrap() > 1e8, "raw numbers in CSV: {first:?}");
    entente()
        .args(["assess", "--samples", "20000", "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::contains("| --- |").or(predicate::str::contains("| --- | ---: |")));
}

#[test]
fn explain_shows_inputs_claims_and_graded_sources() {
    entente()
        .args(["explain", "shells", "--samples", "10000", "--data", fixture().to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("containers * shells_per_container"))
        .stdout(predicate::str::contains("pert(13000, 13500, 16000) (estimate of 2024-08-27)"))
        .stdout(predicate::str::contains("containers-aug"))
        .stdout(predicate::str::contains("B3 (usually reliable; possibly true)"))
        .stdout(predicate::str::contains("F6"));
    entente()
        .args(["explain", "nonsense", "--samples", "1000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown item `nonsense`"));
}

#[test]
fn validate_reports_all_errors_with_exit_2() {
    entente()
        .args(["validate", fixture().to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"));
    entente().args(["validate"]).assert().success();
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(fixture()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    let items = dir.path().join("items.toml");
    let text = std::fs::read_to_string(&items)
        .unwrap()
        .replace("unit_price = \"price\"", "unit_price = \"oil_price\"")
        .replace("flow = \"RU->KP\"", "flow = \"up\"");
    std::fs::write(&items, text).unwrap();
    entente()
        .args(["validate", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("items.toml:8: item[0] (shells).unit_price: unit USD/barrel does not combine"))
        .stderr(predicate::str::contains("items.toml:14: item[1] (oil).flow: `up` is not a flow"))
        .stderr(predicate::str::contains("2 errors"));
    entente()
        .args(["assess", "--data", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
}

#[test]
fn bad_arguments_exit_2() {
    entente().args(["assess", "--samples", "5"]).assert().code(2);
    entente().args(["assess", "--quantiles", "1.5"]).assert().code(2);
    entente()
        .args(["assess", "--scenario", "nope", "--samples", "1000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown scenario `nope`"));
    entente()
        .args(["assess", "--data", "/nonexistent"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a folder"));
}

#[test]
fn compare_shows_both_studies() {
    let v = json(&["compare", "--samples", "20000"]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["not_public"].as_array().unwrap().len(), 0);
    let v = &v["comparisons"];
    let studies: Vec<&str> = v.as_array().unwrap().iter().map(|c| c["study"].as_str().unwrap()).collect();
    assert!(studies.len() >= 2, "{studies:?}");
    for c in v.as_array().unwrap() {
        assert!(c["study_low"].as_f64().unwrap() <= c["study_high"].as_f64().unwrap());
        // where our interval stands is an enum in JSON; the words are made by the view
        assert!(["below", "overlaps", "above"].contains(&c["position"].as_str().unwrap()), "{c}");
    }
    entente()
        .args(["compare", "--samples", "20000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("implied unit prices"));
}
