//! Summaries of runs too large to hold in memory. A run is drawn a window of chunks at a time (every chunk has
//! its own random streams, see [`crate::sample`]), and only what the summaries need is kept:
//!
//! - **mean and standard deviation**: the very sums of [`crate::stats::moments`], fed in order
//!   ([`MomentsAcc`]), so they are bit-identical to those of the whole column;
//! - **exact quantiles** by bracketing: the first chunks (the *pilot*, a sample of the same distribution) give,
//!   for each wanted order statistic, two values that bracket it with near certainty (six standard deviations
//!   of its rank on either side). The rest of the run only counts the draws below, at and above each bracket and
//!   keeps those strictly inside it, a few percent of the draws; the order statistic is then selected among
//!   them. When the kept draws would exceed [`Tuning::budget`] (beyond some tens of millions of samples), the
//!   brackets are histogrammed instead and the run is drawn a second time to keep only the draws of the bins
//!   that hold the wanted ranks. A rank that falls outside its bracket after all is found by further passes over
//!   the run (histogram, then selection), so the result is always the exact order statistic;
//! - the **batch error of P95** the same way, one bracket per batch;
//! - the count of worlds where deliveries exceed compensation, and the first worlds of both flows (what the
//!   side-by-side of hypotheses reads).
//!
//! Memory is that of one window of chunks plus the kept draws, whatever the sample count; the figures are
//! exactly those of [`crate::stats::summarise_with`] on the whole columns (tested).

use crate::plan::Plan;
use crate::run::{ChunkDrawer, Keep};
use crate::sample::{chunk_range, chunks, CHUNK};
use crate::stats::{
    batch_error_of, batch_size, from_order_key, interpolate, order_key, order_statistics, quantile_ranks, Moments,
    MomentsAcc, BATCHES,
};
use rayon::prelude::*;
use std::ops::Range;

/// The draws a request summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A node of the plan (followed to the node it merely repeats).
    Node(usize),
    /// Deliveries ÷ compensation in each world (the plan's first flow over its second).
    Ratio,
}

/// One column to summarise.
#[derive(Debug, Clone)]
pub struct Request {
    pub source: Source,
    /// Probabilities of the (type-7) quantiles wanted.
    pub probs: Vec<f64>,
    /// Also the batch error of P95, as [`crate::stats::summarise_with`] computes it.
    pub batch_error: bool,
}

/// The summary of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamed {
    pub moments: Moments,
    /// One per probability of the request, in its order.
    pub quantiles: Vec<f64>,
    pub se_p95: Option<f64>,
}

/// What a streamed run gives besides its summaries.
#[derive(Debug, Clone)]
pub struct StreamedRun {
    pub samples: usize,
    /// One per request, in order.
    pub summaries: Vec<Streamed>,
    /// Worlds whose deliveries (first flow) exceed their compensation (second flow).
    pub deliveries_exceed: usize,
    /// Every world's compensation is positive: the ratio of the flows is defined (see `assess::ratio_of`).
    pub compensation_positive: bool,
    /// The first worlds of the two flows (as many as asked).
    pub flows_prefix: (Vec<f64>, Vec<f64>),
    /// Times the run was drawn (1 unless the kept draws would have exceeded the budget or a bracket missed).
    pub passes: usize,
}

/// The knobs of the streaming algorithm; [`Tuning::default`] is what the engine uses, tests use others to
/// exercise every path.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Chunks of the pilot sample.
    pub pilot_chunks: usize,
    /// Chunks drawn at a time.
    pub window: usize,
    /// Half-width of a bracket in standard deviations of the rank of its order statistic.
    pub sigmas: f64,
    /// Most draws kept inside brackets at once; beyond it brackets are histogrammed first.
    pub budget: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        // 8 chunks (131,072 draws at most) of pilot: at 1M samples a bracket keeps about 2 % of the draws, at 20M
        // about 1.7 %. The budget of 32M kept draws (256 MB) reaches to about 40M samples on the default dataset;
        // larger runs are drawn twice, in less memory.
        Tuning { pilot_chunks: 8, window: 8, sigmas: 6.0, budget: 32 << 20 }
    }
}

impl Tuning {
    /// Bytes a streamed run holds at most for `columns` summarised columns, whatever its sample count: its
    /// window of chunks (with the ratio's column), the draws kept inside brackets, and the brackets' histograms
    /// and the pilot's copies (a few megabytes). The plan, the dataset and the binary come on top.
    pub fn bound_bytes(&self, columns: usize) -> f64 {
        let window = self.pilot_chunks.max(self.window) * (columns + 1) * CHUNK * 8;
        (window + self.budget * 8) as f64 + 16e6
    }
}

/// Of each chunk drawn: its first bad value (node, sample, value), its worlds where deliveries exceed
/// compensation, and whether its compensation is positive throughout.
type ChunkFound = (Option<(usize, usize, f64)>, usize, bool);

/// Bins of a histogrammed bracket.
const BINS: usize = 1 << 12;

/// Keep strictly inside the key interval (klo, khi), or count them in bins.
#[derive(Debug)]
enum Mode {
    Gather(Vec<f64>),
    Hist { base: u64, shift: u32, counts: Vec<u64> },
}

/// An interval of the total order of floats (as [`order_key`]s, open at both ends) holding some wanted ranks,
/// with the counts of the draws below, at and inside it.
#[derive(Debug)]
struct Bracket {
    ranks: Vec<usize>,
    klo: u64,
    khi: u64,
    mode: Mode,
    lt: u64,
    eq_lo: u64,
    inside: u64,
    eq_hi: u64,
}

impl Bracket {
    fn new(ranks: Vec<usize>, klo: u64, khi: u64, gather: bool) -> Self {
        let mode = if gather || khi <= klo.saturating_add(1) {
            Mode::Gather(Vec::new())
        } else {
            let width = khi - klo - 1; // keys strictly inside
            let shift = (64 - (width - 1).leading_zeros()).saturating_sub(BINS.trailing_zeros());
            Mode::Hist { base: klo + 1, shift, counts: vec![0; BINS] }
        };
        Bracket { ranks, klo, khi, mode, lt: 0, eq_lo: 0, inside: 0, eq_hi: 0 }
    }

    /// Counts (and keeps or bins) the draws `xs`, whose keys are `ks`.
    fn add(&mut self, ks: &[u64], xs: &[f64]) {
        let (klo, khi) = (self.klo, self.khi);
        let (mut lt, mut le, mut lth, mut leh) = (0u32, 0u32, 0u32, 0u32);
        for &k in ks {
            lt += (k < klo) as u32;
            le += (k <= klo) as u32;
            lth += (k < khi) as u32;
            leh += (k <= khi) as u32;
        }
        self.lt += lt as u64;
        self.eq_lo += (le - lt) as u64;
        if klo >= khi {
            return; // one value: every draw is below, at or above it
        }
        let inside = lth - le;
        self.inside += inside as u64;
        self.eq_hi += (leh - lth) as u64;
        if inside == 0 {
            return;
        }
        match &mut self.mode {
            Mode::Gather(v) => {
                v.reserve(inside as usize);
                v.extend(ks.iter().zip(xs).filter(|(k, _)| klo < **k && **k < khi).map(|(_, x)| *x));
            }
            Mode::Hist { base, shift, counts } => {
                for &k in ks {
                    if klo < k && k < khi {
                        counts[((k - *base) >> *shift) as usize] += 1;
                    }
                }
            }
        }
    }

    /// Values of the ranks this bracket settles, and brackets for the next pass for the others.
    fn resolve(self, range: (u64, u64), budget: &mut usize, found: &mut Vec<(usize, f64)>) -> Vec<Bracket> {
        let c1 = self.lt + self.eq_lo;
        let c2 = c1 + self.inside;
        let c3 = c2 + self.eq_hi;
        let mut next: Vec<Bracket> = Vec::new();
        fn push(r: usize, klo: u64, khi: u64, gather: bool, next: &mut Vec<Bracket>) {
            match next.iter_mut().find(|b| b.klo == klo && b.khi == khi) {
                Some(b) => b.ranks.push(r),
                None => next.push(Bracket::new(vec![r], klo, khi, gather)),
            }
        }
        let mut inside = Vec::new();
        for &r in &self.ranks {
            let r64 = r as u64;
            if r64 < self.lt {
                push(r, range.0.saturating_sub(1).min(self.klo), self.klo, false, &mut next);
            } else if r64 < c1 {
                found.push((r, from_order_key(self.klo)));
            } else if r64 < c2 {
                inside.push(r);
            } else if r64 < c3 {
                found.push((r, from_order_key(self.khi)));
            } else {
                push(r, self.khi, range.1.saturating_add(1).max(self.khi), false, &mut next);
            }
        }
        match self.mode {
            Mode::Gather(v) => {
                let offsets: Vec<usize> = inside.iter().map(|r| r - c1 as usize).collect();
                if !offsets.is_empty() {
                    found.extend(inside.iter().copied().zip(order_statistics(&v, &offsets)));
                }
            }
            Mode::Hist { base, shift, counts } => {
                let mut start = vec![0u64; BINS + 1];
                for b in 0..BINS {
                    start[b + 1] = start[b] + counts[b];
                }
                for r in inside {
                    let offset = r as u64 - c1;
                    let b = start.partition_point(|s| *s <= offset) - 1;
                    let from = base + ((b as u64) << shift);
                    if shift == 0 {
                        found.push((r, from_order_key(from))); // a bin of one value
                        continue;
                    }
                    let to = from.saturating_add(1 << shift).min(self.khi);
                    let n = counts[b] as usize;
                    let gather = n <= *budget;
                    if gather && !next.iter().any(|x| x.klo == from - 1 && x.khi == to) {
                        *budget -= n;
                    }
                    push(r, from - 1, to, gather, &mut next);
                }
            }
        }
        next
    }
}

/// Order statistics of one column over a range of its samples: the whole run, or one batch.
#[derive(Debug)]
struct Target {
    range: Range<usize>,
    ranks: Vec<usize>,
    brackets: Vec<Bracket>,
    found: Vec<(usize, f64)>,
}

impl Target {
    fn new(range: Range<usize>, mut ranks: Vec<usize>) -> Self {
        ranks.sort_unstable();
        ranks.dedup();
        Target { range, ranks, brackets: Vec::new(), found: Vec::new() }
    }

    fn value(&self, r: usize) -> f64 {
        self.found.iter().find(|(x, _)| *x == r).map(|(_, v)| *v).expect("every wanted rank is found")
    }
}

/// Everything kept of one column of the window.
#[derive(Debug)]
struct Column {
    slot: usize,
    moments: Option<MomentsAcc>,
    result: Option<Moments>,
    targets: Vec<Target>,
}

/// The column of the window a source reads: its slot among the kept nodes, or the ratio's after them.
fn slot_of(drawer: &ChunkDrawer, plan: &Plan, source: Source) -> usize {
    match source {
        Source::Ratio => drawer.kept.len(),
        Source::Node(mut i) => loop {
            if let Ok(s) = drawer.kept.binary_search(&i) {
                break s;
            }
            i = plan.alias_of(i).expect("a node not kept repeats one that is");
        },
    }
}

/// Summarises `requests` over a run of `samples` worlds of `plan` (the draws of [`crate::Run::keeping`] with
/// `Keep::Figures` and the same seed), keeping the first `prefix` worlds of both flows.
pub fn stream(
    plan: &Plan,
    samples: usize,
    seed: u64,
    requests: &[Request],
    prefix: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<StreamedRun, String> {
    stream_tuned(plan, samples, seed, requests, prefix, progress, Tuning::default())
}

/// [`stream`] with explicit [`Tuning`].
pub fn stream_tuned(
    plan: &Plan,
    samples: usize,
    seed: u64,
    requests: &[Request],
    prefix: usize,
    progress: &(dyn Fn(usize) + Sync),
    tuning: Tuning,
) -> Result<StreamedRun, String> {
    let drawer = ChunkDrawer::new(plan, samples, seed, Keep::Figures)?;
    let ratio = requests.iter().any(|r| r.source == Source::Ratio);
    let n_cols = drawer.kept.len() + ratio as usize;
    let (kp, ru) =
        (slot_of(&drawer, plan, Source::Node(plan.flows[0].1)), slot_of(&drawer, plan, Source::Node(plan.flows[1].1)));

    // one column state per distinct slot, with its full-run target and its batches
    let slots: Vec<usize> = requests.iter().map(|r| slot_of(&drawer, plan, r.source)).collect();
    let mut columns: Vec<Column> = Vec::new();
    for (req, &slot) in requests.iter().zip(&slots) {
        let k = match columns.iter().position(|c| c.slot == slot) {
            Some(k) => k,
            None => {
                columns.push(Column {
                    slot,
                    moments: None,
                    result: None,
                    targets: vec![Target::new(0..samples, Vec::new())],
                });
                columns.len() - 1
            }
        };
        let col = &mut columns[k];
        col.targets[0].ranks.extend(req.probs.iter().flat_map(|p| quantile_ranks(samples, *p)));
        if let Some(batch) = batch_size(samples, req.batch_error) {
            if col.targets.len() == 1 {
                let ranks = quantile_ranks(batch, 0.95).to_vec();
                col.targets.extend((0..BATCHES).map(|b| Target::new(b * batch..(b + 1) * batch, ranks.clone())));
            }
        }
    }
    for c in &mut columns {
        let t = &mut c.targets[0];
        t.ranks.sort_unstable();
        t.ranks.dedup();
    }

    let n_chunks = chunks(samples);
    let pilot = tuning.pilot_chunks.clamp(1, n_chunks);
    let width = tuning.window.max(1);
    let mut buffers: Vec<Vec<f64>> = (0..pilot.max(width).min(n_chunks)).map(|_| vec![0.0; n_cols * CHUNK]).collect();
    let mut windows: Vec<Range<usize>> = std::iter::once(0..pilot).collect();
    while windows.last().expect("a pilot window").end < n_chunks {
        let from = windows.last().expect("a window").end;
        windows.push(from..(from + width).min(n_chunks));
    }

    let mut exceed = 0usize;
    let mut positive = true;
    let mut flows_prefix = (Vec::new(), Vec::new());
    let mut passes = 0;
    let mut budget = tuning.budget;
    loop {
        passes += 1;
        let first = passes == 1;
        let mut bad: Option<(usize, usize, f64)> = None;
        for (w, window) in windows.iter().enumerate() {
            // draw the window's chunks in parallel
            let found: Vec<ChunkFound> = buffers
                .par_iter_mut()
                .zip(window.clone().into_par_iter())
                .map(|(buf, k)| {
                    let len = chunk_range(samples, k).len();
                    let buf = &mut buf[..n_cols * len];
                    let e = drawer.draw(k, &mut buf[..drawer.kept.len() * len]);
                    let (a, b) = (&buf[kp * len..(kp + 1) * len], &buf[ru * len..(ru + 1) * len]);
                    let exceed = a.iter().zip(b).filter(|(x, y)| x > y).count();
                    let positive = b.iter().all(|y| *y > 0.0);
                    if ratio {
                        let (head, r) = buf.split_at_mut(drawer.kept.len() * len);
                        let (a, b) = (&head[kp * len..(kp + 1) * len], &head[ru * len..(ru + 1) * len]);
                        r.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = x / y);
                    }
                    if first {
                        progress(1);
                    }
                    (e, exceed, positive)
                })
                .collect();
            for (e, x, p) in found {
                if let Some(e) = e {
                    bad = Some(bad.map_or(e, |b| if (e.0, e.1) < (b.0, b.1) { e } else { b }));
                }
                if first {
                    exceed += x;
                    positive &= p;
                }
            }
            if bad.is_some() {
                continue; // only the first bad value is wanted now: the same error as a run in memory
            }
            let spans: Vec<Range<usize>> = window.clone().map(|k| chunk_range(samples, k)).collect();
            let column_of = |slot: usize| -> Vec<&[f64]> {
                buffers.iter().zip(&spans).map(|(b, s)| &b[slot * s.len()..(slot + 1) * s.len()]).collect()
            };
            if first {
                for (slot, out) in [(kp, &mut flows_prefix.0), (ru, &mut flows_prefix.1)] {
                    for part in column_of(slot) {
                        let want = prefix.min(samples) - out.len();
                        out.extend_from_slice(&part[..want.min(part.len())]);
                    }
                }
            }
            if first && w == 0 {
                // the pilot: brackets for every wanted order statistic
                let everything = window.end == n_chunks;
                let planned: Vec<Vec<Vec<Planned>>> = columns
                    .par_iter_mut()
                    .map(|c| {
                        let pilot: Vec<f64> = column_of(c.slot).concat();
                        c.moments = Some(MomentsAcc::new(samples, &pilot));
                        if everything {
                            for t in &mut c.targets {
                                let v = order_statistics(&pilot[t.range.clone()], &t.ranks);
                                t.found = t.ranks.iter().copied().zip(v).collect();
                            }
                            return Vec::new();
                        }
                        plan_brackets(c, &pilot, tuning.sigmas)
                    })
                    .collect();
                let expected: f64 = planned.iter().flatten().flatten().map(|p| p.3).sum();
                let gather = expected <= budget as f64;
                if gather {
                    budget -= expected as usize;
                }
                for (c, plans) in columns.iter_mut().zip(planned) {
                    for (t, plans) in c.targets.iter_mut().zip(plans) {
                        t.brackets = plans.into_iter().map(|(r, lo, hi, _)| Bracket::new(r, lo, hi, gather)).collect();
                    }
                }
            }
            columns.par_iter_mut().for_each(|c| {
                let parts = column_of(c.slot);
                if let Some(m) = c.moments.as_mut().filter(|_| first) {
                    parts.iter().for_each(|p| m.push(p));
                }
                if c.targets.iter().all(|t| t.brackets.is_empty()) {
                    return;
                }
                let mut keys = Vec::with_capacity(CHUNK);
                for (part, span) in parts.iter().zip(&spans) {
                    keys.clear();
                    keys.extend(part.iter().map(|x| order_key(*x)));
                    for t in &mut c.targets {
                        let (from, to) = (t.range.start.max(span.start), t.range.end.min(span.end));
                        if from >= to {
                            continue;
                        }
                        let (ks, xs) =
                            (&keys[from - span.start..to - span.start], &part[from - span.start..to - span.start]);
                        for b in &mut t.brackets {
                            b.add(ks, xs);
                        }
                    }
                }
            });
        }
        if let Some(e) = bad {
            return Err(drawer.not_finite(e));
        }
        // settle what this pass found; a rank outside its bracket, or in a histogram bin, needs another pass
        if first && !positive {
            columns.iter_mut().filter(|c| c.slot == drawer.kept.len()).for_each(|c| {
                c.targets.iter_mut().for_each(|t| {
                    t.brackets.clear(); // the ratio is not defined: nothing of it is reported
                    t.found = t.ranks.iter().map(|r| (*r, f64::NAN)).collect();
                })
            });
        }
        let mut more = false;
        for c in &mut columns {
            if first {
                c.result = c.moments.take().map(|m| m.finish());
            }
            let range = c.result.map_or((0, u64::MAX), |m| (order_key(m.min), order_key(m.max)));
            for t in &mut c.targets {
                let pending = std::mem::take(&mut t.brackets);
                for b in pending {
                    t.brackets.extend(b.resolve(range, &mut budget, &mut t.found));
                }
                more |= !t.brackets.is_empty();
            }
        }
        if !more {
            break;
        }
    }

    let summaries = requests
        .iter()
        .zip(&slots)
        .map(|(req, slot)| {
            let c = columns.iter().find(|c| c.slot == *slot).expect("a column per slot");
            let whole = &c.targets[0];
            let quantiles = req
                .probs
                .iter()
                .map(|p| {
                    let [lo, hi] = quantile_ranks(samples, *p);
                    interpolate(samples, *p, whole.value(lo), whole.value(hi))
                })
                .collect();
            let se_p95 = batch_size(samples, req.batch_error).map(|batch| {
                let [lo, hi] = quantile_ranks(batch, 0.95);
                let p95s: Vec<f64> =
                    c.targets[1..].iter().map(|t| interpolate(batch, 0.95, t.value(lo), t.value(hi))).collect();
                batch_error_of(&p95s)
            });
            Streamed { moments: c.result.expect("moments of every column"), quantiles, se_p95 }
        })
        .collect();
    Ok(StreamedRun {
        samples,
        summaries,
        deliveries_exceed: exceed,
        compensation_positive: positive,
        flows_prefix,
        passes,
    })
}

/// A bracket planned from the pilot: its ranks, its keys and the draws it is expected to keep.
type Planned = (Vec<usize>, u64, u64, f64);

/// Brackets for each target of a column from its pilot draws (a sample of the same distribution).
fn plan_brackets(c: &Column, pilot: &[f64], sigmas: f64) -> Vec<Vec<Planned>> {
    let m = pilot.len();
    c.targets
        .iter()
        .map(|target| {
            let n = target.range.len();
            // each rank's bracket in pilot ranks, overlapping ones merged; index 0 stands for "below every
            // draw", m + 1 for "above every draw", i for the pilot's order statistic i - 1
            let mut spans: Vec<(usize, usize, Vec<usize>)> = Vec::new();
            for &r in &target.ranks {
                let q = r as f64 / (n - 1).max(1) as f64;
                let centre = q * (m - 1) as f64;
                let half = sigmas * m as f64 * (q * (1.0 - q) * (1.0 / m as f64 + 1.0 / n as f64)).sqrt() + 2.0;
                let (lo, hi) = ((centre - half).floor(), (centre + half).ceil());
                let lo = if lo < 0.0 { 0 } else { lo as usize + 1 };
                let hi = if hi > (m - 1) as f64 { m + 1 } else { hi as usize + 1 };
                match spans.last_mut() {
                    Some(s) if lo <= s.1 => {
                        s.1 = s.1.max(hi);
                        s.2.push(r);
                    }
                    _ => spans.push((lo, hi, vec![r])),
                }
            }
            let mut inner: Vec<usize> =
                spans.iter().flat_map(|s| [s.0, s.1]).filter(|i| (1..=m).contains(i)).map(|i| i - 1).collect();
            inner.sort_unstable();
            inner.dedup();
            let values = order_statistics(pilot, &inner);
            let key = |i: usize| match i {
                0 => 0,
                i if i == m + 1 => u64::MAX,
                i => order_key(values[inner.binary_search(&(i - 1)).expect("a pilot rank")]),
            };
            spans
                .into_iter()
                .map(|(lo, hi, ranks)| (ranks, key(lo), key(hi), (hi - lo) as f64 * n as f64 / m as f64))
                .collect()
        })
        .collect()
}
