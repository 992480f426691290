//! Stand-alone `screen …` / `lists …` front end for benchmarks and manual use
//! (the `entente` binary exposes the same commands as `entente screen` and
//! `entente lists`).
use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    Screen(Box<entente_screen::cli::ScreenArgs>),
    Lists(entente_screen::cli::ListsArgs),
}

fn main() {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Lists(a) => entente_screen::cli::run_lists(a),
        Cmd::Screen(s) => entente_screen::cli::run_screen(*s),
    };
    match r {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
