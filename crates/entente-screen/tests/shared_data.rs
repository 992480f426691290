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
    assert!(l.entities.iter().any(|e| e.schema == Schema::Vessel));
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
