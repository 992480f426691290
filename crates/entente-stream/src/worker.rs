//! A screening worker: pulls from the durable consumer, screens each message with [`entente_app::screen`], publishes
//! one result per message to `entente.results` (alerting ones also to `entente.alerts`), and acks the message only
//! once the broker has acknowledged the result.
//!
//! A malformed message gets an error result (with the reason) on every delivery and is negatively acknowledged;
//! on its last allowed delivery it is also published to the dead-letter subject and terminated, so it is never
//! retried forever and the worker goes on with the next one.

use crate::message::{
    self, Format, PARTY_HEADER, REF_HEADER, RESCREEN_SINCE_HEADER, RESCREEN_VERSION_HEADER, SUBMITTED_HEADER,
};
use crate::parties::{self, StoredParty};
use crate::rescreen::{Delta, Deltas};
use crate::setup::{self, StreamSettings, ALERTS_SUBJECT, DEAD_SUBJECT, RESULTS_SUBJECT};
use anyhow::{Context, Result};
use async_nats::jetstream::consumer::pull::{MessagesError, MessagesErrorKind};
use async_nats::jetstream::{self, kv, AckKind};
use async_nats::HeaderMap;
use entente_app::screen::{LoadedIndex, ScreenRequest, ScreenRun};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A loaded list version: the index, the run prepared against it, and its label.
pub struct ListsVersion {
    pub index: LoadedIndex,
    pub run: ScreenRun,
    /// Short label of the exact list files (SHA-256 over every file's hash), or the published version's name.
    pub version: String,
    pub lists: Vec<ListLabel>,
}

/// A list as a result names it: its name, publication date and files' SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListLabel {
    pub list: String,
    pub published: Option<String>,
    pub sha256: Vec<String>,
}

impl ListsVersion {
    /// Prepares a run of `req` (threshold, algorithm, limit, policy, list age) against an index; `version` names
    /// it (default: derived from the list files' hashes).
    pub fn new(index: LoadedIndex, req: &ScreenRequest, version: Option<String>) -> Result<ListsVersion> {
        let run = ScreenRun::new(&index, req, Vec::new()).map_err(anyhow::Error::new)?;
        let audit = index.lists_audit();
        let lists: Vec<ListLabel> = audit
            .lists
            .iter()
            .map(|l| ListLabel {
                list: l.list.clone(),
                published: l.published_iso.clone().or_else(|| l.published.clone()),
                sha256: l.files.iter().map(|f| f.sha256.clone()).collect(),
            })
            .collect();
        let version = version.unwrap_or_else(|| {
            let mut lines: Vec<String> =
                lists.iter().flat_map(|l| l.sha256.iter().map(move |h| format!("{}\t{h}\n", l.list))).collect();
            lines.sort();
            message::sha256_hex(lines.concat().as_bytes())[..16].to_string()
        });
        Ok(ListsVersion { index, run, version, lists })
    }
}

/// Whether a message was screened.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Error,
}

/// The result of one message (published as JSON on `entente.results`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultRecord {
    /// The message's `Nats-Msg-Id` (else `seq-N`, its stream sequence).
    pub msg_id: String,
    pub subject: String,
    /// Where the message came from (`Entente-Ref` header: file and row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub stream_seq: u64,
    /// Which delivery of the message this was (1 unless redelivered).
    pub delivered: i64,
    pub worker: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A hit, a policy alert or nothing screenable: needs a reviewer.
    pub alert: bool,
    /// The list version screened against.
    pub lists_version: String,
    pub lists: Vec<ListLabel>,
    pub threshold: f32,
    pub algorithm: String,
    /// When the message was screened (RFC 3339).
    pub screened_at: String,
    /// Unix microseconds at submission (from the message) and when the result was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_us: Option<i64>,
    pub done_us: i64,
    /// The screened parties with their hits, as `entente screen --format json` gives them.
    pub parties: serde_json::Value,
    /// A rescreen (`entente stream rescreen`): the party was screened against only the entries of
    /// `lists_version` added or changed since `since`, listed in `changed_entries`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rescreen: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The message id the party was first screened under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_entries: Vec<String>,
}

/// What a worker does besides the lists.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Named in every result.
    pub worker_id: String,
    /// Used when the streams or the consumer do not exist yet.
    pub settings: StreamSettings,
    /// Messages screened at the same time.
    pub concurrency: usize,
    /// Messages pulled per request.
    pub batch: usize,
    /// Delay before a malformed message is delivered again.
    pub retry_delay: Duration,
    /// Load and screening options of the list versions rescreen messages name (fetched from the broker).
    pub request: ScreenRequest,
    /// Where those versions' files are downloaded.
    pub lists_dir: PathBuf,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            worker_id: default_worker_id(),
            settings: StreamSettings::default(),
            concurrency: 32,
            batch: 200,
            retry_delay: Duration::from_millis(200),
            request: ScreenRequest::default(),
            lists_dir: std::env::temp_dir().join(format!("entente-lists-{}", std::process::id())),
        }
    }
}

/// `HOST-PID`.
pub fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    format!("{}-{}", if host.is_empty() { "worker" } else { &host }, std::process::id())
}

/// What a worker did.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub screened: AtomicU64,
    pub alerts: AtomicU64,
    pub errors: AtomicU64,
    pub dead: AtomicU64,
    /// Messages left unacked because publishing their result failed (they are redelivered).
    pub failed: AtomicU64,
}

/// The lists a worker screens against; [`Lists::swap`] replaces them atomically between messages (a message is
/// screened against the version current when its screening started, and its result names that version).
#[derive(Clone)]
pub struct Lists(Arc<RwLock<Arc<ListsVersion>>>);

impl Lists {
    pub fn new(v: ListsVersion) -> Lists {
        Lists(Arc::new(RwLock::new(Arc::new(v))))
    }
    pub fn current(&self) -> Arc<ListsVersion> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub fn swap(&self, v: ListsVersion) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(v);
    }
}

/// How long a worker keeps trying to publish a result (and store its party) before leaving the message for
/// redelivery.
const PUBLISH_PATIENCE: Duration = Duration::from_secs(30);

struct Ctx {
    client: async_nats::Client,
    /// When the worker last reconnected because the broker said no stream takes its results.
    reconnected: tokio::sync::Mutex<Option<tokio::time::Instant>>,
    js: jetstream::Context,
    lists: Lists,
    parties: kv::Store,
    deltas: Deltas,
    cfg: WorkerConfig,
    max_deliver: i64,
    stats: Arc<WorkerStats>,
}

/// Runs a worker until `shutdown` completes (e.g. SIGTERM): then it pulls no more, finishes the messages in
/// flight, and returns. Messages it had pulled but not started are redelivered after the ack wait.
pub async fn run(
    client: async_nats::Client,
    lists: Lists,
    cfg: WorkerConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Arc<WorkerStats>> {
    anyhow::ensure!(cfg.concurrency >= 1 && cfg.batch >= 1, "concurrency and batch must be at least 1");
    let js = jetstream::new(client.clone());
    let consumer = setup::consumer(&js, &cfg.settings).await?;
    let max_deliver = consumer.cached_info().config.max_deliver;
    let stats = Arc::new(WorkerStats::default());
    let parties = parties::bucket(&js, cfg.settings.replicas).await?;
    let deltas = Deltas::new(js.clone(), cfg.request.clone(), cfg.lists_dir.clone(), cfg.settings.replicas);
    let ctx = Arc::new(Ctx {
        client: client.clone(),
        reconnected: tokio::sync::Mutex::new(None),
        js,
        lists,
        parties,
        deltas,
        cfg: cfg.clone(),
        max_deliver,
        stats: stats.clone(),
    });
    let messages = pull(consumer, cfg.batch, cfg.worker_id.clone()).await?;
    messages
        .take_until(shutdown)
        .for_each_concurrent(cfg.concurrency, |m| {
            let ctx = ctx.clone();
            async move {
                match m {
                    Ok(msg) => handle(&ctx, msg).await,
                    Err(e) => eprintln!("worker {}: pulling: {e}", ctx.cfg.worker_id),
                }
            }
        })
        .await;
    // (bounded: a broker that is gone would keep a flush waiting for a reconnection forever)
    tokio::time::timeout(Duration::from_secs(5), client.flush()).await.ok();
    Ok(stats)
}

/// How long a pull request waits at the broker, and how often the broker says it is still waiting while there is
/// nothing to deliver (the broker requires the heartbeat to be at most half the expiry).
const PULL_EXPIRES: Duration = Duration::from_secs(10);
const PULL_HEARTBEAT: Duration = Duration::from_secs(2);

/// The consumer's messages, pulled in batches of `batch`, with a pull request always waiting at the broker.
///
/// Why the heartbeat: async-nats (0.51) keeps a count of the messages its outstanding pull requests may still
/// deliver and sends the next request only when that count falls to half a batch. It adds a request's batch to
/// the count when its background task reports the request *sent*, but counts messages down as they arrive, with a
/// floor of 0. When a request's messages arrive before that report (the background task was descheduled between
/// publishing the request and reporting it: likely on a loaded machine, and with `--batch 1` at every message),
/// they are counted against nothing and the request's batch is added afterwards: the client then believes a
/// request is still open that the broker has already fulfilled, sends no more, and the worker idles until the
/// stream's own timer re-pulls, at the expiry + 5 s (35 s by default). A stream test with `--batch 1` got 558 of
/// 1,200 results in 60 s that way. With 1,200 messages, `--batch 1` and a loaded machine, a worker without the
/// re-pull below took ~39 s (instead of 3–5 s) in 2 of 6 runs; with it, a single broker was seen holding no pull
/// request of the worker's while 377–1,062 messages were pending in 4 of 16 runs, each costing ~4 s. A request
/// can also be lost at the broker (a consumer leader change in a cluster drops its waiting requests).
///
/// With an idle heartbeat the broker signals every [`PULL_HEARTBEAT`] while it holds a request of ours with
/// nothing to deliver; with no request held, nothing comes, and after two heartbeats the stream reports
/// `MissingHeartbeat`. The worker then opens a new pull stream (fresh count, a new request at once), so a lost or
/// miscounted request costs at most ~4 s instead of 35. Messages the old stream had received but not yet handed
/// over are redelivered after the ack wait (at-least-once, as after a crash).
async fn pull(
    consumer: jetstream::consumer::PullConsumer,
    batch: usize,
    worker_id: String,
) -> Result<impl futures_util::Stream<Item = Result<jetstream::Message, MessagesError>>> {
    let open = move |consumer: jetstream::consumer::PullConsumer| async move {
        consumer
            .stream()
            .max_messages_per_batch(batch)
            .expires(PULL_EXPIRES)
            .heartbeat(PULL_HEARTBEAT)
            .messages()
            .await
            .context("cannot pull from the consumer")
    };
    let first = open(consumer.clone()).await?;
    // Set when a stream missed its heartbeats (it is then replaced); a stream that ends otherwise (the consumer
    // was deleted, a request exceeded its limits) ends the worker's pulling as before.
    let missed = Arc::new(AtomicBool::new(false));
    let streams = futures_util::stream::unfold(Some(first), move |first| {
        let (consumer, missed, worker_id) = (consumer.clone(), missed.clone(), worker_id.clone());
        async move {
            let messages = match first {
                Some(m) => m,
                None if missed.swap(false, Ordering::Relaxed) => loop {
                    let broker = match consumer.get_info().await {
                        Ok(i) => format!("{} pull requests waiting, {} messages pending", i.num_waiting, i.num_pending),
                        Err(e) => format!("consumer info: {e}"),
                    };
                    eprintln!(
                        "worker {worker_id}: no heartbeat from the broker for {:?} (the broker has {broker}): \
                         pulling again",
                        PULL_HEARTBEAT * 2
                    );
                    match open(consumer.clone()).await {
                        Ok(m) => break m,
                        Err(e) => {
                            eprintln!("worker {worker_id}: {e:#}");
                            tokio::time::sleep(PULL_HEARTBEAT).await;
                        }
                    }
                },
                None => return None,
            };
            let flag = missed.clone();
            let messages = messages.take_while(move |m| {
                let lost = matches!(m, Err(e) if e.kind() == MessagesErrorKind::MissingHeartbeat);
                if lost {
                    flag.store(true, Ordering::Relaxed);
                }
                std::future::ready(!lost)
            });
            Some((messages, None))
        }
    });
    Ok(streams.flatten())
}

impl Ctx {
    /// Reconnects to the broker, at most once every 5 s. After a cluster node stops, nats-server 2.9 can keep
    /// answering "no responders" on one connection for a subject whose stream has a new leader (the stream is
    /// healthy, and other connections reach it); a new connection does not have that stale view.
    async fn reconnect(&self) {
        let mut last = self.reconnected.lock().await;
        if last.is_some_and(|t| t.elapsed() < Duration::from_secs(5)) {
            return;
        }
        *last = Some(tokio::time::Instant::now());
        eprintln!("worker {}: the broker found no stream for a result; reconnecting", self.cfg.worker_id);
        if let Err(e) = self.client.force_reconnect().await {
            eprintln!("worker {}: reconnecting: {e}", self.cfg.worker_id);
        }
    }
}

fn header(msg: &jetstream::Message, name: &str) -> Option<String> {
    msg.headers.as_ref()?.get(name).map(|v| v.as_str().to_string())
}

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

async fn handle(ctx: &Ctx, msg: jetstream::Message) {
    let (stream_seq, delivered) = match msg.info() {
        Ok(i) => (i.stream_sequence, i.delivered),
        Err(e) => {
            eprintln!("worker {}: a message without JetStream metadata: {e}", ctx.cfg.worker_id);
            return;
        }
    };
    let msg_id = header(&msg, async_nats::header::NATS_MESSAGE_ID.as_ref()).unwrap_or(format!("seq-{stream_seq}"));
    let reference = header(&msg, REF_HEADER);
    let submitted_us = header(&msg, SUBMITTED_HEADER).and_then(|s| s.parse().ok());
    let source = reference.clone().unwrap_or_else(|| format!("message {msg_id}"));
    let subject = Format::parse_subject(msg.subject.as_str());
    let is_rescreen = matches!(subject, Ok((_, true)));
    // A rescreen is screened against the added / changed entries of the version it names, else the current lists.
    let (delta, rescreen_since, party_id) = if is_rescreen {
        let since = header(&msg, RESCREEN_SINCE_HEADER);
        let version = header(&msg, RESCREEN_VERSION_HEADER);
        let delta = match (&since, &version) {
            (Some(s), Some(v)) => ctx.deltas.get(s, v, &ctx.lists).await.map(Some),
            _ => Err(anyhow::anyhow!(
                "{source}: a rescreen message needs the headers {RESCREEN_SINCE_HEADER} and {RESCREEN_VERSION_HEADER}"
            )),
        };
        (delta, since, header(&msg, PARTY_HEADER))
    } else {
        (Ok(None), None, None)
    };
    let lists = match &delta {
        Ok(Some(d)) => d.target.clone(),
        _ => ctx.lists.current(),
    };
    let parsed = match &delta {
        Err(e) => Err(anyhow::anyhow!("{e:#}")),
        Ok(_) => subject.and_then(|(f, _)| message::parties(f, &source, &msg.payload).map(|ps| (f, ps))),
    };
    let mut record = ResultRecord {
        msg_id: msg_id.clone(),
        subject: msg.subject.to_string(),
        reference: reference.clone(),
        stream_seq,
        delivered,
        worker: ctx.cfg.worker_id.clone(),
        status: Status::Ok,
        error: None,
        alert: false,
        lists_version: lists.version.clone(),
        lists: lists.lists.clone(),
        threshold: lists.run.options.threshold,
        algorithm: lists.run.audit.algorithm.clone(),
        screened_at: String::new(),
        submitted_us,
        done_us: 0,
        parties: serde_json::Value::Array(Vec::new()),
        rescreen: is_rescreen,
        since: rescreen_since,
        party_id,
        changed_entries: Vec::new(),
    };
    if is_rescreen {
        if let Some(v) = header(&msg, RESCREEN_VERSION_HEADER) {
            record.lists_version = v; // also when its delta could not be built
        }
    }
    let delta: Option<Arc<Delta>> = delta.ok().flatten();
    if let Some(d) = &delta {
        record.changed_entries = d.changed.clone();
    }
    let mut to_store = None;
    let failed = match parsed {
        Ok((format, mut parties)) => {
            if let (Some(r), Format::Csv | Format::Json) = (&reference, format) {
                for p in &mut parties {
                    if p.reference.is_empty() || p.reference == "1" || p.reference == source {
                        p.reference = r.clone();
                    }
                }
            }
            if !is_rescreen {
                to_store = Some(StoredParty {
                    id: msg_id.clone(),
                    format,
                    reference: reference.clone(),
                    payload: msg.payload.to_vec(),
                });
            }
            let l = lists.clone();
            let screened = tokio::task::spawn_blocking(move || match delta {
                Some(d) => d.screen(parties),
                None => l.run.screen(&l.index, parties),
            })
            .await;
            match screened {
                Ok(results) => {
                    record.alert = results.iter().any(|r| r.alerts());
                    record.parties = serde_json::to_value(&results).unwrap_or_default();
                    None
                }
                Err(e) => Some(format!("screening failed: {e}")),
            }
        }
        Err(e) => Some(format!("{e:#}")),
    };
    record.screened_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    record.done_us = now_us();
    if let Some(reason) = &failed {
        record.status = Status::Error;
        record.error = Some(reason.clone());
        record.alert = true;
        to_store = None;
    }
    // The party is stored and the result published before the message is acked. While the broker does not
    // answer (a leader election after a node stopped), both are retried for a while, the message kept ours with
    // in-progress acks, so that an election does not use up its deliveries; after that it is left for redelivery.
    let started = tokio::time::Instant::now();
    loop {
        let store = async {
            match &to_store {
                Some(p) => parties::put(&ctx.parties, p).await,
                None => Ok(()),
            }
        };
        let (published, stored) = tokio::join!(publish_result(ctx, &record), store);
        let Err(e) = published.and(stored) else { break };
        if started.elapsed() >= PUBLISH_PATIENCE {
            ctx.stats.failed.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "worker {}: message {msg_id}: result or party not stored, left for redelivery: {e:#}",
                ctx.cfg.worker_id
            );
            return;
        }
        if format!("{e:#}").contains("no stream found") {
            ctx.reconnect().await;
        }
        msg.ack_with(AckKind::Progress).await.ok();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ack = match &failed {
        None => {
            ctx.stats.screened.fetch_add(1, Ordering::Relaxed);
            if record.alert {
                ctx.stats.alerts.fetch_add(1, Ordering::Relaxed);
            }
            AckKind::Ack
        }
        Some(reason) => {
            ctx.stats.errors.fetch_add(1, Ordering::Relaxed);
            if ctx.max_deliver > 0 && delivered >= ctx.max_deliver {
                if let Err(e) = dead_letter(ctx, &msg, &msg_id, reason, delivered).await {
                    eprintln!("worker {}: message {msg_id}: dead letter not published: {e:#}", ctx.cfg.worker_id);
                    return;
                }
                ctx.stats.dead.fetch_add(1, Ordering::Relaxed);
                AckKind::Term
            } else {
                AckKind::Nak(Some(ctx.cfg.retry_delay))
            }
        }
    };
    if let Err(e) = msg.ack_with(ack).await {
        eprintln!("worker {}: message {msg_id}: ack failed (it will be redelivered): {e}", ctx.cfg.worker_id);
    }
}

/// Publishes a record (and, when it alerts, again on the alerts subject) and waits for the broker's acks.
async fn publish_result(ctx: &Ctx, record: &ResultRecord) -> Result<()> {
    let body = bytes::Bytes::from(serde_json::to_vec(record)?);
    let mut h = HeaderMap::new();
    h.insert(async_nats::header::NATS_MESSAGE_ID, record.msg_id.as_str());
    let first = ctx.js.publish_with_headers(RESULTS_SUBJECT, h, body.clone()).await?;
    let second = if record.alert {
        let mut h = HeaderMap::new();
        h.insert(async_nats::header::NATS_MESSAGE_ID, format!("{}:alert", record.msg_id).as_str());
        Some(ctx.js.publish_with_headers(ALERTS_SUBJECT, h, body).await?)
    } else {
        None
    };
    first.await.context("results stream did not acknowledge")?;
    if let Some(s) = second {
        s.await.context("results stream did not acknowledge the alert")?;
    }
    Ok(())
}

/// Publishes a message that failed on its last delivery to the dead-letter subject, with its headers, subject,
/// delivery count and the reason.
async fn dead_letter(ctx: &Ctx, msg: &jetstream::Message, msg_id: &str, reason: &str, delivered: i64) -> Result<()> {
    let mut h = msg.headers.clone().unwrap_or_default();
    h.insert(async_nats::header::NATS_MESSAGE_ID, format!("{msg_id}:dead").as_str());
    h.insert("Entente-Msg-Id", msg_id);
    h.insert("Entente-Subject", msg.subject.as_str());
    h.insert("Entente-Deliveries", delivered.to_string().as_str());
    h.insert("Entente-Error", reason.replace(['\r', '\n'], " ").as_str());
    ctx.js.publish_with_headers(DEAD_SUBJECT, h, msg.payload.clone()).await?.await?;
    Ok(())
}
