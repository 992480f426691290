//! Drawing from the dataset's distributions. Each (variable, chunk) pair has its own random stream derived from
//! the seed, the variable's id and the chunk's index, so results do not depend on the number of threads, and
//! adding a variable to a dataset does not change the draws of the others.

use entente_core::{Distribution, Truncation};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution as _, LogNormal, Normal, Triangular};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Draws are made in chunks of at most this many samples; a chunk is the unit of parallel work.
pub const CHUNK: usize = 16_384;

/// Number of chunks of a run of `samples` draws.
pub fn chunks(samples: usize) -> usize {
    samples.div_ceil(CHUNK)
}

/// The draws of chunk `k`. Chunks are as equal as possible (never a short tail), so that each one is large
/// enough to carry its own rank correlation (see [`crate::correlate::RankCorrelation`]).
pub fn chunk_range(samples: usize, k: usize) -> std::ops::Range<usize> {
    let c = chunks(samples);
    k * samples / c..(k + 1) * samples / c
}

/// SplitMix64 finaliser: a cheap, well-mixed hash of a 64-bit value.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a name: a stable stream id for a variable that does not depend on its position in the file.
pub fn stream_id(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The random stream for one variable's chunk.
/// Xoshiro256++: fast, statistically strong, and specified exactly, so streams are stable across versions.
pub fn rng(seed: u64, stream: u64, chunk: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(mix(seed ^ mix(stream)) ^ chunk as u64))
}

/// Number of intervals of a quantile table.
pub const TABLE: usize = 1 << 12;
/// Bits of a 53-bit uniform left after the 12 that pick a table interval.
const FRACTION_BITS: u32 = 53 - TABLE.trailing_zeros();

/// Quantiles of Beta(α, β) (α, β ≥ 1, as in every PERT) at u = k/TABLE, k = 0..=TABLE. Built by integrating the
/// density with Simpson's rule on a fine grid and inverting the cumulative sums: the entries' probabilities are
/// right to within 1e-7 (tested against an independent CDF), and linear interpolation between them keeps it
/// within 2e-6 over the central 99 % (see the tests). A table is 32 KiB, so the tables of a large model stay in
/// the processor's cache. Tables are shared by all variables with the same shape.
pub fn beta_quantile_table(alpha: f64, beta: f64) -> Arc<[f64]> {
    type Tables = HashMap<(u64, u64), Arc<[f64]>>;
    static CACHE: OnceLock<Mutex<Tables>> = OnceLock::new();
    let key = (alpha.to_bits(), beta.to_bits());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(t) = cache.lock().expect("table cache").get(&key) {
        return t.clone();
    }
    const GRID: usize = 1 << 14;
    // ln x and ln(1 − x) at every half-step of the grid, shared by all shapes: the density is then one exp per
    // point instead of two powf.
    static LOGS: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    let logs = LOGS.get_or_init(|| {
        (0..=2 * GRID)
            .map(|k| {
                let x = k as f64 / (2 * GRID) as f64;
                (x.ln(), (1.0 - x).ln())
            })
            .collect()
    });
    // x^(α−1) (1−x)^(β−1); at the ends 0^0 = 1 (α or β = 1) and 0^positive = 0
    let pdf = |k: usize| {
        let (lx, l1x) = logs[k];
        let a = if alpha == 1.0 { 0.0 } else { (alpha - 1.0) * lx };
        let b = if beta == 1.0 { 0.0 } else { (beta - 1.0) * l1x };
        (a + b).exp()
    };
    let h = 1.0 / GRID as f64;
    let mut cdf = Vec::with_capacity(GRID + 1);
    cdf.push(0.0);
    let mut acc = 0.0;
    let mut left = pdf(0);
    // ∫₀ʰ x^(a−1) (1−x)^(b−1) dx by the first terms of its series: near an end where a < 2 the density has an
    // unbounded derivative and Simpson's rule would be the table's largest error.
    let end_cell = |a: f64, b: f64| {
        h.powf(a) * (1.0 / a - (b - 1.0) * h / (a + 1.0) + (b - 1.0) * (b - 2.0) * h * h / (2.0 * (a + 2.0)))
    };
    for i in 1..=GRID {
        let right = pdf(2 * i);
        acc += match i {
            1 => end_cell(alpha, beta),
            GRID => end_cell(beta, alpha),
            _ => (left + 4.0 * pdf(2 * i - 1) + right) * h / 6.0,
        };
        cdf.push(acc);
        left = right;
    }
    let total = acc;
    let mut table = Vec::with_capacity(TABLE + 1);
    let mut i = 0;
    for k in 0..=TABLE {
        let u = k as f64 / TABLE as f64 * total;
        while i + 1 < GRID && cdf[i + 1] < u {
            i += 1;
        }
        let span = cdf[i + 1] - cdf[i];
        let frac = if span > 0.0 { ((u - cdf[i]) / span).clamp(0.0, 1.0) } else { 0.0 };
        table.push((i as f64 + frac) * h);
    }
    table[0] = 0.0;
    table[TABLE] = 1.0;
    let table: Arc<[f64]> = table.into();
    cache.lock().expect("table cache").insert(key, table.clone());
    table
}

/// A PERT draw: the table's quantile function at the same uniform as `rng.gen::<f64>()` (53 random bits), split
/// without a float-to-integer conversion: its top 12 bits pick the table interval, the other 41 place the draw
/// within it.
#[inline(always)]
fn pert<R: Rng>(rng: &mut R, low: f64, width: f64, table: &[f64]) -> f64 {
    let bits = rng.next_u64() >> 11;
    let i = (bits >> FRACTION_BITS) as usize;
    let frac = (bits & ((1 << FRACTION_BITS) - 1)) as f64 * (1.0 / (1u64 << FRACTION_BITS) as f64);
    let (a, b) = (table[i], table[i + 1]);
    low + width * (a + frac * (b - a))
}

/// A distribution ready to draw from.
#[derive(Debug, Clone)]
pub enum Sampler {
    Const(f64),
    Uniform(f64, f64),
    Triangular(Triangular<f64>),
    /// Beta-PERT by inverse transform: one uniform draw and a look-up in a quantile table of the Beta(α, β)
    /// distribution (see [`beta_quantile_table`]); several times faster than drawing Beta variates directly.
    Pert {
        low: f64,
        width: f64,
        table: Arc<[f64]>,
    },
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
}

impl Sampler {
    /// Builds a sampler; the parameters were validated when the dataset was loaded.
    pub fn new(d: &Distribution) -> Result<Self, String> {
        Ok(match *d {
            Distribution::Point { value } => Self::Const(value),
            Distribution::Uniform { low, high } => Self::Uniform(low, high - low),
            Distribution::Triangular { low, high, .. } | Distribution::Pert { low, high, .. } if low == high => {
                Self::Const(low)
            }
            Distribution::Triangular { low, mode, high } => {
                Self::Triangular(Triangular::new(low, high, mode).map_err(|e| format!("{d}: {e}"))?)
            }
            Distribution::Pert { low, mode, high } => {
                let width = high - low;
                let alpha = 1.0 + 4.0 * (mode - low) / width;
                let beta = 1.0 + 4.0 * (high - mode) / width;
                Self::Pert { low, width, table: beta_quantile_table(alpha, beta) }
            }
            Distribution::Normal { mean, sd } => Self::Normal(Normal::new(mean, sd).map_err(|e| format!("{d}: {e}"))?),
            Distribution::LogNormal { mu, sigma } => {
                Self::LogNormal(LogNormal::new(mu, sigma).map_err(|e| format!("{d}: {e}"))?)
            }
        })
    }

    #[inline]
    pub fn draw<R: Rng>(&self, rng: &mut R) -> f64 {
        match self {
            Self::Const(v) => *v,
            Self::Uniform(lo, width) => lo + width * rng.gen::<f64>(),
            Self::Triangular(d) => d.sample(rng),
            Self::Pert { low, width, table } => pert(rng, *low, *width, table),
            Self::Normal(d) => d.sample(rng),
            Self::LogNormal(d) => d.sample(rng),
        }
    }

    /// Fills `out` with draws, redrawing those outside the truncation bounds. `max_tries` per value bounds the
    /// work; a value that never falls inside becomes NaN, which the engine reports as an error.
    pub fn fill<R: Rng>(&self, rng: &mut R, trunc: &Truncation, out: &mut [f64]) {
        if trunc.is_none() {
            // the distribution is matched once, not per draw, so the loop is straight-line code
            match self {
                Self::Const(v) => out.fill(*v),
                Self::Uniform(lo, width) => out.iter_mut().for_each(|x| *x = lo + width * rng.gen::<f64>()),
                Self::Triangular(d) => out.iter_mut().for_each(|x| *x = d.sample(rng)),
                Self::Pert { low, width, table } => out.iter_mut().for_each(|x| *x = pert(rng, *low, *width, table)),
                Self::Normal(d) => out.iter_mut().for_each(|x| *x = d.sample(rng)),
                Self::LogNormal(d) => out.iter_mut().for_each(|x| *x = d.sample(rng)),
            }
            return;
        }
        for x in out.iter_mut() {
            *x = f64::NAN;
            for _ in 0..10_000 {
                let v = self.draw(rng);
                if trunc.admits(v) {
                    *x = v;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Normal as SNormal};

    fn draws(d: &Distribution, t: Truncation, n: usize) -> Vec<f64> {
        let s = Sampler::new(d).unwrap();
        let mut v = vec![0.0; n];
        s.fill(&mut rng(7, stream_id("x"), 0), &t, &mut v);
        v
    }

    fn mean_sd(v: &[f64]) -> (f64, f64) {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        (m, (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
    }

    fn quantile(v: &[f64], p: f64) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s[((s.len() - 1) as f64 * p).round() as usize]
    }

    /// Each distribution's sample mean lies within 5 standard errors of its closed-form mean, and its sample
    /// variance within 5 % of the closed form.
    #[test]
    fn moments_match_closed_forms() {
        let cases = [
            Distribution::Uniform { low: 2.0, high: 10.0 },
            Distribution::Triangular { low: 0.0, mode: 1.0, high: 4.0 },
            Distribution::Pert { low: 300.0, mode: 600.0, high: 1000.0 },
            Distribution::Normal { mean: 5.0, sd: 2.0 },
            Distribution::lognormal_90(300.0, 500.0).unwrap(),
        ];
        for d in cases {
            let v = draws(&d, Truncation::default(), 200_000);
            let (m, sd) = mean_sd(&v);
            let se = d.variance().sqrt() / (v.len() as f64).sqrt();
            assert!((m - d.mean()).abs() < 5.0 * se, "{d}: mean {m} vs {}", d.mean());
            assert!((sd * sd / d.variance() - 1.0).abs() < 0.05, "{d}: var {} vs {}", sd * sd, d.variance());
        }
    }

    /// The quantile table against an independent implementation: statrs' Beta CDF (the regularised incomplete
    /// beta function) at each tabulated quantile must give back its probability.
    #[test]
    fn beta_table_matches_an_independent_cdf() {
        use statrs::distribution::Beta;
        for (a, b) in [(1.0, 1.0), (1.5, 4.5), (3.0, 3.0), (4.6, 1.4), (1.0, 5.0), (2.0833, 3.9167)] {
            let t = beta_quantile_table(a, b);
            let exact = Beta::new(a, b).unwrap();
            for k in (1..TABLE).step_by(37) {
                let u = k as f64 / TABLE as f64;
                let got = exact.cdf(t[k]);
                assert!((got - u).abs() < 1e-7, "Beta({a}, {b}): CDF(table[{k}]) = {got}, want {u}");
            }
        }
    }

    /// Splitting the random bits gives exactly the value of the textbook inverse transform on `gen::<f64>()`.
    #[test]
    fn pert_lookup_is_the_plain_inverse_transform() {
        let s = Sampler::new(&Distribution::Pert { low: 3.0, mode: 4.0, high: 11.0 }).unwrap();
        let Sampler::Pert { low, width, table } = &s else { panic!("a PERT sampler") };
        let (mut a, mut b) = (rng(5, 6, 7), rng(5, 6, 7));
        for _ in 0..10_000 {
            let h = b.gen::<f64>() * TABLE as f64;
            let i = (h as usize).min(TABLE - 1);
            let want = low + width * (table[i] + (h - i as f64) * (table[i + 1] - table[i]));
            assert_eq!(s.draw(&mut a), want);
        }
    }

    /// Between the entries, linear interpolation of the table: the probability below each interval's midpoint
    /// is right to within 2e-6 over the central 99 %, where reported quantiles live, and to within 2e-5 out to
    /// the second interval of each tail (the Monte Carlo error of P0.1 at a million draws is 3e-5).
    #[test]
    fn beta_table_interpolates_accurately() {
        use statrs::distribution::Beta;
        for (a, b) in [(1.5, 4.5), (3.0, 3.0), (4.6, 1.4), (1.0, 5.0), (2.0833, 3.9167), (1.05, 1.05)] {
            let t = beta_quantile_table(a, b);
            let exact = Beta::new(a, b).unwrap();
            for k in 1..TABLE - 1 {
                let u = (k as f64 + 0.5) / TABLE as f64;
                let err = (exact.cdf((t[k] + t[k + 1]) / 2.0) - u).abs();
                let tolerance = if (0.005..0.995).contains(&u) { 2e-6 } else { 2e-5 };
                assert!(err < tolerance, "Beta({a}, {b}) at u = {u}: probability off by {err:e}");
            }
        }
    }

    #[test]
    fn pert_mean_is_a_plus_4m_plus_b_over_6() {
        let d = Distribution::Pert { low: 0.0, mode: 2.0, high: 10.0 };
        let (m, _) = mean_sd(&draws(&d, Truncation::default(), 400_000));
        assert!((m - 18.0 / 6.0).abs() < 0.01, "{m}");
    }

    #[test]
    fn a_to_b_hits_its_percentiles() {
        let d = Distribution::parse_to("1000 to 16000").unwrap();
        let v = draws(&d, Truncation::default(), 400_000);
        assert!((quantile(&v, 0.05) / 1000.0 - 1.0).abs() < 0.02);
        assert!((quantile(&v, 0.95) / 16000.0 - 1.0).abs() < 0.02);
    }

    #[test]
    fn truncation_is_respected_and_renormalises() {
        let d = Distribution::Normal { mean: 0.0, sd: 1.0 };
        let t = Truncation { min: Some(0.0), max: None };
        let v = draws(&d, t, 200_000);
        assert!(v.iter().all(|x| *x >= 0.0));
        // half-normal mean = σ·√(2/π)
        let (m, _) = mean_sd(&v);
        assert!((m - (2.0 / std::f64::consts::PI).sqrt()).abs() < 0.01, "{m}");
        // the median of the half-normal is Φ⁻¹(0.75)
        let med = SNormal::new(0.0, 1.0).unwrap().inverse_cdf(0.75);
        assert!((quantile(&v, 0.5) - med).abs() < 0.01);
    }

    #[test]
    fn impossible_truncation_gives_nan_not_a_hang() {
        let d = Distribution::Uniform { low: 0.0, high: 1.0 };
        let v = draws(&d, Truncation { min: Some(5.0), max: None }, 3);
        assert!(v.iter().all(|x| x.is_nan()));
    }

    #[test]
    fn streams_differ_by_variable_and_chunk() {
        let a: f64 = rng(1, stream_id("a"), 0).gen();
        let b: f64 = rng(1, stream_id("b"), 0).gen();
        let c: f64 = rng(1, stream_id("a"), 1).gen();
        let a2: f64 = rng(1, stream_id("a"), 0).gen();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, a2);
    }
}
