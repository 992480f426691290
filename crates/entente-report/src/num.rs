//! Number formatting shared by every renderer: money with sensible units (k, M, bn), shares, counts.

/// `USD 1.23 bn`, `USD 456 M`, `USD 12.3 k`: three significant digits, the unit chosen per value.
pub fn usd(v: f64) -> String {
    format!("USD {}", scaled(v))
}

/// A number scaled to k / M / bn with three significant digits, no currency.
pub fn scaled(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, " bn")
    } else if a >= 1e6 {
        (v / 1e6, " M")
    } else if a >= 1e4 {
        (v / 1e3, " k")
    } else {
        (v, "")
    };
    format!("{}{suffix}", sig3(x))
}

/// Three significant digits without scientific notation (`1.23`, `45.6`, `789`, `12300`).
pub fn sig3(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let mut mag = x.abs().log10().floor() as i32;
    // 0.99996 rounds up to 1.00: take the magnitude of the rounded value
    if ((x * 10f64.powi(2 - mag)).round() / 10f64.powi(2 - mag)).abs() >= 10f64.powi(mag + 1) {
        mag += 1;
    }
    let decimals = (2 - mag).max(0) as usize;
    let p = 10f64.powi(2 - mag);
    let r = (x * p).round() / p;
    format!("{r:.decimals$}")
}

/// A fraction as a percentage with three significant digits (`24.1 %`, `0.512 %`).
pub fn pct(f: f64) -> String {
    if !f.is_finite() {
        return "n/a".into();
    }
    format!("{} %", sig3(f * 100.0))
}

/// A count with thousands separators.
pub fn count(n: f64) -> String {
    if !n.is_finite() {
        return "n/a".into();
    }
    if n.abs() >= 1e4 || n.fract() == 0.0 {
        entente_core::group(n.round())
    } else {
        sig3(n)
    }
}

/// A value in its unit: money scaled, other units as counts (`4.8 M shell`).
pub fn in_unit(v: f64, unit: &str) -> String {
    if unit == "USD" {
        usd(v)
    } else if unit.starts_with("USD/") {
        format!("{} {unit}", sig_or_count(v))
    } else if unit == "1" {
        sig3(v)
    } else {
        format!("{} {unit}", scaled(v))
    }
}

fn sig_or_count(v: f64) -> String {
    if v.abs() >= 1e4 {
        scaled(v)
    } else {
        sig3(v)
    }
}

/// A probability as a column label: `P5`, `P50`, `P97.5`.
pub fn p_label(p: f64) -> String {
    let x = p * 100.0;
    if (x - x.round()).abs() < 1e-9 {
        format!("P{}", x.round())
    } else {
        format!("P{}", sig3(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money() {
        assert_eq!(usd(1_234_000_000.0), "USD 1.23 bn");
        assert_eq!(usd(456_400_000.0), "USD 456 M");
        assert_eq!(usd(52_900_000.0), "USD 52.9 M");
        assert_eq!(usd(12_345.0), "USD 12.3 k");
        assert_eq!(usd(600.0), "USD 600");
        assert_eq!(usd(5.5e9), "USD 5.50 bn");
        assert_eq!(usd(f64::NAN), "USD n/a");
    }

    #[test]
    fn shares_and_labels() {
        assert_eq!(pct(0.2321), "23.2 %");
        assert_eq!(pct(0.00512), "0.512 %");
        assert_eq!(pct(0.0099996), "1.00 %");
        assert_eq!(sig3(999.7), "1000");
        assert_eq!(p_label(0.05), "P5");
        assert_eq!(p_label(0.975), "P97.5");
        assert_eq!(count(13000.0), "13,000");
        assert_eq!(in_unit(4.8e6, "shell"), "4.80 M shell");
    }
}
