//! `entente stream results`: reads `entente.results` from the start of the results stream and keeps one result per
//! message id (a redelivered message's second result is recognised by its id), until the expected number of
//! distinct ids is reached or the time is up.

use crate::setup::{self, StreamSettings, RESULTS_SUBJECT};
use crate::worker::{ResultRecord, Status};
use anyhow::{Context, Result};
use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// Results, one per message id.
#[derive(Debug, Default)]
pub struct Collected {
    pub results: BTreeMap<String, ResultRecord>,
    /// Result messages read, repeats included.
    pub received: usize,
    /// Messages whose result was read more than once.
    pub repeats: usize,
}

impl Collected {
    /// Keeps one result per id: the first, unless a later one screened what the first could not.
    pub fn add(&mut self, r: ResultRecord) {
        self.received += 1;
        match self.results.get_mut(&r.msg_id) {
            None => {
                self.results.insert(r.msg_id.clone(), r);
            }
            Some(old) => {
                self.repeats += 1;
                if old.status == Status::Error && r.status == Status::Ok {
                    *old = r;
                }
            }
        }
    }

    /// The results in a stable order: by message id, numbers within ids compared as numbers.
    pub fn sorted(&self) -> Vec<&ResultRecord> {
        let mut v: Vec<&ResultRecord> = self.results.values().collect();
        v.sort_by_key(|r| id_key(&r.msg_id));
        v
    }
}

fn id_key(id: &str) -> (String, u64, String) {
    match id.rsplit_once('-') {
        Some((a, b)) if b.parse::<u64>().is_ok() => (a.to_string(), b.parse().unwrap_or(0), id.to_string()),
        _ => (id.to_string(), 0, id.to_string()),
    }
}

/// Reads results until `expect` distinct message ids are in (or, with `expect` 0, until `timeout` passes without
/// a new result), or until `timeout` after the start.
pub async fn collect(
    client: &async_nats::Client,
    settings: &StreamSettings,
    expect: usize,
    timeout: Duration,
) -> Result<Collected> {
    let deadline = Instant::now() + timeout;
    let js = async_nats::jetstream::new(client.clone());
    let stream = setup::results_stream(&js, settings).await?;
    // (within the whole timeout: after a cluster node stops, this can take longer than other calls)
    let consumer = setup::retry_for("cannot create a consumer on the results stream", timeout, || {
        stream.create_consumer(pull::OrderedConfig {
            filter_subject: RESULTS_SUBJECT.into(),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        })
    })
    .await?;
    let left = deadline.saturating_duration_since(Instant::now());
    let mut messages = setup::retry_for("cannot read the results stream", left, || consumer.clone().messages()).await?;
    let mut out = Collected::default();
    while expect == 0 || out.results.len() < expect {
        let next = match tokio::time::timeout_at(deadline, messages.next()).await {
            Err(_) | Ok(None) => break,
            Ok(Some(m)) => m.context("reading results")?,
        };
        let info = next.info().map(|i| i.stream_sequence).unwrap_or(0);
        let r: ResultRecord = serde_json::from_slice(&next.payload)
            .with_context(|| format!("result at {RESULTS_SUBJECT} sequence {info} is not an entente result"))?;
        out.add(r);
    }
    Ok(out)
}

/// One JSON line per result.
pub fn to_jsonl(c: &Collected) -> Result<String> {
    let mut s = String::new();
    for r in c.sorted() {
        s.push_str(&serde_json::to_string(r)?);
        s.push('\n');
    }
    Ok(s)
}

/// One CSV row per hit (or per party without hits, or per message that could not be screened).
pub fn to_csv(c: &Collected) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "msg_id",
        "reference",
        "status",
        "alert",
        "lists_version",
        "worker",
        "delivered",
        "party",
        "role",
        "name",
        "score",
        "entity_id",
        "list",
        "matched_name",
        "error",
    ])?;
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        v => v.to_string(),
    };
    for r in c.sorted() {
        let base = [
            r.msg_id.clone(),
            r.reference.clone().unwrap_or_default(),
            format!("{:?}", r.status).to_lowercase(),
            r.alert.to_string(),
            r.lists_version.clone(),
            r.worker.clone(),
            r.delivered.to_string(),
        ];
        let parties = r.parties.as_array().cloned().unwrap_or_default();
        if parties.is_empty() {
            let mut row: Vec<String> = base.to_vec();
            row.extend(std::iter::repeat_n(String::new(), 7));
            row.push(r.error.clone().unwrap_or_default());
            w.write_record(&row)?;
        }
        for p in parties {
            let head = [s(&p["reference"]), s(&p["role"]), s(&p["query"]["name"])];
            let hits = p["hits"].as_array().cloned().unwrap_or_default();
            if hits.is_empty() {
                let mut row: Vec<String> = base.to_vec();
                row.extend(head.iter().cloned());
                row.extend(std::iter::repeat_n(String::new(), 5));
                w.write_record(&row)?;
            }
            for h in hits {
                let mut row: Vec<String> = base.to_vec();
                row.extend(head.iter().cloned());
                row.extend([s(&h["score"]), s(&h["entity_id"]), s(&h["list"]), s(&h["matched_name"]), String::new()]);
                w.write_record(&row)?;
            }
        }
    }
    Ok(String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?)
}
