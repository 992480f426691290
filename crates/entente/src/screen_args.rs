//! `entente screen` and `entente lists`: being moved here from entente-screen (placeholder re-export).
pub use entente_screen::cli::{ListsArgs, ScreenArgs};

pub fn run_screen(a: ScreenArgs) -> anyhow::Result<u8> {
    Ok(entente_screen::cli::run_screen(a)? as u8)
}

pub fn run_lists(a: ListsArgs) -> anyhow::Result<u8> {
    Ok(entente_screen::cli::run_lists(a)? as u8)
}
