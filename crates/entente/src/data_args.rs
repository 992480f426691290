//! `entente data export|import` (the evidence ledger as dataset files) and `entente users add|list|set-role`
//! (dashboard users of a store).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use entente_app::ledger::{self, store};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

/// The roles a dashboard user may have.
const ROLES: [&str; 4] = ["viewer", "analyst", "reviewer", "admin"];

#[derive(Debug, Args)]
pub struct DataCmdArgs {
    #[command(subcommand)]
    pub command: DataCommand,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Write the dataset files (TOML, CSV, actors.toml) of a store's ledger, or of the embedded dataset without
    /// --db, into DIR. Each file is written to a temporary file and renamed, never half-written.
    Export {
        /// The folder to write (created if missing; a non-empty folder must already hold a dataset).
        dir: PathBuf,
        /// The store: a SQLite file path, sqlite:PATH or postgres://… (default: the embedded dataset).
        #[arg(long, value_name = "URL")]
        db: Option<String>,
        /// Write into a non-empty folder that holds no dataset.
        #[arg(long)]
        force: bool,
    },
    /// Replace a store's ledger with the dataset in DIR: validated first (every error is printed and nothing is
    /// stored), then written in one transaction and audited.
    Import {
        /// The dataset folder.
        dir: PathBuf,
        /// The store: a SQLite file path (created if missing), sqlite:PATH or postgres://….
        #[arg(long, value_name = "URL")]
        db: String,
    },
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: UsersCommand,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a dashboard user (creating the store if it does not exist). The password comes from ENTENTE_PASSWORD,
    /// else a prompt that does not echo (on a terminal), else the first line of standard input; never from the
    /// command line.
    Add {
        /// The user name (letters, digits and . _ @ -).
        name: String,
        /// viewer < analyst < reviewer < admin; each may do what the ones before it may.
        #[arg(long, value_parser = ROLES)]
        role: String,
        /// The store: a SQLite file path, sqlite:PATH or postgres://….
        #[arg(long, value_name = "URL")]
        db: String,
    },
    /// List the users: name, role, created, locked until.
    List {
        /// The store: a SQLite file path, sqlite:PATH or postgres://….
        #[arg(long, value_name = "URL")]
        db: String,
    },
    /// Change a user's role.
    SetRole {
        /// The user name.
        name: String,
        /// viewer < analyst < reviewer < admin.
        #[arg(long, value_parser = ROLES)]
        role: String,
        /// The store: a SQLite file path, sqlite:PATH or postgres://….
        #[arg(long, value_name = "URL")]
        db: String,
    },
}

/// Who the audit log names for a command-line action.
fn actor() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Opens a store, creating (and seeding) it if it does not exist yet: for `import` and `users add`, the commands
/// that set a store up.
fn open(rt: &store::Runtime, db: &str) -> Result<store::Store> {
    rt.block_on(store::open(db)).with_context(|| format!("cannot open the store {db}"))
}

/// Opens a store that must already exist: a mistyped SQLite path is an error, not a new empty store.
fn open_existing(rt: &store::Runtime, db: &str) -> Result<store::Store> {
    if let (_, store::Backend::Sqlite) = store::parse_url(db)? {
        let path = db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")).unwrap_or(db);
        let path = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(path).is_file() {
            bail!(
                "no store at {path}: `entente data import DIR --db {path}`, `entente users add NAME --db {path}` or \
                 `entente serve --db {path}` creates one"
            );
        }
    }
    open(rt, db)
}

pub fn run_data(a: DataCmdArgs) -> Result<u8> {
    match a.command {
        DataCommand::Export { dir, db, force } => {
            let files = match &db {
                None => store::embedded_files(),
                Some(db) => {
                    let rt = store::runtime()?;
                    let s = open_existing(&rt, db)?;
                    rt.block_on(s.files())?
                }
            };
            let written = ledger::export(&files, &dir, force)?;
            crate::output::note(&format!("wrote {} files to {}", written.len(), dir.display()));
        }
        DataCommand::Import { dir, db } => {
            let rt = store::runtime()?;
            let s = open(&rt, &db)?;
            let done = rt.block_on(ledger::import(&s, &dir, &actor()))?;
            rt.block_on(s.close());
            crate::output::note(&format!("imported {} into {db}: ledger revision {}", dir.display(), done.revision));
            if !done.removed.is_empty() {
                crate::output::note(&format!(
                    "warning: the folder has no {}: the ledger no longer holds them (the import replaces it whole)",
                    done.removed.join(", ")
                ));
            }
        }
    }
    Ok(0)
}

/// The password: ENTENTE_PASSWORD, else a prompt that does not echo on a terminal, else the first line of
/// standard input.
fn password() -> Result<String> {
    if let Ok(p) = std::env::var("ENTENTE_PASSWORD") {
        return Ok(p);
    }
    let p = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("password: ").context("cannot read the password from the terminal")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    if p.is_empty() {
        bail!("no password: set ENTENTE_PASSWORD or give it on standard input");
    }
    Ok(p)
}

pub fn run_users(a: UsersArgs) -> Result<u8> {
    let rt = store::runtime()?;
    match a.command {
        UsersCommand::Add { name, role, db } => {
            let role: store::UserRole = role.parse()?;
            let pw = password()?;
            let s = open(&rt, &db)?;
            rt.block_on(s.add_user(&name, &pw, role, &actor()))?;
            crate::output::note(&format!("added user {name} ({role})"));
        }
        UsersCommand::List { db } => {
            let s = open_existing(&rt, &db)?;
            for u in rt.block_on(s.users())? {
                println!("{}\t{}\t{}\t{}", u.name, u.role, u.created, u.locked_until.as_deref().unwrap_or(""));
            }
        }
        UsersCommand::SetRole { name, role, db } => {
            let role: store::UserRole = role.parse()?;
            let s = open_existing(&rt, &db)?;
            rt.block_on(s.set_role(&name, role, &actor()))?;
            crate::output::note(&format!("{name} is now {role}"));
        }
    }
    Ok(0)
}
