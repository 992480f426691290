//! Screening behind a NATS JetStream queue: any number of workers, on any number of machines, share one durable
//! pull consumer and screen each message with the same application functions as `entente screen` and
//! `entente serve` ([`entente_app::screen`]).
//!
//! - [`setup`]: the payments stream `ENTENTE_PAYMENTS` (subjects `entente.screen.>`), the durable pull consumer
//!   `entente-screen` (bounded deliveries), and the results stream `ENTENTE_RESULTS` (`entente.results`,
//!   `entente.alerts`, the dead-letter subject `entente.dead`).
//! - [`message`]: what a message is (a CSV row with its header, a JSON party, a whole pacs.008 / pain.001) and
//!   its deterministic id (JetStream de-duplicates on `Nats-Msg-Id`).
//! - [`worker`]: pull, screen, publish the result (and alerts), ack only after the broker acknowledged the result.
//! - [`submit`]: an input file → one message per party / payment.
//! - [`results`]: collect results, one per message id, until N or a timeout.
//! - [`lists`]: list versions published through the broker; workers switch to each new one.
//! - [`parties`]: the store of every counterparty screened; [`rescreen`]: the batch look-back that re-screens
//!   them against only the entries a list diff added or changed.
//!
//! Delivery is at-least-once: a worker that dies before acking is redelivered its messages after the ack wait;
//! results carry the message id, the results stream de-duplicates on it within its window, and [`results`]
//! keeps one result per id.

pub mod lists;
pub mod message;
pub mod parties;
pub mod rescreen;
pub mod results;
pub mod setup;
pub mod submit;
pub mod worker;

pub use setup::{
    StreamSettings, ALERTS_SUBJECT, CONSUMER, DEAD_SUBJECT, PARTIES_BUCKET, PAYMENTS_STREAM, RESULTS_STREAM,
    RESULTS_SUBJECT, SCREEN_SUBJECTS,
};

/// Connects to a NATS server (a URL, or several comma-separated URLs of one cluster). With `wait`, keeps trying
/// until a server answers (a worker started before its broker); without, an unreachable server is an error.
pub async fn connect(url: &str, wait: bool) -> anyhow::Result<async_nats::Client> {
    use anyhow::Context;
    let servers: Vec<async_nats::ServerAddr> = url
        .split(',')
        .map(|u| u.trim().parse().with_context(|| format!("{u:?} is not a NATS server URL")))
        .collect::<anyhow::Result<_>>()?;
    let mut options = async_nats::ConnectOptions::new().name("entente");
    if wait {
        options = options.retry_on_initial_connect();
    }
    options.connect(servers).await.with_context(|| format!("cannot connect to NATS at {url}"))
}

/// Runs a future to completion on a multi-threaded runtime (for front ends that are not async themselves).
pub fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?.block_on(f)
}

/// Completes on SIGTERM or SIGINT (a worker's signal to finish what is in flight and stop).
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        }
        _ => std::future::pending::<()>().await,
    }
}
