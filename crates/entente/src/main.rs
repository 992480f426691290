//! The `entente` binary: parses arguments, loads the dataset, calls the engine, renders, and decides the exit
//! code. Architecture invariant: only this crate knows about argv, the terminal and exit codes.

mod analysis;
mod cli;
mod commands;
mod gaps;
mod indicators;
mod output;
mod report;
mod triangulate;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
