//! The streams and the consumer, created when missing with the settings the user gives.

use anyhow::Result;
use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy, PullConsumer};
use async_nats::jetstream::kv;
use async_nats::jetstream::stream::{self, RetentionPolicy, StorageType};
use async_nats::jetstream::Context as Js;
use std::time::Duration;

/// The stream of messages to screen.
pub const PAYMENTS_STREAM: &str = "ENTENTE_PAYMENTS";
/// Its subjects: `entente.screen.csv`, `entente.screen.json`, `entente.screen.iso20022`.
pub const SCREEN_SUBJECTS: &str = "entente.screen.>";
/// The durable pull consumer every worker joins.
pub const CONSUMER: &str = "entente-screen";
/// The stream holding results, alerts and dead letters.
pub const RESULTS_STREAM: &str = "ENTENTE_RESULTS";
/// One result per message.
pub const RESULTS_SUBJECT: &str = "entente.results";
/// Results that alert (a hit, a policy alert, nothing screenable), again.
pub const ALERTS_SUBJECT: &str = "entente.alerts";
/// Messages that failed on every one of their deliveries.
pub const DEAD_SUBJECT: &str = "entente.dead";
/// The key-value bucket of every counterparty screened, keyed by its message id (what `rescreen` re-submits).
pub const PARTIES_BUCKET: &str = "ENTENTE_PARTIES";

/// How the streams and the consumer are created when missing (an existing stream or consumer is used as it is).
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Replicas of both streams (1, or up to the cluster size: 3 survives one node down).
    pub replicas: usize,
    /// Work queue: a message is deleted once acked. Otherwise (limits) messages stay until `max_age`.
    pub work_queue: bool,
    /// How long messages and results are kept (zero: unlimited).
    pub max_age: Duration,
    /// Window within which a repeated `Nats-Msg-Id` is dropped by the broker.
    pub duplicate_window: Duration,
    /// Deliveries of one message before it goes to the dead-letter subject.
    pub max_deliver: i64,
    /// Time a worker has to ack a message before it is redelivered (to any worker).
    pub ack_wait: Duration,
    /// Messages delivered and not yet acked, over all workers.
    pub max_ack_pending: i64,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            replicas: 1,
            work_queue: false,
            max_age: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(2 * 60),
            max_deliver: 5,
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 10_000,
        }
    }
}

impl StreamSettings {
    /// Refuses settings the broker would misread.
    pub fn check(&self) -> Result<()> {
        anyhow::ensure!(self.replicas >= 1 && self.replicas <= 5, "replicas must be 1 to 5, not {}", self.replicas);
        anyhow::ensure!(self.max_deliver >= 1, "max deliveries must be at least 1, not {}", self.max_deliver);
        anyhow::ensure!(!self.ack_wait.is_zero(), "the ack wait must be longer than zero");
        Ok(())
    }
}

/// Retries a JetStream API call for up to 30 s: right after a cluster node stops, the streams it led elect a new
/// leader, and calls time out meanwhile.
pub async fn retry<T, E, F, Fut>(what: &str, f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<T, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    retry_for(what, Duration::from_secs(30), f).await
}

/// Retries a JetStream API call for up to `patience`.
pub async fn retry_for<T, E, F, Fut>(what: &str, patience: Duration, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<T, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let start = std::time::Instant::now();
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if start.elapsed() < patience => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(anyhow::Error::new(e).context(what.to_string())),
        }
    }
}

/// Creates (when missing) the payments stream and returns it.
pub async fn payments_stream(js: &Js, s: &StreamSettings) -> Result<stream::Stream> {
    let retention = if s.work_queue { RetentionPolicy::WorkQueue } else { RetentionPolicy::Limits };
    open_stream(js, s, PAYMENTS_STREAM, &[SCREEN_SUBJECTS], retention).await
}

/// Creates (when missing) the results stream and returns it.
pub async fn results_stream(js: &Js, s: &StreamSettings) -> Result<stream::Stream> {
    open_stream(js, s, RESULTS_STREAM, &[RESULTS_SUBJECT, ALERTS_SUBJECT, DEAD_SUBJECT], RetentionPolicy::Limits).await
}

/// Creates (when missing) a file-backed stream `name` on `subjects` with the settings' replicas, age and
/// de-duplication window, retrying through leader elections.
async fn open_stream(
    js: &Js,
    s: &StreamSettings,
    name: &str,
    subjects: &[&str],
    retention: RetentionPolicy,
) -> Result<stream::Stream> {
    s.check()?;
    let what = format!("cannot create or open the stream {name}");
    retry(&what, || {
        js.get_or_create_stream(stream::Config {
            name: name.into(),
            subjects: subjects.iter().map(|x| x.to_string()).collect(),
            retention,
            storage: StorageType::File,
            num_replicas: s.replicas,
            max_age: s.max_age,
            duplicate_window: s.duplicate_window,
            ..Default::default()
        })
    })
    .await
}

/// Opens the key-value bucket `name`, creating it when missing with `replicas` and `history` values per key. The
/// bucket's stream is made directly (as the KV layer would): the client's own bucket creation does not read
/// nats-server 2.9's answer.
pub async fn kv_bucket(js: &Js, name: &str, replicas: usize, history: i64) -> Result<kv::Store> {
    if let Ok(k) = js.get_key_value(name).await {
        return Ok(k);
    }
    let what = format!("cannot create the key-value bucket {name}");
    retry(&what, || {
        js.get_or_create_stream(stream::Config {
            name: format!("KV_{name}"),
            subjects: vec![format!("$KV.{name}.>")],
            max_messages_per_subject: history,
            num_replicas: replicas,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
    })
    .await?;
    retry(&format!("cannot open the key-value bucket {name}"), || js.get_key_value(name)).await
}

/// Creates (when missing) both streams and the durable consumer workers share, and returns the consumer.
pub async fn consumer(js: &Js, s: &StreamSettings) -> Result<PullConsumer> {
    let payments = payments_stream(js, s).await?;
    results_stream(js, s).await?;
    let what = format!("cannot create or open the consumer {CONSUMER} on {PAYMENTS_STREAM}");
    retry(&what, || {
        payments.get_or_create_consumer(
            CONSUMER,
            pull::Config {
                durable_name: Some(CONSUMER.into()),
                ack_policy: AckPolicy::Explicit,
                deliver_policy: DeliverPolicy::All,
                max_deliver: s.max_deliver,
                ack_wait: s.ack_wait,
                max_ack_pending: s.max_ack_pending,
                num_replicas: s.replicas,
                ..Default::default()
            },
        )
    })
    .await
}
