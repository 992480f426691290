//! `entente report`: one self-contained document — HTML with inline CSS and SVG, or Markdown with the charts as
//! SVG files beside it — built from the engine's results. Nothing is fetched when it is opened: no fonts,
//! scripts or styles from elsewhere; links to the sources are plain links.
//!
//! The report is a list of [`sections::Sec`]s built once; [`page`] turns them into HTML and [`markdown`] into
//! Markdown. Chart data comes from the pure functions of [`data`], drawing from [`charts`] (plotters, SVG).

pub mod charts;
pub mod data;
mod markdown;
mod page;
pub mod sections;
mod triangulate;

use chrono::NaiveDate;
use entente_core::Dataset;
use entente_engine::compare::Comparison;
use entente_engine::{Assessment, Run};

pub use data::{Indicators, MeetingSeries, TimelinePoint, Tornado, TornadoBar, TradeBar};

/// Everything the report shows, already computed by the engine.
pub struct ReportData<'a> {
    pub ds: &'a Dataset,
    pub assessment: &'a Assessment,
    /// The run behind `assessment`: its draws of the total feed the histogram.
    pub run: &'a Run,
    pub comparisons: &'a [Comparison],
    /// Samples per scenario behind `comparisons`.
    pub comparison_samples: usize,
    /// The total assessed at a series of as-of dates (see [`data::timeline_dates`]).
    pub timeline: &'a [TimelinePoint],
    pub timeline_samples: usize,
    /// Trade and meetings; `None` leaves their sections out with `indicators_note`.
    pub indicators: Option<&'a Indicators>,
    pub indicators_note: String,
    /// The tornado; `None` leaves the section out with `sensitivity_note`.
    pub sensitivity: Option<&'a Tornado>,
    pub sensitivity_note: String,
    /// Direct counts beside the model's implied figures; `None` leaves the section out (no checks in the dataset).
    pub triangulation: Option<&'a entente_engine::triangulate::Triangulation>,
    /// `entente x.y.z`, printed in the footer (no timestamp: the file is deterministic).
    pub generator: String,
}

impl ReportData<'_> {
    pub fn as_of(&self) -> NaiveDate {
        self.assessment.as_of
    }
}

/// The report as one HTML document.
pub fn html(r: &ReportData) -> Result<String, String> {
    let secs = sections::build(r).map_err(|e| format!("cannot draw the charts: {e}"))?;
    Ok(page::render(r, &secs))
}

/// The report as Markdown, and the charts as `(file name, SVG)` pairs named `<stem>-<chart>.svg`, to be
/// written beside it.
pub fn markdown(r: &ReportData, stem: &str) -> Result<(String, Vec<(String, String)>), String> {
    let secs = sections::build(r).map_err(|e| format!("cannot draw the charts: {e}"))?;
    Ok(markdown::render(r, &secs, stem))
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// An id usable as an HTML anchor: lower-case letters, digits and `-`.
pub fn slug(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            o.push(c.to_ascii_lowercase());
        } else if !o.ends_with('-') {
            o.push('-');
        }
    }
    o.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests;
