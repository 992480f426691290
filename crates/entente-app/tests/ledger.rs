//! Ledger workflows: the preview of a change moves exactly the figures it should; an invalid change is refused
//! with per-field errors; export refuses a foreign folder.

use entente_app::ledger::{self, store, LedgerError};
use entente_app::{RunSpec, Silent};
use store::{ChangeSet, Edit, Op};

fn spec() -> RunSpec {
    RunSpec { samples: 4000, ..RunSpec::default() }
}

fn edit_containers(from: &str, to: &str) -> ChangeSet {
    let files = store::embedded_files();
    let rec = store::ledger::split("variables.toml", &files.files["variables.toml"])
        .into_iter()
        .find(|r| r.id == "containers")
        .unwrap();
    assert!(rec.text.contains(from));
    ChangeSet {
        note: "containers".into(),
        edits: vec![Edit {
            file: "variables.toml".into(),
            id: "containers".into(),
            op: Op::Update,
            text: Some(rec.text.replace(from, to)),
        }],
    }
}

#[test]
fn preview_shows_the_estimate_before_and_after() {
    let files = store::embedded_files();
    // the latest container estimate doubled: deliveries move up
    let change = edit_containers("low = 20000\nmode = 28000\nhigh = 30000", "low = 40000\nmode = 56000\nhigh = 60000");
    let p = ledger::preview(&files, &change, &spec(), &Silent).unwrap();
    assert_eq!(p.before.samples, 4000);
    let moved: Vec<&ledger::FigureDelta> = p.figures.iter().filter(|f| f.changed()).collect();
    assert!(!moved.is_empty());
    let up = moved
        .iter()
        .filter(|f| f.before.is_some() && f.after.is_some())
        .any(|f| f.after.unwrap().p50 > f.before.unwrap().p50 * 1.2);
    assert!(up, "some figure's median rises by more than 20 %: {moved:?}");
    // the before side is the assessment of the unchanged ledger
    let plain = entente_app::model::assess(
        &entente_data::load_embedded().unwrap(),
        &entente_app::model::AssessRequest { run: spec(), quantiles: vec![], compare: false },
        &Silent,
    )
    .unwrap();
    let f = &plain.assessment.figures[0];
    assert_eq!(p.figures[0].before.unwrap().p50, f.summary.q(0.5));

    // a note-only change moves nothing
    let note = edit_containers("note = \"DIA: about 28,000", "note = \"DIA (re-read): about 28,000");
    let p = ledger::preview(&files, &note, &spec(), &Silent).unwrap();
    assert!(p.figures.iter().all(|f| !f.changed()));
}

#[test]
fn preview_of_an_invalid_change_gives_per_field_errors() {
    let files = store::embedded_files();
    let change = edit_containers("low = 20000\nmode = 28000", "low = \"many\"\nmode = 28000");
    match ledger::preview(&files, &change, &spec(), &Silent) {
        Err(e @ LedgerError::Store(store::Error::Invalid(_))) => {
            let LedgerError::Store(store::Error::Invalid(errs)) = &e else { unreachable!() };
            assert!(errs.iter().any(|x| x.id == "containers" && x.field == "low"), "{errs:?}");
            assert_eq!(e.status(), 422);
        }
        other => panic!("expected per-field errors, got {other:?}"),
    }
}

#[test]
fn export_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let files = store::embedded_files();
    let written = ledger::export(&files, tmp.path(), false).unwrap();
    assert_eq!(written.len(), 11);
    let back = ledger::read_dataset(tmp.path()).unwrap();
    assert_eq!(back.files, files.files);
    let foreign = tempfile::tempdir().unwrap();
    std::fs::write(foreign.path().join("notes.txt"), "x").unwrap();
    assert!(matches!(ledger::export(&files, foreign.path(), false), Err(LedgerError::Io(_))));
    assert_eq!(std::fs::read_dir(foreign.path()).unwrap().count(), 1);
}
