//! Stand-alone `screen` / `lists` front end for benchmarks and manual use
//! (the `entente` binary exposes the same commands as `entente screen` and
//! `entente lists`).
use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    screen: Option<entente_screen::cli::ScreenArgs>,
}

#[derive(Subcommand)]
enum Cmd {
    Lists(entente_screen::cli::ListsArgs),
}

fn main() {
    let cli = Cli::parse();
    let r = match (cli.cmd, cli.screen) {
        (Some(Cmd::Lists(a)), _) => entente_screen::cli::run_lists(a),
        (None, Some(s)) => entente_screen::cli::run_screen(s),
        (None, None) => Ok(0),
    };
    match r {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
