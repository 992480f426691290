//! Stand-alone `screen` / `lists` front end for benchmarks and manual use
//! (the `entente` binary exposes the same commands as `entente screen` and
//! `entente lists`): `screen [screen] ARGS…` screens, `screen lists …`
//! manages lists.
use clap::Parser;

#[derive(Parser)]
struct Screen {
    #[command(flatten)]
    args: entente_screen::cli::ScreenArgs,
}

#[derive(Parser)]
struct Lists {
    #[command(flatten)]
    args: entente_screen::cli::ListsArgs,
}

fn main() {
    let mut argv: Vec<String> = std::env::args().collect();
    let r = match argv.get(1).map(String::as_str) {
        Some("lists") => {
            argv.remove(1);
            entente_screen::cli::run_lists(Lists::parse_from(argv).args)
        }
        first => {
            if first == Some("screen") {
                argv.remove(1);
            }
            entente_screen::cli::run_screen(Screen::parse_from(argv).args)
        }
    };
    match r {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
