//! The gap analysis on lists built in memory: identifier-first matching, coverage (samples, EU ships), the as-of
//! cut on list dates, designation dates and evidence dates.

use entente_data::actors::{load_actors, Actor};
use entente_gaps::coverage::Authority;
use entente_gaps::matrix::{Basis, DateSource, Status};
use entente_gaps::{analyse, GapOptions, Gaps};
use entente_screen::lists::{Loaded, ParsedList};
use entente_screen::model::{Entity, IdKind, NameStrength, Schema};

fn ds() -> entente_core::Dataset {
    entente_data::load_embedded().expect("embedded dataset")
}

/// ANGARA (first evidence 2024-01-22), an operator with an INN, and a person.
const ACTORS: &str = r#"
[[actor]]
id = "angara"
kind = "vessel"
name = "ANGARA"
imo = "9179842"
id_sources = ["ofac-sdn-csv-2023-01"]

[[actor.role]]
flow = "KP->RU"
role = "carried containers"
claims = ["ships-najin-ukdi-2024-01"]

[[actor.designation]]
authority = "OFAC"
date = 2022-05-08
inferred = true
claims = ["vessels-ofac-2022-05"]

[[actor]]
id = "m-leasing"
kind = "company"
name = "M LEASING LLC"
inn = "9701173086"
id_sources = ["ofac-sdn-csv-2023-01"]

[[actor.role]]
flow = "KP->RU"
role = "operator of ANGARA"
claims = ["ships-najin-ukdi-2024-01"]

[[actor]]
id = "lady-r"
kind = "vessel"
name = "LADY R"
imo = "9161003"
id_sources = ["ofac-sdn-csv-2023-01"]

[[actor.role]]
flow = "KP->RU"
role = "carried containers"
claims = ["ladyr-rason-2023-10"]
"#;

fn actors(ds: &entente_core::Dataset) -> Vec<Actor> {
    load_actors("actors.toml", ACTORS, ds).unwrap_or_else(|e| panic!("{e}"))
}

fn entity(list: &str, id: &str, schema: Schema, name: &str) -> Entity {
    let mut e = Entity::new(format!("{list}:{id}"), schema, list, "test");
    e.add_name(name, NameStrength::Primary, None);
    e
}

/// A list with enough filler entries to count as a full list of its authority.
fn list(
    list: &str,
    format: &str,
    source: &str,
    generated: Option<&str>,
    mut entities: Vec<Entity>,
    filler: usize,
) -> ParsedList {
    let mut l = ParsedList::new(list, "test", format, source);
    l.generated = generated.map(str::to_string);
    for i in 0..filler {
        entities.push(entity(list, &format!("f{i}"), Schema::Organization, &format!("FILLER TRADING {i} LIMITED")));
    }
    l.entities = entities;
    l
}

fn run(lists: Vec<ParsedList>, as_of: Option<&str>) -> Gaps {
    let ds = ds();
    let loaded = Loaded { lists, skipped: Vec::new() };
    let opts = GapOptions { as_of: as_of.map(|d| d.parse().unwrap()) };
    analyse(&ds, &actors(&ds), loaded, &entente_gaps::ownership::Graph::default(), &opts)
}

fn ofac_sdn() -> ParsedList {
    // A ship called ANGARA with another IMO number, and ANGARA's IMO under a different name.
    let mut other = entity("ofac-sdn", "1", Schema::Vessel, "ANGARA");
    other.add_id(IdKind::Imo, "9000008", None);
    let mut renamed = entity("ofac-sdn", "2", Schema::Vessel, "HEIHE 7");
    renamed.add_id(IdKind::Imo, "IMO 9179842", None);
    renamed.add_program("RUSSIA-EO14024");
    let mut op = entity("ofac-sdn", "3", Schema::Organization, "M LEASING LIMITED LIABILITY COMPANY");
    op.add_id(IdKind::Inn, "9701173086", Some("Russia"));
    // Same name as the operator, another INN: another company.
    let mut namesake = entity("ofac-sdn", "4", Schema::Organization, "M LEASING LLC");
    namesake.add_id(IdKind::Inn, "7707083893", None);
    list("ofac-sdn", "ofac-csv", "mem/sdn_csv_2023-01/sdn.csv", None, vec![other, renamed, op, namesake], 3000)
}

#[test]
fn identifiers_first_and_contradicting_identifiers_reject_names() {
    let g = run(vec![ofac_sdn()], None);
    let row = |id: &str| g.rows.iter().find(|r| r.actor == id).unwrap();
    let c = row("angara").cell(Authority::OfacSdn);
    assert_eq!(c.status, Status::Listed);
    assert_eq!(c.matches.len(), 1, "the other ANGARA (another IMO) is not ours: {:?}", c.matches);
    assert_eq!(c.matches[0].entity, "ofac-sdn:2");
    assert_eq!(c.matches[0].basis, Basis::Identifier { kind: "IMO".into(), value: "9179842".into() });
    // The list gives no date: the reported (inferred) date of the action, with its claim.
    assert_eq!(c.designated.unwrap().to_string(), "2022-05-08");
    assert_eq!(c.date_source, Some(DateSource::ReportedInferred));
    assert_eq!(c.date_claims, vec!["vessels-ofac-2022-05"]);
    assert_eq!(c.lag_days, Some(-624), "designated 624 days before the first evidence (2024-01-22)");
    assert_eq!(c.list_date.unwrap().to_string(), "2023-01-01", "dated by its file name");
    let m = row("m-leasing").cell(Authority::OfacSdn);
    assert_eq!(m.matches.iter().map(|m| m.entity.as_str()).collect::<Vec<_>>(), vec!["ofac-sdn:3"]);
    // LADY R is in no list: not found, with the list's date.
    let l = row("lady-r").cell(Authority::OfacSdn);
    assert_eq!((l.status, l.list_date.unwrap().to_string()), (Status::NotFound, "2023-01-01".into()));
    assert_eq!(g.summary.listed_nowhere, vec!["lady-r"]);
}

#[test]
fn names_match_when_no_identifier_contradicts() {
    let op = entity("uk", "15911", Schema::Organization, "M LEASING LLC");
    let mut l = list("uk", "uk-xml", "mem/uk.xml", Some("10/09/2026"), vec![op], 1300);
    l.entities[0].listing_date = Some("18/05/2023".into());
    let g = run(vec![l], None);
    let c = g.rows.iter().find(|r| r.actor == "m-leasing").unwrap().cell(Authority::Uk).clone();
    assert_eq!(c.status, Status::Listed);
    assert!(matches!(c.matches[0].basis, Basis::Name { score, .. } if score >= 0.95));
    assert_eq!((c.designated.unwrap().to_string(), c.date_source), ("2023-05-18".into(), Some(DateSource::List)));
}

#[test]
fn samples_and_eu_ships_are_not_covered_never_not_listed() {
    let uk_sample = list("uk", "uk-xml", "mem/uk_sample.xml", Some("10/09/2026"), Vec::new(), 5);
    let eu_full = list("eu", "eu-fsf-xml", "mem/eu.xml", Some("2026-01-28"), Vec::new(), 2000);
    let g = run(vec![uk_sample, eu_full, ofac_sdn()], None);
    let row = |id: &str| g.rows.iter().find(|r| r.actor == id).unwrap();
    assert_eq!(row("lady-r").cell(Authority::Uk).status, Status::NotCovered);
    assert_eq!(row("angara").cell(Authority::Eu).status, Status::NotCovered, "EU ship measures are not list entries");
    assert_eq!(
        row("m-leasing").cell(Authority::Eu).status,
        Status::NotFound,
        "a company can be absent from a full list"
    );
    assert_eq!(row("m-leasing").cell(Authority::Un).status, Status::NotCovered, "no UN list loaded");
    assert_eq!(g.summary.us_uk_not_eu, vec!["m-leasing"]);
    assert_eq!(g.summary.eu_not_covered_ships, vec!["angara"]);
    let uk = g.authorities.iter().find(|a| a.authority == Authority::Uk).unwrap();
    assert!(uk.notes.iter().any(|n| n.contains("only samples loaded")), "{:?}", uk.notes);
}

#[test]
fn the_as_of_cut_applies_to_list_dates_designation_dates_and_evidence() {
    let mut ship = entity("uk", "RUS2183", Schema::Vessel, "ANGARA");
    ship.listing_date = Some("31/07/2024".into());
    let uk = || list("uk", "uk-xml", "mem/uk.xml", Some("11/08/2025"), vec![ship.clone()], 1300);
    let cell = |g: &Gaps, id: &str, a: Authority| g.rows.iter().find(|r| r.actor == id).unwrap().cell(a).clone();

    // After the designation: listed, with the lag from the first evidence (2024-01-22).
    let g = run(vec![uk(), ofac_sdn()], Some("2024-08-01"));
    let c = cell(&g, "angara", Authority::Uk);
    assert_eq!(
        (c.status, c.designated.unwrap().to_string(), c.lag_days),
        (Status::Listed, "2024-07-31".into(), Some(191))
    );

    // Before it: the later list shows it was designated afterwards, so not listed then.
    let g = run(vec![uk(), ofac_sdn()], Some("2024-06-30"));
    assert_eq!(cell(&g, "angara", Authority::Uk).status, Status::NotFound);
    // The OFAC list is later than the as-of date and undated, but the designation is reported by then.
    let c = cell(&g, "angara", Authority::OfacSdn);
    assert_eq!((c.status, c.date_source), (Status::Listed, Some(DateSource::ReportedInferred)));

    // Evidence not yet public: the actor is left out, and said to be.
    let g = run(vec![uk(), ofac_sdn()], Some("2023-11-01"));
    assert!(g.excluded.contains(&"angara".to_string()), "no evidence on ANGARA public by then");
    assert!(g.rows.iter().all(|r| r.actor != "angara"));

    // In a list later than the as-of date that gives no designation date, and no designation reported by then:
    // unknown, neither "listed" nor "not listed".
    let mut lady_r = entity("ofac-sdn", "37095", Schema::Vessel, "LADY R");
    lady_r.add_id(IdKind::Imo, "9161003", None);
    let later = list("ofac-sdn", "ofac-csv", "mem/sdn_csv_2025-01/sdn.csv", None, vec![lady_r], 3000);
    let g = run(vec![later.clone()], Some("2023-11-01"));
    let c = cell(&g, "lady-r", Authority::OfacSdn);
    assert_eq!((c.status, c.list_date.unwrap().to_string()), (Status::Unknown, "2025-01-01".into()));
    assert!(g.summary.listed_nowhere.is_empty(), "unknown is not 'listed nowhere'");
    // Without the cut, the same list says listed (date not given by the list).
    let c = cell(&run(vec![later], None), "lady-r", Authority::OfacSdn);
    assert_eq!((c.status, c.designated), (Status::Listed, None));
}
