//! `entente serve` and `entente keys`: flags → `entente_server`.

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use entente_server::keys::{self, KeyStore, Role};
use std::net::SocketAddr;
use std::path::PathBuf;

/// `entente serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. On a loopback address reads and screening are open without a key; on any other
    /// address every request needs one (`entente keys create`).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// List files or folders (format detected from content); default: the lists fetched last (`entente lists
    /// fetch`), reloaded when a new fetch makes another snapshot current.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub lists: Vec<PathBuf>,
    /// A dataset folder to use instead of the embedded dataset.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The key store (default: $ENTENTE_KEYS, else $XDG_CONFIG_HOME/entente/keys.json, else
    /// ~/.config/entente/keys.json).
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Ask for a key on a loopback address too.
    #[arg(long)]
    pub require_key: bool,
    /// Largest request body in bytes (batch uploads: --batch-limit).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub body_limit: usize,
    /// Largest batch upload (`POST /api/screen/batch`) in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub batch_limit: usize,
    /// Longest a request may take before its answer starts, in seconds (then 408).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Most Monte Carlo samples one model request may ask for.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_samples: usize,
    /// The store: a SQLite file (created on first start, seeded from the embedded dataset) or a PostgreSQL URL
    /// (postgres://…). With it the server serves the dashboard at /dash and the model reads the store's evidence
    /// ledger (so --data cannot be given with it).
    #[arg(long, value_name = "PATH|URL", conflicts_with = "data")]
    pub db: Option<String>,
}

/// `entente keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
    /// The key store (default as for `entente serve`).
    #[arg(long, value_name = "FILE", global = true)]
    pub keys: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it (once: only its argon2 hash is stored).
    Create {
        /// read < screen < write < admin; each includes the ones before it.
        #[arg(long, value_parser = ["read", "screen", "write", "admin"])]
        role: String,
        /// A name to recognise the key by.
        #[arg(long)]
        name: Option<String>,
    },
    /// List the keys: id, role, name, creation time.
    List,
    /// Remove a key by its id.
    Revoke {
        /// The key's id (the 16 hex digits after `ent_`).
        id: String,
    },
}

pub fn run_serve(a: ServeArgs) -> Result<u8> {
    if a.timeout == 0 {
        bail!("--timeout must be at least 1 second");
    }
    let mut cfg = entente_server::Config::new();
    cfg.addr = a.addr;
    cfg.lists = a.lists;
    cfg.data = a.data;
    if let Some(k) = a.keys {
        cfg.keys = k;
    }
    cfg.require_key = a.require_key;
    cfg.body_limit = a.body_limit;
    cfg.batch_limit = a.batch_limit;
    cfg.timeout = std::time::Duration::from_secs(a.timeout);
    cfg.max_samples = a.max_samples;
    cfg.db = a.db;
    entente_server::serve(cfg)?;
    Ok(0)
}

pub fn run_keys(a: KeysArgs) -> Result<u8> {
    let path = a.keys.unwrap_or_else(keys::default_path);
    let mut store = KeyStore::load(&path)?;
    match a.command {
        KeysCommand::Create { role, name } => {
            let role = Role::parse(&role).expect("clap checked the role");
            let (rec, key) = store.create(role, name)?;
            store.save(&path)?;
            crate::output::note(&format!(
                "created key {} (role {}) in {}; it is shown only now:",
                rec.id,
                rec.role,
                path.display()
            ));
            println!("{key}");
        }
        KeysCommand::List => {
            for k in &store.keys {
                println!("{}\t{}\t{}\t{}", k.id, k.role, k.created, k.name.as_deref().unwrap_or(""));
            }
        }
        KeysCommand::Revoke { id } => {
            if !store.revoke(&id) {
                bail!("no key with id {id} in {}", path.display());
            }
            store.save(&path)?;
            crate::output::note(&format!("revoked key {id}"));
        }
    }
    Ok(0)
}
