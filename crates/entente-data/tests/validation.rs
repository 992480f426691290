//! A table of malformed datasets, each with the exact error it must give (file, line, key path, field).
//! Each case starts from the valid fixture in `tests/fixtures/mini` and changes one thing.

use entente_data::{load, Files};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture() -> BTreeMap<String, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini");
    entente_data::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")).files
}

/// Applies `from → to` in `file` (which must change it) and returns all errors as strings.
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

#[test]
fn the_fixture_is_valid() {
    let ds = load(&Files { files: fixture() }).unwrap();
    assert_eq!(ds.items.len(), 2);
    assert_eq!(ds.trade.len(), 1);
    assert_eq!(ds.meetings.len(), 1);
}

#[test]
fn malformed_datasets_give_exact_errors() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (file, from, to, expected errors, one per line: a mistake that removes an id is also reported where
    // that id is used)
        ("sources.toml", "id = \"analyst-price\"", "id = \"intel-2024\"", "sources.toml:20: source[2] (intel-2024).id: duplicate id `intel-2024`\nclaims.toml:21: claim[2] (price).sources: unknown source `analyst-price`"),
        ("sources.toml", "reliability = \"F\"", "reliability = \"G\"", "sources.toml:25: source[2] (analyst-price).reliability: `G` is not a reliability grade A–F"),
        ("sources.toml", "credibility = 6\n", "credibility = 3\n", "sources.toml:23: source[2] (analyst-price).assumption: an analyst assumption is graded F6, not F3"),
        ("sources.toml", "credibility = 6", "credibility = 7", "sources.toml:26: source[2] (analyst-price).credibility: 7 is not a credibility grade 1–6"),
        ("claims.toml", "sources = [\"intel-2024\"]", "sources = [\"nobody\"]", "claims.toml:3: claim[0] (containers-feb).sources: unknown source `nobody`"),
        ("claims.toml", "value = { low = 300, high = 1000 }", "value = { low = 1000, high = 300 }", "claims.toml:23: claim[2] (price).value.low: low 1000 is greater than high 300"),
        ("claims.toml", "as_of = 2024-02-26", "as_of = 2024-02-30", "claims.toml:7: not valid TOML: invalid date-time; value is out of range"),
        ("claims.toml", "period = { from = 2023-08-01 }", "period = { from = 2023-08-01, to = 2023-01-01 }", "claims.toml:25: claim[2] (price).period.to: period ends (2023-01-01) before it starts (2023-08-01)"),
        ("variables.toml", "low = 400\nhigh = 480", "low = 480\nhigh = 400", "variables.toml:23: variable[1] (shells_per_container).low: low 480 is greater than high 400"),
        ("variables.toml", "mode = 600", "mode = 1600", "variables.toml:31: variable[2] (price).mode: mode 1600 lies outside [300, 1000]"),
        ("variables.toml", "dist = \"triangular\"", "dist = \"gamma\"", "variables.toml:29: variable[2] (price).dist: unknown distribution `gamma` (known: point, uniform, triangular, pert, normal, lognormal)"),
        ("variables.toml", "claims = [\"price\"]", "claims = [\"prise\"]", "variables.toml:33: variable[2] (price).claims: unknown claim `prise`"),
        ("variables.toml", "id = \"oil_price\"", "id = \"oil-price\"", "variables.toml:44: variable[4] (oil-price).id: `oil-price` is not a valid id ([a-z][a-z0-9_]* (no hyphens: ids are used in expressions))\nitems.toml:18: item[1] (oil).unit_price: unknown variable `oil_price`"),
        ("variables.toml", "value = 70", "value = -70", "variables.toml:43: variable[4] (oil_price).dist: can be negative (-70), but it feeds item `oil`: quantities and prices must not be negative (add `min = 0`)"),
        ("variables.toml", "public = 2024-02-26", "public = 2024-01-26", "variables.toml:1: variable[0] (containers).estimate[0].public: estimate is dated 2024-01-26 but rests on claim `containers-feb`, public only on 2024-02-26"),
        ("items.toml", "unit_price = \"price\"", "unit_price = \"oil_price\"", "items.toml:8: item[0] (shells).unit_price: unit USD/barrel does not combine with quantity unit shell (need USD/shell): shell × USD/barrel = USD*shell/barrel, not USD"),
        ("items.toml", "quantity = \"containers * shells_per_container\"", "quantity = \"containers * shells_per_containr\"", "items.toml:7: item[0] (shells).quantity: unknown variable `shells_per_containr`"),
        ("items.toml", "quantity = \"containers * shells_per_container\"", "quantity = \"containers +\"", "items.toml:7: item[0] (shells).quantity: expression ends too early"),
        ("items.toml", "quantity = \"containers * shells_per_container\"", "quantity = \"containers\"", "items.toml:7: item[0] (shells).quantity: quantity has unit container, but the item's unit is shell"),
        ("items.toml", "flow = \"RU->KP\"", "flow = \"RU->CN\"", "items.toml:14: item[1] (oil).flow: `RU->CN` is not a flow (KP->RU or RU->KP)"),
        ("scenarios.toml", "variable = \"price\"", "variable = \"cost\"", "scenarios.toml:16: scenario[1] (early).override[0].variable: unknown variable `cost`"),
        ("scenarios.toml", "default = \"now\"", "default = \"later\"", "scenarios.toml:1: default: unknown scenario `later`"),
        ("reference.toml", "scenario = \"now\"", "scenario = \"then\"", "reference.toml:10: study[0] (study).scenario: unknown scenario `then`"),
        ("trade.csv", "2023-01-01,2023-12-31", "2023-12-31,2023-01-01", "trade.csv:2: row 2.to: period ends (2023-01-01) before it starts (2023-12-31)"),
        ("meetings.csv", "head-of-state", "emperor", "meetings.csv:2: row 2.level: `emperor` is not a level (head-of-state, minister, deputy, delegation, call)"),
    ];
    let mut failures = Vec::new();
    for (file, from, to, want) in cases {
        let got = errors_after(file, from, to);
        let want_all: Vec<&str> = want.split('\n').collect();
        if got != want_all {
            failures.push(format!("{file}: `{from}` → `{to}`\n  want: {want}\n  got:  {got:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_fields_are_reported() {
    let got = errors_after("items.toml", "unit_price = \"price\"", "unit_prce = \"price\"");
    assert!(got.contains(&"items.toml:8: item[0] (shells).unit_prce: unknown field (known: id, name, flow, category, unit, quantity, unit_price, period, counterpart, note)".to_string()), "{got:#?}");
    assert!(got.iter().any(|e| e.starts_with("items.toml:1: item[0] (shells).unit_price: missing")), "{got:#?}");
}

#[test]
fn cycles_are_reported_with_their_path() {
    let mut files = fixture();
    let v = files.get_mut("variables.toml").unwrap();
    v.push_str("\n[[variable]]\nid = \"a\"\nunit = \"1\"\nexpr = \"b * 2\"\n\n[[variable]]\nid = \"b\"\nunit = \"1\"\nexpr = \"a + 1\"\n");
    let e = load(&Files { files }).unwrap_err();
    let msgs: Vec<String> = e.0.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs, vec!["variables.toml:48: variable[5] (a).expr: cycle: a -> b -> a".to_string()]);
}

#[test]
fn all_errors_are_reported_in_one_run() {
    let mut files = fixture();
    let s = files.get_mut("sources.toml").unwrap();
    *s = s.replace("reliability = \"B\"", "reliability = \"Q\"");
    let it = files.get_mut("items.toml").unwrap();
    *it = it.replace("flow = \"KP->RU\"", "flow = \"north\"");
    let e = load(&Files { files }).unwrap_err();
    assert_eq!(e.0.len(), 3, "{e}");
    assert!(e.0.iter().all(|x| x.line.is_some()));
}

#[test]
fn broken_toml_names_the_line() {
    let mut files = fixture();
    files.insert("claims.toml".into(), "[[claim]]\nid = \"x\"\nvalue = = 3\n".into());
    let e = load(&Files { files }).unwrap_err();
    assert!(e.0[0].to_string().starts_with("claims.toml:3: not valid TOML"), "{e}");
}

#[test]
fn missing_files_are_named() {
    let mut files = fixture();
    files.remove("items.toml");
    let e = load(&Files { files }).unwrap_err();
    assert!(e.0.iter().any(|x| x.to_string() == "items.toml: file is missing"), "{e}");
}

#[test]
fn correlations_are_read_and_checked() {
    let mut files = fixture();
    files
        .get_mut("variables.toml")
        .unwrap()
        .push_str("\n[[correlation]]\nvariables = [\"containers\", \"price\"]\nrank = 0.5\n");
    let ds = load(&Files { files: files.clone() }).unwrap();
    assert_eq!(ds.correlations.len(), 1);
    files
        .get_mut("variables.toml")
        .unwrap()
        .push_str("\n[[correlation]]\nvariables = [\"price\", \"nothing\"]\nrank = 1.5\n");
    let msgs: Vec<String> = load(&Files { files }).unwrap_err().0.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        msgs,
        vec![
            "variables.toml:53: correlation[1].variables: unknown variable `nothing`".to_string(),
            "variables.toml:54: correlation[1].rank: 1.5 is not a correlation strictly between -1 and 1".to_string(),
        ]
    );
}
