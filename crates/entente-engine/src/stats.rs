//! Summary statistics of a column of draws: mean, standard deviation, quantiles (linear interpolation between
//! order statistics, numpy's default, so the differential tests compare like with like) and the Monte Carlo
//! error of the mean and of the 95th percentile.

use serde::Serialize;

/// Number of batches used to estimate the Monte Carlo error of percentiles.
pub const BATCHES: usize = 20;

/// A summary of one quantity's distribution.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    /// Standard error of the mean: sd / √n.
    pub se_mean: f64,
    /// (probability, value), sorted by probability; always includes 0.05, 0.5 and 0.95.
    pub quantiles: Vec<(f64, f64)>,
    /// Standard error of P95, from its spread across equal batches of the draws (batch means method). Computed
    /// for flows, totals and ratios, where it is reported; `None` elsewhere to save the work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se_p95: Option<f64>,
}

impl Summary {
    pub fn q(&self, p: f64) -> f64 {
        self.quantiles.iter().find(|(x, _)| (*x - p).abs() < 1e-12).map(|(_, v)| *v).unwrap_or(f64::NAN)
    }
    pub fn p5(&self) -> f64 {
        self.q(0.05)
    }
    pub fn p50(&self) -> f64 {
        self.q(0.5)
    }
    pub fn p95(&self) -> f64 {
        self.q(0.95)
    }
}

/// Lanes of the vectorised sums: independent partial sums, combined in a fixed order, so results stay
/// deterministic while the compiler can use SIMD (a single running sum is one long dependency chain).
const LANES: usize = 8;

/// Range, mean and sample standard deviation of a column of finite draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub sd: f64,
}

/// [`Moments`] in one vectorisable pass (memory, not arithmetic, bounds a column of a million draws). Deviations
/// are summed around a provisional centre, the mean of the first draws, which keeps the one-pass variance as
/// accurate as the two-pass one; sums run in fixed lanes, so results are deterministic.
pub fn moments(x: &[f64]) -> Moments {
    let mut acc = MomentsAcc::new(x.len(), x);
    acc.push(x);
    acc.finish()
}

/// [`moments`] of a column fed in order, piece by piece: the very same operations in the same order, so the
/// result is bit-identical to [`moments`] of the whole column however it is cut.
#[derive(Debug, Clone)]
pub struct MomentsAcc {
    n: usize,
    /// Draws before this index go to the lanes; the last `n % LANES` are added at the end, as in one pass.
    laned: usize,
    seen: usize,
    centre: f64,
    lo: [f64; LANES],
    hi: [f64; LANES],
    s1: [f64; LANES],
    s2: [f64; LANES],
    tail: Vec<f64>,
}

/// Number of first draws whose mean is the provisional centre of [`moments`].
pub const CENTRE_DRAWS: usize = 4096;

impl MomentsAcc {
    /// An accumulator for a column of `n` draws starting with `head` (at least its first `min(n, 4096)`).
    pub fn new(n: usize, head: &[f64]) -> Self {
        let head = &head[..n.min(CENTRE_DRAWS)];
        let centre = if n == 0 { 0.0 } else { head.iter().sum::<f64>() / head.len() as f64 };
        MomentsAcc {
            n,
            laned: n - n % LANES,
            seen: 0,
            centre,
            lo: [f64::INFINITY; LANES],
            hi: [f64::NEG_INFINITY; LANES],
            s1: [0.0; LANES],
            s2: [0.0; LANES],
            tail: Vec::new(),
        }
    }

    #[inline(always)]
    fn lane(&mut self, k: usize, v: f64) {
        self.lo[k] = if v < self.lo[k] { v } else { self.lo[k] };
        self.hi[k] = if v > self.hi[k] { v } else { self.hi[k] };
        let d = v - self.centre;
        self.s1[k] += d;
        self.s2[k] += d * d;
    }

    /// The next draws of the column, in order.
    pub fn push(&mut self, x: &[f64]) {
        let into_lanes = self.laned.saturating_sub(self.seen).min(x.len());
        let (laned, tail) = x.split_at(into_lanes);
        // draws up to the next multiple of LANES one by one, then whole groups, then the rest one by one
        let lead = ((LANES - self.seen % LANES) % LANES).min(laned.len());
        let (head, rest) = laned.split_at(lead);
        for (j, v) in head.iter().enumerate() {
            self.lane((self.seen + j) % LANES, *v);
        }
        let groups = rest.chunks_exact(LANES);
        let left = groups.remainder();
        let centre = self.centre;
        let (mut lo, mut hi, mut s1, mut s2) = (self.lo, self.hi, self.s1, self.s2);
        for c in groups {
            for k in 0..LANES {
                lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
                hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
                let d = c[k] - centre;
                s1[k] += d;
                s2[k] += d * d;
            }
        }
        (self.lo, self.hi, self.s1, self.s2) = (lo, hi, s1, s2);
        for (k, v) in left.iter().enumerate() {
            self.lane(k, *v);
        }
        self.tail.extend_from_slice(tail);
        self.seen += x.len();
    }

    pub fn finish(&self) -> Moments {
        debug_assert_eq!(self.seen, self.n, "every draw of the column was pushed");
        let (lo, hi) = (&self.lo, &self.hi);
        let (mut min, mut max) =
            (lo.iter().fold(f64::INFINITY, |a, v| a.min(*v)), hi.iter().fold(f64::NEG_INFINITY, |a, v| a.max(*v)));
        let (mut s1, mut s2) = (self.s1.iter().sum::<f64>(), self.s2.iter().sum::<f64>());
        let centre = self.centre;
        for v in &self.tail {
            (min, max) = (min.min(*v), max.max(*v));
            s1 += v - centre;
            s2 += (v - centre) * (v - centre);
        }
        let nf = self.n as f64;
        let var = ((s2 - s1 * s1 / nf) / (nf - 1.0).max(1.0)).max(0.0);
        Moments { min, max, mean: centre + s1 / nf, sd: var.sqrt() }
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(x: &[f64]) -> (f64, f64) {
    let m = moments(x);
    (m.mean, m.sd)
}

/// True when every value is finite: one vectorised pass (∞·0 and NaN·0 are NaN), no early exit needed.
pub fn all_finite(x: &[f64]) -> bool {
    let mut acc = [0.0; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * 0.0;
        }
    }
    acc.iter().chain(tail).all(|v| v * 0.0 == 0.0)
}

/// Quantiles of `x` at probabilities `ps` (any order), by linear interpolation of order statistics
/// (Hyndman–Fan type 7, numpy's default). Exact: see [`order_statistics`].
pub fn quantiles(x: &[f64], ps: &[f64]) -> Vec<f64> {
    quantiles_in(x, ps, None)
}

/// As [`quantiles`], given the column's range when it is already known.
fn quantiles_in(x: &[f64], ps: &[f64], range: Option<(f64, f64)>) -> Vec<f64> {
    let ranks: Vec<usize> = ps.iter().flat_map(|p| quantile_ranks(x.len(), *p)).collect();
    let stats = select(x, &ranks, range);
    ps.iter().enumerate().map(|(i, p)| interpolate(x.len(), *p, stats[2 * i], stats[2 * i + 1])).collect()
}

/// The two order statistics (0-based ranks) between which the type-7 quantile at `p` of `n` draws lies.
pub fn quantile_ranks(n: usize, p: f64) -> [usize; 2] {
    let lo = ((n - 1) as f64 * p.clamp(0.0, 1.0)).floor() as usize;
    [lo, (lo + 1).min(n - 1)]
}

/// The type-7 quantile at `p` of `n` draws from its two order statistics ([`quantile_ranks`]).
pub fn interpolate(n: usize, p: f64, lo: f64, hi: f64) -> f64 {
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    lo + (h - h.floor()) * (hi - lo)
}

/// Number of bins of the counting pass in [`order_statistics`]: their counts fit in the first-level cache.
const BINS: usize = 1 << 12;

/// A key whose unsigned integer order is the total order of the float (sign-magnitude to offset binary):
/// negative floats have all their bits flipped, positive ones only the sign bit. Branch-free.
#[inline(always)]
pub fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    b ^ (((b as i64 >> 63) as u64) | (1 << 63))
}

/// The float whose [`order_key`] is `k`.
#[inline(always)]
pub fn from_order_key(k: u64) -> f64 {
    f64::from_bits(k ^ (!((k as i64 >> 63) as u64) | (1 << 63)))
}

/// The k-th smallest values of `x` for each k in `ranks`, exactly, for finite `x`. Large inputs take three
/// linear passes: find the smallest and largest values, count the values in bins of equal key width between
/// them, then select only among the values of the few bins that hold the wanted ranks. Keys are the floats'
/// bits in order, so bins are nearly logarithmic (a heavy right tail does not crowd most draws into one bin)
/// and binning is integer work: several times faster than selecting in the whole column, which matters because
/// every figure of every run needs its quantiles.
pub fn order_statistics(x: &[f64], ranks: &[usize]) -> Vec<f64> {
    select(x, ranks, None)
}

/// [`order_statistics`], given the column's range (min, max) when it is already known.
fn select(x: &[f64], ranks: &[usize], range: Option<(f64, f64)>) -> Vec<f64> {
    let n = x.len();
    if n < 16 * BINS || n > u32::MAX as usize {
        // small inputs: selection in a copy, each rank searched to the right of the previous one
        let mut v = x.to_vec();
        let mut order: Vec<usize> = (0..ranks.len()).collect();
        order.sort_by_key(|i| ranks[*i]);
        let mut out = vec![0.0; ranks.len()];
        let mut from = 0;
        for i in order {
            let r = ranks[i];
            out[i] = *v[from..].select_nth_unstable_by(r - from, f64::total_cmp).1;
            from = r;
        }
        return out;
    }
    let (min, max) = range.unwrap_or_else(|| {
        let m = moments(x);
        (m.min, m.max)
    });
    let (lo, hi) = (order_key(min), order_key(max));
    if lo == hi {
        return vec![min; ranks.len()];
    }
    let shift = (64 - (hi - lo).leading_zeros()).saturating_sub(BINS.trailing_zeros());
    // always below BINS by the choice of shift; the mask only spares the bounds checks
    let bin = |v: f64| ((order_key(v) - lo) >> shift) as usize & (BINS - 1);
    let mut counts = [0u32; BINS];
    for v in x {
        counts[bin(*v)] += 1;
    }
    // first rank held by each bin
    let mut start = vec![0usize; BINS + 1];
    for b in 0..BINS {
        start[b + 1] = start[b] + counts[b] as usize;
    }
    let bin_of_rank = |r: usize| start.partition_point(|s| *s <= r) - 1;
    let mut wanted: Vec<usize> = ranks.iter().map(|r| bin_of_rank(*r)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut slot = [u16::MAX; BINS];
    for (k, b) in wanted.iter().enumerate() {
        slot[*b] = k as u16; // at most BINS wanted bins
    }
    let mut gathered: Vec<Vec<f64>> = wanted.iter().map(|b| Vec::with_capacity(counts[*b] as usize)).collect();
    for v in x {
        let s = slot[bin(*v)];
        if s != u16::MAX {
            gathered[s as usize].push(*v);
        }
    }
    ranks
        .iter()
        .map(|r| {
            let b = bin_of_rank(*r);
            let g = &mut gathered[slot[b] as usize];
            let k = r - start[b];
            *g.select_nth_unstable_by(k, f64::total_cmp).1
        })
        .collect()
}

/// Summarises a column at the requested probabilities (plus 0.05, 0.5 and 0.95), with the batch error of P95.
pub fn summarise(x: &[f64], requested: &[f64]) -> Summary {
    summarise_with(x, requested, true)
}

/// As [`summarise`]; `batch_error = false` skips the batch error of P95.
pub fn summarise_with(x: &[f64], requested: &[f64], batch_error: bool) -> Summary {
    let Moments { min, max, mean, sd } = moments(x);
    let ps = summary_probabilities(requested);
    let qs = quantiles_in(x, &ps, Some((min, max)));
    let se_p95 = batch_size(x.len(), batch_error).map(|batch| {
        let p95s: Vec<f64> = x.chunks_exact(batch).take(BATCHES).map(|c| quantiles(c, &[0.95])[0]).collect();
        batch_error_of(&p95s)
    });
    Summary { mean, sd, se_mean: sd / (x.len() as f64).sqrt(), quantiles: ps.into_iter().zip(qs).collect(), se_p95 }
}

/// The probabilities a summary reports: those requested and 0.05, 0.5 and 0.95, sorted, without near-repeats.
pub fn summary_probabilities(requested: &[f64]) -> Vec<f64> {
    let mut ps: Vec<f64> = requested.to_vec();
    ps.extend([0.05, 0.5, 0.95]);
    ps.sort_by(f64::total_cmp);
    ps.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    ps
}

/// The size of each of the [`BATCHES`] batches whose P95s give the batch error of a column of `n` draws; `None`
/// when it is not wanted or the batches would be too small.
pub fn batch_size(n: usize, wanted: bool) -> Option<usize> {
    let batch = n / BATCHES;
    (wanted && batch >= 20).then_some(batch)
}

/// Batch P95s: the spread of the percentile over [`BATCHES`] independent sub-samples, scaled to the full sample.
pub fn batch_error_of(p95s: &[f64]) -> f64 {
    let (_, sd_b) = mean_sd(p95s);
    sd_b / (BATCHES as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_sort_as_floats_and_invert() {
        let x = vec![-f64::INFINITY, -3.5, -1e-300, -0.0, 0.0, 5e-324, 1.0, 2.5e10, f64::INFINITY];
        let keys: Vec<u64> = x.iter().map(|v| order_key(*v)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:x?}");
        assert!(x.iter().zip(&keys).all(|(v, k)| from_order_key(*k).to_bits() == v.to_bits()));
        let m = moments(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
        assert_eq!((m.min, m.max, m.mean, m.sd), (1.0, 11.0, 6.0, 11f64.sqrt()));
        assert!(all_finite(&[1.0; 17]) && !all_finite(&[1.0, f64::NAN]) && !all_finite(&[f64::INFINITY; 9]));
    }

    /// The one-pass moments against a plain two-pass computation, on data whose first draws are far from the
    /// mean (sorted, heavy-tailed, on a large offset): the worst case for a provisional centre.
    #[test]
    fn one_pass_moments_match_two_pass() {
        let tail: Vec<f64> = (0..200_003).map(|i| (i as f64 / 20_000.0).exp()).collect();
        let x: Vec<f64> = tail.iter().map(|v| 1e12 + v).collect();
        // the reference works on the offsets alone, where plain sums lose nothing to the offset
        let n = x.len() as f64;
        let mean_tail = tail.iter().sum::<f64>() / n;
        let mean = 1e12 + mean_tail;
        let sd = (tail.iter().map(|v| (v - mean_tail).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let m = moments(&x);
        assert!((m.mean / mean - 1.0).abs() < 1e-14, "{} vs {mean}", m.mean);
        assert!((m.sd / sd - 1.0).abs() < 1e-9, "{} vs {sd}", m.sd);
        assert_eq!((m.min, m.max), (x[0], x[x.len() - 1]));
    }

    /// Fed in pieces of any length, the accumulator makes the very sums of one pass: bit-identical moments.
    #[test]
    fn moments_fed_in_pieces_are_bit_identical() {
        let x: Vec<f64> = (0..20_011).map(|i| ((i * 7919) % 10_007) as f64 * 1.37 + 1e9).collect();
        let want = moments(&x);
        for piece in [1, 3, 7, 8, 9, 4095, 4096, 16_384] {
            let mut acc = MomentsAcc::new(x.len(), &x);
            x.chunks(piece).for_each(|c| acc.push(c));
            let got = acc.finish();
            assert_eq!(
                (got.min, got.max, got.mean.to_bits(), got.sd.to_bits()),
                (want.min, want.max, want.mean.to_bits(), want.sd.to_bits()),
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn type7_quantiles_match_numpy() {
        // numpy.quantile([1, 2, 3, 4, 10], [0, .05, .25, .5, .9, 1]) = [1, 1.2, 2, 3, 7.6, 10]
        let x = [4.0, 1.0, 10.0, 3.0, 2.0];
        let q = quantiles(&x, &[0.9, 0.0, 0.05, 0.25, 0.5, 1.0]);
        let want = [7.6, 1.0, 1.2, 2.0, 3.0, 10.0];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn quantiles_agree_with_sorting() {
        let x: Vec<f64> = (0..10_001).map(|i| ((i * 7919) % 10_007) as f64).collect();
        let mut s = x.clone();
        s.sort_by(f64::total_cmp);
        let ps = [0.01, 0.05, 0.333, 0.5, 0.95, 0.999];
        let q = quantiles(&x, &ps);
        for (p, v) in ps.iter().zip(q) {
            let h = (s.len() - 1) as f64 * p;
            let lo = h.floor() as usize;
            let want = s[lo] + (h - lo as f64) * (s[(lo + 1).min(s.len() - 1)] - s[lo]);
            assert!((v - want).abs() < 1e-9, "p={p}: {v} vs {want}");
        }
    }

    /// The binned selection against a full sort, on heavy-tailed data with ties and on a constant column.
    #[test]
    fn order_statistics_are_exact_on_large_inputs() {
        let n = 300_001;
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let u = ((i as u64 * 2_654_435_761) % 1_000_003) as f64 / 1_000_003.0;
                if i % 10 == 0 {
                    42.0 // ties
                } else {
                    (8.0 * u).exp() // lognormal-like tail: most values crowd the lowest bins
                }
            })
            .collect();
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        let ranks = [0, 1, 15_000, 150_000, 150_001, 285_000, n - 2, n - 1];
        assert_eq!(order_statistics(&x, &ranks), ranks.iter().map(|r| sorted[*r]).collect::<Vec<_>>());
        assert_eq!(order_statistics(&vec![3.5; n], &[0, n / 2, n - 1]), vec![3.5; 3]);
    }

    #[test]
    fn summary_has_the_standard_quantiles() {
        // 0..1000 in a scrambled order: batches must look alike for the batch error to be small
        let x: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let s = summarise(&x, &[0.1]);
        assert_eq!(s.quantiles.len(), 4);
        assert!((s.p50() - 499.5).abs() < 1e-9);
        assert!((s.mean - 499.5).abs() < 1e-9);
        assert!(s.se_p95.is_some_and(|e| e > 0.0 && e < 10.0));
        assert!(summarise_with(&x, &[], false).se_p95.is_none());
    }
}
