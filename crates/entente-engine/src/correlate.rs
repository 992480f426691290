//! Rank correlation between uncertain inputs by the Iman–Conover method (1982): the draws of each variable are
//! kept exactly (so every marginal distribution is untouched) and only re-ordered, so that their ranks follow
//! normal scores that carry the requested correlation.

use crate::sample::{mix, rng, stream_id};
use crate::stats::{from_order_key, order_key};
use rand::seq::SliceRandom;
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Cholesky factor L (lower triangular, row-major) of a symmetric positive-definite k×k matrix.
pub fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum();
            if i == j {
                let d = a[i * k + i] - s;
                if d <= 1e-12 {
                    return None;
                }
                l[i * k + j] = d.sqrt();
            } else {
                l[i * k + j] = (a[i * k + j] - s) / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// Indices of `x` in increasing order of value, ties broken by position (deterministic).
pub fn argsort(x: &[f64]) -> Vec<u32> {
    let mut keyed: Vec<(u64, u32)> = x.iter().enumerate().map(|(i, v)| (order_key(*v), i as u32)).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Ranks (0-based) of `x`, ties broken by position so the result is deterministic.
pub fn ranks(x: &[f64]) -> Vec<u32> {
    let idx = argsort(x);
    let mut r = vec![0u32; x.len()];
    for (rank, i) in idx.into_iter().enumerate() {
        r[i as usize] = rank as u32;
    }
    r
}

/// Spearman's rank correlation.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let m = (n - 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        let (a, b) = (*a as f64 - m, *b as f64 - m);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    sxy / (sxx * syy).sqrt()
}

/// van der Waerden scores Φ⁻¹(i/(n+1)), i = 1..=n, in increasing order; shared by every chunk of length `n`.
fn normal_scores(n: usize) -> Arc<[f64]> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<[f64]>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(s) = cache.lock().expect("score cache").get(&n) {
        return s.clone();
    }
    let std = Normal::new(0.0, 1.0).expect("standard normal");
    let scores: Arc<[f64]> = (1..=n).map(|i| std.inverse_cdf(i as f64 / (n as f64 + 1.0))).collect();
    cache.lock().expect("score cache").insert(n, scores.clone());
    scores
}

/// A requested rank-correlation matrix, factored once and applied to every chunk of draws.
#[derive(Debug, Clone)]
pub struct RankCorrelation {
    k: usize,
    /// Cholesky factor P of the target (C = P Pᵀ).
    factor: Vec<f64>,
}

impl RankCorrelation {
    /// `target` is k×k, row-major, with a unit diagonal.
    pub fn new(target: &[f64], k: usize) -> Result<Self, String> {
        let factor = cholesky(target, k)
            .ok_or("the requested rank correlations are not consistent (the matrix is not positive definite)")?;
        Ok(RankCorrelation { k, factor })
    }

    /// Re-orders `columns` (k of them, each of the same length) so that their rank correlations approach the
    /// target, by the Iman–Conover method. The engine calls it on every chunk of draws: each chunk is a sample
    /// of the same joint distribution, so the whole run carries the correlation too, and the sorts stay small
    /// and parallel. `names` and `chunk` seed the random score permutations, so the result is deterministic.
    /// With no more draws than columns no correlation can be imposed and the columns are left as drawn.
    pub fn reorder(&self, columns: &mut [&mut [f64]], names: &[&str], seed: u64, chunk: usize) {
        let (k, p) = (self.k, &self.factor);
        let n = columns[0].len();
        if n <= k {
            return;
        }
        // Each variable's scores are the van der Waerden scores in a random order: score i is base[perm[i]].
        let base = normal_scores(n);
        let perms: Vec<Vec<u32>> = names
            .iter()
            .map(|name| {
                let mut perm: Vec<u32> = (0..n as u32).collect();
                perm.shuffle(&mut rng(mix(seed ^ 0x1C), stream_id(name), chunk));
                perm
            })
            .collect();
        let scores: Vec<Vec<f64>> = perms.iter().map(|perm| perm.iter().map(|r| base[*r as usize]).collect()).collect();
        // Remove the scores' accidental correlation (E = F Fᵀ), then impose the target (C = P Pᵀ): T = S F⁻ᵀ Pᵀ.
        let mut e = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..=i {
                let c = scores[i].iter().zip(&scores[j]).map(|(a, b)| a * b).sum::<f64>() / n as f64;
                e[i * k + j] = c;
                e[j * k + i] = c;
            }
        }
        let Some(f) = cholesky(&e, k) else {
            return; // scores too few to be independent: leave the draws as they are
        };
        // M = P F⁻¹ (k×k), lower triangular: row r solves x F = P[r], i.e. Fᵀ xᵀ = P[r]ᵀ (back substitution).
        let mut m = vec![0.0; k * k];
        for r in 0..k {
            let mut x = vec![0.0; k];
            for c in (0..k).rev() {
                let s: f64 = ((c + 1)..k).map(|j| x[j] * f[j * k + c]).sum();
                x[c] = (p[r * k + c] - s) / f[c * k + c];
            }
            m[r * k..(r + 1) * k].copy_from_slice(&x);
        }
        let mut keys: Vec<u64> = Vec::with_capacity(n);
        for (r, col) in columns.iter_mut().enumerate() {
            // Target column r is Σ_c M[r][c]·scores[c]; row 0 of M is M[0][0] > 0 alone, so target 0 is ordered
            // as the first scores and its ranks are that permutation itself: no sort needed.
            let ranks = if r == 0 {
                perms[0].clone()
            } else {
                // Ranks by sorting (single-precision key, position) packed in one integer: a tie at single
                // precision can only swap two scores that are equal to seven digits.
                keys.clear();
                keys.extend((0..n).map(|i| {
                    let t: f64 = (0..=r).map(|c| m[r * k + c] * scores[c][i]).sum();
                    (u64::from(order_key_f32(t as f32)) << 32) | i as u64
                }));
                keys.sort_unstable();
                let mut ranks = vec![0u32; n];
                for (rank, key) in keys.iter().enumerate() {
                    ranks[(key & 0xffff_ffff) as usize] = rank as u32;
                }
                ranks
            };
            // the column's own values in increasing order (sorted as integer keys), dealt out by rank
            keys.clear();
            keys.extend(col.iter().map(|v| order_key(*v)));
            keys.sort_unstable();
            for (v, r) in col.iter_mut().zip(ranks) {
                *v = from_order_key(keys[r as usize]);
            }
        }
    }
}

/// [`order_key`] for single precision.
fn order_key_f32(v: f32) -> u32 {
    let b = v.to_bits();
    b ^ (((b as i32 >> 31) as u32) | (1 << 31))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::Sampler;
    use entente_core::{Distribution, Truncation};

    fn draws(d: Distribution, name: &str, n: usize) -> Vec<f64> {
        let mut v = vec![0.0; n];
        Sampler::new(&d).unwrap().fill(&mut rng(3, stream_id(name), 0), &Truncation::default(), &mut v);
        v
    }

    #[test]
    fn induced_spearman_matches_the_request_and_marginals_are_kept() {
        let n = 100_000;
        let mut a = draws(Distribution::Pert { low: 1.0, mode: 2.0, high: 9.0 }, "a", n);
        let mut b = draws(Distribution::lognormal_90(10.0, 100.0).unwrap(), "b", n);
        let mut c = draws(Distribution::Uniform { low: 0.0, high: 1.0 }, "c", n);
        let (mut sa, mut sb) = (a.clone(), b.clone());
        let target = [1.0, 0.7, -0.3, 0.7, 1.0, 0.0, -0.3, 0.0, 1.0];
        RankCorrelation::new(&target, 3).unwrap().reorder(
            &mut [&mut a[..], &mut b[..], &mut c[..]],
            &["a", "b", "c"],
            1,
            0,
        );
        assert!((spearman(&a, &b) - 0.7).abs() < 0.02, "{}", spearman(&a, &b));
        assert!((spearman(&a, &c) + 0.3).abs() < 0.02, "{}", spearman(&a, &c));
        assert!(spearman(&b, &c).abs() < 0.02);
        // the same values, only re-ordered
        let (mut ra, mut rb) = (a.clone(), b.clone());
        for v in [&mut sa, &mut sb, &mut ra, &mut rb] {
            v.sort_by(f64::total_cmp);
        }
        assert_eq!(sa, ra);
        assert_eq!(sb, rb);
    }

    #[test]
    fn argsort_orders_by_value_then_position() {
        let x = [3.0, -1.0, 0.0, -0.0, 2.5, -7.25, 3.0, f64::INFINITY];
        let idx = argsort(&x);
        let sorted: Vec<f64> = idx.iter().map(|i| x[*i as usize]).collect();
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "{sorted:?}");
        assert_eq!(idx[0], 5);
        assert_eq!(&idx[5..7], &[0, 6]);
    }

    #[test]
    fn inconsistent_requests_are_rejected() {
        let target = [1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0];
        assert!(RankCorrelation::new(&target, 3).is_err());
    }

    /// Three draws cannot carry a correlation among three variables: they are left exactly as drawn.
    #[test]
    fn too_few_draws_are_left_alone() {
        let (mut a, mut b, mut c) = (vec![3.0, 1.0, 2.0], vec![1.0, 2.0, 3.0], vec![2.0, 3.0, 1.0]);
        let target = [1.0, 0.5, 0.5, 0.5, 1.0, 0.5, 0.5, 0.5, 1.0];
        RankCorrelation::new(&target, 3).unwrap().reorder(
            &mut [&mut a[..], &mut b[..], &mut c[..]],
            &["a", "b", "c"],
            1,
            0,
        );
        assert_eq!((a, b, c), (vec![3.0, 1.0, 2.0], vec![1.0, 2.0, 3.0], vec![2.0, 3.0, 1.0]));
    }
}
