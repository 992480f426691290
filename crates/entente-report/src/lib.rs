//! Rendering. Every command builds a [`Doc`] — a title, metadata and tables of already formatted cells — and
//! one renderer per output format turns it into text. JSON is the exception: it serialises the engine's own
//! structs, so pipelines get full precision rather than formatted strings.
//!
//! Architecture invariant: this crate never computes a statistic; it only formats what the engine returns.
//! "How to print a money range" lives in [`num`] and nowhere else.

pub mod doc;
pub mod format;
pub mod html;
pub mod num;
pub mod views;

pub use doc::{Align, Doc, Row, Section, Table};
pub use format::{csv_table_missing, render, set_csv_table, set_table_width, show, OutputFormat};
