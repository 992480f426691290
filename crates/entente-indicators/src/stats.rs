//! Exact small-count statistics: chi-square quantiles, Garwood intervals for a Poisson rate, exact Poisson and
//! conditional-binomial tail probabilities, and a single change point in a Poisson rate (likelihood ratio with
//! a parametric-bootstrap p-value, and the conjugate Bayesian posterior over the change position).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::beta::beta_reg;
use statrs::function::gamma::{gamma_lr, ln_gamma};

/// The `p` quantile of a chi-square distribution with `df` degrees of freedom. Starts from statrs's
/// `inverse_cdf` and polishes it by bisection on statrs's CDF to full double precision (statrs stops its own
/// Newton iteration after a few steps).
pub fn chi2_quantile(p: f64, df: f64) -> f64 {
    assert!(df > 0.0 && (0.0..1.0).contains(&p), "chi2_quantile({p}, {df})");
    if p == 0.0 {
        return 0.0;
    }
    let d = ChiSquared::new(df).expect("df > 0");
    let x0 = d.inverse_cdf(p);
    let (mut lo, mut hi) = if x0.is_finite() && x0 > 0.0 { (x0 * 0.5, x0 * 2.0) } else { (0.0, df + 10.0) };
    while d.cdf(lo) > p {
        lo *= 0.5;
    }
    while d.cdf(hi) < p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if d.cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A count over an exposure with its exact (Garwood 1936) interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub count: u64,
    /// In months (or whatever unit the caller uses; the rate is per that unit).
    pub exposure: f64,
    pub rate: f64,
    pub low: f64,
    pub high: f64,
    /// Coverage of [low, high], e.g. 0.95.
    pub level: f64,
}

/// The exact two-sided Garwood interval for a Poisson mean given `k` events:
/// `[χ²(α/2; 2k) / 2, χ²(1 − α/2; 2k + 2) / 2]`, with lower bound 0 when k = 0.
pub fn garwood(k: u64, level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    let low = if k == 0 { 0.0 } else { chi2_quantile(alpha / 2.0, 2.0 * k as f64) / 2.0 };
    let high = chi2_quantile(1.0 - alpha / 2.0, 2.0 * k as f64 + 2.0) / 2.0;
    (low, high)
}

/// A Poisson rate per unit of exposure, with its Garwood interval.
pub fn poisson_rate(k: u64, exposure: f64, level: f64) -> Rate {
    let (l, h) = garwood(k, level);
    let e = exposure.max(f64::MIN_POSITIVE);
    Rate { count: k, exposure, rate: k as f64 / e, low: l / e, high: h / e, level }
}

/// P(X ≥ k) for X ~ Poisson(mu): the exact one-sided p-value that a count of `k` is this high by chance.
pub fn poisson_sf_ge(k: u64, mu: f64) -> f64 {
    if k == 0 {
        1.0
    } else if mu <= 0.0 {
        0.0
    } else {
        gamma_lr(k as f64, mu)
    }
}

/// P(X ≥ k) for X ~ Binomial(n, p): the conditional test of two Poisson rates (k of n events in the second
/// window, whose share of the exposure is p).
pub fn binomial_sf_ge(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        1.0
    } else if k > n || p <= 0.0 {
        0.0
    } else if p >= 1.0 {
        1.0
    } else {
        beta_reg(k as f64, (n - k + 1) as f64, p)
    }
}

/// Conjugate Gamma(shape, rate) prior on a Poisson rate per unit of exposure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaPrior {
    pub shape: f64,
    pub rate: f64,
}

impl GammaPrior {
    /// Gamma(1, 1) per month: mean 1 meeting a month, sd 1; weak over the 0–5 a month range that matters here.
    pub const DEFAULT: GammaPrior = GammaPrior { shape: 1.0, rate: 1.0 };

    /// Log marginal likelihood of a segment with `s` events over exposure `e`, without the factor
    /// Π e_i^y_i / y_i! that every model shares.
    fn log_marginal(&self, s: f64, e: f64) -> f64 {
        let (a, b) = (self.shape, self.rate);
        a * b.ln() - ln_gamma(a) + ln_gamma(a + s) - (a + s) * (b + e).ln()
    }
}

/// One segment of a split series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Segment {
    pub rate: Rate,
    /// Posterior mean of the rate under the prior, given this split.
    pub posterior_mean: f64,
}

/// A single change point in a Poisson rate over `T` periods. Position `k` (1 ≤ k < T) means the first `k`
/// periods share one rate and the remaining `T − k` another; the change happens at the start of period `k`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangePoint {
    /// Maximum-likelihood position.
    pub ml_index: usize,
    /// 2 · (log L(split at ml_index) − log L(one rate)).
    pub lr_statistic: f64,
    /// P(max-over-positions LR ≥ observed | one constant rate), by parametric bootstrap.
    pub lr_p_value: f64,
    pub bootstrap_draws: usize,
    pub bootstrap_seed: u64,
    pub prior: GammaPrior,
    /// Posterior probability of each position 1..T−1 (index 0 of this vector is position 1), flat prior.
    pub posterior: Vec<f64>,
    /// Posterior mode.
    pub map_index: usize,
    /// Smallest set of positions holding at least `credible_level` of the posterior, in increasing order.
    pub credible_set: Vec<usize>,
    pub credible_mass: f64,
    pub credible_level: f64,
    /// log10 Bayes factor of "one change, position uniform" against "one constant rate".
    pub log10_bayes_factor: f64,
    /// Posterior probability of a change with prior odds 1:1.
    pub p_change: f64,
    /// Rates before and after the MAP position, Garwood 95 %.
    pub before: Segment,
    pub after: Segment,
}

fn seg_loglik(s: f64, e: f64) -> f64 {
    if s > 0.0 {
        s * (s / e).ln() - s
    } else {
        0.0
    }
}

/// Max over positions of the likelihood-ratio statistic, and its argmax (first on ties).
fn max_lr(y: &[u64], e: &[f64]) -> (usize, f64) {
    let (st, et) = (y.iter().sum::<u64>() as f64, e.iter().sum::<f64>());
    let l0 = seg_loglik(st, et);
    let (mut s1, mut e1) = (0.0, 0.0);
    let mut best = (1, f64::NEG_INFINITY);
    for k in 1..y.len() {
        s1 += y[k - 1] as f64;
        e1 += e[k - 1];
        let lr = 2.0 * (seg_loglik(s1, e1) + seg_loglik(st - s1, et - e1) - l0);
        if lr > best.1 + 1e-12 {
            best = (k, lr);
        }
    }
    (best.0, best.1.max(0.0))
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Estimates a single change point in the rate of counts `y` observed over exposures `e`. `None` when there are
/// fewer than two periods or no events at all (nothing to split). Deterministic for a given `seed`.
pub fn change_point(y: &[u64], e: &[f64], prior: GammaPrior, draws: usize, seed: u64) -> Option<ChangePoint> {
    assert_eq!(y.len(), e.len());
    let t = y.len();
    let (st, et) = (y.iter().sum::<u64>(), e.iter().sum::<f64>());
    if t < 2 || st == 0 || et <= 0.0 {
        return None;
    }
    let (ml_index, lr_statistic) = max_lr(y, e);

    // Parametric bootstrap of the max-LR statistic under one constant rate.
    let pooled = st as f64 / et;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut exceed = 0usize;
    let mut sim = vec![0u64; t];
    for _ in 0..draws {
        for (i, yi) in sim.iter_mut().enumerate() {
            let mu = pooled * e[i];
            *yi = if mu > 0.0 { Poisson::new(mu).expect("mu > 0").sample(&mut rng) as u64 } else { 0 };
        }
        if sim.iter().sum::<u64>() > 0 && max_lr(&sim, e).1 >= lr_statistic - 1e-9 {
            exceed += 1;
        }
    }
    let lr_p_value = (exceed + 1) as f64 / (draws + 1) as f64;

    // Exact posterior over the position, flat prior on positions 1..T-1.
    let mut logp = Vec::with_capacity(t - 1);
    let (mut s1, mut e1) = (0.0, 0.0);
    for k in 1..t {
        s1 += y[k - 1] as f64;
        e1 += e[k - 1];
        logp.push(prior.log_marginal(s1, e1) + prior.log_marginal(st as f64 - s1, et - e1));
    }
    let lse = log_sum_exp(&logp);
    let posterior: Vec<f64> = logp.iter().map(|l| (l - lse).exp()).collect();
    let log_bf = lse - ((t - 1) as f64).ln() - prior.log_marginal(st as f64, et);
    let p_change = 1.0 / (1.0 + (-log_bf).exp());
    let map_index = 1 + posterior.iter().enumerate().fold(0, |b, (i, p)| if *p > posterior[b] { i } else { b });

    let credible_level = 0.95;
    let mut order: Vec<usize> = (0..posterior.len()).collect();
    order.sort_by(|a, b| posterior[*b].total_cmp(&posterior[*a]).then(a.cmp(b)));
    let mut credible_set = Vec::new();
    let mut credible_mass = 0.0;
    for i in order {
        if credible_mass >= credible_level {
            break;
        }
        credible_mass += posterior[i];
        credible_set.push(i + 1);
    }
    credible_set.sort_unstable();

    let segment = |ys: &[u64], es: &[f64]| {
        let (s, ex) = (ys.iter().sum::<u64>(), es.iter().sum::<f64>());
        Segment { rate: poisson_rate(s, ex, 0.95), posterior_mean: (prior.shape + s as f64) / (prior.rate + ex) }
    };
    Some(ChangePoint {
        ml_index,
        lr_statistic,
        lr_p_value,
        bootstrap_draws: draws,
        bootstrap_seed: seed,
        prior,
        before: segment(&y[..map_index], &e[..map_index]),
        after: segment(&y[map_index..], &e[map_index..]),
        posterior,
        map_index,
        credible_set,
        credible_mass,
        credible_level,
        log10_bayes_factor: log_bf / std::f64::consts::LN_10,
        p_change,
    })
}

/// Variance-to-mean ratio of counts over equal exposures: about 1 for Poisson, above 1 when events cluster.
pub fn dispersion_index(y: &[u64]) -> Option<f64> {
    if y.len() < 2 {
        return None;
    }
    let n = y.len() as f64;
    let mean = y.iter().sum::<u64>() as f64 / n;
    if mean == 0.0 {
        return None;
    }
    let var = y.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some(var / mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn chi2_quantiles_match_tables() {
        // χ²(0.975; 2) = −2 ln 0.025 exactly; others from standard tables.
        assert!(close(chi2_quantile(0.975, 2.0), -2.0 * 0.025f64.ln(), 1e-10));
        assert!(close(chi2_quantile(0.025, 2.0), -2.0 * 0.975f64.ln(), 1e-12));
        assert!(close(chi2_quantile(0.95, 1.0), 3.841458820694124, 1e-9));
        assert!(close(chi2_quantile(0.975, 22.0), 36.78071, 1e-4));
        assert!(close(chi2_quantile(0.025, 20.0), 9.590777, 1e-5));
    }

    #[test]
    fn garwood_small_counts() {
        // Published exact Poisson 95 % limits (Garwood 1936; e.g. Ulm 1990, epitools::pois.exact).
        let (l, h) = garwood(0, 0.95);
        assert_eq!(l, 0.0);
        assert!(close(h, 3.688879, 1e-5), "{h}");
        let (l, h) = garwood(1, 0.95);
        assert!(close(l, 0.025318, 1e-5) && close(h, 5.571643, 1e-5), "{l} {h}");
        let (l, h) = garwood(2, 0.95);
        assert!(close(l, 0.242209, 1e-5) && close(h, 7.224688, 1e-5), "{l} {h}");
        let (l, h) = garwood(5, 0.95);
        assert!(close(l, 1.623486, 1e-5) && close(h, 11.668332, 1e-5), "{l} {h}");
        let (l, h) = garwood(10, 0.95);
        assert!(close(l, 4.795389, 1e-5) && close(h, 18.390356, 1e-5), "{l} {h}");
        // Exact closed form for k = 0 at any level: upper = −ln(α/2).
        assert!(close(garwood(0, 0.90).1, -(0.05f64).ln(), 1e-10));
    }

    #[test]
    fn rate_divides_by_exposure() {
        let r = poisson_rate(10, 5.0, 0.95);
        assert_eq!(r.rate, 2.0);
        assert!(close(r.low, 4.795389 / 5.0, 1e-5) && close(r.high, 18.390356 / 5.0, 1e-5));
    }

    #[test]
    fn tails_match_closed_forms() {
        // P(X ≥ 1 | mu) = 1 − e^−mu; P(X ≥ 2 | mu) = 1 − e^−mu (1 + mu).
        assert!(close(poisson_sf_ge(1, 0.7), 1.0 - (-0.7f64).exp(), 1e-12));
        assert!(close(poisson_sf_ge(2, 1.3), 1.0 - (-1.3f64).exp() * 2.3, 1e-12));
        assert_eq!(poisson_sf_ge(0, 3.0), 1.0);
        // Binomial(3, 0.5): P(X ≥ 2) = 4/8.
        assert!(close(binomial_sf_ge(2, 3, 0.5), 0.5, 1e-12));
        assert!(close(binomial_sf_ge(3, 3, 0.2), 0.008, 1e-12));
    }

    #[test]
    fn change_point_recovers_known_break() {
        // 24 periods at 0.5, then 12 at 3 (the anchor notes' synthetic design), fixed realisation.
        let y: Vec<u64> = [
            0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, // 9 in 24
            3, 2, 4, 3, 2, 5, 3, 1, 4, 3, 2, 4, // 36 in 12
        ]
        .to_vec();
        let e = vec![1.0; y.len()];
        let cp = change_point(&y, &e, GammaPrior::DEFAULT, 2000, 7).unwrap();
        assert_eq!(cp.ml_index, 24);
        assert_eq!(cp.map_index, 24);
        assert!(
            cp.credible_set.contains(&24) && cp.credible_set.iter().all(|k| (22..=26).contains(k)),
            "{:?}",
            cp.credible_set
        );
        assert!(cp.lr_p_value < 0.001, "{}", cp.lr_p_value);
        assert!(cp.log10_bayes_factor > 4.0, "{}", cp.log10_bayes_factor);
        assert!(cp.p_change > 0.999);
        assert!(close(cp.before.rate.rate, 9.0 / 24.0, 1e-12) && close(cp.after.rate.rate, 3.0, 1e-12));
        assert!((cp.posterior.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // LR statistic in closed form: 2 Σ S_j log(S_j/E_j) − 2 S log(S/E).
        let lr = 2.0 * (9.0 * (9.0f64 / 24.0).ln() + 36.0 * 3.0f64.ln() - 45.0 * (45.0f64 / 36.0).ln());
        assert!(close(cp.lr_statistic, lr, 1e-9));
    }

    #[test]
    fn no_change_in_a_flat_series() {
        let y: Vec<u64> = vec![1, 0, 2, 1, 1, 0, 1, 2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 0, 2, 1];
        let e = vec![1.0; y.len()];
        let cp = change_point(&y, &e, GammaPrior::DEFAULT, 2000, 7).unwrap();
        assert!(cp.lr_p_value > 0.2, "{}", cp.lr_p_value);
        assert!(cp.log10_bayes_factor < 0.0, "{}", cp.log10_bayes_factor);
        assert!(cp.credible_set.len() > 10);
    }

    #[test]
    fn change_point_is_deterministic_and_handles_edges() {
        let y = vec![0, 0, 1, 3, 2, 4];
        let e = vec![1.0; 6];
        let a = change_point(&y, &e, GammaPrior::DEFAULT, 500, 42).unwrap();
        let b = change_point(&y, &e, GammaPrior::DEFAULT, 500, 42).unwrap();
        assert_eq!(a, b);
        assert!(change_point(&[0, 0, 0], &[1.0; 3], GammaPrior::DEFAULT, 10, 1).is_none());
        assert!(change_point(&[3], &[1.0], GammaPrior::DEFAULT, 10, 1).is_none());
    }

    #[test]
    fn dispersion() {
        assert_eq!(dispersion_index(&[2, 2, 2, 2]), Some(0.0));
        assert!(dispersion_index(&[0, 0, 0]).is_none());
        assert!(close(dispersion_index(&[0, 4]).unwrap(), 4.0, 1e-12));
    }
}
