//! Parser tests on small fixtures written in the official formats, plus the
//! malformed-input guarantees (error naming file and position, no panic).

use entente_screen::lists::{load_paths, parse_file};
use entente_screen::model::{DateSpec, IdKind, NameStrength, Schema};
use std::path::PathBuf;

fn fx(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(p)
}

#[test]
fn un_fixture() {
    let l = parse_file(&fx("un_small.xml")).unwrap();
    assert_eq!(l.list, "un");
    assert_eq!(l.generated.as_deref(), Some("2026-11-01T00:00:00.000Z"));
    assert_eq!(l.entities.len(), 3);
    let ri = &l.entities[0];
    assert_eq!(ri.id, "un:9000001");
    assert_eq!(ri.schema, Schema::Person);
    assert_eq!(ri.caption(), "RI PYONG CHOL");
    assert!(ri.names.iter().any(|n| n.value == "리병철"));
    assert!(ri.names.iter().any(|n| n.value == "Comrade Ri" && n.strength == NameStrength::Weak));
    assert_eq!(ri.countries, vec!["kp"]);
    assert_eq!(ri.programs, vec!["DPRK"]);
    assert!(ri.identifiers.iter().any(|i| i.kind == IdKind::Passport));
    assert_eq!(l.entities[1].birth_dates, vec![DateSpec::Range { from: 1970, to: 1973 }]);
    let ship = &l.entities[2];
    assert_eq!(ship.schema, Schema::Vessel);
    assert!(ship.identifiers.iter().any(|i| i.kind == IdKind::Imo && i.key() == "8660313"));
}

#[test]
fn eu_fixture() {
    let l = parse_file(&fx("eu_small.xml")).unwrap();
    assert_eq!(l.list, "eu");
    assert_eq!(l.entities.len(), 2);
    let p = &l.entities[0];
    assert_eq!(p.schema, Schema::Person);
    assert_eq!(p.programs, vec!["RUS"]);
    assert_eq!(p.gender.as_deref(), Some("male"));
    assert!(p.names.iter().any(|n| n.value == "Vanya" && n.strength == NameStrength::Weak));
    assert_eq!(p.birth_dates[0].to_string(), "1961-05-14");
    let c = &l.entities[1];
    assert_eq!(c.schema, Schema::Organization);
    assert!(c.identifiers.iter().any(|i| i.kind == IdKind::Bic));
}

#[test]
fn uk_fixture() {
    let l = parse_file(&fx("uk_small.xml")).unwrap();
    assert_eq!(l.generated.as_deref(), Some("03/11/2026"));
    assert_eq!(l.entities.len(), 3);
    let e = &l.entities[0];
    assert_eq!(e.links[0].relation, "parent");
    assert!(e.names.iter().any(|n| n.value == "SS LLC" && n.strength == NameStrength::Weak));
    let ship = &l.entities[1];
    assert_eq!(ship.schema, Schema::Vessel);
    assert_eq!(ship.identifiers[0].key(), "9123456");
    assert_eq!(ship.countries, vec!["ga"]);
    let p = &l.entities[2];
    assert_eq!(p.birth_dates, vec![DateSpec::Date { year: 1975, month: None, day: None }]);
}

#[test]
fn ofac_xml_fixture() {
    let l = parse_file(&fx("ofac_sdn.xml")).unwrap();
    assert_eq!(l.list, "ofac-sdn");
    assert_eq!(l.generated.as_deref(), Some("11/04/2026"));
    let bank = &l.entities[0];
    let kinds: Vec<IdKind> = bank.identifiers.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, vec![IdKind::Bic, IdKind::Inn, IdKind::Ogrn]);
    assert!(bank.names.iter().any(|n| n.value == "EXBANK" && n.strength == NameStrength::Weak));
    assert_eq!(l.entities[1].caption(), "Olga DEMOVA");
    assert_eq!(l.entities[1].countries, vec!["ru"]);
}

#[test]
fn ofac_csv_fixture_with_companions() {
    let l = parse_file(&fx("ofac_csv/sdn.csv")).unwrap();
    assert_eq!(l.format, "ofac-csv");
    assert_eq!(l.entities.len(), 3);
    let aero = &l.entities[0];
    assert!(aero.names.iter().any(|n| n.value == "AERO-CARIBBEAN"));
    assert_eq!(aero.addresses, vec!["Havana, Cuba"]);
    let ship = &l.entities[1];
    assert_eq!(ship.schema, Schema::Vessel);
    assert!(ship.identifiers.iter().any(|i| i.kind == IdKind::Imo && i.key() == "9339301"));
    assert!(ship.identifiers.iter().any(|i| i.kind == IdKind::Mmsi));
    assert!(ship.names.iter().any(|n| n.value == "OCEAN LEADER" && n.strength == NameStrength::Previous));
    let p = &l.entities[2];
    assert_eq!(p.caption(), "Artem Mikhaylovich LIFSHITS");
    assert!(p.identifiers.iter().any(|i| i.kind == IdKind::CryptoWallet));
    // Remarks continue in sdn_comments.csv mid-token: "Passport 7165" + "08".
    assert!(p.identifiers.iter().any(|i| i.kind == IdKind::Passport && i.value == "716508"), "{:?}", p.identifiers);
    assert!(p.names.iter().any(|n| n.value == "Artyom LIFSHITS" && n.strength == NameStrength::Weak));
}

#[test]
fn ftm_fixture_with_ownership() {
    let l = parse_file(&fx("ftm_small.jsonl")).unwrap();
    assert_eq!(l.entities.len(), 2);
    let owner = &l.entities[0];
    assert_eq!(owner.programs, vec!["RUSSIA"]);
    assert_eq!(owner.listing_date.as_deref(), Some("2022-03-15"));
    let company = &l.entities[1];
    assert!(company.topics.iter().any(|t| t == "sanction.linked"));
    assert_eq!(company.links[0].percentage.as_deref(), Some("51"));
    assert!(company.identifiers.iter().any(|i| i.kind == IdKind::Ogrn));
}

#[test]
fn folder_loading_detects_formats() {
    // The fixtures folder holds payment messages and CSV inputs, which are not lists: strict loading names one.
    let e = format!("{:#}", load_paths(&[fx("")]).unwrap_err());
    assert!(e.contains("not a known sanctions-list schema") || e.contains("not a recognised list format"), "{e}");
    // Skipping unrecognised files never skips a list that fails to parse (the deliberately broken ones).
    let opts = entente_screen::lists::LoadOptions { skip_unrecognised: true, ..Default::default() };
    let e = format!("{:#}", entente_screen::lists::load_paths_with(&[fx("")], &opts).unwrap_err());
    assert!(e.contains("bad/"), "{e}");
    let ok = load_paths(&[fx("un_small.xml"), fx("ofac_csv"), fx("ftm_small.jsonl")]).unwrap();
    assert_eq!(ok.len(), 3);
}

fn err_of(p: &str) -> String {
    format!("{:#}", parse_file(&fx(p)).unwrap_err())
}

#[test]
fn truncated_xml_is_an_error_with_position() {
    let e = err_of("bad/truncated.xml");
    assert!(e.contains("bad/truncated.xml:"), "{e}");
    assert!(e.contains("truncated") || e.contains("malformed"), "{e}");
}

#[test]
fn entity_expansion_is_refused() {
    let e = err_of("bad/billion_laughs.xml");
    assert!(e.contains("billion_laughs.xml:2:"), "{e}");
    assert!(e.contains("DTD"), "{e}");
}

#[test]
fn wrong_encoding_is_refused() {
    let e = err_of("bad/latin1_uk.xml");
    assert!(e.contains("latin1_uk.xml:3:"), "{e}");
    assert!(e.contains("UTF-8"), "{e}");
}

#[test]
fn malformed_csv_is_an_error_with_line() {
    let e = err_of("bad/sdn.csv");
    assert!(e.contains("bad/sdn.csv:"), "{e}");
}

#[test]
fn broken_json_line_is_an_error_with_line() {
    let e = err_of("bad/broken.ftm.json");
    assert!(e.contains("broken.ftm.json:2:"), "{e}");
}

#[test]
fn oversized_field_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.xml");
    let big = "A".repeat(2 << 20);
    std::fs::write(&p, format!("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>{big}</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>")).unwrap();
    let e = format!("{:#}", parse_file(&p).unwrap_err());
    assert!(e.contains("exceeds"), "{e}");
}

#[test]
fn garbage_is_unrecognised() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.xml");
    std::fs::write(&p, "<html><body>Service unavailable</body></html>").unwrap();
    let e = format!("{:#}", parse_file(&p).unwrap_err());
    assert!(e.contains("x.xml: an HTML page, not a list"), "{e}");
}
