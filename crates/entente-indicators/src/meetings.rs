//! The log of high-level meetings: counts per month, quarter or year; the mean monthly rate since a date with
//! its exact Garwood interval; the comparison with the rate before (observed, or a stated baseline such as
//! "fewer than five a year"); and a single change point in the monthly rate, by likelihood ratio and by its
//! Bayesian posterior, with a plain statement of how sure we can be.
//!
//! A meeting counts once, in the month it starts. Months inside the observation window with no meeting count
//! zero; months outside it are not observed and are not counted at all.

use crate::period::{months_between, Month};
use crate::stats::{self, ChangePoint, GammaPrior, Rate};
use crate::InputError;
use chrono::NaiveDate;
use entente_core::{Level, Meeting};
use serde::Serialize;

/// Bucket size for counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum By {
    #[default]
    Month,
    Quarter,
    Year,
}

impl std::str::FromStr for By {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "month" => Ok(By::Month),
            "quarter" => Ok(By::Quarter),
            "year" => Ok(By::Year),
            _ => Err(format!("`{s}` is not month, quarter or year")),
        }
    }
}

/// How a stated baseline bounds the rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    Below,
    About,
    Above,
}

/// A rate someone stated, e.g. `<5/year` ("fewer than five a year").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatedRate {
    pub text: String,
    pub bound: Bound,
    pub per_month: f64,
}

impl StatedRate {
    /// Parses `[<|<=|~|>|>=]N/(year|quarter|month)`, e.g. `<5/year`, `0.4/month`.
    pub fn parse(s: &str) -> Result<StatedRate, InputError> {
        let t = s.trim();
        let bad = || InputError(format!("`{s}` is not a rate (examples: <5/year, 0.4/month, ~2/quarter)"));
        let (bound, rest) = if let Some(r) = t.strip_prefix("<=").or_else(|| t.strip_prefix('<')) {
            (Bound::Below, r)
        } else if let Some(r) = t.strip_prefix(">=").or_else(|| t.strip_prefix('>')) {
            (Bound::Above, r)
        } else {
            (Bound::About, t.strip_prefix('~').unwrap_or(t))
        };
        let (n, unit) = rest.split_once('/').ok_or_else(bad)?;
        let n: f64 = n.trim().parse().map_err(|_| bad())?;
        if !n.is_finite() || n < 0.0 {
            return Err(bad());
        }
        let months = match unit.trim() {
            "year" | "yr" | "y" => 12.0,
            "quarter" | "q" => 3.0,
            "month" | "mo" | "m" => 1.0,
            _ => return Err(bad()),
        };
        Ok(StatedRate { text: t.to_string(), bound, per_month: n / months })
    }
}

/// What to count.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingOptions {
    /// Only meetings that started on or before this date; also the end of the observation window.
    pub as_of: Option<NaiveDate>,
    /// Start of the window for the rate.
    pub since: NaiveDate,
    /// Start of the observation window (the log is taken as complete from here); default: the first day of the
    /// month of the earliest meeting.
    pub from: Option<NaiveDate>,
    /// Only these levels; empty: all.
    pub levels: Vec<Level>,
    pub by: By,
    pub baseline: Option<StatedRate>,
    pub prior: GammaPrior,
    pub bootstrap_draws: usize,
    pub seed: u64,
}

impl Default for MeetingOptions {
    fn default() -> Self {
        MeetingOptions {
            as_of: None,
            since: NaiveDate::from_ymd_opt(2023, 7, 1).expect("valid"),
            from: None,
            levels: Vec::new(),
            by: By::Month,
            baseline: Some(StatedRate::parse(DEFAULT_BASELINE).expect("valid")),
            prior: GammaPrior::DEFAULT,
            bootstrap_draws: 4000,
            seed: 20230701,
        }
    }
}

/// FNF (2024): "fewer than five a year" before July 2023.
pub const DEFAULT_BASELINE: &str = "<5/year";

/// A count for one bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub count: u64,
    /// Months of this bucket inside the observation window (less than the bucket's length at the edges).
    pub exposure_months: f64,
}

/// The observed rate before `since` against the rate after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VsBefore {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub before: Rate,
    /// after.rate / before.rate (infinite when nothing happened before).
    pub ratio: f64,
    /// Exact conditional test: P(at least this many of all events fall after `since` | equal rates).
    pub p_value: f64,
}

/// The rate after `since` against a stated baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VsStated {
    pub baseline: StatedRate,
    /// after.rate / baseline rate.
    pub ratio: f64,
    /// after.low / baseline rate: the ratio at the lower end of the 95 % interval.
    pub ratio_low: f64,
    /// Exact P(count ≥ observed | baseline rate over the same exposure). For a `<` baseline the true earlier rate
    /// was lower, so this is an upper bound on the p-value.
    pub p_value: f64,
}

/// A change point with the months its positions stand for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateChange {
    /// The first month at the new rate (posterior mode).
    pub map_month: Month,
    pub map_probability: f64,
    /// The first month at the new rate by maximum likelihood.
    pub ml_month: Month,
    /// Months in the 95 % credible set, in order.
    pub credible_months: Vec<Month>,
    /// Posterior probability per month (the month being the first at the new rate).
    pub posterior: Vec<(Month, f64)>,
    pub detail: ChangePoint,
    /// The same posterior under other priors on the rates: does the answer depend on the prior?
    pub prior_sensitivity: Vec<PriorCheck>,
    /// How sure we are, in words.
    pub verdict: String,
}

/// The change-point posterior under one alternative prior.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorCheck {
    pub prior: GammaPrior,
    pub map_month: Month,
    pub credible_months: usize,
    pub log10_bayes_factor: f64,
}

/// Alternative priors for the sensitivity check: nearly flat (Jeffreys-like shape ½, vague rate) and a tighter
/// one centred on two a month.
pub const ALT_PRIORS: [GammaPrior; 2] = [GammaPrior { shape: 0.5, rate: 0.01 }, GammaPrior { shape: 4.0, rate: 2.0 }];

/// Everything `entente meetings` shows.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingsReport {
    pub as_of: Option<NaiveDate>,
    pub levels: Vec<Level>,
    /// The observation window: the log is taken as complete between these dates.
    pub observed_from: Option<NaiveDate>,
    pub observed_to: Option<NaiveDate>,
    /// Meetings counted (filtered, sorted by start).
    pub meetings: Vec<Meeting>,
    /// Meetings left out because they started after `as_of`.
    pub excluded_later: usize,
    pub by: By,
    pub counts: Vec<Bucket>,
    pub since: NaiveDate,
    /// Mean monthly rate from `since` to the end of the window, Garwood 95 %.
    pub rate_since: Option<Rate>,
    /// Variance / mean of the monthly counts since `since` (about 1 for Poisson; above 1: clustered).
    pub dispersion: Option<f64>,
    pub vs_before: Option<VsBefore>,
    pub vs_stated: Option<VsStated>,
    pub change: Option<RateChange>,
}

/// Counts, rates and the change point for a set of meetings.
pub fn report(all: &[Meeting], opt: &MeetingOptions) -> Result<MeetingsReport, InputError> {
    if let (Some(a), Some(f)) = (opt.as_of, opt.from) {
        if a < f {
            return Err(InputError(format!("the window ends (--as-of {a}) before it starts (--from {f})")));
        }
    }
    if let Some(a) = opt.as_of {
        if opt.since > a {
            return Err(InputError(format!("--since {} is after --as-of {a}", opt.since)));
        }
    }
    let level_ok = |m: &Meeting| opt.levels.is_empty() || opt.levels.contains(&m.level);
    let by_level: Vec<&Meeting> = all.iter().filter(|m| level_ok(m)).collect();
    let mut meetings: Vec<Meeting> = by_level
        .iter()
        .filter(|m| opt.as_of.is_none_or(|d| m.start <= d) && opt.from.is_none_or(|d| m.start >= d))
        .map(|m| (*m).clone())
        .collect();
    let excluded_later = by_level.iter().filter(|m| opt.as_of.is_some_and(|d| m.start > d)).count();
    meetings.sort_by(|a, b| (a.start, a.end, &a.participants).cmp(&(b.start, b.end, &b.participants)));
    let levels = {
        let mut l = opt.levels.clone();
        l.sort();
        l.dedup();
        l
    };
    let mut rep = MeetingsReport {
        as_of: opt.as_of,
        levels,
        observed_from: None,
        observed_to: None,
        meetings,
        excluded_later,
        by: opt.by,
        counts: Vec::new(),
        since: opt.since,
        rate_since: None,
        dispersion: None,
        vs_before: None,
        vs_stated: None,
        change: None,
    };
    // The window is the log's, whatever the level filter: a month with no minister-level meeting is a zero.
    let in_window =
        || all.iter().filter(|m| opt.as_of.is_none_or(|d| m.start <= d) && opt.from.is_none_or(|d| m.start >= d));
    let (Some(first), Some(last)) = (in_window().map(|m| m.start).min(), in_window().map(|m| m.start).max()) else {
        return Ok(rep);
    };
    let from = opt.from.unwrap_or_else(|| Month::of(first).first_day());
    let to = opt.as_of.unwrap_or_else(|| Month::of(last).last_day());
    rep.observed_from = Some(from);
    rep.observed_to = Some(to);

    // Monthly series over the observation window, with partial exposure at the edges.
    let months = Month::range(Month::of(from), Month::of(to));
    let exposure = |m: Month, lo: NaiveDate| months_between(m.first_day().max(lo), m.last_day().min(to));
    let count_in =
        |a: NaiveDate, b: NaiveDate| rep.meetings.iter().filter(|m| a <= m.start && m.start <= b).count() as u64;
    let y: Vec<u64> = months.iter().map(|m| count_in(m.first_day(), m.last_day())).collect();
    let e: Vec<f64> = months.iter().map(|m| exposure(*m, from)).collect();

    rep.counts = buckets(&months, &y, &e, opt.by);

    if opt.since <= to {
        let start = opt.since.max(from);
        let k = count_in(start, to);
        let after = stats::poisson_rate(k, months_between(start, to), 0.95);
        let monthly: Vec<u64> = months.iter().zip(&y).filter(|(m, _)| m.last_day() >= start).map(|(_, c)| *c).collect();
        rep.dispersion = stats::dispersion_index(&monthly);
        if from < opt.since {
            let end = opt.since.pred_opt().expect("date in range");
            let kb = count_in(from, end);
            let before = stats::poisson_rate(kb, months_between(from, end), 0.95);
            let share = after.exposure / (after.exposure + before.exposure);
            rep.vs_before = Some(VsBefore {
                from,
                to: end,
                ratio: if before.rate > 0.0 { after.rate / before.rate } else { f64::INFINITY },
                p_value: stats::binomial_sf_ge(k, k + kb, share),
                before,
            });
        }
        if let Some(b) = &opt.baseline {
            rep.vs_stated = Some(VsStated {
                baseline: b.clone(),
                ratio: after.rate / b.per_month,
                ratio_low: after.low / b.per_month,
                p_value: stats::poisson_sf_ge(k, b.per_month * after.exposure),
            });
        }
        rep.rate_since = Some(after);
    }

    if let Some(cp) = stats::change_point(&y, &e, opt.prior, opt.bootstrap_draws, opt.seed) {
        let month = |k: usize| months[k];
        let prior_sensitivity = ALT_PRIORS
            .iter()
            .filter_map(|p| stats::change_point(&y, &e, *p, 0, opt.seed))
            .map(|c| PriorCheck {
                prior: c.prior,
                map_month: month(c.map_index),
                credible_months: c.credible_set.len(),
                log10_bayes_factor: c.log10_bayes_factor,
            })
            .collect();
        rep.change = Some(RateChange {
            map_month: month(cp.map_index),
            map_probability: cp.posterior[cp.map_index - 1],
            ml_month: month(cp.ml_index),
            credible_months: cp.credible_set.iter().map(|k| month(*k)).collect(),
            posterior: cp.posterior.iter().enumerate().map(|(i, p)| (month(i + 1), *p)).collect(),
            verdict: verdict(&cp, &months),
            detail: cp,
            prior_sensitivity,
        });
    }
    Ok(rep)
}

fn buckets(months: &[Month], y: &[u64], e: &[f64], by: By) -> Vec<Bucket> {
    let key = |m: &Month| match by {
        By::Month => (m.year, m.month),
        By::Quarter => (m.year, m.quarter()),
        By::Year => (m.year, 0),
    };
    let mut out: Vec<Bucket> = Vec::new();
    let mut last_key = None;
    for (i, m) in months.iter().enumerate() {
        let k = key(m);
        if last_key != Some(k) {
            let (label, from, to) = match by {
                By::Month => (m.to_string(), m.first_day(), m.last_day()),
                By::Quarter => {
                    let q0 = Month { year: m.year, month: (m.quarter() - 1) * 3 + 1 };
                    (
                        format!("{}Q{}", m.year, m.quarter()),
                        q0.first_day(),
                        Month { year: m.year, month: q0.month + 2 }.last_day(),
                    )
                }
                By::Year => (
                    m.year.to_string(),
                    Month { year: m.year, month: 1 }.first_day(),
                    Month { year: m.year, month: 12 }.last_day(),
                ),
            };
            out.push(Bucket { label, from, to, count: 0, exposure_months: 0.0 });
            last_key = Some(k);
        }
        let b = out.last_mut().expect("pushed");
        b.count += y[i];
        b.exposure_months += e[i];
    }
    out
}

/// A plain-language statement of the evidence for a change and where it lies.
fn verdict(cp: &ChangePoint, months: &[Month]) -> String {
    let strength = match (cp.lr_p_value, cp.log10_bayes_factor) {
        (p, bf) if p < 0.01 && bf >= 2.0 => "strong evidence",
        (p, bf) if p < 0.05 && bf >= 1.0 => "moderate evidence",
        (p, bf) if p < 0.10 || bf >= 0.5 => "weak evidence",
        _ => "no real evidence",
    };
    let set = &cp.credible_set;
    let span = match (set.first(), set.last()) {
        (Some(a), Some(b)) if a == b => format!("in {}", months[*a]),
        (Some(a), Some(b)) => format!("between {} and {}", months[*a], months[*b]),
        _ => String::new(),
    };
    let dir = if cp.after.rate.rate > cp.before.rate.rate { "rose" } else { "fell" };
    let p = if cp.lr_p_value < 0.001 { "p < 0.001".to_string() } else { format!("p = {:.3}", cp.lr_p_value) };
    format!(
        "{strength} that the monthly rate changed (bootstrap {p}, Bayes factor 10^{:.1}); if it did, it {dir} from {:.2} to {:.2} a month, most probably from {} ({:.0} % posterior), 95 % credible {span}{}.",
        cp.log10_bayes_factor,
        cp.before.rate.rate,
        cp.after.rate.rate,
        months[cp.map_index],
        cp.posterior[cp.map_index - 1] * 100.0,
        if set.windows(2).any(|w| w[1] != w[0] + 1) { " (not contiguous)" } else { "" },
    )
}

/// Meetings imported from another source (e.g. GDELT) that match no meeting already in the log: same start
/// ±1 day, or overlapping days. Returns (new, matched).
pub fn not_in_log(log: &[Meeting], extra: Vec<Meeting>) -> (Vec<Meeting>, usize) {
    let mut matched = 0;
    let mut out = Vec::new();
    for x in extra {
        let hit = log.iter().any(|m| {
            let (a0, a1) = (m.start - chrono::Duration::days(1), m.end + chrono::Duration::days(1));
            x.start <= a1 && x.end >= a0
        });
        if hit {
            matched += 1;
        } else {
            out.push(x);
        }
    }
    (out, matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn m(start: &str, level: Level) -> Meeting {
        Meeting {
            start: d(start),
            end: d(start),
            participants: format!("p {start}"),
            level,
            place: String::new(),
            direction: "ru-to-kp".into(),
            source: "s".into(),
            note: String::new(),
        }
    }

    fn log() -> Vec<Meeting> {
        vec![
            m("2023-07-26", Level::HeadOfState),
            m("2023-09-13", Level::HeadOfState),
            m("2023-10-19", Level::Minister),
            m("2024-01-16", Level::HeadOfState),
            m("2024-03-19", Level::Deputy),
            m("2024-06-19", Level::HeadOfState),
            m("2024-11-01", Level::Minister),
            m("2024-11-04", Level::HeadOfState),
            m("2024-11-18", Level::HeadOfState),
        ]
    }

    #[test]
    fn counts_per_month_quarter_year() {
        let r = report(&log(), &MeetingOptions::default()).unwrap();
        assert_eq!(r.observed_from, Some(d("2023-07-01")));
        assert_eq!(r.observed_to, Some(d("2024-11-30")));
        assert_eq!(r.counts.len(), 17);
        assert_eq!(r.counts.iter().map(|b| b.count).sum::<u64>(), 9);
        assert_eq!(r.counts.last().unwrap().count, 3);
        let q = report(&log(), &MeetingOptions { by: By::Quarter, ..Default::default() }).unwrap();
        let got: Vec<(String, u64)> = q.counts.iter().map(|b| (b.label.clone(), b.count)).collect();
        assert_eq!(got[0], ("2023Q3".to_string(), 2));
        assert_eq!(got.last().unwrap(), &("2024Q4".to_string(), 3));
        let y = report(&log(), &MeetingOptions { by: By::Year, ..Default::default() }).unwrap();
        let got: Vec<(String, u64, f64)> =
            y.counts.iter().map(|b| (b.label.clone(), b.count, b.exposure_months)).collect();
        assert_eq!(got, vec![("2023".into(), 3, 6.0), ("2024".into(), 6, 11.0)]);
    }

    #[test]
    fn rate_since_with_garwood() {
        let r = report(&log(), &MeetingOptions::default()).unwrap();
        let rate = r.rate_since.unwrap();
        assert_eq!(rate.count, 9);
        assert_eq!(rate.exposure, 17.0);
        let (l, h) = stats::garwood(9, 0.95);
        assert!((rate.low - l / 17.0).abs() < 1e-12 && (rate.high - h / 17.0).abs() < 1e-12);
        // Against "<5 a year": P(X ≥ 9 | 5/12 × 17 = 7.083).
        let s = r.vs_stated.unwrap();
        assert!((s.ratio - (9.0 / 17.0) / (5.0 / 12.0)).abs() < 1e-12);
        assert!((s.p_value - stats::poisson_sf_ge(9, 5.0 / 12.0 * 17.0)).abs() < 1e-15);
        assert!(r.vs_before.is_none(), "nothing observed before the window");
    }

    #[test]
    fn levels_as_of_and_before() {
        let opt = MeetingOptions {
            levels: vec![Level::HeadOfState],
            as_of: Some(d("2024-06-30")),
            since: d("2024-01-01"),
            ..Default::default()
        };
        let r = report(&log(), &opt).unwrap();
        assert_eq!(r.meetings.len(), 4);
        assert_eq!(r.excluded_later, 2);
        let b = r.vs_before.unwrap();
        assert_eq!((b.before.count, b.before.exposure), (2, 6.0));
        assert_eq!(r.rate_since.unwrap().count, 2);
        // Conditional test: 2 of 4 events in the later half of the exposure: P(X ≥ 2 | n=4, p=1/2) = 11/16.
        assert!((b.p_value - 11.0 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn level_filter_keeps_the_window() {
        let r = report(&log(), &MeetingOptions { levels: vec![Level::Minister], ..Default::default() }).unwrap();
        assert_eq!(r.observed_from, Some(d("2023-07-01")));
        assert_eq!(r.rate_since.unwrap().count, 2);
        assert_eq!(r.rate_since.unwrap().exposure, 17.0);
    }

    #[test]
    fn partial_month_at_as_of() {
        let r = report(&log(), &MeetingOptions { as_of: Some(d("2024-11-15")), ..Default::default() }).unwrap();
        let last = r.counts.last().unwrap();
        assert_eq!(last.count, 2);
        assert!((last.exposure_months - 0.5).abs() < 1e-12);
    }

    #[test]
    fn bad_windows_and_rates() {
        let e = report(&log(), &MeetingOptions { as_of: Some(d("2023-01-01")), ..Default::default() }).unwrap_err();
        assert!(e.0.contains("after --as-of"));
        assert!(StatedRate::parse("5 a year").is_err());
        assert!(StatedRate::parse("-1/year").is_err());
        let s = StatedRate::parse("<5/year").unwrap();
        assert_eq!(s.bound, Bound::Below);
        assert!((s.per_month - 5.0 / 12.0).abs() < 1e-15);
        assert_eq!(StatedRate::parse("~2/quarter").unwrap().per_month, 2.0 / 3.0);
    }

    #[test]
    fn change_point_on_months() {
        // Two quiet years (one meeting a year) then a burst: the break is found at the burst.
        let mut ms = vec![m("2021-05-10", Level::Minister), m("2022-05-10", Level::Minister)];
        for s in ["2023-07-26", "2023-08-10", "2023-09-13", "2023-09-16", "2023-10-19", "2023-11-15", "2023-12-01"] {
            ms.push(m(s, Level::HeadOfState));
        }
        for s in ["2024-01-16", "2024-02-10", "2024-03-19", "2024-03-25", "2024-04-01", "2024-05-01", "2024-06-19"] {
            ms.push(m(s, Level::HeadOfState));
        }
        let opt = MeetingOptions { from: Some(d("2021-01-01")), as_of: Some(d("2024-06-30")), ..Default::default() };
        let r = report(&ms, &opt).unwrap();
        let c = r.change.unwrap();
        assert_eq!(c.map_month, Month { year: 2023, month: 7 });
        assert!(c.credible_months.contains(&Month { year: 2023, month: 7 }));
        assert!(c.detail.lr_p_value < 0.01);
        assert!(c.verdict.starts_with("strong evidence"), "{}", c.verdict);
        let b = r.vs_before.unwrap();
        assert_eq!(b.before.count, 2);
        // 14 of 16 events in the last 12 of 42 months: P(X ≥ 14 | n = 16, p = 12/42) ≈ 6e-6.
        assert!(b.p_value < 1e-4 && b.p_value > 1e-7, "{}", b.p_value);
    }

    #[test]
    fn dedup_against_log() {
        let extra = vec![m("2024-01-17", Level::Delegation), m("2024-02-01", Level::Delegation)];
        let (new, matched) = not_in_log(&log(), extra);
        assert_eq!(matched, 1);
        assert_eq!(new.len(), 1);
    }

    #[test]
    fn deterministic() {
        let a = report(&log(), &MeetingOptions::default()).unwrap();
        let b = report(&log(), &MeetingOptions::default()).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}
