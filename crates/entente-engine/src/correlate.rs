//! Rank correlation between uncertain inputs by the Iman–Conover method (1982): the draws of each variable are
//! kept exactly (so every marginal distribution is untouched) and only re-ordered, so that their ranks follow
//! normal scores that carry the requested correlation.

use crate::sample::{mix, rng, stream_id};
use rand::seq::SliceRandom;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

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

/// A key whose integer order is the total order of the float (sign-magnitude to two's complement), so that
/// arg-sorting sorts plain integers, several times faster than sorting indices with a float comparator.
fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
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

/// Re-orders `columns` (each of the same length) so that their rank correlations approach `target` (k×k,
/// row-major, unit diagonal). `names` seed the random score permutations, so the result is deterministic.
pub fn iman_conover(columns: &mut [&mut Vec<f64>], names: &[&str], target: &[f64], seed: u64) -> Result<(), String> {
    let k = columns.len();
    let n = columns[0].len();
    let p = cholesky(target, k)
        .ok_or("the requested rank correlations are not consistent (the matrix is not positive definite)")?;
    // van der Waerden scores, independently permuted per variable
    let std = Normal::new(0.0, 1.0).expect("standard normal");
    let base: Vec<f64> = (1..=n).map(|i| std.inverse_cdf(i as f64 / (n as f64 + 1.0))).collect();
    let mut scores: Vec<Vec<f64>> = names
        .par_iter()
        .map(|name| {
            let mut s = base.clone();
            s.shuffle(&mut rng(mix(seed ^ 0x1C), stream_id(name), 0));
            s
        })
        .collect();
    // Remove the scores' accidental correlation (E = F Fᵀ), then impose the target (C = P Pᵀ): T = S F⁻ᵀ Pᵀ.
    let mut e = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let c = scores[i].iter().zip(&scores[j]).map(|(a, b)| a * b).sum::<f64>() / n as f64;
            e[i * k + j] = c;
            e[j * k + i] = c;
        }
    }
    let f = cholesky(&e, k).ok_or("degenerate scores")?;
    // M = P F⁻¹ (k×k): solve F Mᵀ … done row by row as forward substitution on each row of P
    let mut m = vec![0.0; k * k];
    for r in 0..k {
        // row r of M: x with x F = P[r] → Fᵀ xᵀ = P[r]ᵀ (back substitution on the upper-triangular Fᵀ)
        let mut x = vec![0.0; k];
        for c in (0..k).rev() {
            let s: f64 = ((c + 1)..k).map(|j| x[j] * f[j * k + c]).sum();
            x[c] = (p[r * k + c] - s) / f[c * k + c];
        }
        m[r * k..(r + 1) * k].copy_from_slice(&x);
    }
    let mut t = vec![vec![0.0; n]; k];
    for (r, tr) in t.iter_mut().enumerate() {
        for (i, v) in tr.iter_mut().enumerate() {
            *v = (0..k).map(|c| m[r * k + c] * scores[c][i]).sum();
        }
    }
    scores.clear();
    // Give each column's sorted draws the ranks of its target column.
    columns.par_iter_mut().zip(&t).for_each(|(col, tc)| {
        let mut sorted = col.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        for (i, r) in ranks(tc).into_iter().enumerate() {
            col[i] = sorted[r as usize];
        }
    });
    Ok(())
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
        iman_conover(&mut [&mut a, &mut b, &mut c], &["a", "b", "c"], &target, 1).unwrap();
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
        let mut a = vec![1.0, 2.0, 3.0];
        let mut b = vec![1.0, 2.0, 3.0];
        let mut c = vec![1.0, 2.0, 3.0];
        let target = [1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0];
        assert!(iman_conover(&mut [&mut a, &mut b, &mut c], &["a", "b", "c"], &target, 1).is_err());
    }
}
