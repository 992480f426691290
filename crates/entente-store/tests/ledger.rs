//! Lossless split/assemble of the dataset files, and `set_fields`.

use entente_store::ledger::{assemble, set_fields, split, Record};
use entente_store::{apply, embedded_files, ChangeSet, Edit, Op};
use proptest::prelude::*;
use std::collections::HashSet;

fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

#[test]
fn every_data_file_round_trips_byte_for_byte() {
    let mut n = 0;
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !(name.ends_with(".toml") || name.ends_with(".csv")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let recs = split(&name, &text);
        assert_eq!(assemble(&recs), text, "{name}");
        let ids: HashSet<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), recs.len(), "{name}: record ids are unique");
        assert!(recs.iter().enumerate().all(|(i, r)| r.position == i as i64));
        n += 1;
    }
    assert_eq!(n, 11, "the data folder's TOML and CSV files");
}

#[test]
fn records_follow_the_documented_rules() {
    let files = embedded_files();
    let count = |file: &str, kind: &str| split(file, &files.files[file]).iter().filter(|r| r.kind == kind).count();
    assert_eq!(count("claims.toml", "claim"), 229);
    assert_eq!(count("sources.toml", "source"), 225);
    // sub-tables belong to their parent record
    assert_eq!(count("variables.toml", "variable"), 58);
    assert_eq!(count("variables.toml", "correlation"), 3);
    assert_eq!(count("hypotheses.toml", "hypothesis"), 2);
    assert_eq!(count("actors.toml", "actor"), 39);
    let vars = split("variables.toml", &files.files["variables.toml"]);
    let containers = vars.iter().find(|r| r.id == "containers").unwrap();
    assert!(containers.text.starts_with("[[variable]]\nid = \"containers\""));
    assert_eq!(containers.text.matches("[[variable.estimate]]").count(), 12, "{}", containers.text);
    // tables without an id are numbered per kind
    let reference = split("reference.toml", &files.files["reference.toml"]);
    assert_eq!(
        reference.iter().filter(|r| r.kind == "gdp").map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["gdp[0]", "gdp[1]", "gdp[2]"]
    );
    // the comment lines directly above a header belong to the record
    let text = "# head\n\n[[claim]]\nid = \"a\"\n\n# about b\n# more\n[[claim]]\nid = \"b\"\n";
    let recs = split("claims.toml", text);
    assert_eq!(
        recs.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
        ["# head\n\n", "[[claim]]\nid = \"a\"\n\n", "# about b\n# more\n[[claim]]\nid = \"b\"\n"]
    );
    assert_eq!(recs[2].id, "b");
    // a header inside a multi-line string is not a record
    let text = "[[claim]]\nid = \"a\"\nnote = \"\"\"\n[[claim]]\n\"\"\"\n";
    assert_eq!(split("claims.toml", text).len(), 2);
    // CSV: header + rows with natural keys
    let trade = split("trade.csv", &files.files["trade.csv"]);
    assert_eq!(trade[0].id, "_header");
    assert_eq!(trade[1].id, "2012-01-01|2012-06-30|total|yonhap-2012-09-22");
    assert_eq!(trade.len(), files.files["trade.csv"].lines().count());
}

#[test]
fn set_fields_keeps_comments_and_key_order() {
    let rec =
        "# why this claim\n[[claim]]\nid = \"x\" # the id\nunit = \"USD\"\nvalue = { point = 1 }\nnote = \"old\"\n\n";
    let out =
        set_fields(rec, &[("note", toml_edit::value("new")), ("public", toml_edit::value("2024-01-01"))]).unwrap();
    assert!(
        out.starts_with(
            "# why this claim\n[[claim]]\nid = \"x\" # the id\nunit = \"USD\"\nvalue = { point = 1 }\nnote = \"new\"\n"
        ),
        "{out}"
    );
    assert!(out.contains("public = \"2024-01-01\""));
    let removed = set_fields(rec, &[("unit", toml_edit::Item::None)]).unwrap();
    assert!(!removed.contains("unit") && removed.contains("# the id"));
    assert!(set_fields("[[claim]]\nid = 1\n[[claim]]\nid = 2\n", &[("id", toml_edit::value(3))]).is_err());
    assert!(set_fields("not = [toml", &[]).is_err());
}

#[test]
fn apply_refuses_text_that_is_not_one_record() {
    let files = embedded_files();
    let two = "[[claim]]\nid = \"a\"\n[[claim]]\nid = \"b\"\n";
    let change = ChangeSet {
        note: String::new(),
        edits: vec![Edit {
            file: "claims.toml".into(),
            id: "dpa-2024-gdp".into(),
            op: Op::Update,
            text: Some(two.into()),
        }],
    };
    let Err(errs) = apply(&files, &change) else { panic!("two records refused") };
    assert_eq!((errs[0].field.as_str(), errs[0].id.as_str()), ("text", "dpa-2024-gdp"), "{errs:?}");
    let same = entente_store::ledger::split("claims.toml", &files.files["claims.toml"])
        .into_iter()
        .find(|r| r.id == "dpa-2024-gdp")
        .unwrap()
        .text;
    let change = ChangeSet {
        note: String::new(),
        edits: vec![Edit { file: "claims.toml".into(), id: "dpa-2024-gdp".into(), op: Op::Update, text: Some(same) }],
    };
    let Err(errs) = apply(&files, &change) else { panic!("a no-op edit is refused") };
    assert!(errs[0].message.contains("nothing changed"), "{errs:?}");
    let change = ChangeSet {
        note: String::new(),
        edits: vec![Edit { file: "claims.toml".into(), id: "no-such".into(), op: Op::Delete, text: None }],
    };
    let Err(errs) = apply(&files, &change) else { panic!("unknown id refused") };
    assert_eq!(errs[0].field, "id");
}

fn mutate(text: &str, ops: &[(u8, usize, String)]) -> String {
    let mut s = text.to_string();
    for (op, at, piece) in ops {
        let mut at = at % (s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match op % 3 {
            0 => s.insert_str(at, piece),
            1 => {
                let mut end = (at + piece.len()).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                // duplicate a line-ish slice
                let mut end = (at + 80).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let dup = s[at..end].to_string();
                s.insert_str(at, &dup);
            }
        }
    }
    s
}

fn pieces() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[[claim]]\n".to_string()),
        Just("[[variable.estimate]]\n".to_string()),
        Just("# comment\n".to_string()),
        Just("\n".to_string()),
        Just("\"\"\"\n".to_string()),
        Just("id = \"dup\"\n".to_string()),
        Just("[gdp]\n".to_string()),
        Just(",\"a\nb\",".to_string()),
        "[ -~\n\"#\\[\\]]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_data_files_round_trip(file in 0usize..11, ops in prop::collection::vec((any::<u8>(), any::<usize>(), pieces()), 1..6)) {
        let files = embedded_files();
        let (name, text) = files.files.iter().nth(file % files.files.len()).unwrap();
        let mutated = mutate(text, &ops);
        let recs: Vec<Record> = split(name, &mutated);
        prop_assert_eq!(assemble(&recs), mutated);
        let ids: HashSet<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        prop_assert_eq!(ids.len(), recs.len());
    }

    #[test]
    fn arbitrary_text_round_trips(text in "\\PC{0,300}", csv in any::<bool>()) {
        let name = if csv { "trade.csv" } else { "claims.toml" };
        prop_assert_eq!(assemble(&split(name, &text)), text);
    }

    #[test]
    fn toml_like_text_round_trips(lines in prop::collection::vec(pieces(), 0..30)) {
        let text: String = lines.concat();
        for name in ["claims.toml", "meetings.csv"] {
            let recs = split(name, &text);
            prop_assert_eq!(assemble(&recs), text.clone());
        }
    }
}
