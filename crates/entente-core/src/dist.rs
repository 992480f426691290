//! Distributions of uncertain quantities, as a dataset declares them. Sampling lives in the engine; here are the
//! parameters, their validation and the closed-form moments the tests check the sampler against.

use serde::Serialize;
use std::fmt;

/// z such that Φ(z) = 0.95: a lognormal "a to b" has a and b as its 5th and 95th percentiles.
pub const Z95: f64 = 1.6448536269514722;

/// A distribution before truncation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Distribution {
    Point {
        value: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    Pert {
        low: f64,
        mode: f64,
        high: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Parameterised by the log-space mean and standard deviation; built from a 90 % interval.
    #[serde(rename = "lognormal")]
    LogNormal {
        mu: f64,
        sigma: f64,
    },
}

/// Bounds outside which draws are rejected and redrawn.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Truncation {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Truncation {
    pub fn is_none(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
    pub fn admits(&self, x: f64) -> bool {
        self.min.is_none_or(|m| x >= m) && self.max.is_none_or(|m| x <= m)
    }
}

impl Distribution {
    /// A lognormal whose 5th and 95th percentiles are `low` and `high` (Squiggle's and Guesstimate's `a to b`).
    pub fn lognormal_90(low: f64, high: f64) -> Result<Self, String> {
        if !(low > 0.0 && high > 0.0) {
            return Err(format!("`{low} to {high}`: a lognormal interval needs both ends > 0"));
        }
        if low >= high {
            return Err(format!("`{low} to {high}`: low must be below high"));
        }
        let (l, h) = (low.ln(), high.ln());
        Ok(Self::LogNormal { mu: (l + h) / 2.0, sigma: (h - l) / (2.0 * Z95) })
    }

    /// Parses the shorthand `"a to b"`.
    pub fn parse_to(s: &str) -> Result<Self, String> {
        let (a, b) = s.split_once(" to ").ok_or_else(|| format!("`{s}` is not of the form \"a to b\""))?;
        let num = |t: &str| {
            t.trim()
                .replace(['_', ','], "")
                .parse::<f64>()
                .map_err(|_| format!("`{}` in `{s}` is not a number", t.trim()))
        };
        Self::lognormal_90(num(a)?, num(b)?)
    }

    /// Checks the parameters; the error names the offending parameter first, then says why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let finite = |name: &'static str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err((name, format!("{name} is not a finite number")))
            }
        };
        match *self {
            Self::Point { value } => finite("value", value),
            Self::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low > high {
                    return Err(("low", format!("low {low} is greater than high {high}")));
                }
                Ok(())
            }
            Self::Triangular { low, mode, high } | Self::Pert { low, mode, high } => {
                finite("low", low)?;
                finite("mode", mode)?;
                finite("high", high)?;
                if low > high {
                    return Err(("low", format!("low {low} is greater than high {high}")));
                }
                if mode < low || mode > high {
                    return Err(("mode", format!("mode {mode} lies outside [{low}, {high}]")));
                }
                Ok(())
            }
            Self::Normal { mean, sd } => {
                finite("mean", mean)?;
                finite("sd", sd)?;
                if sd < 0.0 {
                    return Err(("sd", format!("sd {sd} is negative")));
                }
                Ok(())
            }
            Self::LogNormal { mu, sigma } => {
                finite("low", mu)?;
                finite("high", sigma)?;
                Ok(())
            }
        }
    }

    /// Closed-form mean (before truncation).
    pub fn mean(&self) -> f64 {
        match *self {
            Self::Point { value } => value,
            Self::Uniform { low, high } => (low + high) / 2.0,
            Self::Triangular { low, mode, high } => (low + mode + high) / 3.0,
            Self::Pert { low, mode, high } => (low + 4.0 * mode + high) / 6.0,
            Self::Normal { mean, .. } => mean,
            Self::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        }
    }

    /// Closed-form variance (before truncation).
    pub fn variance(&self) -> f64 {
        match *self {
            Self::Point { .. } => 0.0,
            Self::Uniform { low, high } => (high - low).powi(2) / 12.0,
            Self::Triangular { low: a, mode: c, high: b } => (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0,
            // Beta-PERT with λ = 4 has α + β = 6, so Var = (μ − a)(b − μ)/7 exactly.
            Self::Pert { low, high, .. } => {
                let mu = self.mean();
                (mu - low) * (high - mu) / 7.0
            }
            Self::Normal { sd, .. } => sd * sd,
            Self::LogNormal { mu, sigma } => ((sigma * sigma).exp() - 1.0) * (2.0 * mu + sigma * sigma).exp(),
        }
    }

    /// The smallest value the distribution can take, for the "quantity must not be negative" check.
    pub fn lower_bound(&self) -> f64 {
        match *self {
            Self::Point { value } => value,
            Self::Uniform { low, .. } | Self::Triangular { low, .. } | Self::Pert { low, .. } => low,
            Self::Normal { .. } => f64::NEG_INFINITY,
            Self::LogNormal { .. } => 0.0,
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Point { value } => write!(f, "{value}"),
            Self::Uniform { low, high } => write!(f, "uniform({low}, {high})"),
            Self::Triangular { low, mode, high } => write!(f, "triangular({low}, {mode}, {high})"),
            Self::Pert { low, mode, high } => write!(f, "pert({low}, {mode}, {high})"),
            Self::Normal { mean, sd } => write!(f, "normal(mean {mean}, sd {sd})"),
            Self::LogNormal { mu, sigma } => {
                let lo = (mu - Z95 * sigma).exp();
                let hi = (mu + Z95 * sigma).exp();
                write!(f, "{} to {} (lognormal 90% interval)", sig(lo), sig(hi))
            }
        }
    }
}

/// Four significant digits, for showing derived parameters without float noise.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = 4 - (x.abs().log10().floor() as i32) - 1;
    let p = 10f64.powi(digits);
    format!("{}", (x * p).round() / p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_90_hits_its_interval() {
        let Distribution::LogNormal { mu, sigma } = Distribution::parse_to("300 to 500").unwrap() else { panic!() };
        assert!(((mu - Z95 * sigma).exp() - 300.0).abs() < 1e-9);
        assert!(((mu + Z95 * sigma).exp() - 500.0).abs() < 1e-9);
        assert!(Distribution::parse_to("500 to 300").is_err());
        assert!(Distribution::parse_to("0 to 3").is_err());
        assert!(Distribution::parse_to("3 till 4").is_err());
        assert_eq!(
            Distribution::parse_to("1,000 to 2,000").unwrap().to_string(),
            "1000 to 2000 (lognormal 90% interval)"
        );
    }

    #[test]
    fn check_names_the_parameter() {
        assert_eq!(Distribution::Uniform { low: 3.0, high: 1.0 }.check().unwrap_err().0, "low");
        assert_eq!(Distribution::Pert { low: 1.0, mode: 5.0, high: 3.0 }.check().unwrap_err().0, "mode");
        assert_eq!(Distribution::Normal { mean: 0.0, sd: -1.0 }.check().unwrap_err().0, "sd");
        assert_eq!(Distribution::Point { value: f64::NAN }.check().unwrap_err().0, "value");
    }

    #[test]
    fn pert_moments() {
        let d = Distribution::Pert { low: 0.0, mode: 1.0, high: 4.0 };
        assert!((d.mean() - 8.0 / 6.0).abs() < 1e-12);
        // Beta(α=1+4·(1/4)=2, β=1+4·(3/4)=4) on [0,4]: var = 16·αβ/((α+β)²(α+β+1)) = 16·8/(36·7)
        assert!((d.variance() - 16.0 * 8.0 / (36.0 * 7.0)).abs() < 1e-12);
    }
}
