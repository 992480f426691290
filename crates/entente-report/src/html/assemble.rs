//! From the application's [`ReportParts`] (numbers) to a [`ReportData`] and the finished document. The words
//! that go with the numbers — the tornado's note, the trade note, the meetings verdict — are made here.

use super::data::{self, Indicators, MeetingSeries, TimelinePoint, Tornado, TornadoBar, TradeBar};
use super::ReportData;
use entente_app::report::ReportParts;
use entente_core::Dataset;
use entente_engine::sensitivity::Sensitivity;
use entente_indicators::meetings::MeetingsReport;
use entente_indicators::trade::TradeReport;

/// Most bars on the tornado.
const TORNADO_BARS: usize = 12;

/// The report as one self-contained HTML page.
pub fn html(ds: &Dataset, parts: &ReportParts, generator: &str) -> Result<String, String> {
    with_data(ds, parts, generator, super::html)
}

/// The report as Markdown, with its charts as `(file name, SVG)` pairs to write beside it (`<stem>-<chart>.svg`).
pub fn markdown(
    ds: &Dataset,
    parts: &ReportParts,
    generator: &str,
    stem: &str,
) -> Result<(String, Vec<(String, String)>), String> {
    with_data(ds, parts, generator, |r| super::markdown(r, stem))
}

fn with_data<T>(
    ds: &Dataset,
    p: &ReportParts,
    generator: &str,
    f: impl FnOnce(&ReportData) -> Result<T, String>,
) -> Result<T, String> {
    let timeline: Vec<TimelinePoint> = p
        .timeline
        .iter()
        .flat_map(|tl| &tl.points)
        .map(|t| TimelinePoint { date: t.date, p5: t.deliveries.p5, p50: t.deliveries.p50, p95: t.deliveries.p95 })
        .collect();
    let (indicators, indicators_note) = indicators(&p.trade, p.meetings.as_ref());
    let tornado = tornado(ds, &p.sensitivity, p.sensitivity_samples, p.seed);
    let r = ReportData {
        ds,
        assessment: &p.assessment,
        run: &p.run,
        comparisons: &p.comparisons,
        comparison_samples: p.comparison_samples,
        timeline: &timeline,
        timeline_samples: p.timeline_samples,
        indicators: indicators.as_ref(),
        indicators_note,
        sensitivity: tornado.as_ref(),
        sensitivity_note: "the total depends on no uncertain input.".into(),
        triangulation: p.triangulation.as_ref(),
        gaps: p.gaps.as_ref(),
        generator: generator.to_string(),
    };
    f(&r)
}

/// The tornado of the deliveries total: each bar is a point evaluation; the first-order indices in the note are
/// estimated from the draws.
fn tornado(ds: &Dataset, s: &Sensitivity, samples: usize, seed: u64) -> Option<Tornado> {
    if s.inputs.is_empty() {
        return None;
    }
    let bars =
        s.inputs.iter().map(|i| TornadoBar { label: i.variable.clone(), low: i.at_p5, high: i.at_p95 }).collect();
    let top: Vec<String> = s.inputs.iter().take(4).map(|i| format!("{} {:.2}", i.variable, i.first_order)).collect();
    let note = format!(
        "Each bar is the total with one input at its own P5 (hatched) and P95 (dark), every other input at its median; the line is the total with all inputs at their medians ({}). Widest bars first. Share of the total's variance each input explains alone (first-order index): {}; together {:.2}{}. From {} samples, seed {seed}. Inputs: {}",
        crate::num::usd(s.base),
        top.join(", "),
        s.sum_first_order,
        if s.sum_first_order < 0.95 {
            " (the rest comes from interactions such as quantity × price)"
        } else if s.sum_first_order > 1.05 {
            " (above 1 because some inputs are correlated and share their effect)"
        } else {
            ""
        },
        entente_core::group(samples as f64),
        s.inputs
            .iter()
            .take(TORNADO_BARS)
            .filter_map(|i| ds.variable(&i.variable).map(|v| format!("{} = {}", i.variable, v.description)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    Some(data::tornado(s.base, bars, TORNADO_BARS, note))
}

/// Official trade (total turnover) and meetings per month with the change point.
fn indicators(tr: &TradeReport, meetings: Option<&MeetingsReport>) -> (Option<Indicators>, String) {
    let trade_bars: Vec<TradeBar> = tr
        .figures
        .iter()
        .map(|f| TradeBar {
            label: f.label.clone(),
            value_usd: f.value_usd,
            measure: "total".into(),
            source: f.source.clone(),
            derived: f.derived,
        })
        .collect();
    let mut trade_note = String::from("Total turnover as published; partial-year figures are not annualised here (`entente trade` annualises them and shows exports and imports apart).");
    if !tr.gaps.is_empty() {
        trade_note += &format!(
            " Years with no official figure: {}.",
            tr.gaps.iter().map(|g| g.year.to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    if !tr.conflicts.is_empty() {
        trade_note += &format!(" {} pairs of figures for one period disagree; both are shown.", tr.conflicts.len());
    }
    let meetings = meetings.map(|m| MeetingSeries {
        months: m.counts.iter().map(|b| (b.from, b.count as u32)).collect(),
        change_point: m.change.as_ref().map(|c| c.map_month.first_day()),
        note: m
            .change
            .as_ref()
            .map(|c| c.verdict.clone())
            .unwrap_or_else(|| "No change point could be estimated.".into()),
    });
    if trade_bars.is_empty() && meetings.is_none() {
        return (None, "the dataset has no trade figures or meetings.".into());
    }
    (Some(Indicators { trade: trade_bars, trade_note, meetings }), String::new())
}
