//! Domain types of entente: the vocabulary every other crate speaks.
//!
//! Architecture invariant: this crate knows nothing about files, formats, sampling or the terminal. It holds
//! plain data (sources, grades, claims, variables, items, scenarios) and the small pure languages the dataset
//! uses (units and expressions), so that loading, estimating and rendering can each be tested on their own.

pub mod check;
pub mod dist;
pub mod expr;
pub mod grade;
pub mod model;
pub mod unit;

pub use check::{Check, CheckMeasure, StudyCategory};
pub use dist::{Distribution, Truncation};
pub use expr::Expr;
pub use grade::{Credibility, Grade, Reliability};
pub use model::*;
pub use unit::Unit;
