//! The official Russia–North Korea trade series: every figure as published (conflicting figures side by side),
//! annualised values for partial periods, growth between two periods, the pre-2017 ("before maximum
//! sanctions") level, and the years with no figure, which are unknown — never zero.

use crate::period::Period;
use chrono::{Datelike, NaiveDate};
use entente_core::{TradeFigure, TradeMeasure};
use serde::Serialize;

/// One published figure with its period made explicit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub period: Period,
    pub label: String,
    pub months: f64,
    pub value_usd: f64,
    /// The value at the same pace over twelve months: value × 12 / months. Equal to the value for a full year.
    pub annualised_usd: f64,
    pub source: String,
    pub public: NaiveDate,
    pub derived: bool,
    pub note: String,
}

impl Figure {
    fn from_row(t: &TradeFigure) -> Figure {
        let period = Period { from: t.from, to: t.to };
        Figure {
            label: period.label(),
            months: period.months(),
            annualised_usd: t.value_usd * period.annualisation(),
            value_usd: t.value_usd,
            period,
            source: t.source.clone(),
            public: t.public,
            derived: t.derived,
            note: t.note.clone(),
        }
    }
}

/// A year of the series with no figure of the measure, or only derived ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub year: i32,
    /// `unknown`: no figure at all; `derived-only`: only figures computed by the analyst.
    pub status: &'static str,
}

/// Growth from a base figure to a later one, both annualised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Growth {
    pub base_period: Period,
    pub later_period: Period,
    /// `None` when no figure exists for the period: the growth is unknown.
    pub base: Option<Figure>,
    pub later: Option<Figure>,
    /// later.annualised / base.annualised − 1 (a fraction: 2.076 = +207.6 %).
    pub growth: Option<f64>,
    /// later.annualised / base.annualised.
    pub ratio: Option<f64>,
    /// True when either side was annualised from a partial period (assumes an even pace over the year).
    pub annualised: bool,
}

/// Two figures that cannot both be right: the same period with different values, or a part of a period
/// exceeding the whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub a: Figure,
    pub b: Figure,
    pub reason: String,
}

/// A figure against the pre-2017 level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VsPre {
    pub figure: Figure,
    pub baseline_year: i32,
    pub baseline: Figure,
    /// figure.annualised / baseline.value.
    pub ratio: f64,
}

/// Everything `entente trade` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeReport {
    pub measure: TradeMeasure,
    pub as_of: Option<NaiveDate>,
    /// Figures public by `as_of` (all when `None`), sorted by period start, end, then publication.
    pub figures: Vec<Figure>,
    /// Figures left out because they became public after `as_of`.
    pub excluded_later: usize,
    pub gaps: Vec<Gap>,
    pub conflicts: Vec<Conflict>,
    pub growth: Vec<Growth>,
    pub pre_sanctions: Vec<VsPre>,
}

/// What to compare.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TradeOptions {
    pub measure: Option<TradeMeasure>,
    pub as_of: Option<NaiveDate>,
    /// Base and later period; `None`: the last full year before the latest year against every period of the
    /// latest year.
    pub compare: Option<(Period, Period)>,
    /// Full years that stand for the level before the 2017 "maximum sanctions" resolutions.
    pub pre_years: Vec<i32>,
}

pub const DEFAULT_PRE_YEARS: [i32; 2] = [2016, 2017];

/// Builds the report from the dataset's trade figures.
pub fn report(rows: &[TradeFigure], opt: &TradeOptions) -> TradeReport {
    let measure = opt.measure.unwrap_or(TradeMeasure::Total);
    let of_measure: Vec<&TradeFigure> = rows.iter().filter(|t| t.measure == measure).collect();
    let visible: Vec<&TradeFigure> =
        of_measure.iter().copied().filter(|t| opt.as_of.is_none_or(|d| t.public <= d)).collect();
    let excluded_later = of_measure.len() - visible.len();
    let mut figures: Vec<Figure> = visible.iter().map(|t| Figure::from_row(t)).collect();
    figures.sort_by_key(|a| (a.period.from, a.period.to, a.public));

    let gaps = gaps(&figures);
    let conflicts = conflicts(&figures);

    let pairs: Vec<(Period, Period)> = match opt.compare {
        Some(p) => vec![p],
        None => default_pairs(&figures),
    };
    let mut growth = Vec::new();
    for (bp, lp) in pairs {
        growth.extend(compare(&figures, bp, lp));
    }

    let pre_years = if opt.pre_years.is_empty() { DEFAULT_PRE_YEARS.to_vec() } else { opt.pre_years.clone() };
    let mut compared: Vec<&Figure> = Vec::new();
    for g in &growth {
        for f in [&g.base, &g.later].into_iter().flatten() {
            if !compared.contains(&f) && !pre_years.contains(&f.period.from.year()) {
                compared.push(f);
            }
        }
    }
    let mut pre_sanctions = Vec::new();
    for y in &pre_years {
        for base in figures.iter().filter(|f| f.period == Period::year(*y)) {
            for f in &compared {
                pre_sanctions.push(VsPre {
                    figure: (*f).clone(),
                    baseline_year: *y,
                    baseline: base.clone(),
                    ratio: f.annualised_usd / base.value_usd,
                });
            }
        }
    }
    TradeReport { measure, as_of: opt.as_of, figures, excluded_later, gaps, conflicts, growth, pre_sanctions }
}

/// Growth for every combination of the figures for `base` and for `later` (conflicting figures each give their
/// own row); one row with an unknown side when a period has no figure.
pub fn compare(figures: &[Figure], base: Period, later: Period) -> Vec<Growth> {
    let of = |p: Period| -> Vec<Option<&Figure>> {
        let v: Vec<Option<&Figure>> = figures.iter().filter(|f| f.period == p).map(Some).collect();
        if v.is_empty() {
            vec![None]
        } else {
            v
        }
    };
    let mut out = Vec::new();
    for b in of(base) {
        for l in of(later) {
            out.push(growth(base, later, b, l));
        }
    }
    out
}

fn growth(base_period: Period, later_period: Period, b: Option<&Figure>, l: Option<&Figure>) -> Growth {
    let ratio = match (b, l) {
        (Some(b), Some(l)) if b.annualised_usd > 0.0 => Some(l.annualised_usd / b.annualised_usd),
        _ => None,
    };
    Growth {
        base_period,
        later_period,
        base: b.cloned(),
        later: l.cloned(),
        growth: ratio.map(|r| r - 1.0),
        ratio,
        annualised: !(base_period.is_full_year() && later_period.is_full_year()),
    }
}

/// The last full year before the latest year with figures, against every distinct period within that latest
/// year (e.g. 2023 against 2024H1 and against 2024).
fn default_pairs(figures: &[Figure]) -> Vec<(Period, Period)> {
    let Some(latest) = figures.iter().map(|f| f.period.from.year()).max() else { return Vec::new() };
    let Some(base) =
        figures.iter().filter(|f| f.period.is_full_year() && f.period.from.year() < latest).map(|f| f.period).max()
    else {
        return Vec::new();
    };
    let mut later: Vec<Period> = figures
        .iter()
        .filter(|f| f.period.from.year() == latest && f.period.to.year() == latest)
        .map(|f| f.period)
        .collect();
    later.sort();
    later.dedup();
    later.into_iter().map(|l| (base, l)).collect()
}

/// Years between the first and the last figure that no figure touches (unknown), or that only derived figures
/// touch.
fn gaps(figures: &[Figure]) -> Vec<Gap> {
    let (Some(first), Some(last)) =
        (figures.iter().map(|f| f.period.from.year()).min(), figures.iter().map(|f| f.period.to.year()).max())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for y in first..=last {
        let touching: Vec<&Figure> =
            figures.iter().filter(|f| f.period.from.year() <= y && y <= f.period.to.year()).collect();
        if touching.is_empty() {
            out.push(Gap { year: y, status: "unknown" });
        } else if touching.iter().all(|f| f.derived) {
            out.push(Gap { year: y, status: "derived-only" });
        }
    }
    out
}

fn conflicts(figures: &[Figure]) -> Vec<Conflict> {
    let mut out = Vec::new();
    for (i, a) in figures.iter().enumerate() {
        for b in &figures[i + 1..] {
            let reason = if a.period == b.period {
                let rel = (a.value_usd - b.value_usd).abs() / a.value_usd.max(b.value_usd);
                (rel > 0.01).then(|| {
                    format!(
                        "two figures for {}: {} and {} USD ({:.0} % apart)",
                        a.label,
                        a.value_usd,
                        b.value_usd,
                        rel * 100.0
                    )
                })
            } else if a.period != b.period && b.period.contains(&a.period) && a.value_usd > b.value_usd {
                Some(format!(
                    "{} ({} USD) exceeds the whole of {} ({} USD)",
                    a.label, a.value_usd, b.label, b.value_usd
                ))
            } else if a.period.contains(&b.period) && b.value_usd > a.value_usd {
                Some(format!(
                    "{} ({} USD) exceeds the whole of {} ({} USD)",
                    b.label, b.value_usd, a.label, a.value_usd
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                out.push(Conflict { a: a.clone(), b: b.clone(), reason });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn row(from: &str, to: &str, v: f64, public: &str, derived: bool) -> TradeFigure {
        TradeFigure {
            from: d(from),
            to: d(to),
            value_usd: v,
            measure: TradeMeasure::Total,
            source: "s".into(),
            public: d(public),
            derived,
            note: String::new(),
        }
    }

    fn series() -> Vec<TradeFigure> {
        vec![
            row("2016-01-01", "2016-12-31", 77.0e6, "2017-12-31", false),
            row("2017-01-01", "2017-12-31", 77.88e6, "2019-04-09", false),
            row("2020-01-01", "2020-12-31", 42.74e6, "2021-02-19", false),
            row("2022-01-01", "2022-12-31", 3.8e6, "2024-06-17", true),
            row("2023-01-01", "2023-12-31", 34.4e6, "2024-06-17", false),
            row("2024-01-01", "2024-06-30", 52.9e6, "2024-10-28", false),
            row("2024-01-01", "2024-12-31", 34.0e6, "2025-06-11", false),
        ]
    }

    #[test]
    fn h1_2024_against_2023_by_hand() {
        // 52.9 × 12/6 = 105.8; 105.8 / 34.4 − 1 = 2.0756 (+207.6 %).
        let r = report(&series(), &TradeOptions::default());
        let g = r.growth.iter().find(|g| g.later_period.label() == "2024H1").unwrap();
        assert_eq!(g.later.as_ref().unwrap().annualised_usd, 105.8e6);
        let growth = g.growth.unwrap();
        assert!((growth - (105.8 / 34.4 - 1.0)).abs() < 1e-12);
        assert_eq!(format!("{:.1}", growth * 100.0), "207.6");
        assert!(g.annualised);
        // The conflicting full-year 2024 figure is compared too, side by side: 34.0 / 34.4 − 1 = −1.16 %.
        let full = r.growth.iter().find(|g| g.later_period.label() == "2024").unwrap();
        assert!((full.growth.unwrap() - (34.0 / 34.4 - 1.0)).abs() < 1e-12);
        assert!(!full.annualised);
    }

    #[test]
    fn partial_year_by_days() {
        // Jan 1 – Nov 16: 10 + 16/30 months; 28 M → 28 × 12 / 10.5333 = 31.899 M a year.
        let f = Figure::from_row(&row("2023-01-01", "2023-11-16", 28.0e6, "2023-11-16", false));
        assert!((f.annualised_usd - 28.0e6 * 12.0 / (10.0 + 16.0 / 30.0)).abs() < 1e-6);
        // Jan–Aug 2016, 43 M → 64.5 M a year.
        let f = Figure::from_row(&row("2016-01-01", "2016-08-31", 43.0e6, "2016-10-22", false));
        assert!((f.annualised_usd - 64.5e6).abs() < 1e-6);
    }

    #[test]
    fn gaps_are_unknown_never_zero() {
        let r = report(&series(), &TradeOptions::default());
        let g: Vec<(i32, &str)> = r.gaps.iter().map(|g| (g.year, g.status)).collect();
        assert_eq!(g, vec![(2018, "unknown"), (2019, "unknown"), (2021, "unknown"), (2022, "derived-only")]);
        // Comparing with a year that has no figure gives an unknown growth, not −100 %.
        let opt = TradeOptions { compare: Some((Period::year(2021), Period::year(2023))), ..Default::default() };
        let r = report(&series(), &opt);
        assert_eq!(r.growth.len(), 1);
        assert!(r.growth[0].base.is_none() && r.growth[0].growth.is_none());
    }

    #[test]
    fn conflicts_kept_side_by_side() {
        let r = report(&series(), &TradeOptions::default());
        assert_eq!(r.conflicts.len(), 1);
        assert!(
            r.conflicts[0].reason.contains("2024H1") && r.conflicts[0].reason.contains("exceeds"),
            "{}",
            r.conflicts[0].reason
        );
        assert_eq!(r.figures.iter().filter(|f| f.period.from == d("2024-01-01")).count(), 2);
    }

    #[test]
    fn as_of_excludes_later_figures() {
        let r = report(&series(), &TradeOptions { as_of: Some(d("2024-11-01")), ..Default::default() });
        assert_eq!(r.excluded_later, 1);
        assert!(r.figures.iter().all(|f| f.public <= d("2024-11-01")));
        assert_eq!(r.growth.len(), 1);
        assert!(r.conflicts.is_empty());
        let r = report(&series(), &TradeOptions { as_of: Some(d("2024-06-30")), ..Default::default() });
        // Latest year is now 2023, compared with the last full year before it (2022, derived).
        assert_eq!(r.growth[0].base_period, Period::year(2022));
        assert!((r.growth[0].ratio.unwrap() - 34.4 / 3.8).abs() < 1e-12);
    }

    #[test]
    fn pre_sanctions_level() {
        let r = report(&series(), &TradeOptions::default());
        let v = r.pre_sanctions.iter().find(|v| v.baseline_year == 2017 && v.figure.label == "2024H1").unwrap();
        assert!((v.ratio - 105.8 / 77.88).abs() < 1e-12);
        assert!(r.pre_sanctions.iter().all(|v| v.figure.period.from.year() >= 2023));
    }

    #[test]
    fn deterministic() {
        assert_eq!(report(&series(), &TradeOptions::default()), report(&series(), &TradeOptions::default()));
    }
}
