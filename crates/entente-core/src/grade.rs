//! The NATO Admiralty grading of evidence (STANAG 2511 / AJP-2.1): the reliability of a source (A–F) and the
//! credibility of the information (1–6) are graded independently and written together, e.g. `B2`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Reliability of a source: A (completely reliable) … E (unreliable), F (cannot be judged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Reliability {
    A,
    B,
    C,
    D,
    E,
    F,
}

/// Credibility of information: 1 (confirmed) … 5 (improbable), 6 (truth cannot be judged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Credibility(u8);

impl Reliability {
    pub fn from_letter(c: char) -> Option<Self> {
        Some(match c.to_ascii_uppercase() {
            'A' => Self::A,
            'B' => Self::B,
            'C' => Self::C,
            'D' => Self::D,
            'E' => Self::E,
            'F' => Self::F,
            _ => return None,
        })
    }

    pub fn letter(self) -> char {
        b"ABCDEF"[self as usize] as char
    }

    /// The standard wording of the grade.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::A => "completely reliable",
            Self::B => "usually reliable",
            Self::C => "fairly reliable",
            Self::D => "not usually reliable",
            Self::E => "unreliable",
            Self::F => "reliability cannot be judged",
        }
    }
}

impl Credibility {
    pub fn new(n: u8) -> Option<Self> {
        (1..=6).contains(&n).then_some(Self(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn meaning(self) -> &'static str {
        match self.0 {
            1 => "confirmed by other sources",
            2 => "probably true",
            3 => "possibly true",
            4 => "doubtful",
            5 => "improbable",
            _ => "truth cannot be judged",
        }
    }
}

/// A full Admiralty grade such as `B2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grade {
    pub reliability: Reliability,
    pub credibility: Credibility,
}

impl Grade {
    /// True when this grade is at least as good as `min` on *both* axes. `F` and `6` ("cannot be judged") are
    /// the weakest values, so a `--min-grade` filter drops unjudged evidence, which is the conservative choice.
    pub fn meets(self, min: Grade) -> bool {
        self.reliability <= min.reliability && self.credibility <= min.credibility
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.reliability.letter(), self.credibility.0)
    }
}

impl FromStr for Grade {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut chars = s.trim().chars();
        let (Some(r), Some(c), None) = (chars.next(), chars.next(), chars.next()) else {
            return Err(format!("grade `{s}` is not a letter A–F followed by a digit 1–6"));
        };
        let reliability = Reliability::from_letter(r).ok_or_else(|| format!("reliability `{r}` is not A–F"))?;
        let credibility = c
            .to_digit(10)
            .and_then(|d| Credibility::new(d as u8))
            .ok_or_else(|| format!("credibility `{c}` is not 1–6"))?;
        Ok(Grade { reliability, credibility })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let g: Grade = "b3".parse().unwrap();
        assert_eq!(g.to_string(), "B3");
        assert!("G1".parse::<Grade>().is_err());
        assert!("A7".parse::<Grade>().is_err());
        assert!("A12".parse::<Grade>().is_err());
    }

    #[test]
    fn meets_needs_both_axes() {
        let min: Grade = "B3".parse().unwrap();
        assert!("A1".parse::<Grade>().unwrap().meets(min));
        assert!("B3".parse::<Grade>().unwrap().meets(min));
        assert!(!"A4".parse::<Grade>().unwrap().meets(min));
        assert!(!"C2".parse::<Grade>().unwrap().meets(min));
        assert!(!"F6".parse::<Grade>().unwrap().meets(min));
    }
}
