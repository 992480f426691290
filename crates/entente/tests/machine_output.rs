//! Machine-readable output (issue 14): each CSV output is one rectangular table that a CSV reader takes as it
//! is (explicit `level`/`id`, no blank lines, no empty header cell, other tables by `--csv-table`); every JSON
//! object output starts with `schema_version`.

use assert_cmd::Command;
use predicates::prelude::*;

fn entente() -> Command {
    Command::cargo_bin("entente").unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = entente().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Reads strictly (a ragged row is an error) and returns the header and the rows.
fn strict(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

#[test]
fn assess_csv_is_one_rectangular_table_with_level_and_id() {
    let text = stdout(&["assess", "--samples", "2000", "--format", "csv"]);
    assert!(!text.contains("\n\n") && !text.lines().any(|l| l.trim().is_empty() || l == "\"\""), "blank lines");
    let (header, rows) = strict(&text);
    assert_eq!(&header[..4], ["section", "level", "id", "label"]);
    assert!(header.iter().all(|h| !h.is_empty()), "{header:?}");
    // the header appears once
    assert_eq!(text.lines().filter(|l| l.starts_with("section,")).count(), 1);
    let levels: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(levels.into_iter().collect::<Vec<_>>(), ["category", "item", "total"]);
    assert!(rows.iter().any(|r| r[2] == "item:shells-152mm"));
    // both flows in the one table
    let sections: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(sections.len(), 2, "{sections:?}");
}

#[test]
fn other_tables_by_flag_and_a_wrong_number_lists_them() {
    let text = stdout(&["assess", "--samples", "2000", "--format", "csv", "--csv-table", "2"]);
    let (header, rows) = strict(&text);
    assert_eq!(header[0], "section");
    assert_eq!(rows[0][0], "Balance of the partnership");
    entente()
        .args(["assess", "--samples", "2000", "--format", "csv", "--csv-table", "99"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("this output has").and(predicate::str::contains("1 = North Korea")));
}

#[test]
fn every_csv_output_parses_strictly() {
    for args in [
        &["history", "--samples", "2000"][..],
        &["timeline", "--samples", "2000"],
        &["sensitivity", "--samples", "2000"],
        &["explain", "shells-152mm", "--samples", "2000"],
        &["trade"],
        &["meetings"],
    ] {
        let mut a = args.to_vec();
        a.extend(["--format", "csv"]);
        let text = stdout(&a);
        let (header, rows) = strict(&text);
        assert!(header.iter().all(|h| !h.is_empty()), "{args:?}: {header:?}");
        assert!(!rows.is_empty(), "{args:?}");
    }
}

#[test]
fn json_objects_start_with_schema_version() {
    for args in [
        &["assess", "--samples", "2000"][..],
        &["explain", "shells-152mm", "--samples", "2000"],
        &["history", "--samples", "2000"],
        &["trade"],
    ] {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let text = stdout(&a);
        assert!(text.starts_with("{\n  \"schema_version\": 1,"), "{args:?}: {}", &text[..80.min(text.len())]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema_version"], 1);
    }
}

#[test]
fn assess_with_compare_in_json_is_one_document_with_the_comparisons() {
    let out = stdout(&["assess", "--compare", "--format", "json", "--samples", "2000"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document, not two concatenated");
    assert_eq!(v["schema_version"], 1);
    let cs = v["comparisons"].as_array().expect("a comparisons array");
    assert_eq!(cs.len(), 3, "every study of the embedded dataset");
    assert!(cs.iter().all(|c| c["study"].is_string() && c["median_ratio"].is_number()));

    // as of a date before the 2025 study, it is named as not yet public instead of compared
    let out = stdout(&["assess", "--compare", "--format", "json", "--samples", "2000", "--as-of", "2025-01-01"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["comparisons"].as_array().unwrap().len(), 1);
    assert_eq!(v["comparisons_not_public"].as_array().unwrap().len(), 2);
}
