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
    /// Standard error of P95, from its spread across equal batches of the draws (batch means method).
    pub se_p95: f64,
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
/// (Hyndman–Fan type 7). Uses selection, not a full sort: O(n) per quantile.
pub fn quantiles(x: &[f64], ps: &[f64]) -> Vec<f64> {
    // A per-thread scratch buffer: summaries run for dozens of columns, and a fresh allocation for each would
    // page-fault its way through hundreds of megabytes.
    thread_local!(static SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) });
    SCRATCH.with(|s| {
        let mut v = s.borrow_mut();
        v.clear();
        v.extend_from_slice(x);
        quantiles_in_place(&mut v, ps)
    })
}

/// As [`quantiles`], reordering `v`.
pub fn quantiles_in_place(v: &mut [f64], ps: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut order: Vec<usize> = (0..ps.len()).collect();
    order.sort_by(|a, b| ps[*a].total_cmp(&ps[*b]));
    let mut out = vec![f64::NAN; ps.len()];
    let mut lo_bound = 0; // everything before lo_bound is ≤ the last selected value
    for k in order {
        let h = (n - 1) as f64 * ps[k].clamp(0.0, 1.0);
        let lo = h.floor() as usize;
        let frac = h - lo as f64;
        let start = lo_bound.min(lo);
        let (_, nth, right) = v[start..].select_nth_unstable_by(lo - start, f64::total_cmp);
        let a = *nth;
        let b = if frac > 0.0 && !right.is_empty() { right.iter().copied().fold(f64::INFINITY, f64::min) } else { a };
        out[k] = a + frac * (b - a);
        lo_bound = lo;
    }
    out
}

/// Summarises a column at the requested probabilities (plus 0.05, 0.5 and 0.95).
pub fn summarise(x: &[f64], requested: &[f64]) -> Summary {
    let (mean, sd) = mean_sd(x);
    let mut ps: Vec<f64> = requested.to_vec();
    ps.extend([0.05, 0.5, 0.95]);
    ps.sort_by(f64::total_cmp);
    ps.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    let qs = quantiles(x, &ps);
    // Batch P95s: the spread of the percentile over BATCHES independent sub-samples, scaled to the full sample.
    let batch = x.len() / BATCHES;
    let se_p95 = if batch >= 20 {
        let p95s: Vec<f64> = x.chunks_exact(batch).take(BATCHES).map(|c| quantiles(c, &[0.95])[0]).collect();
        let (_, sd_b) = mean_sd(&p95s);
        sd_b / (BATCHES as f64).sqrt()
    } else {
        f64::NAN
    };
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

    #[test]
    fn summary_has_the_standard_quantiles() {
        // 0..1000 in a scrambled order: batches must look alike for the batch error to be small
        let x: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let s = summarise(&x, &[0.1]);
        assert_eq!(s.quantiles.len(), 4);
        assert!((s.p50() - 499.5).abs() < 1e-9);
        assert!((s.mean - 499.5).abs() < 1e-9);
        assert!(s.se_p95 > 0.0 && s.se_p95 < 10.0);
    }
}
