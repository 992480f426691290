//! Progress of long work, reported by the application and drawn (or not) by the front end: the CLI draws a bar on
//! a terminal and nothing when piped; the server reports nothing.

/// Receives progress of a long computation. `start` may be called more than once (one stage after another).
pub trait Progress: Sync {
    /// A stage of `total` steps begins (`total` 0: unknown).
    fn start(&self, _total: usize, _what: &str) {}
    /// `n` more steps are done.
    fn inc(&self, _n: usize) {}
    /// The stage is over.
    fn finish(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
