//! `entente assess`: categories × low / median / high per flow, totals, share of GDP, Monte Carlo error.

use super::{money, share};
use crate::doc::{Doc, Row, Section, Table};
use crate::num::{p_label, pct, sig3, usd};
use entente_core::Flow;
use entente_engine::{Assessment, Figure, FigureKind};

fn header(a: &Assessment, extra: &[f64]) -> Vec<String> {
    let mut h = vec!["".to_string(), "P5 (low)".into(), "median".into(), "P95 (high)".into(), "mean".into()];
    h.extend(extra.iter().map(|p| p_label(*p)));
    if a.gdp.is_some() {
        h.push("median % GDP".into());
    }
    h
}

fn cells(a: &Assessment, label: String, f: &Figure, extra: &[f64], human: bool) -> Vec<String> {
    let s = &f.summary;
    let mut c = vec![label, money(s.p5(), human), money(s.p50(), human), money(s.p95(), human), money(s.mean, human)];
    c.extend(extra.iter().map(|p| money(s.q(*p), human)));
    if a.gdp.is_some() {
        let med = f.share_of_gdp.as_ref().and_then(|q| q.iter().find(|(p, _)| *p == 0.5)).map(|(_, v)| *v);
        c.push(med.map(|v| share(v, human)).unwrap_or_default());
    }
    c
}

/// Probabilities requested beyond the standard P5 / P50 / P95.
pub fn extra_quantiles(a: &Assessment) -> Vec<f64> {
    a.total()
        .summary
        .quantiles
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| ![0.05, 0.5, 0.95].iter().any(|s| (s - p).abs() < 1e-12))
        .collect()
}

pub fn doc(a: &Assessment, human: bool, show_items: bool) -> Doc {
    let extra = extra_quantiles(a);
    let mut d = Doc {
        title: format!("entente assessment — {}", a.scenario_title),
        meta: vec![
            ("scenario".into(), a.scenario.clone()),
            ("evidence as of".into(), a.as_of.to_string()),
            ("samples".into(), format!("{} (seed {})", entente_core::group(a.samples as f64), a.seed)),
        ],
        sections: Vec::new(),
    };
    if let Some(g) = &a.min_grade {
        d.meta.push(("minimum grade".into(), format!("{g} (estimates resting only on weaker evidence are ignored)")));
    }
    for b in &a.basis {
        let mut v = format!("{} ({})", b.option_title, b.option);
        if !b.pinned_by_scenario.is_empty() {
            v += &format!("; the scenario fixes {} itself", b.pinned_by_scenario.join(", "));
        }
        d.meta.push((b.title.to_lowercase(), v));
    }
    if let Some(g) = &a.gdp {
        let mut v = format!("{} ({} {}; public {}; {})", usd(g.usd), g.measure, g.year, g.public, g.basis);
        if let Some(y) = g.instead_of {
            v += &format!("; the {y} figure was not public by {}", a.as_of);
        }
        d.meta.push(("NK GDP".into(), v));
    }
    if !a.widened.is_empty() {
        d.meta.push((
            "widened".into(),
            format!("{} (only analyst assumptions remained above the grade)", a.widened.join(", ")),
        ));
    }
    for flow in Flow::ALL {
        let mut t = Table::numeric(&header(a, &extra).iter().map(String::as_str).collect::<Vec<_>>());
        let cats: Vec<&Figure> =
            a.figures.iter().filter(|f| f.kind == FigureKind::Category && f.flow == Some(flow)).collect();
        for c in &cats {
            t.push_keyed("category", &c.id, cells(a, c.label.clone(), c, &extra, human));
            if show_items {
                for it in a
                    .figures
                    .iter()
                    .filter(|f| f.kind == FigureKind::Item && f.flow == Some(flow) && f.category == c.category)
                {
                    t.push_keyed("item", &it.id, cells(a, format!("  {}", it.label), it, &extra, human));
                }
            }
        }
        let Some(total) = a.figure(&format!("flow:{flow}")) else { continue };
        if cats.is_empty() {
            continue;
        }
        t.rows.push(Row::strong(cells(a, "Total".into(), total, &extra, human)).keyed("total", &total.id));
        d.sections.push(Section { heading: flow.label().into(), table: Some(t), notes: Vec::new() });
    }
    if let Some(r) = a.figures.iter().find(|f| f.kind == FigureKind::Ratio) {
        let s = &r.summary;
        let note = format!(
            "For every dollar of compensation, North Korea delivered USD {} (90 % interval {}–{}).",
            sig3(s.p50()),
            sig3(s.p5()),
            sig3(s.p95())
        );
        let mut t = Table::numeric(&["", "P5", "median", "P95"]);
        let f = |v: f64| if human { sig3(v) } else { format!("{v:.6}") };
        t.push(vec!["Deliveries ÷ compensation".into(), f(s.p5()), f(s.p50()), f(s.p95())]);
        d.sections.push(Section { heading: "Balance of the partnership".into(), table: Some(t), notes: vec![note] });
    }
    for h in &a.hypotheses {
        d.sections.push(hypothesis_section(h, human));
    }
    if let Some(g) = &a.grade_effect {
        let mut t = Table::numeric(&[
            "",
            "all evidence P5",
            "median",
            "P95",
            &format!("{} or better P5", g.min_grade),
            "median",
            "P95",
        ]);
        for (label, all, f) in [
            ("Deliveries", &g.all_deliveries, &g.filtered_deliveries),
            ("Compensation", &g.all_compensation, &g.filtered_compensation),
        ] {
            t.push(vec![
                label.into(),
                money(all.p5, human),
                money(all.p50, human),
                money(all.p95, human),
                money(f.p5, human),
                money(f.p50, human),
                money(f.p95, human),
            ]);
        }
        let mut notes: Vec<String> = g.changed.iter().map(|c| format!("Changed: {c}.")).collect();
        if !g.dropped_items.is_empty() {
            notes.push(format!("{} items are left out under the filter (listed below).", g.dropped_items.len()));
        }
        if notes.is_empty() {
            notes.push("No estimate rests only on evidence below this grade.".into());
        }
        d.sections.push(Section {
            heading: format!("Effect of setting aside evidence below {}", g.min_grade),
            table: Some(t),
            notes,
        });
    }
    if let Some(j) = &a.judgment {
        d.sections.extend(super::judgment::sections(j, a.total(), human));
    }
    let total = a.total();
    let mut notes = vec![format!(
        "Monte Carlo error of the deliveries total: mean ± {} (standard error), P95 ± {} (batch standard error, {} batches); P5/P95 are stable to {}.",
        usd(total.summary.se_mean),
        usd(total.summary.se_p95.unwrap_or(f64::NAN)),
        entente_engine::stats::BATCHES,
        pct(total.summary.se_p95.unwrap_or(f64::NAN) / total.summary.p95())
    )];
    for e in &a.excluded {
        notes.push(format!("Left out: {} — {}.", e.item, e.reason));
    }
    notes.push(
        "Every figure traces to its claims and graded sources: `entente explain ITEM`, or `--format json`.".into(),
    );
    d.sections.push(Section { heading: String::new(), table: None, notes });
    d
}

/// One structural hypothesis: the estimate under each option side by side, and the combined figure when the
/// analyst stated weights.
fn hypothesis_section(h: &entente_engine::hypotheses::HypothesisResult, human: bool) -> Section {
    let mut t = Table::numeric(&[
        "option",
        "weight",
        "deliveries P5",
        "median",
        "P95",
        "compensation median",
        "deliveries ÷ compensation",
    ]);
    t.align[0] = crate::doc::Align::Left;
    let ratio = |b: Option<entente_engine::history::Band>| b.map(|r| sig3(r.p50)).unwrap_or_default();
    let mut notes = Vec::new();
    for o in &h.options {
        let label = format!("{}{}", o.title, if o.in_use { " (in use)" } else { "" });
        let weight = o.weight.map(|w| format!("{w}")).unwrap_or_default();
        match (&o.deliveries, &o.compensation) {
            (Some(d), Some(c)) => t.push(vec![
                label,
                weight,
                money(d.p5, human),
                money(d.p50, human),
                money(d.p95, human),
                money(c.p50, human),
                ratio(o.ratio),
            ]),
            _ => {
                t.push(vec![label, weight, String::new(), String::new(), String::new(), String::new(), String::new()]);
                notes.push(format!("{}: not available — {}.", o.title, o.unavailable.clone().unwrap_or_default()));
            }
        }
    }
    match &h.combined {
        Some(c) => {
            t.rows.push(Row::strong(vec![
                "Combined (stated weights)".into(),
                "1".into(),
                money(c.deliveries.p5, human),
                money(c.deliveries.p50, human),
                money(c.deliveries.p95, human),
                money(c.compensation.p50, human),
                ratio(c.ratio),
            ]));
            notes.push(format!(
                "The combined row is a mixture: each simulated world takes one option with the analyst's weight ({}).",
                c.claims.join(", ")
            ));
        }
        None if h.options.iter().all(|o| o.weight.is_none()) => {
            notes.push("No weights are stated for these options, so no combined figure is shown.".into())
        }
        None => notes.push("No combined figure: not every option can be evaluated at this date.".into()),
    }
    if !h.note.is_empty() {
        notes.push(h.note.clone());
    }
    notes.push(format!(
        "The option in use is the headline run itself; each other option, and the combined figure, {} samples with the same seed; every other hypothesis at the option in use.",
        entente_core::group(h.samples as f64)
    ));
    Section { heading: format!("{} — each option side by side", h.title), table: Some(t), notes }
}

/// The JSON of `assess --compare`: one document, the assessment with the comparisons beside its figures.
#[derive(serde::Serialize)]
struct WithComparisons<'a> {
    #[serde(flatten)]
    assessment: &'a Assessment,
    comparisons: &'a [entente_engine::compare::Comparison],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    comparisons_not_public: &'a [(String, chrono::NaiveDate)],
}

/// `assess` in one format: the figures (each item under its category when `items`, and always in JSON, CSV and
/// Markdown), then the comparison with the studies when it was asked for (in JSON, one document with a
/// `comparisons` field).
pub fn render(fmt: crate::OutputFormat, a: &entente_app::model::Assessed, items: bool) -> String {
    use crate::OutputFormat;
    let human = fmt != OutputFormat::Csv;
    let d = doc(&a.assessment, human, items || fmt != OutputFormat::Table);
    match (&a.comparisons, fmt) {
        (Some(cs), OutputFormat::Json) => crate::render(
            fmt,
            &d,
            &WithComparisons {
                assessment: &a.assessment,
                comparisons: &cs.comparisons,
                comparisons_not_public: &cs.not_public,
            },
        ),
        (Some(cs), _) => {
            let mut out = crate::render(fmt, &d, &a.assessment);
            out.push('\n');
            out.push_str(&super::compare::render(fmt, cs));
            out
        }
        (None, _) => crate::render(fmt, &d, &a.assessment),
    }
}
