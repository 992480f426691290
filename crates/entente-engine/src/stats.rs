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

/// Mean and sample standard deviation, summed in a fixed order (deterministic), two-pass for accuracy.
pub fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Quantiles of `x` at probabilities `ps` (any order), by linear interpolation of order statistics
/// (Hyndman–Fan type 7, numpy's default). Exact: see [`order_statistics`].
pub fn quantiles(x: &[f64], ps: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut ranks = Vec::with_capacity(2 * ps.len());
    let hs: Vec<(usize, f64)> = ps
        .iter()
        .map(|p| {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            ranks.push(lo);
            ranks.push((lo + 1).min(n - 1));
            (lo, h - lo as f64)
        })
        .collect();
    let stats = order_statistics(x, &ranks);
    hs.iter().enumerate().map(|(i, (_, frac))| stats[2 * i] + frac * (stats[2 * i + 1] - stats[2 * i])).collect()
}

/// Number of bins of the counting pass in [`order_statistics`].
const BINS: usize = 1 << 14;

/// A key whose unsigned integer order is the total order of the float (sign-magnitude to offset binary).
#[inline(always)]
pub fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// The k-th smallest values of `x` for each k in `ranks`, exactly. Large inputs take three linear passes: find
/// the smallest and largest keys, count the values in bins of equal key width between them, then select only
/// among the values of the few bins that hold the wanted ranks. Keys are the floats' bits in order, so bins are
/// nearly logarithmic (a heavy right tail does not crowd most draws into one bin) and binning is integer work:
/// several times faster than selecting in the whole column, which matters because every figure of every run
/// needs its quantiles.
pub fn order_statistics(x: &[f64], ranks: &[usize]) -> Vec<f64> {
    let n = x.len();
    if n < 4 * BINS {
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
    let (lo, hi) = x.iter().fold((u64::MAX, 0u64), |(a, b), v| {
        let k = order_key(*v);
        (a.min(k), b.max(k))
    });
    if lo == hi {
        return vec![x[0]; ranks.len()];
    }
    let shift = (64 - (hi - lo).leading_zeros()).saturating_sub(BINS.trailing_zeros());
    let bin = |v: f64| ((order_key(v) - lo) >> shift) as usize;
    let mut counts = vec![0usize; BINS];
    for v in x {
        counts[bin(*v)] += 1;
    }
    // first rank held by each bin
    let mut start = vec![0usize; BINS + 1];
    for b in 0..BINS {
        start[b + 1] = start[b] + counts[b];
    }
    let bin_of_rank = |r: usize| start.partition_point(|s| *s <= r) - 1;
    let mut wanted: Vec<usize> = ranks.iter().map(|r| bin_of_rank(*r)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut slot = vec![u16::MAX; BINS];
    for (k, b) in wanted.iter().enumerate() {
        slot[*b] = k as u16; // at most BINS wanted bins
    }
    let mut gathered: Vec<Vec<f64>> = wanted.iter().map(|b| Vec::with_capacity(counts[*b])).collect();
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
    let (mean, sd) = mean_sd(x);
    let mut ps: Vec<f64> = requested.to_vec();
    ps.extend([0.05, 0.5, 0.95]);
    ps.sort_by(f64::total_cmp);
    ps.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    let qs = quantiles(x, &ps);
    // Batch P95s: the spread of the percentile over BATCHES independent sub-samples, scaled to the full sample.
    let batch = x.len() / BATCHES;
    let se_p95 = (batch_error && batch >= 20).then(|| {
        let p95s: Vec<f64> = x.chunks_exact(batch).take(BATCHES).map(|c| quantiles(c, &[0.95])[0]).collect();
        let (_, sd_b) = mean_sd(&p95s);
        sd_b / (BATCHES as f64).sqrt()
    });
    Summary { mean, sd, se_mean: sd / (x.len() as f64).sqrt(), quantiles: ps.into_iter().zip(qs).collect(), se_p95 }
}

#[cfg(test)]
mod tests {
    use super::*;

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
