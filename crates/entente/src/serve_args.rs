//! `entente serve` and `entente keys`: placeholder until entente-server lands.
use clap::Args;

#[derive(Debug, Args)]
pub struct ServeArgs {}

#[derive(Debug, Args)]
pub struct KeysArgs {}

pub fn run_serve(_: ServeArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`entente serve` is not built yet")
}

pub fn run_keys(_: KeysArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`entente keys` is not built yet")
}
