//! Respellings payment clerks produce (issue 10): Korean romanisation
//! systems and scripts, surname variants, joined/split given names, typing
//! slips inside short syllables, trade-word abbreviations and country-name
//! variants — and the false alarms the same rules must not create.

use entente_screen::index::{Index, Query, SearchOptions};
use entente_screen::lists::ParsedList;
use entente_screen::matcher::compare_names;
use entente_screen::model::{Entity, NameStrength, Schema};
use entente_screen::normalize::prepare;

fn score(schema: Schema, a: &str, b: &str) -> f32 {
    let p = schema.is_person();
    compare_names(&prepare(a, p), &prepare(b, p), schema).score
}

fn explain(schema: Schema, a: &str, b: &str) -> String {
    let p = schema.is_person();
    compare_names(&prepare(a, p), &prepare(b, p), schema).explanation
}

const T: f32 = 0.75;

#[test]
fn korean_romanisations_and_scripts_match() {
    use Schema::Person;
    let cases: &[(&str, &str, &str)] = &[
        ("Gim Gyeongsu", "KIM Kyong Su", "Revised Romanization, given name joined"),
        ("Kyong-Su Kim", "KIM, Kyong Su", "given name first, hyphenated"),
        ("Pak Cheol-jun", "PAK CHOL JUN", "eo for o"),
        ("Park Chol Jun", "PAK CHOL JUN", "surname variant Park"),
        ("Lee Yong Ho", "RI YONG HO", "surname variant Lee"),
        ("Choi Ryong Hae", "CHOE RYONG HAE", "surname variant Choi"),
        ("Ch'oe Ryong-hae", "CHOE RYONG HAE", "McCune-Reischauer apostrophes"),
        ("Ким Кёнсу", "KIM KYONG SU", "Kontsevich Cyrillic"),
        ("Чхве Рёнхэ", "CHOE RYONG HAE", "Kontsevich Cyrillic, aspirated initial"),
        ("Кан Соннам", "KANG SONG NAM", "Kontsevich н for ng"),
        ("김경수", "KIM KYONG SU", "Hangul"),
        ("Byeongcheol Min", "MIN BYONG CHOL", "Revised Romanization, reordered"),
    ];
    for (a, b, why) in cases {
        let s = score(Person, a, b);
        assert!(s >= T, "{why}: {a:?} vs {b:?} scored {s:.3}: {}", explain(Person, a, b));
    }
    let ex = explain(Person, "Gim Gyong Su", "KIM KYONG SU");
    assert!(ex.contains("gyong ≈ Korean romanisation kyong"), "{ex}");
}

#[test]
fn korean_typing_slips_match_but_other_syllables_do_not() {
    use Schema::Person;
    // Typing slips: a letter dropped/doubled/swapped or a neighbouring key.
    for (a, b) in [("Kim Kyomg Su", "KIM KYONG SU"), ("Kmi Song Chol", "KIM SONG CHOL"), ("Ri Yong Hoo", "RI YONG HO")]
    {
        let s = score(Person, a, b);
        assert!(s >= T, "{a:?} vs {b:?} scored {s:.3}: {}", explain(Person, a, b));
    }
    // Different but valid syllables are different people, and a missing
    // given-name syllable is another given name.
    for (a, b) in [
        ("Kim Un Chol", "KIM MUN CHOL"),
        ("Kim Yong Chan", "KIM YONG CHOL"),
        ("Ri Su", "RI SU YONG"),
        ("김종은", "김정은"),
        ("이재형", "이재명"),
    ] {
        let s = score(Person, a, b);
        assert!(s < T, "{a:?} vs {b:?} scored {s:.3}: {}", explain(Person, a, b));
    }
}

#[test]
fn western_names_are_not_read_as_korean() {
    use Schema::Person;
    // "Benjamin Natanyahu" parses into Korean-looking syllables but has no
    // Korean family name: an ordinary typo comparison applies.
    let s = score(Person, "Benjamin Natanyahu", "Benjamin Netanyahu");
    assert!(s >= T, "scored {s:.3}: {}", explain(Person, "Benjamin Natanyahu", "Benjamin Netanyahu"));
    assert!(!prepare("Benjamin Natanyahu", true).korean);
    assert!(prepare("Kim Jong Un", true).korean);
}

#[test]
fn payment_abbreviations_and_country_names() {
    use Schema::Organization;
    let cases: &[(&str, &str)] = &[
        ("KOREA MNG DEV TRDG CORP", "KOREA MINING DEVELOPMENT TRADING CORPORATION"),
        ("KOREA MNG DVE TRDG CORPN", "KOREA MINING DEVELOPMENT TRADING CORPORATION"),
        ("OCEAN MARITIME MGMT CO LTD", "OCEAN MARITIME MANAGEMENT COMPANY LIMITED"),
        ("RASON INTL COMML BK", "RASON INTERNATIONAL COMMERCIAL BANK"),
        ("FOREIGN TRADE BANK OF THE DPRK", "FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA"),
        ("FOREIGN TRADE BANK OF D.P.R.K.", "FOREIGN TRADE BANK OF NORTH KOREA"),
        ("CHONMYONG SHPG CO", "CHONMYONG SHIPPING CO"),
    ];
    for (a, b) in cases {
        let s = score(Organization, a, b);
        assert!(s >= T, "{a:?} vs {b:?} scored {s:.3}: {}", explain(Organization, a, b));
    }
    let ex = explain(Organization, "KOREA MNG DEV TRDG CORP", "KOREA MINING DEVELOPMENT TRADING CORPORATION");
    assert!(ex.contains("abbreviations read as") && ex.contains("trdg→trading"), "{ex}");
}

#[test]
fn common_trade_words_do_not_alarm() {
    use Schema::Organization;
    for (a, b) in [
        ("general cargo freight", "CARGO FREIGHT INTERNATIONAL"),
        ("electronic components order", "ELECTRONIC COMPONENTS INDUSTRIES CO"),
        ("timber and wood products", "TIMBER CORPORATION"),
        ("payment for crude oil", "MINISTRY OF CRUDE OIL"),
        ("Banco Santander S.A.", "Banco Santander México S.A."),
    ] {
        let s = score(Organization, a, b);
        assert!(s < T, "{a:?} vs {b:?} scored {s:.3}: {}", explain(Organization, a, b));
    }
    // The whole name on both sides still matches.
    assert!(score(Organization, "Cargo Freight International", "CARGO FREIGHT INTERNATIONAL") >= T);
}

#[test]
fn one_typo_queries_reach_the_scorer() {
    // Blocking must not lose a query whose only distinctive word has a typo.
    let mut l = ParsedList::new("t", "T", "test", "mem");
    for (i, n) in ["RYONBONG GENERAL CORPORATION", "KIM CHOL NAM", "TANCHON COMMERCIAL BANK"].iter().enumerate() {
        let schema = if i == 1 { Schema::Person } else { Schema::Organization };
        let mut e = Entity::new(format!("t:{i}"), schema, "t", "T");
        e.add_name(n, NameStrength::Primary, None);
        l.entities.push(e);
    }
    // Unrelated names sharing generic words, so blocking has to choose.
    for i in 0..200 {
        let mut e = Entity::new(format!("f:{i}"), Schema::Organization, "t", "T");
        e.add_name(&format!("GENERAL TRADING CORPORATION NUMBER{i}"), NameStrength::Primary, None);
        l.entities.push(e);
    }
    let ix = Index::build(vec![l]);
    let mut s = ix.scratch();
    let opts = SearchOptions { threshold: 0.7, ..Default::default() };
    for (q, want) in [("RYONBOMG GENERAL CORP", "t:0"), ("TANCHNO COMMERCIAL BANK", "t:2"), ("Kim Chol Nma", "t:1")] {
        let hits = ix.search(&Query { name: q.into(), ..Default::default() }, &opts, &mut s);
        assert!(hits.iter().any(|h| ix.entities[h.entity].id == want), "{q:?}: {hits:?}");
    }
}
