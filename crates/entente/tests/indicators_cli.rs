//! End-to-end tests of `entente trade` and `entente meetings`: output formats, `--as-of`, filters, GDELT import
//! and bad input (exit code 2 with a clear message).

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn entente() -> Command {
    Command::cargo_bin("entente").unwrap()
}

fn json(args: &[&str]) -> Value {
    let out = entente().args(args).args(["--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> String {
    repo().join("crates/entente-indicators/tests/fixtures/gdelt-ru-kp.export.CSV").display().to_string()
}

/// A copy of the default dataset with one file replaced by `f(old text)`.
fn dataset_with(file: &str, f: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(repo().join("data")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let p = dir.path().join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(&text)).unwrap();
    dir
}

#[test]
fn trade_table_shows_growth_gaps_and_conflicts() {
    entente()
        .args(["trade", "--compare", "2023", "2024H1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("+207.6 %"))
        .stdout(predicate::str::contains("USD 105.8 M a year"))
        .stdout(predicate::str::contains("unknown"))
        .stdout(predicate::str::contains("Conflicting figures"))
        .stdout(predicate::str::contains("before the 2017 sanctions"));
}

#[test]
fn trade_json_keeps_both_2024_figures() {
    let v = json(&["trade"]);
    let growth = v["growth"].as_array().unwrap();
    let h1 = growth.iter().find(|g| g["later"]["label"] == "2024H1").expect("2023 → 2024H1");
    assert_eq!(h1["base"]["label"], "2023");
    assert!((h1["growth"].as_f64().unwrap() - (52.9 * 2.0 / 34.4 - 1.0)).abs() < 1e-9);
    assert!(growth.iter().any(|g| g["later"]["label"] == "2024"), "the conflicting full-year figure is compared too");
    let gaps: Vec<i64> = v["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] == "unknown")
        .map(|g| g["year"].as_i64().unwrap())
        .collect();
    assert!(gaps.contains(&2021), "{gaps:?}");
    assert!(v["figures"].as_array().unwrap().iter().all(|f| f["label"] != "2021"));
}

#[test]
fn trade_as_of_excludes_later_figures() {
    let v = json(&["trade", "--as-of", "2024-11-01"]);
    let figs = v["figures"].as_array().unwrap();
    assert!(figs.iter().all(|f| f["public"].as_str().unwrap() <= "2024-11-01"));
    assert!(v["excluded_later"].as_u64().unwrap() >= 1);
    assert!(v["growth"].as_array().unwrap().iter().all(|g| g["later"]["label"] != "2024"));
    // Before FNF's H1 2024 figure was public, the latest year was 2023.
    let v = json(&["trade", "--as-of", "2024-07-01"]);
    assert!(v["growth"].as_array().unwrap().iter().all(|g| g["later_period"]["from"].as_str().unwrap() < "2024"));
}

#[test]
fn trade_csv_and_markdown() {
    entente()
        .args(["trade", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("section,period,"));
    entente().args(["trade", "--format", "markdown"]).assert().success().stdout(predicate::str::contains("|"));
}

#[test]
fn trade_bad_period_exits_2() {
    entente()
        .args(["trade", "--compare", "2024-06-30..2024-01-01", "2024"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ends (2024-01-01) before it starts (2024-06-30)"));
    entente()
        .args(["trade", "--compare", "2024H3", "2024"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a period"));
}

#[test]
fn meetings_table() {
    entente()
        .args(["meetings"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Meetings per month"))
        .stdout(predicate::str::contains("Garwood 95 %"))
        .stdout(predicate::str::contains("Change point"))
        .stdout(predicate::str::contains("95 % credible months"))
        .stdout(predicate::str::contains("evidence that the monthly rate changed"));
}

#[test]
fn meetings_json_rate_and_change_point() {
    let v = json(&["meetings", "--since", "2023-07"]);
    let since_count =
        v["meetings"].as_array().unwrap().iter().filter(|m| m["start"].as_str().unwrap() >= "2023-07-01").count()
            as u64;
    let r = &v["rate_since"];
    assert_eq!(r["count"].as_u64().unwrap(), since_count);
    let (lo, mid, hi) = (r["low"].as_f64().unwrap(), r["rate"].as_f64().unwrap(), r["high"].as_f64().unwrap());
    assert!(lo < mid && mid < hi);
    let total: u64 = v["counts"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(total, v["meetings"].as_array().unwrap().len() as u64);
    let c = &v["change"];
    let post: f64 = c["posterior"].as_array().unwrap().iter().map(|p| p[1].as_f64().unwrap()).sum();
    assert!((post - 1.0).abs() < 1e-9);
    assert!(!c["credible_months"].as_array().unwrap().is_empty());
    assert!(v["vs_stated"]["ratio"].as_f64().unwrap() > 1.0);
}

#[test]
fn meetings_as_of_level_and_by() {
    let v = json(&["meetings", "--as-of", "2024-06-30", "--level", "head-of-state", "--by", "quarter"]);
    let ms = v["meetings"].as_array().unwrap();
    assert!(!ms.is_empty());
    assert!(ms.iter().all(|m| m["start"].as_str().unwrap() <= "2024-06-30" && m["level"] == "head-of-state"));
    assert!(v["excluded_later"].as_u64().unwrap() > 0);
    assert_eq!(v["observed_to"], "2024-06-30");
    assert_eq!(v["counts"].as_array().unwrap().last().unwrap()["label"], "2024Q2");
}

#[test]
fn meetings_deterministic() {
    let a = entente().args(["meetings", "--format", "json"]).output().unwrap();
    let b = entente().args(["meetings", "--format", "json"]).output().unwrap();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn meetings_gdelt_import_merges_repeats() {
    let v = json(&["meetings", "--gdelt", &fixture()]);
    let g = &v["gdelt"];
    assert_eq!(g["rows"], 13);
    assert_eq!(g["events"], 11);
    assert_eq!(g["merged_meetings"], 6);
    let (matched, added) = (g["matched_log"].as_u64().unwrap(), g["added"].as_u64().unwrap());
    assert_eq!(matched + added, 6);
    let from_gdelt =
        v["meetings"].as_array().unwrap().iter().filter(|m| m["source"].as_str().unwrap().starts_with("gdelt")).count();
    assert_eq!(from_gdelt as u64, added);
}

#[test]
fn bad_input_exits_2() {
    entente()
        .args(["meetings", "--level", "ambassador"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a level"));
    entente().args(["meetings", "--by", "week"]).assert().code(2);
    entente()
        .args(["meetings", "--since", "2025-01-01", "--as-of", "2024-01-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("after --as-of"));

    // A GDELT row without a date.
    let mut cols = vec![""; 61];
    cols[0] = "1";
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.export.CSV");
    std::fs::write(&bad, cols.join("\t") + "\n").unwrap();
    entente()
        .args(["meetings", "--gdelt", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.export.CSV:1: column 2 (SQLDATE): missing date"));

    // A meeting without a date in the dataset.
    let ds = dataset_with("meetings.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let row = lines[1].clone();
        lines[1] = format!(",{}", row.split_once(',').unwrap().1);
        lines.join("\n") + "\n"
    });
    entente()
        .args(["meetings", "--data", ds.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("meetings.csv:2").and(predicate::str::contains("missing date")));

    // A trade period ending before it starts.
    let ds = dataset_with("trade.csv", |t| t.replacen("2023-01-01,2023-12-31", "2023-12-31,2023-01-01", 1));
    entente()
        .args(["trade", "--data", ds.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("before it starts"));
}
