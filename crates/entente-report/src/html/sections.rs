//! The report's content, independent of the output format: sections of paragraphs, tables (whose cells may
//! link) and charts.

use super::charts::{self, Chart};
use super::data;
use super::{slug, ReportData};
use crate::doc::Align;
use crate::num::{pct, sig3, usd};
use entente_core::{Flow, Reliability};
use entente_engine::stats::quantiles;
use entente_engine::{Assessment, Figure, FigureKind};
use std::collections::BTreeSet;

/// A table cell: text, or links (to anchors in the report or to a source's address).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Links(Vec<(String, String)>),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Cell::Links(vec![(text.into(), href.into())])
    }
}

#[derive(Debug, Clone, Default)]
pub struct RowX {
    pub cells: Vec<Cell>,
    pub strong: bool,
    /// Anchor of the row (`id=`), for links to it.
    pub anchor: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TableX {
    pub caption: String,
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<RowX>,
}

impl TableX {
    fn new(caption: &str, headers: &[&str], numeric: bool) -> Self {
        let align = (0..headers.len()).map(|i| if numeric && i > 0 { Align::Right } else { Align::Left }).collect();
        TableX {
            caption: caption.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            align,
            rows: Vec::new(),
        }
    }
    fn push(&mut self, cells: Vec<Cell>) {
        self.rows.push(RowX { cells, strong: false, anchor: None });
    }
}

impl From<&crate::doc::Table> for TableX {
    fn from(t: &crate::doc::Table) -> Self {
        TableX {
            caption: String::new(),
            headers: t.headers.clone(),
            align: t.align.clone(),
            rows: t
                .rows
                .iter()
                .map(|r| RowX {
                    cells: r.cells.iter().map(|c| Cell::text(c.clone())).collect(),
                    strong: r.strong,
                    anchor: None,
                })
                .collect(),
        }
    }
}

/// One section of the report. `omitted` replaces the content when the dataset lacks the data.
#[derive(Debug, Clone, Default)]
pub struct Sec {
    pub id: String,
    pub heading: String,
    pub paras: Vec<String>,
    pub charts: Vec<Chart>,
    pub tables: Vec<TableX>,
    pub notes: Vec<String>,
    pub omitted: Option<String>,
}

impl Sec {
    fn new(id: &str, heading: &str) -> Self {
        Sec { id: id.into(), heading: heading.into(), ..Default::default() }
    }
}

pub const OMITTED: &str = "Sections whose data the dataset lacks are left out with a note";

/// Link cell to the evidence row of a figure.
fn evidence_cell(f: &Figure) -> Cell {
    Cell::link(format!("{} claims · {} sources", f.claims.len(), f.sources.len()), format!("#ev-{}", slug(&f.id)))
}

fn money_row(f: &Figure, label: String, gdp: bool) -> Vec<Cell> {
    let s = &f.summary;
    let mut c = vec![
        Cell::text(label),
        Cell::text(usd(s.p5())),
        Cell::text(usd(s.p50())),
        Cell::text(usd(s.p95())),
        Cell::text(usd(s.mean)),
    ];
    if gdp {
        let med = f.share_of_gdp.as_ref().and_then(|q| q.iter().find(|(p, _)| (*p - 0.5).abs() < 1e-12)).map(|x| x.1);
        c.push(Cell::text(med.map(pct).unwrap_or_default()));
    }
    c.push(evidence_cell(f));
    c
}

/// Builds every section; charts are drawn here.
/// The balance chart (deliveries and compensation on one scale) with its note on the ratio, or None when the
/// assessment lacks one of the two flows. The report and the dashboard draw it with this one function.
pub fn balance_chart(a: &Assessment) -> Result<Option<(Chart, String)>, Box<dyn std::error::Error>> {
    let fr = data::flow_ranges(a);
    if fr.len() != 2 {
        return Ok(None);
    }
    let note = a
        .figures
        .iter()
        .find(|f| f.kind == FigureKind::Ratio)
        .map(|x| {
            format!(
                "Deliveries per dollar of compensation: median {} (90 %: {}–{}).",
                sig3(x.summary.p50()),
                sig3(x.summary.p5()),
                sig3(x.summary.p95())
            )
        })
        .unwrap_or_default();
    let chart =
        charts::ranges("balance", "Deliveries and compensation on one scale (90 % interval, median)", &fr, &note)?;
    Ok(Some((chart, note)))
}

pub fn build(r: &ReportData) -> Result<Vec<Sec>, Box<dyn std::error::Error>> {
    let a = r.assessment;
    let total = a.total();
    let mut out = Vec::new();

    // Headline.
    let mut s = Sec::new("headline", "Headline");
    let ts = &total.summary;
    let mut line = format!(
        "North Korea's deliveries to Russia are worth {} to {} (90 % interval), median {}.",
        usd(ts.p5()),
        usd(ts.p95()),
        usd(ts.p50())
    );
    if let (Some(g), Some(sh)) = (&a.gdp, &total.share_of_gdp) {
        let q = |p: f64| sh.iter().find(|(x, _)| (*x - p).abs() < 1e-12).map(|x| x.1).unwrap_or(f64::NAN);
        line += &format!(
            " That is {} of North Korea's {} {} GDP ({}) at the median, {} to {} over the interval.",
            pct(q(0.5)),
            g.year,
            g.measure,
            usd(g.usd),
            pct(q(0.05)),
            pct(q(0.95))
        );
    }
    s.paras.push(line);
    if let Some(j) = &a.judgment {
        s.paras.extend(crate::views::judgment::sentences(j, total));
        s.tables.extend(super::triangulate::key_assumptions(j));
    }
    if let Some(ratio) = a.figures.iter().find(|f| f.kind == FigureKind::Ratio) {
        let comp = a.figure(&format!("flow:{}", Flow::RuToKp));
        s.paras.push(format!(
            "Russia's identified compensation comes to {} (median); for every dollar of it North Korea delivered USD {} (90 %: {}–{}).",
            comp.map(|c| usd(c.summary.p50())).unwrap_or_default(),
            sig3(ratio.summary.p50()),
            sig3(ratio.summary.p5()),
            sig3(ratio.summary.p95())
        ));
    }
    let basis: Vec<String> =
        a.basis.iter().map(|b| format!("{}: {}", b.title, b.option_title.to_lowercase())).collect();
    if !basis.is_empty() {
        s.paras.push(format!("These figures rest on: {}.", basis.join("; ")));
    }
    for h in &a.hypotheses {
        let band = |b: &entente_engine::history::Band| format!("{}–{} (median {})", usd(b.p5), usd(b.p95), usd(b.p50));
        let mut parts: Vec<String> = h
            .options
            .iter()
            .map(|o| match &o.deliveries {
                Some(d) => format!("{}{}: {}", o.title, if o.in_use { " (in use)" } else { "" }, band(d)),
                None => format!("{}: not available at this date", o.title),
            })
            .collect();
        if let Some(c) = &h.combined {
            parts.push(format!("combined with the stated weights: {}", band(&c.deliveries)));
        }
        s.paras.push(format!("{}, deliveries under each option: {}.", h.title, parts.join("; ")));
    }
    s.paras.push(format!(
        "Scenario: {} ({}). Evidence as of {}. {} Monte Carlo samples, seed {}{}.",
        a.scenario_title,
        a.scenario,
        a.as_of,
        entente_core::group(a.samples as f64),
        a.seed,
        a.min_grade
            .as_ref()
            .map(|g| format!("; only estimates resting on evidence graded {g} or better"))
            .unwrap_or_default()
    ));
    out.push(s);

    // Value by category.
    let gdp = a.gdp.is_some();
    let mut s = Sec::new("categories", "Value by category");
    for flow in Flow::ALL {
        let cats: Vec<&Figure> =
            a.figures.iter().filter(|f| f.kind == FigureKind::Category && f.flow == Some(flow)).collect();
        let Some(ft) = a.figure(&format!("flow:{flow}")) else { continue };
        if cats.is_empty() {
            continue;
        }
        let mut h = vec!["", "P5 (low)", "median", "P95 (high)", "mean"];
        if gdp {
            h.push("median % GDP");
        }
        h.push("evidence");
        let mut t = TableX::new(flow.label(), &h, true);
        for c in &cats {
            t.push(money_row(c, c.label.clone(), gdp));
            for it in a
                .figures
                .iter()
                .filter(|f| f.kind == FigureKind::Item && f.flow == Some(flow) && f.category == c.category)
            {
                t.push(money_row(it, format!("  {}", it.label), gdp));
            }
        }
        t.rows.push(RowX { cells: money_row(ft, "Total".into(), gdp), strong: true, anchor: None });
        s.tables.push(t);
    }
    let bars = data::stacked_by_category(a);
    if !bars.is_empty() {
        s.charts.push(charts::stacked_categories(&bars)?);
    }
    s.notes.push("Bars stack category means, which add up to the flow's mean; the whisker under each bar is the flow's own 90 % interval (▲ its median). Medians and percentiles of categories do not add up to those of the total.".into());
    out.push(s);

    // Deliveries versus compensation.
    let mut s = Sec::new("balance", "Deliveries versus Russia's compensation");
    if let Some((chart, note)) = balance_chart(a)? {
        s.charts.push(chart);
        if !note.is_empty() {
            s.paras.push(note + " The ratio is computed in each simulated world, not from the medians.");
        }
        s.paras.push("Compensation counts only what the evidence identifies (oil, food, air defence, aircraft and the like); payments in cash, technology transfer and debt relief that no source quantifies are not in it.".into());
        out.push(s);
    } else {
        s.omitted = Some(format!("{OMITTED}: the dataset has no compensation items for this scenario."));
        out.push(s);
    }

    // Distribution of the total.
    let mut s = Sec::new("distribution", "Distribution of the total");
    let draws = r.run.values(r.run.plan.total);
    let range = quantiles(draws, &[0.005, 0.995]);
    let h = data::histogram(
        draws,
        range[0],
        range[1],
        50,
        vec![("P5".into(), ts.p5()), ("median".into(), ts.p50()), ("P95".into(), ts.p95())],
    );
    s.charts.push(charts::histogram(&h, "the value of deliveries")?);
    s.notes.push(format!(
        "Drawn between the 0.5th and 99.5th percentiles of {} simulated worlds; P5 and P95 dashed, the median solid.",
        entente_core::group(draws.len() as f64)
    ));
    out.push(s);

    // Over time.
    let mut s = Sec::new("timeline", "Cumulative value over time");
    if r.timeline.len() >= 2 {
        // the point at the as-of date is the headline run itself, so the page shows one median for that date
        let mut points = r.timeline.to_vec();
        if let Some(last) = points.last_mut().filter(|p| p.date == a.as_of) {
            let t = &a.total().summary;
            (last.p5, last.p50, last.p95) = (t.p5(), t.p50(), t.p95());
        }
        s.charts.push(charts::timeline(&points, "Value of deliveries")?);
        s.notes.push(format!(
            "Each point re-runs the scenario with only the evidence public on that date ({} samples each, seed {}): items whose period had not begun, and estimates not yet public, count zero. The last point ({}) is the headline run itself ({} samples). The band shows what an analyst could have said then, not what was delivered in that month.",
            entente_core::group(r.timeline_samples as f64),
            a.seed,
            a.as_of,
            entente_core::group(a.samples as f64)
        ));
    } else {
        s.omitted = Some(format!("{OMITTED}: no evidence dates before the as-of date to draw a time series from."));
    }
    out.push(s);

    // Indicators.
    let mut s = Sec::new("trade", "Official trade by period");
    let mut m = Sec::new("meetings", "Meetings per month");
    match r.indicators {
        Some(ind) if !ind.trade.is_empty() => {
            s.charts.push(charts::trade(ind)?);
            s.notes.push("Hatched bars are DERIVED (arithmetic on sourced figures). A period with no official figure is left out, never shown as zero.".into());
        }
        _ => {
            s.omitted = Some(format!(
                "{OMITTED}: {}",
                if r.indicators.is_some() { "the dataset has no trade figures." } else { r.indicators_note.as_str() }
            ))
        }
    }
    match r.indicators.map(charts::meetings).transpose()?.flatten() {
        Some(c) => {
            m.notes.push("A meeting counts once, in the month it starts; the dashed line marks the most probable first month at a new rate.".into());
            m.charts.push(c);
        }
        None => {
            m.omitted = Some(format!(
                "{OMITTED}: {}",
                if r.indicators.is_some() { "the dataset has no meetings." } else { r.indicators_note.as_str() }
            ))
        }
    }
    out.push(s);
    out.push(m);

    // Sensitivity.
    let mut s = Sec::new("sensitivity", "Sensitivity");
    match r.sensitivity {
        Some(t) if !t.bars.is_empty() => {
            // bars named by what the input is, not by its code name (the data table keeps both)
            let mut named = t.clone();
            for b in &mut named.bars {
                if let Some(v) = r.ds.variable(&b.label).filter(|v| !v.description.is_empty()) {
                    b.label = format!("{} ({})", v.description, b.label);
                }
            }
            s.charts.push(charts::tornado(&named)?);
        }
        _ => s.omitted = Some(format!("{OMITTED}: {}", r.sensitivity_note)),
    }
    out.push(s);

    // Studies.
    let mut s = Sec::new("studies", "Comparison with the published studies");
    if r.comparisons.is_empty() {
        s.omitted = Some(format!("{OMITTED}: the dataset has no published study figures."));
    } else {
        s.charts.push(charts::studies(&data::study_ranges(r.comparisons))?);
        let mut t = TableX::new(
            "Study ranges beside ours",
            &[
                "study",
                "scenario (as of)",
                "coverage",
                "study range",
                "our 90 % interval",
                "our median",
                "median ÷ study mid",
                "evidence",
            ],
            true,
        );
        for k in 1..=4 {
            t.align[k] = Align::Left; // text and ranges, free to wrap
        }
        for c in r.comparisons {
            t.push(vec![
                Cell::text(c.title.clone()),
                Cell::text(format!("{} ({})", c.scenario, c.as_of)),
                Cell::text(c.coverage.clone()),
                Cell::text(format!("{} – {}", usd(c.study_low), usd(c.study_high))),
                Cell::text(format!("{} – {}", usd(c.ours.p5()), usd(c.ours.p95()))),
                Cell::text(usd(c.ours.p50())),
                Cell::text(format!("{}×", sig3(c.median_ratio))),
                Cell::Links(c.claims.iter().map(|x| (x.clone(), format!("#claim-{x}"))).collect()),
            ]);
        }
        s.tables.push(t);
        for c in r.comparisons {
            s.paras.push(format!("{}: {}", c.title, crate::views::compare::verdict(c)));
        }
        s.notes.push(format!(
            "Each study is compared with its own scenario (the evidence public when it appeared), {} samples per scenario, same seed.",
            entente_core::group(r.comparison_samples as f64)
        ));
    }
    out.push(s);

    out.extend(super::triangulate::sections(r));

    // Method and assumptions.
    let mut s = Sec::new("method", "Method and assumptions");
    s.paras.push("Every item is a quantity times a unit price, each an uncertain variable with a distribution (PERT, lognormal from a 90 % interval, uniform, …) resting on graded claims. A Monte Carlo run draws every variable once per simulated world and carries the same world through every expression, so sums, ratios and shares keep their correlations. Dated estimates change with the evidence: the model uses, for each variable, the latest estimate public on the as-of date.".into());
    s.paras.push(format!("Scenario {}: {}", r.run.plan.scenario.id, r.run.plan.scenario.description));
    if let Some(g) = &a.gdp {
        s.paras.push(format!("GDP basis ({}): {} — {}.", g.year, usd(g.usd), g.basis));
    }
    s.paras.push(format!(
        "Monte Carlo error of the deliveries total: mean ± {} (standard error), P95 ± {} (batch standard error over {} batches).",
        usd(ts.se_mean),
        usd(ts.se_p95.unwrap_or(f64::NAN)),
        entente_engine::stats::BATCHES
    ));
    for e in &a.excluded {
        s.notes.push(format!("Left out: {} — {}.", e.item, e.reason));
    }
    let cited = cited_claims(r);
    let assumptions: Vec<&entente_core::Claim> = cited
        .iter()
        .filter_map(|c| r.ds.claims.get(c))
        .filter(|c| {
            c.sources
                .iter()
                .filter_map(|x| r.ds.sources.get(x))
                .all(|x| x.grade.reliability == Reliability::F && x.grade.credibility.get() == 6)
        })
        .collect();
    if !assumptions.is_empty() {
        let mut t =
            TableX::new("Analyst assumptions (sources graded F6)", &["claim", "what it assumes", "note"], false);
        for c in assumptions {
            t.push(vec![
                Cell::link(c.id.clone(), format!("#claim-{}", c.id)),
                Cell::text(format!("{} {}: {}", c.value, c.unit, c.measure)),
                Cell::text(c.note.clone()),
            ]);
        }
        s.tables.push(t);
    }
    out.push(s);

    // Evidence behind each figure, claims, sources.
    let mut s = Sec::new("evidence", "Evidence behind each figure");
    let mut t = TableX::new("Figures and the claims they rest on", &["figure", "claims", "sources"], false);
    for f in a.figures.iter().filter(|f| f.kind != FigureKind::Ratio) {
        let label = match f.kind {
            FigureKind::Item => format!("  {}", f.label),
            _ => f.label.clone(),
        };
        t.rows.push(RowX {
            cells: vec![
                Cell::text(label),
                Cell::Links(f.claims.iter().map(|c| (c.clone(), format!("#claim-{c}"))).collect()),
                Cell::Links(f.sources.iter().map(|c| (c.clone(), format!("#source-{c}"))).collect()),
            ],
            strong: f.kind != FigureKind::Item,
            anchor: Some(format!("ev-{}", slug(&f.id))),
        });
    }
    s.tables.push(t);
    out.push(s);

    let mut s = Sec::new("claims", "Claims");
    let mut t = TableX::new("What each source says", &["claim", "says", "refers to", "public", "sources"], false);
    for c in cited.iter().filter_map(|c| r.ds.claims.get(c)) {
        let refers = match c.refers_to {
            entente_core::RefersTo::AsOf(d) => format!("as of {d}"),
            entente_core::RefersTo::Period { from, to } => {
                format!("{from} – {}", to.map(|t| t.to_string()).unwrap_or_else(|| "…".into()))
            }
        };
        let derived = if c.derived { " (DERIVED)" } else { "" };
        let note = if c.note.is_empty() { String::new() } else { format!(" — {}", c.note) };
        t.rows.push(RowX {
            cells: vec![
                Cell::text(c.id.clone()),
                Cell::text(format!("{} {}: {}{derived}{note}", c.value, c.unit, c.measure)),
                Cell::text(refers),
                Cell::text(c.public.to_string()),
                Cell::Links(c.sources.iter().map(|x| (x.clone(), format!("#source-{x}"))).collect()),
            ],
            strong: false,
            anchor: Some(format!("claim-{}", c.id)),
        });
    }
    s.tables.push(t);
    out.push(s);

    let mut s = Sec::new("sources", "Sources and their grades");
    s.paras.push("Grades follow the NATO Admiralty scale: the letter grades the source (A completely reliable … E unreliable, F cannot be judged), the number the information (1 confirmed … 5 improbable, 6 cannot be judged).".into());
    let mut t = TableX::new("Sources cited", &["source", "grade", "publisher", "published", "title"], false);
    let sources: BTreeSet<&String> =
        cited.iter().filter_map(|c| r.ds.claims.get(c)).flat_map(|c| c.sources.iter()).collect();
    for src in sources.into_iter().filter_map(|x| r.ds.sources.get(x)) {
        let title = if src.url.is_empty() {
            Cell::text(src.title.clone())
        } else {
            Cell::link(src.title.clone(), src.url.clone())
        };
        t.rows.push(RowX {
            cells: vec![
                Cell::text(src.id.clone()),
                Cell::text(format!(
                    "{} ({}; {})",
                    src.grade,
                    src.grade.reliability.meaning(),
                    src.grade.credibility.meaning()
                )),
                Cell::text(src.publisher.clone()),
                Cell::text(src.published.map(|d| d.to_string()).unwrap_or_default()),
                title,
            ],
            strong: false,
            anchor: Some(format!("source-{}", src.id)),
        });
    }
    s.tables.push(t);
    out.push(s);
    if let Some(g) = r.gaps {
        out.push(super::gaps::section(g)?);
    }
    Ok(out)
}

/// Every claim the report cites: behind its figures, the GDP basis and the studies, sorted.
fn cited_claims(r: &ReportData) -> Vec<String> {
    let mut set: BTreeSet<String> = r.assessment.figures.iter().flat_map(|f| f.claims.iter().cloned()).collect();
    if let Some(g) = r.assessment.gdp.as_ref().and_then(|g| r.ds.gdp_for(g.year)) {
        set.extend(g.claims.iter().cloned());
    }
    for c in r.comparisons {
        set.extend(c.claims.iter().cloned());
    }
    set.into_iter().filter(|c| r.ds.claims.contains_key(c)).collect()
}
