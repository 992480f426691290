//! The `entente` binary: clap → the application's typed request → `entente-app` → `entente-report` → stdout →
//! exit code. Architecture invariant: only this crate knows about argv, the terminal and exit codes.

mod cli;
mod commands;
mod data_args;
mod output;
mod screen_args;
mod serve_args;
mod stream_args;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    // `model` draws no samples: its `--samples` and `--seed` are hidden and refused rather than ignored
    let mut cmd = cli::CommandLine::command()
        .mut_subcommand("model", |c| c.mut_arg("samples", |a| a.hide(true)).mut_arg("seed", |a| a.hide(true)));
    let matches = cmd.get_matches_mut();
    if let Some(m) = matches.subcommand_matches("model") {
        for flag in ["samples", "seed"] {
            if m.value_source(flag) == Some(clap::parser::ValueSource::CommandLine) {
                cmd.error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("`model` prints the compiled model and draws no samples: drop `--{flag}`"),
                )
                .exit();
            }
        }
    }
    let args = match cli::CommandLine::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.format(&mut cmd).exit(),
    };
    output::set_quiet(args.quiet);
    entente_report::set_csv_table(args.csv_table.map(usize::from));
    output::set_table_width();
    let command = match args.command {
        cli::TopCommand::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli::CommandLine::command(), "entente", &mut out);
            return finish(output::print_bytes(&out).map(|_| 0));
        }
        cli::TopCommand::Man => {
            let mut out = Vec::new();
            let r = clap_mangen::Man::new(cli::CommandLine::command()).render(&mut out);
            return finish(r.map_err(anyhow::Error::from).and_then(|_| output::print_bytes(&out)).map(|_| 0));
        }
        cli::TopCommand::Main(c) => c,
    };
    let command = match command {
        cli::Command::Validate(mut v) => {
            if v.dir.is_some() {
                output::note("note: `entente validate DIR` is deprecated; use `entente validate --data DIR`");
            }
            v.dir = v.dir.or(v.data.take());
            cli::Command::Validate(v)
        }
        c => c,
    };
    finish(commands::run(cli::Cli { command }))
}

/// The exit code: 0 success, 1 a screening hit, 2 an error (printed on stderr).
fn finish(r: anyhow::Result<u8>) -> ExitCode {
    match r {
        Ok(code) => ExitCode::from(code),
        // a reader that closed the pipe (`entente … | head -1`) has what it wanted: not an error
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
