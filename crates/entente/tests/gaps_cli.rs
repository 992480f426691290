//! End-to-end tests of `entente gaps`: the Ministry of Defence logistics fleet against the real OFAC SDN list and
//! the FCDO UK Sanctions List in `../shared/data` (required in CI), every output format, the as-of cut, and a
//! malformed actors ledger.

use assert_cmd::Command;
use std::path::PathBuf;

fn entente() -> Command {
    Command::cargo_bin("entente").unwrap()
}

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sanctions");
    if p.is_dir() {
        Some(p)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/data/sanctions not found: CI must run the gaps tests on the real lists");
    } else {
        eprintln!("skipping: ../shared/data/sanctions not found");
        None
    }
}

/// The OFAC SDN list of about January 2023 and the FCDO summary of August 2025 (small enough for a debug build).
fn lists(d: &std::path::Path) -> Vec<String> {
    vec![
        d.join("ofac/sdn_csv_2023-01_resaved").display().to_string(),
        d.join("uk/fcdo_summary_2025-08-11").display().to_string(),
    ]
}

fn gaps_json(extra: &[&str]) -> Option<serde_json::Value> {
    let d = shared()?;
    let out =
        entente().arg("gaps").arg("--lists").args(lists(&d)).args(extra).args(["--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn row<'a>(g: &'a serde_json::Value, actor: &str) -> &'a serde_json::Value {
    g["rows"].as_array().unwrap().iter().find(|r| r["actor"] == actor).unwrap_or_else(|| panic!("no row {actor}"))
}

fn cell<'a>(r: &'a serde_json::Value, authority: &str) -> &'a serde_json::Value {
    r["cells"].as_array().unwrap().iter().find(|c| c["authority"] == authority).unwrap()
}

#[test]
fn the_logistics_fleet_with_ofac_and_uk_status_and_dates() {
    let Some(g) = gaps_json(&[]) else { return };
    let rows = g["rows"].as_array().unwrap();
    let fleet: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["identifiers"].as_array().unwrap().iter().any(|i| i.as_str().unwrap().starts_with("IMO ")))
        .collect();
    assert!(fleet.len() >= 10, "{} vessels", fleet.len());
    for v in &fleet {
        let c = cell(v, "OFAC-SDN");
        assert_eq!(c["status"], "listed", "{}", v["name"]);
        assert_eq!(c["matches"][0]["basis"]["by"], "identifier", "{}: matched by IMO", v["name"]);
    }
    for op in ["oboronlogistika", "sc-south", "m-leasing", "transmorflot"] {
        let c = cell(row(&g, op), "OFAC-SDN");
        assert_eq!(c["status"], "listed", "{op}");
        assert_eq!(c["matches"][0]["basis"]["kind"], "INN", "{op}: matched by INN");
        assert_eq!(c["designated"], "2022-05-08", "{op}: reported date of the OFAC action");
        assert_eq!(c["date_source"], "reported");
    }
    // ANGARA: OFAC by IMO, UK designation 2024-07-31 read from the FCDO list.
    let angara = row(&g, "angara");
    assert_eq!(angara["identifiers"][0], "IMO 9179842");
    let uk = cell(angara, "UK");
    assert_eq!((uk["status"].as_str(), uk["designated"].as_str()), (Some("listed"), Some("2024-07-31")));
    assert_eq!(uk["date_source"], "list");
    assert_eq!(uk["lag_days"], 191, "2024-01-22 (first evidence) to 2024-07-31");
    // Coverage: no UN or EU list loaded is "not covered", never "not listed".
    assert_eq!(cell(angara, "UN")["status"], "not-covered");
    assert_eq!(cell(angara, "EU")["status"], "not-covered");
    let un = g["authorities"].as_array().unwrap().iter().find(|a| a["authority"] == "UN").unwrap();
    assert_eq!(un["best"], "none");
}

#[test]
fn as_of_before_the_uk_designation() {
    let Some(g) = gaps_json(&["--as-of", "2024-06-30"]) else { return };
    let uk = cell(row(&g, "angara"), "UK");
    assert_eq!(uk["status"], "not-found", "designated 2024-07-31, after the as-of date");
    assert_eq!(g["as_of"], "2024-06-30");
    // No Kwang Chol's only evidence became public in 2025.
    assert!(g["excluded"].as_array().unwrap().iter().any(|x| x == "no-kwang-chol"));
}

#[test]
fn table_markdown_and_csv() {
    let Some(d) = shared() else { return };
    let run = |fmt: &str| {
        let out = entente().arg("gaps").arg("--lists").args(lists(&d)).args(["--format", fmt]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let t = run("table");
    assert!(t.contains("Coverage by authority") && t.contains("Actor × authority"));
    let angara = t.lines().find(|l| l.starts_with("ANGARA ")).expect("ANGARA row");
    assert!(angara.contains("IMO 9179842") && angara.contains("listed 2024-07-31"), "{angara}");
    let md = run("markdown");
    assert!(md.contains("| ANGARA |"), "markdown table row");
    let csv = run("csv");
    assert!(csv.contains("UK status,UK designated,UK date source"), "one column per field in CSV");
}

#[test]
fn a_malformed_imo_in_the_ledger_is_an_error_with_file_and_line() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(&data).unwrap() {
        let f = f.unwrap().path();
        if f.is_file() {
            std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
        }
    }
    let ledger = std::fs::read_to_string(data.join("actors.toml")).unwrap();
    let line = ledger.lines().position(|l| l == "imo = \"9179842\"").unwrap() + 1;
    std::fs::write(dir.path().join("actors.toml"), ledger.replace("imo = \"9179842\"", "imo = \"9179843\"")).unwrap();
    let lists = dir.path().join("lists");
    std::fs::create_dir(&lists).unwrap();
    let out = entente().arg("gaps").arg("--data").arg(dir.path()).arg("--lists").arg(&lists).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("actors.toml:{line}:")) && err.contains("(angara).imo: `9179843`: IMO check digit"),
        "{err}"
    );
}

#[test]
fn the_report_carries_the_gaps_section_with_lists() {
    let Some(d) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let out = entente()
        .args(["report", "--samples", "2000", "-o"])
        .arg(&html)
        .arg("--lists")
        .args(lists(&d))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Sanctions gaps: who carries the flows"));
    assert!(page.contains("fig-gaps-lag-t"), "the designation-lag chart");
    assert!(page.contains("Listed by the US or UK, not found on the EU list"));
}
