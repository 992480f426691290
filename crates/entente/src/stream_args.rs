//! `entente stream`: screening workers behind a NATS JetStream queue — flags → `entente_stream` (which screens with
//! `entente_app::screen`, as `entente screen` and `entente serve` do) → standard output → exit code.

use crate::output::{note, print};
use crate::screen_args::{AlgorithmArg, LoadArgs, PolicyArgs};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use entente_app::screen::{load_index, ListsRequest, ScreenRequest};
use entente_stream::setup::StreamSettings;
use entente_stream::submit::SubmitFormat;
use entente_stream::worker::{self, Lists, ListsVersion, WorkerConfig};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Arguments of `entente stream`.
#[derive(Debug, Args)]
pub struct StreamArgs {
    #[command(subcommand)]
    pub command: StreamCommand,
}

/// `entente stream …` subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum StreamCommand {
    /// Join the durable consumer `entente-screen` on stream ENTENTE_PAYMENTS and screen every message; results go to
    /// `entente.results` (alerts also to `entente.alerts`). Stops on SIGTERM or Ctrl-C after the messages in flight.
    Worker(WorkerArgs),
    /// Publish each CSV row, JSON party or whole pacs.008 / pain.001 file as one message with a deterministic id.
    Submit(SubmitArgs),
    /// Collect results, one per message id, until `--expect N` or `--timeout`; exit 1 when any alerts.
    Results(ResultsArgs),
    /// Re-screen counterparties (every party in the store ENTENTE_PARTIES, or `--counterparties` files) against only
    /// the list entries added or changed between `--since VERSION` and the current published version.
    Rescreen(RescreenArgs),
    /// List versions shared through the broker (workers with `--lists-from-nats` switch to each new one).
    Lists {
        #[command(subcommand)]
        command: StreamListsCommand,
    },
}

/// `entente stream lists …`.
#[derive(Debug, Subcommand)]
pub enum StreamListsCommand {
    /// Put list files in the object store ENTENTE_LISTS and make them the current version.
    Publish {
        #[command(flatten)]
        broker: BrokerArgs,
        /// The version's name, given in every result screened against it (letters, digits, '-', '_', '.').
        #[arg(long)]
        version: String,
        /// List files.
        #[arg(long, num_args = 1.., required = true)]
        lists: Vec<PathBuf>,
    },
}

/// The broker and, for streams and the consumer that do not exist yet, how they are created.
#[derive(Debug, Clone, Args)]
pub struct BrokerArgs {
    /// NATS server URL (several comma-separated URLs of one cluster).
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    pub nats: String,
    /// Stream replicas when creating the streams (3 in a 3-node cluster survives one node down).
    #[arg(long, default_value_t = 1)]
    pub replicas: usize,
    /// Create the payments stream as a work queue (messages deleted once acked) instead of keeping them for
    /// `--max-age`.
    #[arg(long)]
    pub work_queue: bool,
    /// Keep messages and results this many hours when creating the streams (0: no limit).
    #[arg(long, default_value_t = 168.0, value_name = "HOURS")]
    pub max_age: f64,
    /// Deliveries of one message before it goes to the dead-letter subject `entente.dead` (consumer creation).
    #[arg(long, default_value_t = 5)]
    pub max_deliver: i64,
    /// Seconds a worker has to ack a message before it is redelivered (consumer creation).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub ack_wait: f64,
}

fn seconds(s: f64, what: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| anyhow::anyhow!("{what}: {s} is not a number of seconds >= 0"))
}

impl BrokerArgs {
    fn settings(&self) -> Result<StreamSettings> {
        let s = StreamSettings {
            replicas: self.replicas,
            work_queue: self.work_queue,
            max_age: seconds(self.max_age * 3600.0, "--max-age")?,
            max_deliver: self.max_deliver,
            ack_wait: seconds(self.ack_wait, "--ack-wait")?,
            ..Default::default()
        };
        s.check()?;
        Ok(s)
    }
}

/// Arguments of `entente stream worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// List files or folders (format detected from content); default: the lists fetched last.
    #[arg(long, num_args = 1..)]
    pub lists: Vec<PathBuf>,
    /// Screen against the list version published with `entente stream lists publish`, and switch to each new one.
    #[arg(long, conflicts_with = "lists")]
    pub lists_from_nats: bool,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Report hits scoring at least this (0–1).
    #[arg(long, short = 't', default_value_t = entente_app::screen::DEFAULT_THRESHOLD)]
    pub threshold: f32,
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Entente)]
    pub algorithm: AlgorithmArg,
    /// Most hits reported per screened party.
    #[arg(long, default_value_t = entente_app::screen::DEFAULT_LIMIT)]
    pub limit: usize,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The worker's id in every result (default: HOST-PID).
    #[arg(long)]
    pub id: Option<String>,
    /// Messages screened at the same time.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Messages pulled per request.
    #[arg(long, default_value_t = 200)]
    pub batch: usize,
    /// Milliseconds before a message that could not be screened is delivered again.
    #[arg(long, default_value_t = 200, value_name = "MS")]
    pub retry_delay: u64,
}

/// How `--input` is read by `submit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SubmitFormatArg {
    /// ISO 20022 when it starts with `<`, JSON when it starts with `{` or `[`, else CSV.
    Auto,
    Csv,
    /// An array of parties or one party per line: {"name", "type", "country", "dob", "ids", "reference"}.
    Json,
    Iso20022,
}

/// Arguments of `entente stream submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// File to submit: CSV with a header row, JSON parties, or ISO 20022 pacs.008 / pain.001. Repeatable.
    #[arg(long, short = 'i', required = true)]
    pub input: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = SubmitFormatArg::Auto)]
    pub input_format: SubmitFormatArg,
    /// CSV field delimiter.
    #[arg(long, default_value = ",")]
    pub delimiter: String,
}

/// Arguments of `entente stream rescreen`.
#[derive(Debug, Args)]
pub struct RescreenArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// The published list version the counterparties were last screened against (the target is the current one).
    #[arg(long, value_name = "VERSION")]
    pub since: String,
    /// Counterparty files (CSV, JSON parties, ISO 20022, read as `submit` reads them) instead of every party the
    /// workers stored.
    #[arg(long, num_args = 1..)]
    pub counterparties: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = SubmitFormatArg::Auto)]
    pub input_format: SubmitFormatArg,
    /// CSV field delimiter of `--counterparties`.
    #[arg(long, default_value = ",")]
    pub delimiter: String,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Output format of `entente stream results`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResultsFormat {
    /// One JSON result per line.
    Jsonl,
    /// One row per hit (or per party without hits, or per message that could not be screened).
    Csv,
}

/// Arguments of `entente stream results`.
#[derive(Debug, Args)]
pub struct ResultsArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// Stop once this many distinct message ids have results (0: read until `--timeout`).
    #[arg(long, default_value_t = 0)]
    pub expect: usize,
    /// Give up after this many seconds (an error when fewer than `--expect` results came).
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub timeout: f64,
    #[arg(long, short = 'f', value_enum, default_value_t = ResultsFormat::Jsonl)]
    pub format: ResultsFormat,
}

/// Runs `entente stream …`; exit 0, or 1 when `results` holds an alert.
pub fn run_stream(args: StreamArgs) -> Result<u8> {
    match args.command {
        StreamCommand::Worker(a) => run_worker(a),
        StreamCommand::Submit(a) => entente_stream::block_on(run_submit(a)),
        StreamCommand::Results(a) => entente_stream::block_on(run_results(a)),
        StreamCommand::Rescreen(a) => entente_stream::block_on(run_rescreen(a)),
        StreamCommand::Lists { command: StreamListsCommand::Publish { broker, version, lists } } => {
            entente_stream::block_on(async move {
                let client = entente_stream::connect(&broker.nats, false).await?;
                let p = entente_stream::lists::publish(&client, &version, &lists, broker.replicas).await?;
                note(&format!("list version {} is current ({} files)", p.version, p.objects.len()));
                Ok(0)
            })
        }
    }
}

fn run_worker(a: WorkerArgs) -> Result<u8> {
    let settings = a.broker.settings()?;
    let req = ScreenRequest {
        lists: ListsRequest { paths: a.lists.clone(), store_dir: None, load: a.load.options() },
        threshold: a.threshold,
        algorithm: a.algorithm.into(),
        limit: a.limit,
        policy: a.policy.choice(),
        max_list_age_days: a.policy.max_list_age,
        ..Default::default()
    };
    req.check_options()?;
    let from_nats = a.lists_from_nats;
    // published list versions (--lists-from-nats, and those rescreen messages name) are downloaded here
    let lists_dir = std::env::temp_dir().join(format!("entente-lists-{}", std::process::id()));
    let dir = lists_dir.clone();
    let version = if from_nats { None } else { Some(ListsVersion::new(load_index(&req.lists)?, &req, None)?) };
    let cfg = WorkerConfig {
        worker_id: a.id.clone().unwrap_or_else(worker::default_worker_id),
        settings,
        concurrency: a.concurrency,
        batch: a.batch,
        retry_delay: Duration::from_millis(a.retry_delay),
        request: req.clone(),
        lists_dir: lists_dir.clone(),
    };
    let id = cfg.worker_id.clone();
    let nats = a.broker.nats.clone();
    let replicas = a.broker.replicas;

    let stats = entente_stream::block_on(async move {
        let client = entente_stream::connect(&nats, true).await?;
        let lists = match version {
            Some(v) => Lists::new(v),
            None => entente_stream::lists::follow(&client, req, dir, replicas).await?,
        };
        let v = lists.current();
        note(&format!(
            "worker {}: lists version {} ({} entities); connected to {nats}",
            cfg.worker_id,
            v.version,
            v.index.index.entities.len()
        ));
        drop(v);
        worker::run(client, lists, cfg, entente_stream::shutdown_signal()).await
    });
    std::fs::remove_dir_all(&lists_dir).ok(); // the downloaded list versions
    let stats = stats?;
    note(&format!(
        "worker {id}: stopped; screened {} messages ({} alerting), {} could not be screened ({} dead-lettered), {} left for redelivery",
        stats.screened.load(Ordering::Relaxed),
        stats.alerts.load(Ordering::Relaxed),
        stats.errors.load(Ordering::Relaxed),
        stats.dead.load(Ordering::Relaxed),
        stats.failed.load(Ordering::Relaxed),
    ));
    Ok(0)
}

fn read_messages(
    inputs: &[PathBuf],
    format: SubmitFormatArg,
    delimiter: &str,
) -> Result<Vec<entente_stream::submit::OutMessage>> {
    let delimiter = match delimiter.as_bytes() {
        [b] => *b,
        _ if delimiter == "\\t" => b'\t',
        _ => bail!("--delimiter must be one byte, not {delimiter:?}"),
    };
    let format = match format {
        SubmitFormatArg::Auto => SubmitFormat::Auto,
        SubmitFormatArg::Csv => SubmitFormat::Csv,
        SubmitFormatArg::Json => SubmitFormat::Json,
        SubmitFormatArg::Iso20022 => SubmitFormat::Iso20022,
    };
    let mut msgs = Vec::new();
    for path in inputs {
        let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name =
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
        msgs.extend(entente_stream::submit::messages(&name, &data, format, delimiter)?);
    }
    Ok(msgs)
}

async fn run_submit(a: SubmitArgs) -> Result<u8> {
    let settings = a.broker.settings()?;
    let msgs = read_messages(&a.input, a.input_format, &a.delimiter)?;
    let client = entente_stream::connect(&a.broker.nats, false).await?;
    let s = entente_stream::submit::publish(&client, &msgs, &settings).await?;
    note(&format!("published {} messages ({} already submitted, dropped by the broker)", s.published, s.duplicates));
    Ok(0)
}

async fn run_rescreen(a: RescreenArgs) -> Result<u8> {
    let settings = a.broker.settings()?;
    let counterparties = if a.counterparties.is_empty() {
        None
    } else {
        Some(read_messages(&a.counterparties, a.input_format, &a.delimiter)?)
    };
    let client = entente_stream::connect(&a.broker.nats, false).await?;
    let dir = std::env::temp_dir().join(format!("entente-rescreen-{}", std::process::id()));
    let s =
        entente_stream::rescreen::submit(&client, &settings, &a.since, counterparties, &a.load.options(), &dir).await;
    std::fs::remove_dir_all(&dir).ok();
    let s = s?;
    note(&format!(
        "list version {} since {}: {} added, {} changed, {} removed entries; {} counterparties re-submitted ({} already submitted, dropped by the broker)",
        s.version, s.since, s.added, s.changed, s.removed, s.parties, s.submit.duplicates
    ));
    let summary = serde_json::json!({
        "since": s.since, "version": s.version, "added": s.added, "changed": s.changed, "removed": s.removed,
        "parties": s.parties, "published": s.submit.published, "duplicates": s.submit.duplicates,
    });
    print(&format!("{summary}\n"))?;
    Ok(0)
}

async fn run_results(a: ResultsArgs) -> Result<u8> {
    let settings = a.broker.settings()?;
    let timeout = seconds(a.timeout, "--timeout")?;
    let client = entente_stream::connect(&a.broker.nats, false).await?;
    let c = entente_stream::results::collect(&client, &settings, a.expect, timeout).await?;
    let text = match a.format {
        ResultsFormat::Jsonl => entente_stream::results::to_jsonl(&c)?,
        ResultsFormat::Csv => entente_stream::results::to_csv(&c)?,
    };
    print(&text)?;
    if c.repeats > 0 {
        note(&format!("{} repeated results (redeliveries) were de-duplicated by message id", c.repeats));
    }
    if a.expect > 0 && c.results.len() < a.expect {
        bail!("only {} of {} expected results within {} s", c.results.len(), a.expect, a.timeout);
    }
    Ok(u8::from(c.results.values().any(|r| r.alert)))
}
