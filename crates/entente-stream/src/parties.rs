//! The counterparty store: every party a worker screened, in the key-value bucket `ENTENTE_PARTIES`, keyed by its
//! message id (deterministic: the same input submitted again is the same key, so the store holds each party once).
//! `entente stream rescreen` re-submits what it holds when a list changes.
//!
//! A worker writes a party before it acks the message, so every acked message's party is stored (at-least-once,
//! as results are); a malformed message (error result) is not a party and is not stored. A value is the party's
//! metadata as one JSON line, a newline, then the message's payload byte for byte.

use crate::message::{self, Format};
use crate::setup::{self, PARTIES_BUCKET};
use anyhow::{Context, Result};
use async_nats::jetstream::{self, kv};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// A stored counterparty: what is needed to screen it again.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredParty {
    /// The message id it was screened under.
    pub id: String,
    pub format: Format,
    /// Where it came from (`FILE:ROW`), when the message said.
    pub reference: Option<String>,
    /// The message's payload as it was submitted.
    pub payload: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    id: String,
    format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
}

/// The bucket key of a message id: the id itself when it is a valid key (letters, digits, `-`, `_`, `=`, `/`, and
/// `.` between tokens), else `sha256.` and the first 32 hex digits of the id's SHA-256.
pub fn key(id: &str) -> String {
    let valid = !id.is_empty()
        && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_=/.".contains(c))
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !id.contains("..");
    if valid {
        id.to_string()
    } else {
        format!("sha256.{}", &message::sha256_hex(id.as_bytes())[..32])
    }
}

impl StoredParty {
    /// The bucket value: metadata JSON, `\n`, payload.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let meta = Meta { id: self.id.clone(), format: self.format.token().into(), reference: self.reference.clone() };
        let mut v = serde_json::to_vec(&meta)?;
        v.push(b'\n');
        v.extend_from_slice(&self.payload);
        Ok(v)
    }

    /// Reads a bucket value; `key` names it in errors.
    pub fn decode(key: &str, value: &[u8]) -> Result<StoredParty> {
        let nl = value
            .iter()
            .position(|&b| b == b'\n')
            .with_context(|| format!("{PARTIES_BUCKET} key {key}: no metadata line"))?;
        let meta: Meta = serde_json::from_slice(&value[..nl])
            .with_context(|| format!("{PARTIES_BUCKET} key {key}: metadata is not readable"))?;
        let format = Format::from_subject(&format!("{}{}", message::SUBJECT_PREFIX, meta.format))
            .with_context(|| format!("{PARTIES_BUCKET} key {key}: field \"format\""))?;
        Ok(StoredParty { id: meta.id, format, reference: meta.reference, payload: value[nl + 1..].to_vec() })
    }
}

/// Opens (creating when missing) the counterparty store.
pub async fn bucket(js: &jetstream::Context, replicas: usize) -> Result<kv::Store> {
    setup::kv_bucket(js, PARTIES_BUCKET, replicas, 1).await
}

/// Stores a party (its latest submission replaces an earlier one under the same id).
pub async fn put(kv: &kv::Store, p: &StoredParty) -> Result<()> {
    kv.put(key(&p.id), p.encode()?.into())
        .await
        .with_context(|| format!("cannot store party {} in {PARTIES_BUCKET}", p.id))?;
    Ok(())
}

/// Every stored party, by id. Reads the bucket's latest value per key; waits at most 60 s for each.
pub async fn all(js: &jetstream::Context, kv: &kv::Store) -> Result<BTreeMap<String, StoredParty>> {
    let mut out = BTreeMap::new();
    let mut stream = js.get_stream(format!("KV_{PARTIES_BUCKET}")).await.context("cannot open the party store")?;
    if stream.info().await.context("cannot read the party store")?.state.messages == 0 {
        return Ok(out);
    }
    let mut watch = kv.watch_with_history(">").await.context("cannot read the party store")?;
    loop {
        let e = tokio::time::timeout(Duration::from_secs(60), watch.next())
            .await
            .context("reading the party store: no answer within 60 s")?
            .context("reading the party store: the watch ended")?
            .context("reading the party store")?;
        if e.operation == kv::Operation::Put {
            let p = StoredParty::decode(&e.key, &e.value)?;
            out.insert(p.id.clone(), p);
        }
        if e.delta == 0 {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_valid_and_stable() {
        assert_eq!(key("ba7816bf8f01cfea-3"), "ba7816bf8f01cfea-3");
        let k = key("order 17: ACME");
        assert!(k.starts_with("sha256.") && k.len() == 7 + 32, "{k}");
        assert_eq!(k, key("order 17: ACME"));
        assert_ne!(key(".a"), ".a");
        assert_ne!(key("a..b"), "a..b");
    }

    #[test]
    fn a_stored_party_round_trips_byte_for_byte() {
        let p = StoredParty {
            id: "x-1".into(),
            format: Format::Csv,
            reference: Some("p.csv:1".into()),
            payload: b"id,name\n1,\"A\nB\"\n\xff".to_vec(),
        };
        assert_eq!(StoredParty::decode("x-1", &p.encode().unwrap()).unwrap(), p);
        let e = StoredParty::decode("k", b"{\"id\":\"a\",\"format\":\"xml\"}\nzz").unwrap_err();
        assert!(format!("{e:#}").contains("key k: field \"format\""), "{e:#}");
        let e = StoredParty::decode("k", b"nothing").unwrap_err();
        assert!(format!("{e:#}").contains("key k: no metadata line"), "{e:#}");
    }
}
