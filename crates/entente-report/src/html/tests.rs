//! Tests on the embedded dataset: the data fed to the charts, and the documents built from it.

use super::data::{self, TimelinePoint};
use super::*;
use entente_engine::{estimate, PlanOptions};

struct Fixture {
    ds: Dataset,
    run: Run,
    a: Assessment,
    cs: Vec<Comparison>,
}

fn fixture() -> Fixture {
    let ds = entente_data::load_embedded().expect("embedded dataset");
    let (run, a) = estimate(&ds, &PlanOptions::default(), 4000, 7, &[], &|_| {}).expect("runs");
    let cs = entente_engine::compare::compare(&ds, &Default::default(), 2000, 7, None, &|_| {})
        .expect("compares")
        .comparisons;
    Fixture { ds, run, a, cs }
}

fn report<'a>(f: &'a Fixture, timeline: &'a [TimelinePoint]) -> ReportData<'a> {
    ReportData {
        ds: &f.ds,
        assessment: &f.a,
        run: &f.run,
        comparisons: &f.cs,
        comparison_samples: 2000,
        timeline,
        timeline_samples: 1000,
        indicators: None,
        indicators_note: "indicators not available".into(),
        sensitivity: None,
        sensitivity_note: "sensitivity not available".into(),
        triangulation: None,
        gaps: None,
        generator: "entente test".into(),
    }
}

fn timeline(f: &Fixture) -> Vec<TimelinePoint> {
    let t = f.a.total().summary.clone();
    let d = |m| chrono::NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
    vec![
        TimelinePoint { date: d(1), p5: 0.2 * t.p5(), p50: 0.2 * t.p50(), p95: 0.2 * t.p95() },
        TimelinePoint { date: d(6), p5: 0.6 * t.p5(), p50: 0.6 * t.p50(), p95: 0.6 * t.p95() },
        TimelinePoint { date: d(12), p5: t.p5(), p50: t.p50(), p95: t.p95() },
    ]
}

#[test]
fn stacked_bars_add_category_means_up_to_the_flow_mean() {
    let f = fixture();
    let bars = data::stacked_by_category(&f.a);
    assert_eq!(bars.len(), 2, "deliveries and compensation");
    for b in &bars {
        let flow = f.a.figures.iter().find(|x| x.label == b.label).expect("flow figure");
        let end = b.segments.last().unwrap().end;
        assert!((end - flow.summary.mean).abs() <= 1e-6 * flow.summary.mean, "{end} vs {}", flow.summary.mean);
        assert!(b.segments.windows(2).all(|w| w[0].end == w[1].start));
        assert!(b.p5 <= b.p50 && b.p50 <= b.p95);
    }
    assert!(bars[0].segments.iter().any(|s| s.label == "Artillery shells"));
}

#[test]
fn flow_ranges_and_study_ranges_come_from_the_figures() {
    let f = fixture();
    let r = data::flow_ranges(&f.a);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].p50, f.a.total().summary.p50());
    let s = data::study_ranges(&f.cs);
    assert_eq!(s.len(), f.cs.len());
    for (x, c) in s.iter().zip(&f.cs) {
        assert_eq!((x.study_low, x.study_high), (c.study_low, c.study_high));
        assert!(x.ours.p5 <= x.ours.p50 && x.ours.p50 <= x.ours.p95);
    }
}

#[test]
fn histogram_of_the_total_holds_every_draw() {
    let f = fixture();
    let draws = f.run.values(f.run.plan.total);
    let q = entente_engine::stats::quantiles(draws, &[0.005, 0.995]);
    let h = data::histogram(draws, q[0], q[1], 50, Vec::new());
    assert_eq!(h.counts.iter().sum::<u64>() + h.below + h.above, draws.len() as u64);
    assert!((20..=130).contains(&h.counts.len()), "{} bins", h.counts.len());
    // about 1 % of the draws lies outside the 0.5–99.5 percentiles
    assert!(((h.below + h.above) as f64 / h.n as f64) < 0.02);
}

#[test]
fn html_has_every_section_and_chart_and_nothing_external() {
    let f = fixture();
    let tl = timeline(&f);
    let html = html(&report(&f, &tl)).expect("renders");
    for id in [
        "headline",
        "categories",
        "balance",
        "distribution",
        "timeline",
        "trade",
        "meetings",
        "sensitivity",
        "studies",
        "method",
        "evidence",
        "claims",
        "sources",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "section {id}");
    }
    for fig in ["categories", "balance", "distribution", "timeline", "studies"] {
        assert!(html.contains(&format!("<figure id=\"fig-{fig}\"")), "figure {fig}");
        assert!(html.contains(&format!("<title id=\"fig-{fig}-t\">")), "title of {fig}");
    }
    assert_eq!(html.matches(sections::OMITTED).count(), 3, "trade, meetings and sensitivity left out with the note");
    assert!(!html.contains("<script"));
    assert!(!html.contains("<link"));
    assert!(!html.contains("src=\"http"));
    assert!(!html.contains("url(http"));
    // every anchor link points at an element of the page
    for part in html.split("href=\"#").skip(1) {
        let id = &part[..part.find('"').unwrap()];
        assert!(html.contains(&format!("id=\"{id}\"")), "dangling link #{id}");
    }
    // deterministic
    assert_eq!(html, super::html(&report(&f, &tl)).unwrap());
}

#[test]
fn indicators_and_tornado_are_drawn_when_present() {
    let f = fixture();
    let tl = timeline(&f);
    let d = |y, m| chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap();
    let ind = Indicators {
        trade: vec![
            TradeBar {
                label: "2023".into(),
                value_usd: 34.4e6,
                measure: "total".into(),
                source: "tass".into(),
                derived: false,
            },
            TradeBar {
                label: "2024 H1".into(),
                value_usd: 20e6,
                measure: "total".into(),
                source: "x".into(),
                derived: true,
            },
        ],
        trade_note: String::new(),
        meetings: Some(MeetingSeries {
            months: vec![(d(2023, 7), 1), (d(2023, 8), 0), (d(2023, 9), 4), (d(2023, 10), 3)],
            change_point: Some(d(2023, 9)),
            note: "strong evidence that the monthly rate changed".into(),
        }),
    };
    let t = data::tornado(
        7e9,
        vec![
            TornadoBar { label: "price_152".into(), low: 5e9, high: 9e9 },
            TornadoBar { label: "containers".into(), low: 6e9, high: 8e9 },
        ],
        10,
        String::new(),
    );
    let mut r = report(&f, &tl);
    r.indicators = Some(&ind);
    r.sensitivity = Some(&t);
    let html = html(&r).unwrap();
    for fig in ["trade", "meetings", "sensitivity"] {
        assert!(html.contains(&format!("<figure id=\"fig-{fig}\"")), "figure {fig}");
    }
    assert!(!html.contains(sections::OMITTED));
    assert!(html.contains("change point 2023-09"));
    // a change point the test does not support, or on the last (possibly partial) month, is not drawn
    let mut weak = ind.clone();
    weak.meetings.as_mut().unwrap().note = "no real evidence that the monthly rate changed".into();
    r.indicators = Some(&weak);
    assert!(!html_of(&r).contains("change point 2023-09"));
    let mut last = ind.clone();
    last.meetings.as_mut().unwrap().change_point = Some(d(2023, 10));
    r.indicators = Some(&last);
    assert!(!html_of(&r).contains("change point 2023-10"));
}

fn html_of(r: &ReportData) -> String {
    html(r).unwrap()
}

#[test]
fn markdown_has_tables_and_separate_svgs() {
    let f = fixture();
    let tl = timeline(&f);
    let (md, files) = markdown(&report(&f, &tl), "report").unwrap();
    assert!(md.starts_with("# entente report"));
    assert!(md.contains("| --- |") || md.contains("| --- | ---"));
    assert_eq!(files.len(), 5);
    for (name, svg) in &files {
        assert!(md.contains(&format!("]({name})")), "{name} linked");
        assert!(svg.starts_with("<svg") && svg.contains("<title"), "{name}");
    }
}

#[test]
fn charts_of_one_row_draw() {
    let r = vec![data::Range { label: "only".into(), p5: 1e9, p50: 2e9, p95: 3e9 }];
    let c = charts::ranges("one", "One row", &r, "").unwrap();
    assert!(c.svg.contains("only") && c.svg.contains("<title id=\"fig-one-t\">One row</title>"));
    assert_eq!(c.data.rows.len(), 1);
}

#[test]
fn slugs_and_escapes() {
    assert_eq!(slug("flow:KP->RU"), "flow-kp-ru");
    assert_eq!(slug("category:KP->RU:artillery-shells"), "category-kp-ru-artillery-shells");
    assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}
