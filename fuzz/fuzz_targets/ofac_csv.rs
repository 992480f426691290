#![no_main]
//! The four OFAC CSV files come from one input split on 0xFF bytes.
use entente_screen::ofac_csv::{parse, CsvFile, CsvSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0xFF);
    let primary = parts.next().unwrap_or(&[]);
    let add = parts.next();
    let alt = parts.next();
    let comments = parts.next();
    let set = CsvSet {
        primary: CsvFile { name: "sdn.csv", data: primary },
        add: add.map(|d| CsvFile { name: "add.csv", data: d }),
        alt: alt.map(|d| CsvFile { name: "alt.csv", data: d }),
        comments: comments.map(|d| CsvFile { name: "sdn_comments.csv", data: d }),
    };
    let _ = parse(&set);
});
