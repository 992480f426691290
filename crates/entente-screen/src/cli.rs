//! Command-line arguments and entry points for `entente screen` and `entente lists`.
//! The binary only parses argv into these structs and maps the returned code to an exit status.

use clap::{Args, Subcommand};

/// Arguments of `entente screen`.
#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Names to screen.
    pub names: Vec<String>,
}

/// Arguments of `entente lists`.
#[derive(Debug, Args)]
pub struct ListsArgs {
    #[command(subcommand)]
    pub command: ListsCommand,
}

/// `entente lists …` subcommands.
#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// Summarise the loaded lists.
    Show,
}

/// Runs `entente screen`; returns the process exit code (0 no hit, 1 hit, 2 error).
pub fn run_screen(_args: ScreenArgs) -> anyhow::Result<i32> {
    anyhow::bail!("screening is not built yet")
}

/// Runs `entente lists …`; returns the process exit code.
pub fn run_lists(_args: ListsArgs) -> anyhow::Result<i32> {
    anyhow::bail!("list management is not built yet")
}
