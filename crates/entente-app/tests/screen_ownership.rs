//! `screen` flags a hit on a party that is not listed itself but owned or controlled by listed parties (FtM
//! ownership records, the UK list's parent / subsidiary data), with the owners, shares, path and the authority
//! whose rule catches it; hits without ownership are reported exactly as before. (The rendering of the flag is
//! tested in entente-report's views::screen.)

use chrono::{TimeZone, Utc};
use entente_app::screen::{screen, ListsRequest, PolicyChoice, ScreenOutcome, ScreenRequest};
use entente_app::Silent;
use entente_screen::index::Query;
use entente_screen::screen::ScreenedHit;
use std::path::Path;

fn company(id: &str, name: &str) -> String {
    format!(r#"{{"id":"{id}","schema":"Company","properties":{{"name":["{name}"]}}}}"#)
}

fn sanction(entity: &str, authority: &str) -> String {
    format!(
        r#"{{"id":"s-{entity}","schema":"Sanction","properties":{{"entity":["{entity}"],"authority":["{authority}"],"startDate":["2022-05-08"]}}}}"#
    )
}

fn own(owner: &str, asset: &str, pct: Option<&str>) -> String {
    let pct = pct.map(|p| format!(r#","percentage":["{p}"]"#)).unwrap_or_default();
    format!(
        r#"{{"id":"o-{owner}-{asset}","schema":"Ownership","properties":{{"owner":["{owner}"],"asset":["{asset}"]{pct}}}}}"#
    )
}

fn run(dir: &Path, lines: &[String], names: &[&str]) -> ScreenOutcome {
    std::fs::write(dir.join("owners.ftm.jsonl"), lines.join("\n") + "\n").unwrap();
    let req = ScreenRequest {
        queries: names.iter().map(|n| Query { name: n.to_string(), ..Default::default() }).collect(),
        lists: ListsRequest { paths: vec![dir.to_path_buf()], ..Default::default() },
        policy: PolicyChoice::None,
        now: Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()),
        ..Default::default()
    };
    screen(&req, &Silent).unwrap()
}

fn hit<'a>(o: &'a ScreenOutcome, party: usize, entity: &str) -> &'a ScreenedHit {
    o.results[party]
        .hits
        .iter()
        .find(|h| h.entity_id == entity)
        .unwrap_or_else(|| panic!("no hit on {entity}: {:?}", o.results[party].hits))
}

#[test]
fn a_party_owned_50_percent_by_two_listed_owners_of_25_percent_is_flagged_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            company("alpha", "ALPHA MARITIME HOLDING"),
            company("beta", "BETA FREIGHT TRADING"),
            company("target", "ZVEZDA NORTHERN LOGISTICS"),
            sanction("alpha", "Office of Foreign Assets Control"),
            sanction("beta", "Office of Foreign Assets Control"),
            own("alpha", "target", Some("25")),
            own("beta", "target", Some("25")),
        ],
        &["Zvezda Northern Logistics", "Alpha Maritime Holding"],
    );
    let t = hit(&o, 0, "ftm:target");
    assert_eq!(t.ownership.len(), 1, "{:?}", t.ownership);
    let f = &t.ownership[0];
    assert_eq!(
        (f.authority.as_str(), f.rule.as_str(), f.verdict.as_str()),
        ("OFAC SDN", "OFAC 50% rule (aggregate)", "caught")
    );
    assert_eq!(f.known_percentage, 50.0);
    assert!(f.unknown_shares.is_empty());
    assert_eq!(
        f.path,
        vec![
            "ALPHA MARITIME HOLDING —25%→ ZVEZDA NORTHERN LOGISTICS",
            "BETA FREIGHT TRADING —25%→ ZVEZDA NORTHERN LOGISTICS"
        ]
    );
    // The EU/UK test needs one owner above 50 %: no EU or UK flag (and the owners are not EU/UK-listed anyway).
    assert!(t.ownership.iter().all(|f| f.authority == "OFAC SDN"));
    // A listed owner's own hit carries no ownership flag.
    assert!(hit(&o, 1, "ftm:alpha").ownership.is_empty());

    // Serialised only where present: hits without ownership keep their JSON form.
    let json = serde_json::to_value(&o.results).unwrap();
    let hits = json[0]["hits"].as_array().unwrap();
    assert_eq!(hits.iter().find(|h| h["entity_id"] == "ftm:target").unwrap()["ownership"][0]["known_percentage"], 50.0);
    let a = json[1]["hits"].as_array().unwrap().iter().find(|h| h["entity_id"] == "ftm:alpha").unwrap();
    assert!(a.get("ownership").is_none(), "{a}");
}

#[test]
fn an_unknown_share_is_reported_as_unknown_and_short_shares_are_not_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            company("alpha", "ALPHA MARITIME HOLDING"),
            company("beta", "BETA FREIGHT TRADING"),
            company("target", "ZVEZDA NORTHERN LOGISTICS"),
            company("other", "KRASNY PORT SERVICES"),
            sanction("alpha", "OFAC"),
            sanction("beta", "OFAC"),
            own("alpha", "target", Some("30")),
            own("beta", "target", None),
            own("alpha", "other", Some("49")),
        ],
        &["Zvezda Northern Logistics", "Krasny Port Services"],
    );
    let f = &hit(&o, 0, "ftm:target").ownership;
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].verdict.as_str(), f[0].known_percentage), ("possible", 30.0));
    assert_eq!(f[0].unknown_shares, vec!["BETA FREIGHT TRADING"]);
    // 49 % from one blocked owner is below the rule: the hit is reported, without an ownership flag.
    assert!(hit(&o, 1, "ftm:other").ownership.is_empty());
}
