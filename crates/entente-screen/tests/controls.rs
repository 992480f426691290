//! Screening as a control: no silent gaps in list folders and OFAC CSV sets,
//! whole payments (country policy, BIK, amounts, matched sub-fields), the
//! audit trail, the spreadsheet and advanced-XML formats, and terminal-safe
//! output. Each failure class has its own fixture, written here or committed
//! under `tests/fixtures`.

use clap::Parser;
use entente_screen::cli::{run_lists, run_screen, ListsArgs, ScreenArgs};
use entente_screen::lists::{load_paths_with, parse_file, LoadOptions, OfacPart};
use entente_screen::model::{IdKind, NameStrength, Schema};
use std::path::{Path, PathBuf};

fn fx(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(p).display().to_string()
}

#[derive(Parser)]
struct S {
    #[command(flatten)]
    a: ScreenArgs,
}

#[derive(Parser)]
struct L {
    #[command(flatten)]
    a: ListsArgs,
}

fn screen(args: &[&str]) -> anyhow::Result<i32> {
    let mut v = vec!["screen", "--now", "2026-12-01"];
    v.extend_from_slice(args);
    run_screen(S::try_parse_from(v)?.a)
}

fn lists(args: &[&str]) -> anyhow::Result<i32> {
    let mut v = vec!["lists"];
    v.extend_from_slice(args);
    run_lists(L::try_parse_from(v)?.a)
}

/// A list folder with one good list in it.
fn list_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fx("un_small.xml"), d.path().join("un.xml")).unwrap();
    d
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Screens and returns (exit code, JSON output).
fn screen_json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = tempfile::NamedTempFile::new().unwrap();
    let o = s(out.path());
    let mut v = args.to_vec();
    v.extend(["--format", "json", "--output", &o]);
    let code = screen(&v).unwrap();
    let text = std::fs::read_to_string(out.path()).unwrap();
    (code, serde_json::from_str(&text).unwrap())
}

// ---- 2. No silent gaps -------------------------------------------------------------------------

#[test]
fn empty_file_in_list_folder_is_an_error_naming_it() {
    let d = list_dir();
    std::fs::write(d.path().join("eu.xml"), b"").unwrap();
    let dir = s(d.path());
    let e = format!("{:#}", screen(&["Ri Pyong Chol", "--lists", &dir]).unwrap_err());
    assert!(e.contains("eu.xml: empty file"), "{e}");
    // The binary maps every error to exit code 2 (crates/entente/src/main.rs).
}

#[test]
fn html_page_named_like_a_list_is_an_error() {
    let d = list_dir();
    std::fs::write(d.path().join("ofac_sdn.xml"), b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>")
        .unwrap();
    let dir = s(d.path());
    let e = format!("{:#}", screen(&["Ri Pyong Chol", "--lists", &dir]).unwrap_err());
    assert!(e.contains("ofac_sdn.xml: an HTML page, not a list"), "{e}");
    assert!(e.contains("--skip-unrecognised"), "{e}");
}

#[test]
fn skip_flag_names_every_skipped_file_in_the_result() {
    let d = list_dir();
    std::fs::write(d.path().join("eu.xml"), b"").unwrap();
    std::fs::write(d.path().join("notes.csv"), b"name,comment\nx,y\n").unwrap();
    std::fs::write(d.path().join("README.md"), b"# lists\n").unwrap();
    let dir = s(d.path());
    let (code, v) = screen_json(&["Ri Pyong Chol", "--lists", &dir, "--skip-unrecognised"]);
    assert_eq!(code, 1);
    let skipped: Vec<String> =
        v["audit"]["skipped"].as_array().unwrap().iter().map(|x| x["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    for f in ["README.md", "eu.xml", "notes.csv"] {
        assert!(skipped.iter().any(|p| p.ends_with(f)), "{f} not named in {skipped:?}");
    }
    // Skipping never covers a list that fails to parse.
    std::fs::write(d.path().join("uk.xml"), b"<Designations><Designation><UniqueID>X").unwrap();
    assert!(screen(&["Ri Pyong Chol", "--lists", &dir, "--skip-unrecognised"]).is_err());
}

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
    let dir = s(d.path());
    assert!(screen(&["AEROCARIBBEAN AIRLINES", "--lists", &dir]).is_err());
    // Explicitly allowed: it loads, and the result says what is missing.
    let (code, v) = screen_json(&["AEROCARIBBEAN AIRLINES", "--lists", &dir, "--allow-incomplete-ofac", "alt"]);
    assert_eq!(code, 1);
    let warnings = v["audit"]["warnings"].to_string();
    assert!(warnings.contains("alt.csv not found"), "{warnings}");
    // Allowing one part does not allow another.
    let d2 = ofac_set_without(&["alt.csv", "add.csv"]);
    let opts = LoadOptions { allow_incomplete_ofac: [OfacPart::Alt].into_iter().collect(), ..Default::default() };
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

#[test]
fn stale_lists_are_warned_about() {
    let d = list_dir();
    let dir = s(d.path());
    // un_small.xml is dated 2026-11-01.
    let (_, v) = screen_json(&["Ri Pyong Chol", "--lists", &dir, "--max-list-age", "10"]);
    assert!(v["audit"]["warnings"].to_string().contains("30 days before this run"), "{}", v["audit"]);
    let (_, v) = screen_json(&["Ri Pyong Chol", "--lists", &dir, "--max-list-age", "60"]);
    assert!(v["audit"]["warnings"].as_array().unwrap().is_empty(), "{}", v["audit"]);
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

// ---- 4. Whole payments --------------------------------------------------------------------------

fn payment_result() -> (i32, serde_json::Value) {
    let p = fx("payments/pacs008_whole.xml");
    screen_json(&["--input", &p, "--lists", &fx("ofac_advanced_small.xml"), &fx("un_small.xml")])
}

fn find<'a>(v: &'a serde_json::Value, reference: &str, role: &str) -> &'a serde_json::Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reference"].as_str().unwrap().ends_with(reference) && r["role"] == role)
        .unwrap_or_else(|| panic!("no {role} in {reference}: {v}"))
}

#[test]
fn debtor_in_north_korea_raises_an_alert() {
    let (code, v) = payment_result();
    assert_eq!(code, 1);
    let debtor = find(&v, "tx E2E-KP", "debtor");
    let j = &debtor["jurisdiction"];
    assert!(
        j.as_array()
            .unwrap()
            .iter()
            .any(|h| h["jurisdiction"] == "KP" && h["field"] == "CdtTrfTxInf/Dbtr/PstlAdr/Ctry"),
        "{debtor}"
    );
    assert!(j.to_string().contains("CdtTrfTxInf/Dbtr/PstlAdr/TwnNm"), "town name Pyongyang also alerts: {debtor}");
    assert_eq!(debtor["amount"]["value"], "12500.50");
    assert_eq!(debtor["amount"]["currency"], "USD");
    // The German creditor of the same payment raises nothing.
    assert!(find(&v, "tx E2E-KP", "creditor")["jurisdiction"].as_array().unwrap().is_empty());
}

#[test]
fn crimea_address_in_cyrillic_raises_an_alert() {
    let (_, v) = payment_result();
    let creditor = find(&v, "tx E2E-CRIMEA", "creditor");
    let j = creditor["jurisdiction"].as_array().unwrap();
    assert!(
        j.iter().any(|h| h["jurisdiction"] == "UA-CRIMEA" && h["field"] == "CdtTrfTxInf/Cdtr/PstlAdr/AdrLine[2]"),
        "{creditor}"
    );
    assert_eq!(creditor["amount"]["currency"], "RUB");
}

#[test]
fn clearing_member_id_bik_matches_the_listed_bank() {
    let (_, v) = payment_result();
    let agent = find(&v, "tx E2E-CRIMEA", "creditor agent");
    let hit = &agent["hits"][0];
    assert_eq!(hit["entity_id"], "ofac-sdn:80003", "{agent}");
    assert_eq!(hit["matched_fields"][0], "CdtTrfTxInf/CdtrAgt/FinInstnId/ClrSysMmbId/MmbId");
    assert!(hit["list_published"] == "2026-11-20", "{hit}");
}

#[test]
fn purpose_reporting_and_instructions_are_screened() {
    let (_, v) = payment_result();
    let rr = find(&v, "tx E2E-CRIMEA", "regulatory reporting");
    assert!(rr["fields"].to_string().contains("Contract 77/2026 timber"), "{rr}");
    assert!(find(&v, "tx E2E-CRIMEA", "instruction for creditor agent")["fields"]
        .to_string()
        .contains("Call beneficiary"));
    assert!(find(&v, "tx E2E-KP", "purpose")["fields"].to_string().contains("GDDS"));
}

#[test]
fn payment_with_no_screenable_party_says_so() {
    let (_, v) = payment_result();
    let t = find(&v, "tx E2E-EMPTY", "transaction");
    assert!(t["note"].as_str().unwrap().contains("no screenable party"), "{t}");
    assert_eq!(t["amount"]["value"], "10.00");
}

#[test]
fn custom_country_policy_is_used_and_invalid_policy_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let pol = d.path().join("policy.toml");
    std::fs::write(
        &pol,
        "[[jurisdiction]]\nid = \"EE\"\nname = \"Estonia (test)\"\nreason = \"test\"\ncountry_codes = [\"EE\"]\n",
    )
    .unwrap();
    let p = fx("payments/pacs008_whole.xml");
    let polf = s(&pol);
    let (_, v) = screen_json(&["--input", &p, "--lists", &fx("un_small.xml"), "--country-policy", &polf]);
    let debtor = find(&v, "tx E2E-CRIMEA", "debtor");
    assert_eq!(debtor["jurisdiction"][0]["jurisdiction"], "EE");
    assert!(find(&v, "tx E2E-KP", "debtor")["jurisdiction"].as_array().unwrap().is_empty());
    assert_eq!(v["audit"]["policy"]["source"], polf);
    std::fs::write(&pol, "[[jurisdiction]]\nid = \"X\"\n").unwrap();
    let e = format!(
        "{:#}",
        screen(&["--input", &p, "--lists", &fx("un_small.xml"), "--country-policy", &polf]).unwrap_err()
    );
    assert!(e.contains("policy.toml") && e.contains("invalid country policy"), "{e}");
}

// ---- 5. Audit trail -----------------------------------------------------------------------------

#[test]
fn json_results_name_list_hashes_dates_and_run_parameters() {
    let (_, v) = payment_result();
    let a = &v["audit"];
    assert_eq!(a["tool"], "entente-screen");
    assert_eq!(a["run_at"], "2026-12-01T00:00:00Z");
    assert_eq!(a["threshold"], 0.75);
    assert_eq!(a["algorithm"], "entente");
    let l = a["lists"].as_array().unwrap();
    assert_eq!(l.len(), 2);
    let adv = l.iter().find(|x| x["format"] == "ofac-advanced-xml").unwrap();
    assert_eq!(adv["published_iso"], "2026-11-20");
    let data = std::fs::read(fx("ofac_advanced_small.xml")).unwrap();
    assert_eq!(adv["files"][0]["sha256"], entente_screen::store::sha256_hex(&data));
    assert_eq!(
        a["inputs"][0]["sha256"],
        entente_screen::store::sha256_hex(&std::fs::read(fx("payments/pacs008_whole.xml")).unwrap())
    );
    assert!(a["policy"]["sha256"].as_str().unwrap().len() == 64);
}

#[test]
fn output_is_deterministic_with_a_fixed_run_time() {
    let (_, a) = payment_result();
    let (_, b) = payment_result();
    assert_eq!(a.to_string(), b.to_string());
}

#[test]
fn csv_and_table_carry_the_audit_trail() {
    let d = tempfile::tempdir().unwrap();
    let p = fx("payments/pacs008_whole.xml");
    for (fmt, needle) in [("csv", "audit,list"), ("table", "sha256 ")] {
        let out = s(&d.path().join(format!("out.{fmt}")));
        screen(&["--input", &p, "--lists", &fx("un_small.xml"), "--format", fmt, "--output", &out]).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let sha = entente_screen::store::sha256_hex(&std::fs::read(fx("un_small.xml")).unwrap());
        assert!(text.contains(needle) && text.contains(&sha) && text.contains("2026-12-01T00:00:00Z"), "{fmt}: {text}");
        if fmt == "csv" {
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let header = r.headers().unwrap().clone();
            assert!(header.iter().any(|h| h == "amount") && header.iter().any(|h| h == "field"));
            assert!(r.records().all(|x| x.unwrap().len() == header.len()), "uniform CSV");
        }
    }
}

#[test]
fn audit_log_appends_one_json_line_per_run() {
    let d = tempfile::tempdir().unwrap();
    let log = s(&d.path().join("audit.jsonl"));
    let p = fx("payments/pacs008_whole.xml");
    for _ in 0..2 {
        let o = s(&d.path().join("out.txt"));
        screen(&["--input", &p, "--lists", &fx("un_small.xml"), "--audit-log", &log, "--output", &o]).unwrap();
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["exit_code"], 1);
    assert!(lines[0]["alerts"].to_string().contains("\"KP\""));
    assert_eq!(lines[1]["audit"]["lists"][0]["list"], "un");
}

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
    assert_eq!(lists(&["show", "--lists", &fx("uk_conlist_small.csv")]).unwrap(), 0);
}

// ---- 7. Safe output -----------------------------------------------------------------------------

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let d = tempfile::tempdir().unwrap();
    // Escape sequences in a list's programme field and in a query.
    let xml = std::fs::read_to_string(fx("un_small.xml")).unwrap().replace(
        "<UN_LIST_TYPE>DPRK</UN_LIST_TYPE>",
        "<UN_LIST_TYPE>DPRK\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}</UN_LIST_TYPE>",
    );
    std::fs::write(d.path().join("un.xml"), xml).unwrap();
    let list = s(&d.path().join("un.xml"));
    for fmt in ["table", "csv", "json"] {
        let out = s(&d.path().join(format!("o.{fmt}")));
        let args = ["CHON MA SAN", "\u{1b}[31mred", "--all-rows", "--lists", &list, "--format", fmt, "--output", &out];
        assert_eq!(screen(&args).unwrap(), 1);
        let text = std::fs::read_to_string(&out).unwrap();
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(!text.contains(bad), "{fmt} output contains raw {:?}", bad);
        }
        if fmt == "json" {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let hit = v["results"].as_array().unwrap().iter().find_map(|r| r["hits"].get(0)).unwrap();
            assert!(hit["programs"][0].as_str().unwrap().contains('\u{9b}'), "JSON escapes keep the value intact");
        } else {
            assert!(text.contains("DPRK\\u{1b}") && text.contains("\\u{1b}[31mred"), "{fmt}: {text}");
        }
    }
}

#[test]
fn agents_are_shown_by_bic_and_name() {
    let d = tempfile::tempdir().unwrap();
    let out = s(&d.path().join("o.txt"));
    let p = fx("pacs008.xml");
    let l = [fx("ofac_sdn.xml")];
    screen(&["--input", &p, "--lists", &l[0], "--output", &out]).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("[creditor agent] BIC EXMPRUMMXXX \"Example Bank\""), "{text}");
}

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
    let f = s(&d.path().join("un.xml"));
    let e = format!("{:#}", screen(&["x", "--lists", &f]).unwrap_err());
    assert!(e.contains("un.xml:1:"), "{e:?}");
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
    // The parser's own message does quote the raw tag: the CLI entry points are what make it safe.
    let raw = format!("{:#}", parse_file(&d.path().join("un.xml")).unwrap_err());
    assert!(raw.contains('\u{1b}'), "{raw:?}");
}
