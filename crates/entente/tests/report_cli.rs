//! End-to-end tests of `entente report`: the file is written, complete, deterministic for a seed, and a bad
//! path or a bad dataset fails with exit 2 and leaves nothing behind.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn entente() -> Command {
    Command::cargo_bin("entente").unwrap()
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini")
}

/// Files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn html_report_is_complete_and_byte_identical_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
    for p in [&a, &b] {
        entente().args(["report", "--samples", "4000", "--seed", "11", "-o"]).arg(p).assert().success();
    }
    let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(x == y, "two runs with one seed differ");
    let html = String::from_utf8(x).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in [
        "headline",
        "categories",
        "balance",
        "distribution",
        "timeline",
        "trade",
        "meetings",
        "sensitivity",
        "studies",
        "method",
        "claims",
        "sources",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "section {id}");
    }
    for fig in ["categories", "balance", "distribution", "timeline", "studies", "trade", "meetings", "sensitivity"] {
        assert!(html.contains(&format!("<figure id=\"fig-{fig}\"")), "figure {fig}");
    }
    assert!(html.contains("4,000 Monte Carlo samples, seed 11"));
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src=\"http"));
    assert_eq!(files(dir.path()), ["a.html", "b.html"], "no temporary file left");
    // a different seed gives a different report
    let c = dir.path().join("c.html");
    entente().args(["report", "--samples", "4000", "--seed", "12", "-o"]).arg(&c).assert().success();
    assert_ne!(std::fs::read(&c).unwrap(), std::fs::read(&a).unwrap());
}

#[test]
fn markdown_report_writes_the_charts_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("report.md");
    entente().args(["report", "--format", "markdown", "--samples", "3000", "-o"]).arg(&md).assert().success();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# entente report"));
    assert!(text.contains("| --- |") || text.contains("| --- | "));
    let svgs: Vec<String> = files(dir.path()).into_iter().filter(|f| f.ends_with(".svg")).collect();
    assert!(svgs.len() >= 5, "{svgs:?}");
    for s in &svgs {
        assert!(s.starts_with("report-"), "{s}");
        assert!(text.contains(&format!("]({s})")), "{s} is linked");
        let svg = std::fs::read_to_string(dir.path().join(s)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<title"));
    }
}

#[test]
fn report_on_another_dataset_and_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mini.html");
    entente().args(["report", "--samples", "2000", "--data"]).arg(fixture()).arg("-o").arg(&out).assert().success();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<section id=\"headline\""));
}

#[test]
fn unwritable_path_fails_with_exit_2_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder").join("report.html");
    entente().args(["report", "--samples", "2000", "-o"]).arg(&missing).assert().code(2).stderr(
        predicate::str::contains("cannot write the report to").and(predicate::str::contains("not an existing folder")),
    );
    assert!(!missing.exists());
    // the parent is a file
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let under = file.join("report.html");
    entente()
        .args(["report", "--samples", "2000", "-o"])
        .arg(&under)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write the report"));
    // the target is a folder
    entente()
        .args(["report", "--samples", "2000", "-o"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is a folder"));
    assert_eq!(files(dir.path()), ["plain-file"]);
}

#[test]
fn dataset_error_fails_with_exit_2_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("sources.toml"), "[[source]]\nid = \"Not An Id\"\n").unwrap();
    let out = dir.path().join("report.html");
    entente()
        .args(["report", "--samples", "2000", "--data"])
        .arg(bad.path())
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has errors"));
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
    // an unknown scenario is an error too
    entente()
        .args(["report", "--samples", "2000", "--scenario", "nope", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown scenario"));
    assert!(files(dir.path()).is_empty());
}
