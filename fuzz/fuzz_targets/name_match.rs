#![no_main]
//! Normalisation and matching of arbitrary Unicode must not panic and must
//! keep scores in [0, 1].
use entente_screen::matcher::{compare_names, ofac_score};
use entente_screen::model::Schema;
use entente_screen::normalize::prepare;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let (a, b) = s.split_once('\t').unwrap_or((s, "Vladimir Putin"));
    for schema in [Schema::Person, Schema::Company, Schema::Vessel] {
        let p = schema.is_person();
        let m = compare_names(&prepare(a, p), &prepare(b, p), schema);
        assert!((0.0..=1.0).contains(&m.score));
    }
    let o = ofac_score(a, b);
    assert!((0.0..=1.0).contains(&o));
});
