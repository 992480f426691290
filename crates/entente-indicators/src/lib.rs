//! Indicators of the Russia–North Korea partnership that sit beside the valuation: the official trade series
//! ([`trade`]) and the log of high-level meetings ([`meetings`]), with GDELT 2.0 import ([`gdelt`]).
//!
//! Architecture invariant: this crate computes; it never formats for people. Every result is a plain
//! serialisable struct that `entente-report` turns into tables and the binary prints.

pub mod gdelt;
pub mod meetings;
pub mod period;
pub mod stats;
pub mod trade;

pub use period::{Month, Period};

/// Bad input to an indicator: a malformed period, rate or option value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);
