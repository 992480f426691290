//! The dataset loader must turn any text into a dataset or a list of errors, never a panic. The input replaces
//! one file (chosen by its first byte) of the small valid fixture dataset.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

const FIXTURE: [(&str, &str); 8] = [
    ("sources.toml", include_str!("../../tests/fixtures/mini/sources.toml")),
    ("claims.toml", include_str!("../../tests/fixtures/mini/claims.toml")),
    ("variables.toml", include_str!("../../tests/fixtures/mini/variables.toml")),
    ("items.toml", include_str!("../../tests/fixtures/mini/items.toml")),
    ("scenarios.toml", include_str!("../../tests/fixtures/mini/scenarios.toml")),
    ("reference.toml", include_str!("../../tests/fixtures/mini/reference.toml")),
    ("trade.csv", include_str!("../../tests/fixtures/mini/trade.csv")),
    ("meetings.csv", include_str!("../../tests/fixtures/mini/meetings.csv")),
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let mut files: BTreeMap<String, String> = FIXTURE.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let name = FIXTURE[which as usize % FIXTURE.len()].0;
    files.insert(name.to_string(), String::from_utf8_lossy(rest).into_owned());
    if let Ok(ds) = entente_data::load(&entente_data::Files { files }) {
        // a dataset that loads must also plan and run without panicking
        if let Ok(plan) = entente_engine::Plan::new(&ds, &Default::default()) {
            let _ = entente_engine::Run::new(plan, 64, 1, &|_| {});
        }
    }
});
