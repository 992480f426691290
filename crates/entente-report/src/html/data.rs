//! The data fed to each chart, built by pure functions from the engine's results so that it can be tested
//! apart from the drawing. Money stays in USD here; the charts choose their display scale with [`money_scale`].

use chrono::NaiveDate;
use entente_core::Flow;
use entente_engine::compare::Comparison;
use entente_engine::{Assessment, FigureKind};

/// A display scale for money axes: values are divided by `div` and the axis reads `unit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub div: f64,
    pub unit: &'static str,
}

/// The scale under which `max` reads as a number between 1 and 1000.
pub fn money_scale(max: f64) -> Scale {
    let a = max.abs();
    if a >= 1e9 {
        Scale { div: 1e9, unit: "USD bn" }
    } else if a >= 1e6 {
        Scale { div: 1e6, unit: "USD M" }
    } else if a >= 1e3 {
        Scale { div: 1e3, unit: "USD k" }
    } else {
        Scale { div: 1.0, unit: "USD" }
    }
}

/// One segment of a stacked bar: a category's mean, from `start` to `end` (USD).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub label: String,
    pub start: f64,
    pub end: f64,
}

/// A flow as a bar stacked from its categories' means, with the flow's own P5–P95 as a whisker.
#[derive(Debug, Clone, PartialEq)]
pub struct StackedBar {
    pub label: String,
    pub segments: Vec<Segment>,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// One stacked bar per flow that has categories. Segments are category *means*: means add up to the flow's
/// mean in every run, medians do not.
pub fn stacked_by_category(a: &Assessment) -> Vec<StackedBar> {
    let mut out = Vec::new();
    for flow in Flow::ALL {
        let Some(total) = a.figure(&format!("flow:{flow}")) else { continue };
        let mut at = 0.0;
        let segments: Vec<Segment> = a
            .figures
            .iter()
            .filter(|f| f.kind == FigureKind::Category && f.flow == Some(flow))
            .map(|f| {
                let s = Segment { label: f.label.clone(), start: at, end: at + f.summary.mean };
                at = s.end;
                s
            })
            .collect();
        if segments.is_empty() {
            continue;
        }
        let s = &total.summary;
        out.push(StackedBar { label: flow.label().to_string(), segments, p5: s.p5(), p50: s.p50(), p95: s.p95() });
    }
    out
}

/// A quantity's 90 % interval and median.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub label: String,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Deliveries and compensation, each as its P5–P50–P95.
pub fn flow_ranges(a: &Assessment) -> Vec<Range> {
    Flow::ALL
        .iter()
        .filter_map(|f| a.figure(&format!("flow:{f}")))
        .filter(|f| f.summary.mean > 0.0)
        .map(|f| Range { label: f.label.clone(), p5: f.summary.p5(), p50: f.summary.p50(), p95: f.summary.p95() })
        .collect()
}

/// Counts of draws in equal bins, with the draws outside the drawn range counted apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Left edge of the first bin (USD).
    pub lo: f64,
    pub width: f64,
    pub counts: Vec<u64>,
    /// Draws left of `lo` and right of the last bin: the tails not drawn.
    pub below: u64,
    pub above: u64,
    pub n: u64,
    /// (label, value): P5, median, P95.
    pub markers: Vec<(String, f64)>,
}

impl Histogram {
    /// Share of all draws in bin `i`, in percent.
    pub fn percent(&self, i: usize) -> f64 {
        100.0 * self.counts[i] as f64 / self.n.max(1) as f64
    }
    pub fn hi(&self) -> f64 {
        self.lo + self.width * self.counts.len() as f64
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, the smallest such step ≥ `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= raw * (1.0 - 1e-12) {
            return m * p;
        }
    }
    10.0 * p
}

/// Bins `draws` between `from` and `to` (typically P0.5 and P99.5) into about `bins` bins of a round width.
pub fn histogram(draws: &[f64], from: f64, to: f64, bins: usize, markers: Vec<(String, f64)>) -> Histogram {
    let width = nice_step(((to - from) / bins.max(1) as f64).max(f64::MIN_POSITIVE));
    let lo = (from / width).floor() * width;
    let nb = (((to - lo) / width).ceil() as usize).max(1);
    let mut counts = vec![0u64; nb];
    let (mut below, mut above) = (0, 0);
    for &x in draws {
        if x < lo {
            below += 1;
            continue;
        }
        let k = ((x - lo) / width).floor() as usize;
        if k >= nb {
            above += 1;
        } else {
            counts[k] += 1;
        }
    }
    Histogram { lo, width, counts, below, above, n: draws.len() as u64, markers }
}

/// The total's quantiles as assessed with the evidence public on one date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimelinePoint {
    pub date: NaiveDate,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

pub use entente_engine::history::timeline_dates;

/// A study's published range beside ours for the same coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyRange {
    pub label: String,
    /// The title without its parenthesis: `Unequal Partnership: Russia's compensation`.
    pub short: String,
    pub study_low: f64,
    pub study_high: f64,
    pub ours: Range,
}

pub fn study_ranges(cs: &[Comparison]) -> Vec<StudyRange> {
    cs.iter()
        .map(|c| StudyRange {
            label: c.title.clone(),
            short: short_title(&c.title),
            study_low: c.study_low,
            study_high: c.study_high,
            ours: Range { label: c.coverage.clone(), p5: c.ours.p5(), p50: c.ours.p50(), p95: c.ours.p95() },
        })
        .collect()
}

/// `Unequal Partnership (Guseinova, FNF, 2025): Russia's compensation` → `Unequal Partnership: Russia's
/// compensation`; a title without a parenthesis is kept.
pub fn short_title(t: &str) -> String {
    match (t.find(" ("), t.find(')')) {
        (Some(a), Some(b)) if b > a => format!("{}{}", &t[..a], t[b + 1..].trim_end()),
        _ => t.to_string(),
    }
}

/// One bar of a tornado chart: the total's median when one input is held at its low and at its high value.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

/// Sensitivity of the total to each input; bars are drawn widest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub base: f64,
    pub bars: Vec<TornadoBar>,
    /// What "low" and "high" mean, e.g. "input at its P5 / P95".
    pub note: String,
}

/// Sorts bars by swing (widest first) and keeps the `n` largest.
pub fn tornado(base: f64, mut bars: Vec<TornadoBar>, n: usize, note: String) -> Tornado {
    bars.sort_by(|a, b| (b.high - b.low).abs().total_cmp(&(a.high - a.low).abs()).then_with(|| a.label.cmp(&b.label)));
    bars.truncate(n);
    Tornado { base, bars, note }
}

/// An official trade figure for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeBar {
    pub label: String,
    pub value_usd: f64,
    pub measure: String,
    pub source: String,
    pub derived: bool,
}

/// Meetings per month, with the month a change point was detected (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingSeries {
    pub months: Vec<(NaiveDate, u32)>,
    pub change_point: Option<NaiveDate>,
    pub note: String,
}

/// The political and trade indicators, when the dataset and the indicators crate provide them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Indicators {
    pub trade: Vec<TradeBar>,
    pub trade_note: String,
    pub meetings: Option<MeetingSeries>,
}

/// Pixel segments of a hatch pattern inside the rectangle `(x0, y0)–(x1, y1)`: lines at 45° (`slope = 1`, "/")
/// or −45° (`slope = -1`, "\"), `spacing` pixels apart, clipped to the rectangle.
pub fn hatch_lines(r: (i32, i32, i32, i32), spacing: i32, slope: i32) -> Vec<((i32, i32), (i32, i32))> {
    let (x0, y0, x1, y1) = (r.0.min(r.2), r.1.min(r.3), r.0.max(r.2), r.1.max(r.3));
    let (w, h) = (x1 - x0, y1 - y0);
    if w <= 0 || h <= 0 || spacing <= 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Lines x - x0 = c - (y1 - y) for "/" (rising to the right on screen), c from 0 to w + h.
    let mut c = spacing / 2;
    while c < w + h {
        // Param t along the line from its bottom edge point; clip to the rectangle.
        let (sx, sy) = if c <= w { (x0 + c, y1) } else { (x1, y1 - (c - w)) };
        let (ex, ey) = if c <= h { (x0, y1 - c) } else { (x0 + (c - h), y0) };
        if slope >= 0 {
            out.push(((ex, ey), (sx, sy)));
        } else {
            // Mirror horizontally inside the rectangle.
            out.push(((x0 + x1 - ex, ey), (x0 + x1 - sx, sy)));
        }
        c += spacing;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_read_between_one_and_a_thousand() {
        assert_eq!(money_scale(7.6e9).unit, "USD bn");
        assert_eq!(money_scale(266e6), Scale { div: 1e6, unit: "USD M" });
        assert_eq!(money_scale(999.0).div, 1.0);
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(2.2e8), 2.5e8);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(1e6), 1e6);
        assert_eq!(nice_step(7.0), 10.0);
    }

    #[test]
    fn histogram_counts_every_draw_once() {
        let draws: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let h = histogram(&draws, 100.0, 899.0, 8, vec![("P50".into(), 499.5)]);
        assert_eq!(h.width, 100.0);
        assert_eq!(h.lo, 100.0);
        assert_eq!(h.counts, vec![100; 8]);
        assert_eq!((h.below, h.above), (100, 100));
        assert_eq!(h.counts.iter().sum::<u64>() + h.below + h.above, h.n);
        assert_eq!(h.hi(), 900.0);
        assert!((h.percent(0) - 10.0).abs() < 1e-12);
    }

    #[test]
    fn histogram_of_a_constant_has_one_bin() {
        let h = histogram(&[5.0; 10], 5.0, 5.0, 40, Vec::new());
        assert_eq!(h.counts.iter().sum::<u64>() + h.above + h.below, 10);
        assert!(h.width > 0.0);
    }

    #[test]
    fn timeline_is_monthly_and_ends_on_the_as_of_date() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let t = timeline_dates(d(2023, 8, 15), d(2024, 1, 10), 40);
        assert_eq!(
            t,
            vec![
                d(2023, 8, 15),
                d(2023, 9, 1),
                d(2023, 10, 1),
                d(2023, 11, 1),
                d(2023, 12, 1),
                d(2024, 1, 1),
                d(2024, 1, 10)
            ]
        );
        let t = timeline_dates(d(2023, 8, 1), d(2023, 8, 1), 40);
        assert_eq!(t, vec![d(2023, 8, 1)]);
        let long = timeline_dates(d(2015, 1, 1), d(2025, 12, 23), 25);
        assert!(long.len() <= 25, "{}", long.len());
        assert_eq!(*long.last().unwrap(), d(2025, 12, 23));
        assert!(long.windows(2).all(|w| w[0] < w[1]));
        assert!(timeline_dates(d(2025, 1, 1), d(2024, 1, 1), 10).is_empty());
    }

    #[test]
    fn study_titles_lose_their_parenthesis() {
        assert_eq!(
            short_title("Unequal Partnership (Guseinova, FNF, 2025): Russia's compensation"),
            "Unequal Partnership: Russia's compensation"
        );
        assert_eq!(short_title("Putin's Partner (Guseinova, FNF, 2024)"), "Putin's Partner");
        assert_eq!(short_title("Plain"), "Plain");
    }

    #[test]
    fn tornado_is_widest_first() {
        let b = |l: &str, lo, hi| TornadoBar { label: l.into(), low: lo, high: hi };
        let t = tornado(10.0, vec![b("a", 9.0, 11.0), b("b", 5.0, 20.0), b("c", 8.0, 10.5)], 2, String::new());
        assert_eq!(t.bars.iter().map(|x| x.label.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn hatch_lines_stay_inside_the_rectangle() {
        for slope in [1, -1] {
            let ls = hatch_lines((10, 20, 50, 35), 6, slope);
            assert!(!ls.is_empty());
            for ((ax, ay), (bx, by)) in ls {
                for (x, y) in [(ax, ay), (bx, by)] {
                    assert!((10..=50).contains(&x) && (20..=35).contains(&y), "{x},{y}");
                }
                // 45°: equal extent in x and y
                assert_eq!((bx - ax).abs(), (by - ay).abs());
            }
        }
        assert!(hatch_lines((0, 0, 0, 10), 5, 1).is_empty());
    }
}
