//! `entente report`: one self-contained document — HTML with inline CSS and SVG, or Markdown with the charts as
//! SVG files beside it — built from the engine's results. Nothing is fetched when it is opened: no fonts,
//! scripts or styles from elsewhere; links to the sources are plain links.
//!
//! The report is a list of [`sections::Sec`]s built once; [`page`] turns them into HTML and [`markdown`] into
//! Markdown. Chart data comes from the pure functions of [`data`], drawing from [`charts`] (plotters, SVG).

mod assemble;
pub mod charts;
pub mod data;
pub mod gaps;
mod markdown;
mod page;
pub mod sections;
mod triangulate;

use chrono::NaiveDate;
use entente_core::Dataset;
use entente_engine::compare::Comparison;
use entente_engine::{Assessment, Run};

pub use assemble::{html as from_parts, markdown as markdown_from_parts};
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
    /// The sanctions-gaps section (`entente report --lists …`); `None` leaves it out.
    pub gaps: Option<&'a entente_gaps::Gaps>,
    /// `entente x.y.z`, printed in the footer (no timestamp: the file is deterministic).
    pub generator: String,
}

impl ReportData<'_> {
    pub fn as_of(&self) -> NaiveDate {
        self.assessment.as_of
    }

    /// SHA-256 of the validated dataset's canonical JSON (its maps are ordered, so the hash is stable).
    pub fn dataset_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self.ds).expect("the dataset serialises");
        Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The report's title.
    pub fn title(&self) -> String {
        format!("entente report — {}", self.assessment.scenario_title)
    }

    /// A name for downloaded files: `entente-<scenario>-<as-of>`.
    pub fn file_stem(&self) -> String {
        format!("entente-{}-{}", slug(&self.assessment.scenario), self.as_of())
    }

    /// The line a chart carries under it, so that an SVG taken out of the page still names its source and date.
    pub fn source_line(&self) -> String {
        format!(
            "Source: {}, dataset sha256:{}, evidence as of {}, scenario {}",
            self.generator,
            &self.dataset_hash()[..12],
            self.as_of(),
            self.assessment.scenario
        )
    }

    /// How to cite the report, on one line.
    pub fn citation(&self) -> String {
        let a = self.assessment;
        format!(
            "{}. Evidence as of {}. {}, dataset sha256:{}; {} samples, seed {}.",
            self.title(),
            a.as_of,
            self.generator,
            self.dataset_hash(),
            entente_core::group(a.samples as f64),
            a.seed
        )
    }
}

/// Puts each chart's title above it and its source line and date under it, inside the SVG.
fn stamp(r: &ReportData, secs: &mut [sections::Sec]) {
    let source = r.source_line();
    for s in secs.iter_mut() {
        for c in s.charts.iter_mut() {
            c.svg = charts::stamp(&c.svg, &c.title, &source);
        }
    }
}

/// The report as one HTML document.
pub fn html(r: &ReportData) -> Result<String, String> {
    let mut secs = sections::build(r).map_err(|e| format!("cannot draw the charts: {e}"))?;
    stamp(r, &mut secs);
    Ok(page::render(r, &secs))
}

/// The report as Markdown, and the charts as `(file name, SVG)` pairs named `<stem>-<chart>.svg`, to be
/// written beside it.
pub fn markdown(r: &ReportData, stem: &str) -> Result<(String, Vec<(String, String)>), String> {
    let mut secs = sections::build(r).map_err(|e| format!("cannot draw the charts: {e}"))?;
    stamp(r, &mut secs);
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
