//! Tests on the real list files and labelled sets in `../shared/data` (beside
//! the checkout). They run whenever that folder exists and say clearly when
//! they skip.

use entente_screen::index::{Index, Query, SearchOptions};
use entente_screen::lists::{load_paths, parse_file};
use entente_screen::matcher::ofac_score;
use entente_screen::model::{DateSpec, IdKind, Schema};
use std::path::PathBuf;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if p.is_dir() {
        Some(p)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/data not found: CI must run the tests on the real lists");
    } else {
        eprintln!("skipping: ../shared/data not found");
        None
    }
}

#[test]
fn real_un_list() {
    let Some(d) = shared() else { return };
    let l = parse_file(&d.join("sanctions/un/UN_consolidated_2026-02-27.xml")).unwrap();
    let persons = l.entities.iter().filter(|e| e.schema == Schema::Person).count();
    assert_eq!(persons, 730);
    assert_eq!(l.entities.len(), 730 + 273);
    let dprk = l.entities.iter().filter(|e| e.programs.iter().any(|p| p == "DPRK")).count();
    assert_eq!(dprk, 155);
    // The UN lists shipping companies with IMO *company* numbers, not vessels.
    let with_imo: Vec<_> = l.entities.iter().filter(|e| e.identifiers.iter().any(|i| i.kind == IdKind::Imo)).collect();
    assert_eq!(with_imo.len(), 16);
    assert!(with_imo.iter().all(|e| e.schema == Schema::Organization));
    assert!(!l.entities.iter().any(|e| e.schema == Schema::Vessel));
}

#[test]
fn real_ofac_eu_uk_ftm() {
    let Some(d) = shared() else { return };
    let s = d.join("sanctions");
    let sdn = parse_file(&s.join("ofac/sdn_csv_2021_full/sdn.csv")).unwrap();
    assert_eq!(sdn.entities.len(), 8976);
    assert!(sdn.entities.iter().filter(|e| e.schema == Schema::Vessel).count() > 300);
    let tiny = parse_file(&s.join("ofac/sdn_csv_2025_tiny/sdn.csv")).unwrap();
    let ns = tiny.entities.iter().find(|e| e.caption() == "NS LEADER").unwrap();
    assert!(ns.identifiers.iter().any(|i| i.kind == IdKind::Imo && i.key() == "9339301"));
    let cons = parse_file(&s.join("ofac/cons_csv_2025/cons_prim.csv")).unwrap();
    assert_eq!(cons.entities.len(), 442);
    let xml = parse_file(&s.join("ofac/cons_xml_2018/consolidated.xml")).unwrap();
    assert_eq!(xml.entities.len(), 639);
    let eu = parse_file(&s.join("eu/eu_fsf_sample_2026-08-05.xml")).unwrap();
    assert_eq!(eu.entities.len(), 5);
    let uk = parse_file(&s.join("uk/uk_sanctions_list_sample_2026-09-10.xml")).unwrap();
    assert_eq!(uk.entities.len(), 5);
    let ship = uk.entities.iter().find(|e| e.schema == Schema::Vessel).unwrap();
    assert_eq!(ship.identifiers[0].key(), "9562233");
    let zala = parse_file(&s.join("opensanctions_ftm/zala_cluster.ftm.jsonl")).unwrap();
    assert!(zala.entities.iter().any(|e| e.links.iter().any(|l| l.relation == "owned by")));
}

#[test]
fn real_payments_parse() {
    let Some(d) = shared() else { return };
    let mut total = 0;
    let mut roles = std::collections::BTreeSet::new();
    for sub in ["payments/pacs008", "payments/pain001"] {
        for f in std::fs::read_dir(d.join(sub)).unwrap().flatten() {
            let data = std::fs::read(f.path()).unwrap();
            // Minimal messages may carry no named party at all; they must still parse.
            let parties = entente_screen::iso20022::parse(&f.path().display().to_string(), &data).unwrap();
            total += parties.len();
            roles.extend(parties.into_iter().map(|p| p.role));
        }
    }
    assert!(total > 30, "{total}");
    for r in ["debtor", "creditor", "debtor agent", "creditor agent", "remittance"] {
        assert!(roles.contains(r), "{r} missing from {roles:?}");
    }
}

#[test]
fn un_positives_recall() {
    let Some(d) = shared() else { return };
    let s = d.join("sanctions");
    let lists = load_paths(&[s.join("un/UN_consolidated_2026-02-27.xml")]).unwrap();
    let index = Index::build(lists);
    let mut scratch = index.scratch();
    let mut rdr = csv::Reader::from_path(s.join("name_matching/yente_positives_un_untreated.csv")).unwrap();
    let (mut n, mut found) = (0, 0);
    let opts = SearchOptions { threshold: 0.75, ..Default::default() };
    for r in rdr.records() {
        let r = r.unwrap();
        n += 1;
        let q = Query {
            name: r[0].to_string(),
            birth_date: DateSpec::parse(&r[5]),
            country: Some(r[7].to_string()).filter(|c| !c.is_empty()),
            ..Default::default()
        };
        if !index.search(&q, &opts, &mut scratch).is_empty() {
            found += 1;
        }
    }
    let recall = found as f64 / n as f64;
    eprintln!("UN positives recall {found}/{n} = {recall:.3}");
    assert!(recall >= 0.97, "UN positives recall {recall:.3}");
}

#[test]
fn ofac_parity_mean_abs_difference() {
    let Some(d) = shared() else { return };
    let mut rdr =
        csv::Reader::from_path(d.join("sanctions/name_matching/nomenklatura_ofac_search_parity.csv")).unwrap();
    let mut diffs = Vec::new();
    for r in rdr.records() {
        let r = r.unwrap();
        let want: f64 = r[2].parse().unwrap();
        if want < 0.0 {
            continue;
        }
        diffs.push((ofac_score(&r[0], &r[1]) as f64 * 100.0 - want).abs());
    }
    let mad = diffs.iter().sum::<f64>() / diffs.len() as f64;
    eprintln!("OFAC parity mean |Δ| = {mad:.2} over {}", diffs.len());
    assert!(mad < 6.0, "OFAC parity mean abs diff {mad:.2}");
}

#[test]
fn labelled_pairs_f1_floor() {
    let Some(d) = shared() else { return };
    use entente_screen::matcher::compare_names;
    use entente_screen::normalize::prepare;
    let mut rdr = csv::Reader::from_path(d.join("sanctions/name_matching/nomenklatura_name_bench_cases.csv")).unwrap();
    let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
    for r in rdr.records() {
        let r = r.unwrap();
        let schema = Schema::parse(&r[1]).unwrap_or(Schema::LegalEntity);
        let p = schema.is_person();
        let s = compare_names(&prepare(&r[2], p), &prepare(&r[3], p), schema).score;
        let truth = &r[4] == "true";
        let pred = s >= 0.75;
        match (pred, truth) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fneg += 1.0,
            _ => {}
        }
    }
    let p = tp / (tp + fp);
    let rc = tp / (tp + fneg);
    let f1 = 2.0 * p * rc / (p + rc);
    eprintln!("labelled pairs: P {p:.3} R {rc:.3} F1 {f1:.3}");
    // Regression floor; bench/screen_quality.py reports the full breakdown.
    assert!(f1 >= 0.80, "F1 {f1:.3}");
}

#[test]
fn real_uk_spreadsheets() {
    let Some(d) = shared() else { return };
    let s = d.join("sanctions/uk");
    let con = parse_file(&s.join("conlist_2025-04-14/ConList.xlsx")).unwrap();
    assert_eq!(con.entities.len(), 4688);
    let count =
        |l: &entente_screen::lists::ParsedList, sc: Schema| l.entities.iter().filter(|e| e.schema == sc).count();
    assert_eq!(
        (count(&con, Schema::Person), count(&con, Schema::Organization), count(&con, Schema::Vessel)),
        (3663, 1010, 15)
    );
    let regime = |l: &entente_screen::lists::ParsedList, r: &str| {
        l.entities.iter().filter(|e| e.programs.iter().any(|p| p == r)).count()
    };
    assert_eq!(regime(&con, "Russia"), 2181);
    assert_eq!(regime(&con, "Democratic People's Republic of Korea"), 239);
    assert_eq!(con.published().unwrap().to_string(), "2025-04-14");
    let fcdo = parse_file(&s.join("fcdo_summary_2025-08-11/FCDO_SL_2025-08-11.ods")).unwrap();
    assert_eq!(fcdo.entities.len(), 5302);
    assert_eq!(
        (count(&fcdo, Schema::Person), count(&fcdo, Schema::Organization), count(&fcdo, Schema::Vessel)),
        (3754, 1087, 461)
    );
    assert_eq!(regime(&fcdo, "Russia"), 2710);
    assert_eq!(regime(&fcdo, "Democratic People's Republic of Korea"), 261);
}

#[test]
fn real_ofac_files_are_checked_for_completeness_and_kind() {
    let Some(d) = shared() else { return };
    let s = d.join("sanctions/ofac");
    // The re-saved 2023 set has a header row, sdn_address.csv and no alt.csv: refused unless allowed.
    let e = format!("{:#}", parse_file(&s.join("sdn_csv_2023-01_resaved/sdn.csv")).unwrap_err());
    assert!(e.contains("alt.csv"), "{e}");
    let opts = entente_screen::lists::LoadOptions {
        allow_incomplete_ofac: [entente_screen::lists::OfacPart::Alt, entente_screen::lists::OfacPart::Comments]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let l = entente_screen::lists::parse_file_with(&s.join("sdn_csv_2023-01_resaved/sdn.csv"), &opts).unwrap();
    assert_eq!(l.entities.len(), 11443);
    assert_eq!(l.list, "ofac-sdn");
    assert_eq!(l.warnings.len(), 2);
    let russia = l.entities.iter().filter(|e| e.programs.iter().any(|p| p == "RUSSIA-EO14024")).count();
    assert_eq!(russia, 1843);
    let lady_r = l.entities.iter().find(|e| e.caption() == "LADY R").unwrap();
    assert!(lady_r.identifiers.iter().any(|i| i.kind == IdKind::Imo && i.key() == "9161003"));
    // The 2018 CONSOLIDATED file is the consolidated list by content, whatever it is called.
    let xml = parse_file(&s.join("cons_xml_2018/consolidated.xml")).unwrap();
    assert_eq!(xml.list, "ofac-cons");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(s.join("cons_xml_2018/consolidated.xml"), dir.path().join("sdn.xml")).unwrap();
    assert!(parse_file(&dir.path().join("sdn.xml")).is_err());
    assert_eq!(parse_file(&s.join("sdn_csv_2021_full/sdn.csv")).unwrap().list, "ofac-sdn");
    assert_eq!(parse_file(&s.join("cons_csv_2025/cons_prim.csv")).unwrap().list, "ofac-cons");
}

#[test]
fn real_sanctions_folder_is_strict_unless_skipping() {
    let Some(d) = shared() else { return };
    let s = d.join("sanctions");
    // name_matching/ holds labelled CSV sets, not lists: a strict load names one and fails.
    let e = format!("{:#}", load_paths(std::slice::from_ref(&s)).unwrap_err());
    assert!(e.contains("name_matching/") || e.contains("alt.csv"), "{e}");
    let opts = entente_screen::lists::LoadOptions {
        skip_unrecognised: true,
        allow_incomplete_ofac: [entente_screen::lists::OfacPart::Alt, entente_screen::lists::OfacPart::Comments]
            .into_iter()
            .collect(),
    };
    let l = entente_screen::lists::load_paths_with(&[s], &opts).unwrap();
    assert_eq!(l.lists.len(), 13);
    let skipped: Vec<&str> = l.skipped.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(skipped.len(), 9, "{skipped:?}");
    assert!(skipped.iter().any(|p| p.ends_with("yente_positives_un_untreated.csv")));
}

#[test]
fn real_payments_screen_with_policy_and_amounts() {
    let Some(d) = shared() else { return };
    use entente_screen::screen::screen_all_with_policy;
    let lists = load_paths(&[d.join("sanctions/un/UN_consolidated_2026-02-27.xml")]).unwrap();
    let index = Index::build(lists);
    let policy = entente_screen::policy::Policy::default_policy();
    let data = std::fs::read(d.join("payments/pain001/moov_pain.001.001.03_international_RUB_to_RU_bank.xml")).unwrap();
    let parties = entente_screen::iso20022::parse("rub.xml", &data).unwrap();
    let agent = parties.iter().find(|p| p.role == "creditor agent").unwrap();
    assert!(agent.query.identifiers.iter().any(|i| i.kind == IdKind::Bik && i.value == "044525593"));
    let results = screen_all_with_policy(&index, parties, &SearchOptions::default(), Some(&policy));
    assert!(results.iter().all(|r| r.amount.as_ref().is_some_and(|a| a.currency == "RUB" && a.value == "1000.00")));
    assert!(results.iter().all(|r| r.jurisdiction.is_empty()), "Russia is not on the default policy");
    // The minimal CBPR+ pain.001 has empty debtor and creditor: reported, never passed silently.
    let data = std::fs::read(d.join("payments/pain001/cbpr_pain.001.001.09_min.xml")).unwrap();
    let parties = entente_screen::iso20022::parse("min.xml", &data).unwrap();
    assert!(parties.iter().any(|p| p.note.as_deref().is_some_and(|n| n.contains("no screenable party"))));
}
