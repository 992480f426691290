//! The application layer: one function per command, each taking a typed request and returning a typed result.
//! Every front end (the `entente` binary, `entente serve`) parses its own syntax into these requests, calls the
//! function, and renders the result with `entente-report`.
//!
//! Architecture invariant: nothing here knows about argv, stdout, exit codes, HTTP or HTML. No function prints;
//! long work reports through a [`Progress`]; errors are typed ([`Error`]) and a front end maps them to an exit
//! code or an HTTP status. Defaults (sample count, seed) are defined once, in [`spec`].

pub mod allow;
pub mod error;
pub mod gaps;
pub mod indicators;
pub mod ledger;
pub mod lists;
pub mod memory;
pub mod model;
pub mod progress;
pub mod report;
pub mod screen;
pub mod spec;

pub use error::{Error, Result};
pub use progress::{Progress, Silent};
pub use spec::{DataSource, RunSpec, DEFAULT_SEED};
