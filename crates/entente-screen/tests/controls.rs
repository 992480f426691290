//! Screening as a control: no silent gaps in list folders and OFAC CSV sets,
//! whole payments (country policy, BIK, amounts, matched sub-fields), the
//! audit trail, the spreadsheet and advanced-XML formats, and terminal-safe
//! output. Each failure class has its own fixture, written here or committed
//! under `tests/fixtures`. The parts that go through screening runs and the
//! CLI are in crates/entente-app/tests/screen.rs and
//! crates/entente/tests/screen_cli.rs.

use entente_screen::lists::{load_paths_with, parse_file, LoadOptions, OfacPart};
use entente_screen::model::{IdKind, NameStrength, Schema};
use std::path::{Path, PathBuf};

fn fx(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(p).display().to_string()
}

// ---- 2. No silent gaps -------------------------------------------------------------------------

/// Copies the OFAC CSV fixture set into a folder, without the named files.
fn ofac_set_without(missing: &[&str]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for f in ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"] {
        if !missing.contains(&f) {
            std::fs::copy(fx(&format!("ofac_csv/{f}")), d.path().join(f)).unwrap();
        }
    }
    d
}

#[test]
fn ofac_csv_set_missing_alt_does_not_load_silently() {
    let d = ofac_set_without(&["alt.csv"]);
    let e = format!("{:#}", parse_file(&d.path().join("sdn.csv")).unwrap_err());
    assert!(e.contains("incomplete OFAC CSV set") && e.contains("alt.csv"), "{e}");
    assert!(e.contains("--allow-incomplete-ofac alt"), "{e}");
    assert!(load_paths_with(&[d.path().to_path_buf()], &LoadOptions::default()).is_err());
    // Explicitly allowed: it loads, and the list says what is missing (screening through the CLI:
    // crates/entente/tests/screen_cli.rs).
    let opts = LoadOptions { allow_incomplete_ofac: [OfacPart::Alt].into_iter().collect(), ..Default::default() };
    let l = load_paths_with(&[d.path().to_path_buf()], &opts).unwrap();
    assert!(l.lists[0].warnings.iter().any(|w| w.contains("alt.csv not found")), "{:?}", l.lists[0].warnings);
    // Allowing one part does not allow another.
    let d2 = ofac_set_without(&["alt.csv", "add.csv"]);
    let e = format!("{:#}", load_paths_with(&[d2.path().to_path_buf()], &opts).unwrap_err());
    assert!(e.contains("add.csv") && !e.contains("missing alt.csv"), "{e}");
}

#[test]
fn companion_without_primary_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fx("un_small.xml"), d.path().join("un.xml")).unwrap();
    std::fs::copy(fx("ofac_csv/alt.csv"), d.path().join("alt.csv")).unwrap();
    let e = format!("{:#}", load_paths_with(&[d.path().to_path_buf()], &LoadOptions::default()).unwrap_err());
    assert!(e.contains("alt.csv: OFAC CSV companion file without its primary"), "{e}");
}

#[test]
fn stray_quote_in_ofac_csv_is_an_error_with_file_and_line() {
    let d = ofac_set_without(&[]);
    let sdn = std::fs::read_to_string(fx("ofac_csv/sdn.csv")).unwrap();
    // Break the second record's name quote: the parser would otherwise swallow the next entity.
    let broken = sdn.replacen("\"NS LEADER\"", "\"NS LEADER", 1);
    std::fs::write(d.path().join("sdn.csv"), broken).unwrap();
    let e = format!("{:#}", parse_file(&d.path().join("sdn.csv")).unwrap_err());
    assert!(e.contains("sdn.csv:2:"), "{e}");
    assert!(e.contains("stray quote"), "{e}");
}

#[test]
fn header_row_of_resaved_ofac_csv_is_read_with_its_address_file() {
    let d = tempfile::tempdir().unwrap();
    let sdn = std::fs::read_to_string(fx("ofac_csv/sdn.csv")).unwrap();
    std::fs::write(
        d.path().join("sdn.csv"),
        format!("ID,Name,Type,Country,Title,Col_F,Col_G,Col_H,Col_I,Col_J,Col_K,Details\r\n{sdn}"),
    )
    .unwrap();
    let add = std::fs::read_to_string(fx("ofac_csv/add.csv")).unwrap();
    std::fs::write(d.path().join("sdn_address.csv"), format!("ID,Col_B,Address,City,Country,\r\n{add}")).unwrap();
    let opts = LoadOptions {
        allow_incomplete_ofac: [OfacPart::Alt, OfacPart::Comments].into_iter().collect(),
        ..Default::default()
    };
    let l = load_paths_with(&[d.path().to_path_buf()], &opts).unwrap();
    assert_eq!(l.lists.len(), 1);
    assert_eq!(l.lists[0].files.len(), 2, "sdn.csv and sdn_address.csv");
    let aero = l.lists[0].entities.iter().find(|e| e.caption() == "AEROCARIBBEAN AIRLINES").unwrap();
    assert!(!aero.addresses.is_empty());
}

#[test]
fn ofac_list_kind_is_checked_against_content() {
    let l = parse_file(Path::new(&fx("ofac_cons_small.xml"))).unwrap();
    assert_eq!(l.list, "ofac-cons");
    assert!(l.entities.iter().all(|e| e.id.starts_with("ofac-cons:")));
    // The same consolidated content saved as an SDN file is refused.
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fx("ofac_cons_small.xml"), d.path().join("sdn.xml")).unwrap();
    let e = format!("{:#}", parse_file(&d.path().join("sdn.xml")).unwrap_err());
    assert!(e.contains("file name says ofac-sdn") && e.contains("consolidated"), "{e}");
    // And SDN content named as consolidated is refused too.
    std::fs::copy(fx("ofac_sdn.xml"), d.path().join("consolidated.xml")).unwrap();
    assert!(parse_file(&d.path().join("consolidated.xml")).is_err());
}

// ---- 3. Entity types ----------------------------------------------------------------------------

#[test]
fn un_shipping_company_with_imo_company_number_is_an_organisation() {
    let d = tempfile::tempdir().unwrap();
    let xml = std::fs::read_to_string(fx("un_small.xml")).unwrap().replace(
        "</ENTITIES>",
        "<ENTITY><DATAID>9000009</DATAID><FIRST_NAME>EXAMPLE SHIPPING CO LTD</FIRST_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE>\
         <REFERENCE_NUMBER>KPe.999</REFERENCE_NUMBER><LISTED_ON>2018-03-30</LISTED_ON>\
         <COMMENTS1>Company Number IMO 5434358. Owner of vessels.</COMMENTS1></ENTITY></ENTITIES>",
    );
    std::fs::write(d.path().join("un.xml"), xml).unwrap();
    let l = parse_file(&d.path().join("un.xml")).unwrap();
    let company = l.entities.iter().find(|e| e.caption() == "EXAMPLE SHIPPING CO LTD").unwrap();
    assert_eq!(company.schema, Schema::Organization);
    assert!(
        company.identifiers.iter().any(|i| i.kind == IdKind::Imo && i.key() == "5434358"),
        "the IMO company number is still an identifier: {:?}",
        company.identifiers
    );
    let ship = l.entities.iter().find(|e| e.caption() == "CHON MA SAN").unwrap();
    assert_eq!(ship.schema, Schema::Vessel, "a valid ship IMO number on a ship name stays a vessel");
}

// ---- 4, 5. Whole payments and the audit trail: crates/entente-app/tests/screen.rs -------------------

// ---- 6. Formats ---------------------------------------------------------------------------------

#[test]
fn ofac_advanced_xml_fixture() {
    let l = parse_file(Path::new(&fx("ofac_advanced_small.xml"))).unwrap();
    assert_eq!((l.list.as_str(), l.generated.as_deref()), ("ofac-sdn", Some("2026-11-20")));
    assert_eq!(l.entities.len(), 3);
    let kim = &l.entities[0];
    assert_eq!(kim.id, "ofac-sdn:80001");
    assert_eq!(kim.schema, Schema::Person);
    assert_eq!(kim.caption(), "Chol Su KIM");
    assert!(kim.names.iter().any(|n| n.value == "Comrade Kim" && n.strength == NameStrength::Weak));
    assert!(kim.names.iter().any(|n| n.value == "КИМ Чхоль Су" && n.strength == NameStrength::Previous));
    assert_eq!(kim.birth_dates[0].to_string(), "1971-03-05");
    assert_eq!(kim.countries, vec!["kp".to_string()]);
    assert_eq!(kim.gender.as_deref(), Some("male"));
    assert_eq!(kim.programs, vec!["DPRK3".to_string()]);
    assert_eq!(kim.listing_date.as_deref(), Some("2017-06-01"));
    assert!(kim.identifiers.iter().any(|i| i.kind == IdKind::Passport && i.value == "PD1234567"));
    assert!(kim.identifiers.iter().any(|i| i.kind == IdKind::CryptoWallet));
    assert!(kim.addresses[0].contains("Pyongyang"));
    let ship = &l.entities[1];
    assert_eq!(ship.schema, Schema::Vessel);
    assert!(ship.identifiers.iter().any(|i| i.kind == IdKind::Imo && i.key() == "9876543"));
    let bank = &l.entities[2];
    assert_eq!(bank.schema, Schema::Organization);
    assert!(bank.identifiers.iter().any(|i| i.kind == IdKind::Bik && i.key() == "044525999"));
    assert!(bank.identifiers.iter().any(|i| i.kind == IdKind::Bic));
}

#[test]
fn uk_conlist_csv_fixture() {
    let l = parse_file(Path::new(&fx("uk_conlist_small.csv"))).unwrap();
    assert_eq!(l.generated.as_deref(), Some("14/11/2026"));
    assert_eq!(l.published().unwrap().to_string(), "2026-11-14");
    assert_eq!(l.entities.len(), 3);
    let p = &l.entities[0];
    assert_eq!((p.id.as_str(), p.caption()), ("uk:90001", "Ivan Sergeyevich PETROV"));
    assert!(p.names.iter().any(|n| n.value == "Ivan PETROFF" && n.strength == NameStrength::Weak));
    assert!(p.identifiers.iter().any(|i| i.kind == IdKind::Passport));
    assert_eq!(l.entities[1].schema, Schema::Organization);
    assert_eq!(l.entities[2].schema, Schema::Vessel);
    assert_eq!(l.entities[2].identifiers[0].key(), "9876543");
}

// ---- 7. Safe output -----------------------------------------------------------------------------

#[test]
fn fcdo_summary_csv_export() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("fcdo.csv");
    std::fs::write(
        &p,
        "Unique ID,OFSI Group ID,Name,Regime Name,Type,Designation source,Date Designated,Sanctions Imposed\n\
         RUS0001,90001,Ivan PETROV,Russia,Individual,UK,29-06-2022,Asset freeze\n\
         DPR0075,90003,EXAMPLE STAR,Democratic People's Republic of Korea,Ship,UN,10-01-2020,Ship sanctions\n\
         RUS0002,90004,EXAMPLE LLC,Russia,Spaceship,UK,01-01-2023,Asset freeze\n",
    )
    .unwrap();
    // An unknown designation type is an error naming the file and line, never a silent drop.
    let e = format!("{:#}", parse_file(&p).unwrap_err());
    assert!(e.contains("fcdo.csv:4:"), "{e}");
    let text = std::fs::read_to_string(&p).unwrap().replace("Spaceship", "Entity");
    std::fs::write(&p, text).unwrap();
    let l = parse_file(&p).unwrap();
    assert_eq!(l.format, "uk-csv-fcdo-summary");
    assert_eq!(l.entities.len(), 3);
    assert_eq!(l.entities[0].id, "uk:RUS0001");
    assert_eq!(l.entities[0].listing_date.as_deref(), Some("2022-06-29"));
    assert_eq!(l.entities[1].schema, Schema::Vessel);
}

#[test]
fn error_messages_quoting_list_text_are_terminal_safe() {
    let d = tempfile::tempdir().unwrap();
    // A mismatched closing tag whose name carries an escape sequence: the XML error quotes it.
    std::fs::write(
        d.path().join("un.xml"),
        "<CONSOLIDATED_LIST><INDIVIDUALS></X\u{1b}]0;pwned\u{7}></CONSOLIDATED_LIST>",
    )
    .unwrap();
    // The parser's own message quotes the raw tag: the CLI makes it safe (crates/entente/tests/screen_cli.rs).
    let raw = format!("{:#}", parse_file(&d.path().join("un.xml")).unwrap_err());
    assert!(raw.contains('\u{1b}'), "{raw:?}");
}
