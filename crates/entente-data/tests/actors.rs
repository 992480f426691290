//! The actors ledger: the embedded one is valid, and each kind of mistake is an error naming file, line and field.

use entente_data::actors::{load_actors, ActorKind, EMBEDDED_ACTORS};

fn ds() -> entente_core::Dataset {
    entente_data::load_embedded().expect("embedded dataset is valid")
}

#[test]
fn embedded_ledger_is_valid_and_holds_the_logistics_fleet() {
    let ds = ds();
    let actors = load_actors("actors.toml", EMBEDDED_ACTORS, &ds).unwrap_or_else(|e| panic!("{e}"));
    let vessels = actors.iter().filter(|a| a.kind == ActorKind::Vessel && a.imo.is_some()).count();
    assert!(vessels >= 10, "{vessels} vessels with IMO numbers");
    let angara = actors.iter().find(|a| a.imo.as_deref() == Some("9179842")).expect("ANGARA");
    assert_eq!(angara.name, "ANGARA");
    assert_eq!(angara.operator.as_deref(), Some("m-leasing"));
    // The first public evidence of its part in the flows (UK Defence Intelligence imagery), not the list.
    assert_eq!(angara.first_evidence(&ds, None).unwrap().to_string(), "2024-01-22");
    assert_eq!(angara.first_evidence(&ds, Some("2024-01-01".parse().unwrap())), None);
    for op in ["oboronlogistika", "sc-south", "m-leasing", "transmorflot"] {
        let a = actors.iter().find(|a| a.id == op).unwrap_or_else(|| panic!("{op}"));
        assert!(a.inn.is_some(), "{op} has its INN");
    }
}

const GOOD: &str = r#"
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
"#;

fn errors(text: &str) -> Vec<String> {
    match load_actors("actors.toml", text, &ds()) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn a_good_entry_loads() {
    assert_eq!(errors(GOOD), Vec::<String>::new());
}

#[test]
fn malformed_identifiers_name_file_line_and_field() {
    let cases = [
        (
            GOOD.replace("9179842", "9179843"),
            "actors.toml:6: actor[0] (angara).imo: `9179843`: IMO check digit is 3, expected 2",
        ),
        (
            GOOD.replace("imo = \"9179842\"", "inn = \"7718857268\"").replace("vessel", "company"),
            "actors.toml:6: actor[0] (angara).inn: `7718857268`: INN check digit does not match",
        ),
        (
            GOOD.replace("imo = \"9179842\"", "bic = \"SABR1UMM\"").replace("vessel", "bank"),
            "actors.toml:6: actor[0] (angara).bic: `SABR1UMM` is not a BIC",
        ),
        (
            GOOD.replace("imo = \"9179842\"", "ogrn = \"1027700132196\"").replace("vessel", "company"),
            "actors.toml:6: actor[0] (angara).ogrn: `1027700132196`: OGRN check digit does not match",
        ),
        (
            GOOD.replace("ships-najin-ukdi-2024-01", "no-such-claim"),
            "actors.toml:12: actor[0] (angara).role[0].claims: unknown claim `no-such-claim`",
        ),
        (
            GOOD.replace("ofac-sdn-csv-2023-01", "nowhere"),
            "actors.toml:7: actor[0] (angara).id_sources: unknown source `nowhere`",
        ),
        (
            GOOD.replace("\"KP->RU\"", "\"KP-RU\""),
            "actors.toml:10: actor[0] (angara).role[0].flow: `KP-RU` is not a flow",
        ),
        (
            GOOD.replace("kind = \"vessel\"", "kind = \"ship\""),
            "actors.toml:4: actor[0] (angara).kind: unknown kind `ship`",
        ),
    ];
    for (text, want) in cases {
        let got = errors(&text);
        assert!(got.iter().any(|g| g.starts_with(want)), "want `{want}`, got {got:#?}");
    }
}

#[test]
fn an_imo_on_a_company_and_an_unknown_operator_are_errors() {
    let t = GOOD
        .replace("kind = \"vessel\"", "kind = \"company\"")
        .replace("id_sources", "operator = \"ghost\"\nid_sources");
    let got = errors(&t);
    assert!(got.iter().any(|g| g.contains(".imo: only a vessel has an IMO ship number")), "{got:#?}");
    assert!(got.iter().any(|g| g.contains(".operator: unknown actor `ghost`")), "{got:#?}");
}
