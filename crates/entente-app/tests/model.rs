//! The application layer's model commands: typed requests honoured in full (no option accepted and ignored),
//! typed errors with the statuses a server answers with, and results equal to the engine's own.

use chrono::NaiveDate;
use entente_app::model::{self, AssessRequest};
use entente_app::{DataSource, Error, RunSpec, Silent};
use entente_core::Dataset;
use entente_engine::PlanOptions;

fn ds() -> Dataset {
    DataSource::Embedded.load().expect("the embedded dataset is valid")
}

fn spec(plan: PlanOptions) -> RunSpec {
    RunSpec { plan, samples: 2_000, seed: 7 }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn compare_uses_the_as_of_date_and_leaves_out_studies_published_after_it() {
    let ds = ds();
    let all = model::compare(&ds, &spec(PlanOptions::default()), &Silent).unwrap();
    assert_eq!(all.comparisons.len(), ds.studies.len());
    assert!(all.not_public.is_empty());
    // each study against its own scenario's date when no as-of is given
    let pp = all.comparisons.iter().find(|c| c.study == "putins-partner").unwrap();
    assert_eq!(pp.as_of, d(2024, 10, 28));

    // as of 2025-01-01 the 2025 study was not yet public: it is left out and named; the 2024 study is valued with
    // the evidence public on that date, not its scenario's date
    let early =
        model::compare(&ds, &spec(PlanOptions { as_of: Some(d(2025, 1, 1)), ..Default::default() }), &Silent).unwrap();
    let ids: Vec<&str> = early.comparisons.iter().map(|c| c.study.as_str()).collect();
    assert_eq!(ids, ["putins-partner"]);
    assert_eq!(early.comparisons[0].as_of, d(2025, 1, 1));
    let left: Vec<&str> = early.not_public.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(left, ["unequal-partnership-kp", "unequal-partnership-ru"]);
    assert!(early.not_public.iter().all(|(_, public)| *public > d(2025, 1, 1)));
    // the progress bar counts only the runs made: one scenario then, two with every study
    let as_of = PlanOptions { as_of: Some(d(2025, 1, 1)), ..Default::default() };
    assert_eq!(entente_engine::compare::runs_needed(&ds, &as_of), 1);
    assert_eq!(entente_engine::compare::runs_needed(&ds, &PlanOptions::default()), 2);
}

#[test]
fn compare_applies_the_grade_filter() {
    let ds = ds();
    let base = model::compare(&ds, &spec(PlanOptions::default()), &Silent).unwrap();
    let strict = model::compare(
        &ds,
        &spec(PlanOptions { min_grade: Some("B2".parse().unwrap()), ..Default::default() }),
        &Silent,
    )
    .unwrap();
    let med = |c: &entente_engine::compare::Comparisons| c.comparisons.iter().map(|c| c.ours.p50()).collect::<Vec<_>>();
    assert_ne!(med(&base), med(&strict), "a grade filter that changes nothing was ignored");
}

#[test]
fn assess_equals_the_engine_run_with_the_same_options_and_seed() {
    let ds = ds();
    let opts = PlanOptions { as_of: Some(d(2025, 6, 30)), ..Default::default() };
    let r = model::assess(&ds, &AssessRequest { run: spec(opts.clone()), ..Default::default() }, &Silent).unwrap();
    let (_, direct) = entente_engine::estimate(&ds, &opts, 2_000, 7, &[], &|_| {}).unwrap();
    assert_eq!(r.assessment.as_of, d(2025, 6, 30));
    assert_eq!(r.assessment.total().summary.p50(), direct.total().summary.p50());
    assert_eq!(r.assessment.total().summary.p95(), direct.total().summary.p95());
    assert!(r.assessment.judgment.is_some());
    assert!(r.comparisons.is_none());
}

#[test]
fn errors_are_typed_with_the_status_a_server_answers() {
    let ds = ds();
    let e = model::explain(&ds, &spec(PlanOptions::default()), "no-such-item", &Silent).unwrap_err();
    assert!(matches!(e, Error::NotFound(_)) && e.status() == 404, "{e:?}");
    assert!(e.to_string().contains("unknown item `no-such-item`"), "{e}");

    let e = model::sensitivity(&ds, &spec(PlanOptions::default()), "nothing", &Silent).unwrap_err();
    assert_eq!(e.status(), 404, "{e}");

    let e = model::compare(&ds, &RunSpec { samples: 5, ..RunSpec::default() }, &Silent).unwrap_err();
    assert!(matches!(e, Error::Invalid(_)) && e.status() == 400, "{e:?}");

    let e = model::compare(
        &ds,
        &spec(PlanOptions { scenario: Some("no-such-scenario".into()), ..Default::default() }),
        &Silent,
    )
    .unwrap_err();
    assert_eq!(e.status(), 400, "{e}");

    let bad = AssessRequest { quantiles: vec![1.5], ..Default::default() };
    assert_eq!(model::assess(&ds, &bad, &Silent).unwrap_err().status(), 400);
}

#[test]
fn a_broken_dataset_folder_is_a_dataset_error_listing_every_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sources.toml"), "[[source]]\nid = \n").unwrap();
    let e = model::validate(&DataSource::Dir(dir.path().to_path_buf())).unwrap_err();
    match &e {
        Error::Dataset { count, errors, .. } => {
            assert!(*count >= 1);
            assert!(errors.contains("sources.toml"), "{errors}");
        }
        other => panic!("expected a dataset error, got {other:?}"),
    }
    assert_eq!(e.status(), 422);
    let counts = model::validate(&DataSource::Embedded).unwrap();
    assert!(counts.claims > 0 && counts.items > 0);
}

#[test]
fn progress_is_reported_for_a_run() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    #[derive(Default)]
    struct Count(AtomicUsize, AtomicUsize);
    impl entente_app::Progress for Count {
        fn start(&self, total: usize, _: &str) {
            self.0.store(total, Ordering::SeqCst);
        }
        fn inc(&self, n: usize) {
            self.1.fetch_add(n, Ordering::SeqCst);
        }
    }
    let p = Count::default();
    model::sensitivity(&ds(), &spec(PlanOptions::default()), "total", &p).unwrap();
    assert!(p.0.load(Ordering::SeqCst) > 0);
    assert_eq!(p.0.load(Ordering::SeqCst), p.1.load(Ordering::SeqCst));
}
