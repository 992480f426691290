//! Units of measure as products of base units with integer exponents (`USD/shell` = USD¹·shell⁻¹). The engine
//! multiplies quantities by prices; checking units is how a dataset catches a price per rocket applied to shells.

use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// A unit: base-unit name → exponent (never zero). The empty map is dimensionless.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Unit(BTreeMap<String, i32>);

impl Unit {
    pub fn dimensionless() -> Self {
        Self::default()
    }

    pub fn base(name: &str) -> Self {
        let mut m = BTreeMap::new();
        m.insert(name.to_string(), 1);
        Self(m)
    }

    pub fn usd() -> Self {
        Self::base("USD")
    }

    pub fn is_dimensionless(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses `USD/person/month`, `person*month`, `1`. Base units are words of letters, digits and `_`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("unit is empty".into());
        }
        let mut unit = Unit::default();
        let mut sign = 1;
        let mut token = String::new();
        let flush = |token: &mut String, sign: i32, unit: &mut Unit| -> Result<(), String> {
            let t = token.trim();
            if t.is_empty() {
                return Err(format!("unit `{s}` has an empty factor"));
            }
            if t != "1" {
                if !t.chars().all(|c| c.is_alphanumeric() || c == '_') || t.chars().next().unwrap().is_ascii_digit() {
                    return Err(format!("unit `{s}`: `{t}` is not a unit name"));
                }
                unit.add(t, sign);
            }
            token.clear();
            Ok(())
        };
        for c in s.chars() {
            match c {
                '*' | '/' => {
                    flush(&mut token, sign, &mut unit)?;
                    sign = if c == '*' { 1 } else { -1 };
                }
                _ => token.push(c),
            }
        }
        flush(&mut token, sign, &mut unit)?;
        Ok(unit)
    }

    fn add(&mut self, name: &str, exp: i32) {
        let e = self.0.entry(name.to_string()).or_insert(0);
        *e += exp;
        if *e == 0 {
            self.0.remove(name);
        }
    }

    pub fn mul(&self, other: &Unit) -> Unit {
        let mut u = self.clone();
        for (k, v) in &other.0 {
            u.add(k, *v);
        }
        u
    }

    pub fn div(&self, other: &Unit) -> Unit {
        let mut u = self.clone();
        for (k, v) in &other.0 {
            u.add(k, -v);
        }
        u
    }
}

impl fmt::Display for Unit {
    /// Canonical form: positive factors first, then `/` each negative one (`USD/person/month`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pos: Vec<String> = self
            .0
            .iter()
            .filter(|(_, e)| **e > 0)
            .flat_map(|(k, e)| std::iter::repeat_n(k.clone(), *e as usize))
            .collect();
        let neg: Vec<String> = self
            .0
            .iter()
            .filter(|(_, e)| **e < 0)
            .flat_map(|(k, e)| std::iter::repeat_n(k.clone(), (-*e) as usize))
            .collect();
        if pos.is_empty() {
            write!(f, "1")?;
        } else {
            write!(f, "{}", pos.join("*"))?;
        }
        for n in neg {
            write!(f, "/{n}")?;
        }
        Ok(())
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_combine() {
        let q = Unit::parse("shell").unwrap();
        let p = Unit::parse("USD/shell").unwrap();
        assert_eq!(q.mul(&p), Unit::usd());
        let pay = Unit::parse("USD/person/month").unwrap();
        let pm = Unit::parse("person*month").unwrap();
        assert_eq!(pay.mul(&pm), Unit::usd());
        assert_eq!(pay.to_string(), "USD/month/person");
        assert!(Unit::parse("1").unwrap().is_dimensionless());
        assert_eq!(Unit::parse("shell/container").unwrap().mul(&Unit::base("container")), q);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Unit::parse("").is_err());
        assert!(Unit::parse("USD//shell").is_err());
        assert!(Unit::parse("US D").is_err());
        assert!(Unit::parse("3kg").is_err());
    }
}
