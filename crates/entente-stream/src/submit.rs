//! `entente stream submit`: an input file → one message per party (CSV row, JSON party) or per payment file
//! (pacs.008 / pain.001), each with a deterministic `Nats-Msg-Id` so that submitting the same file again within the
//! stream's duplicate window publishes nothing twice.

use crate::message::{self, Format, JsonParty, REF_HEADER, SUBMITTED_HEADER};
use crate::setup::{self, StreamSettings};
use anyhow::{bail, Context, Result};
use async_nats::HeaderMap;
use entente_app::screen::{parse_input, InputFormat};
use entente_screen::screen::CsvColumns;
use std::collections::BTreeSet;

/// One message to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct OutMessage {
    pub subject: String,
    pub id: String,
    /// `FILE:ROW` (or `FILE` for a payment file).
    pub reference: String,
    pub payload: Vec<u8>,
    /// More headers (a rescreen's versions and party id).
    pub headers: Vec<(String, String)>,
}

/// How a submitted file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubmitFormat {
    /// ISO 20022 when it starts with `<`, JSON when it starts with `{` or `[`, else CSV.
    #[default]
    Auto,
    Csv,
    Json,
    Iso20022,
}

fn detect(data: &[u8]) -> SubmitFormat {
    let head = String::from_utf8_lossy(&data[..data.len().min(512)]);
    match head.trim_start_matches('\u{feff}').trim_start().chars().next() {
        Some('<') => SubmitFormat::Iso20022,
        Some('{') | Some('[') => SubmitFormat::Json,
        _ => SubmitFormat::Csv,
    }
}

/// Splits an input into messages. The whole input is read first, so a bad row is an error naming the file and
/// line before anything is published.
pub fn messages(name: &str, data: &[u8], format: SubmitFormat, delimiter: u8) -> Result<Vec<OutMessage>> {
    let sha = message::sha256_hex(data);
    let format = if format == SubmitFormat::Auto { detect(data) } else { format };
    match format {
        SubmitFormat::Iso20022 => {
            let ps = parse_input(name, data, InputFormat::Iso20022, &CsvColumns::default())?;
            if ps.is_empty() {
                bail!("{name}: no transaction to screen");
            }
            Ok(vec![OutMessage {
                subject: Format::Iso20022.subject(),
                id: message::message_id(&sha, None),
                reference: name.to_string(),
                payload: data.to_vec(),
                headers: Vec::new(),
            }])
        }
        SubmitFormat::Json => json_messages(name, data, &sha),
        SubmitFormat::Csv | SubmitFormat::Auto => csv_messages(name, data, &sha, delimiter),
    }
}

fn csv_messages(name: &str, data: &[u8], sha: &str, delimiter: u8) -> Result<Vec<OutMessage>> {
    let cols = CsvColumns { delimiter, ..Default::default() };
    // The same reader as `entente screen --input`: every error names the file and line.
    let parties = parse_input(name, data, InputFormat::Csv, &cols)?;
    let rows: BTreeSet<String> = parties.iter().map(|p| p.reference.clone()).collect();
    let text = String::from_utf8_lossy(data);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = rdr.headers().with_context(|| format!("{name}: cannot read CSV header"))?.clone();
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{name}: malformed CSV"))?;
        let row = (n + 1).to_string();
        if !rows.contains(&row) {
            continue; // nothing to screen in this row (no name, no identifier), as `entente screen` skips it
        }
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(&header)?;
        w.write_record(&rec)?;
        out.push(OutMessage {
            subject: Format::Csv.subject(),
            id: message::message_id(sha, Some(n + 1)),
            reference: format!("{name}:{row}"),
            payload: w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
            headers: Vec::new(),
        });
    }
    Ok(out)
}

fn json_messages(name: &str, data: &[u8], sha: &str) -> Result<Vec<OutMessage>> {
    let text = std::str::from_utf8(data).with_context(|| format!("{name}: not UTF-8"))?;
    let text = text.trim_start_matches('\u{feff}');
    // An array of parties, or one party per line (JSON Lines).
    let parties: Vec<(usize, JsonParty)> = if text.trim_start().starts_with('[') {
        let v: Vec<JsonParty> =
            serde_json::from_str(text).with_context(|| format!("{name}: not an array of parties"))?;
        v.into_iter().enumerate().map(|(i, p)| (i + 1, p)).collect()
    } else {
        let mut v = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let p: JsonParty =
                serde_json::from_str(line).with_context(|| format!("{name}:{}: not a JSON party", i + 1))?;
            v.push((i + 1, p));
        }
        v
    };
    parties
        .into_iter()
        .map(|(i, p)| {
            p.to_party(&format!("{name}:{i}"))?;
            Ok(OutMessage {
                subject: Format::Json.subject(),
                id: message::message_id(sha, Some(i)),
                reference: p.reference.clone().unwrap_or_else(|| format!("{name}:{i}")),
                payload: serde_json::to_vec(&p)?,
                headers: Vec::new(),
            })
        })
        .collect()
}

/// What a submission did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmitSummary {
    pub published: usize,
    /// Messages the broker already had (same id within its duplicate window).
    pub duplicates: usize,
}

/// Publishes messages (creating the streams when missing) and waits for the broker to acknowledge every one.
pub async fn publish(
    client: &async_nats::Client,
    msgs: &[OutMessage],
    settings: &StreamSettings,
) -> Result<SubmitSummary> {
    let js = async_nats::jetstream::new(client.clone());
    setup::payments_stream(&js, settings).await?;
    setup::results_stream(&js, settings).await?;
    let mut summary = SubmitSummary::default();
    for chunk in msgs.chunks(512) {
        let mut acks = Vec::with_capacity(chunk.len());
        for m in chunk {
            let mut h = HeaderMap::new();
            h.insert(async_nats::header::NATS_MESSAGE_ID, m.id.as_str());
            h.insert(REF_HEADER, m.reference.as_str());
            h.insert(SUBMITTED_HEADER, chrono::Utc::now().timestamp_micros().to_string().as_str());
            for (k, v) in &m.headers {
                h.insert(k.as_str(), v.as_str());
            }
            let ack = js
                .publish_with_headers(m.subject.clone(), h, m.payload.clone().into())
                .await
                .with_context(|| format!("cannot publish {}", m.reference))?;
            acks.push((m, ack));
        }
        for (m, ack) in acks {
            let a = ack.await.with_context(|| format!("the broker did not acknowledge {}", m.reference))?;
            summary.published += 1;
            if a.duplicate {
                summary.duplicates += 1;
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_file_is_one_message_per_row_with_its_header() {
        let data = b"id,name,country\n1,Ri Pyong Chol,KP\n2,,\n3,\"Doe, Jane\",GB\n";
        let ms = messages("p.csv", data, SubmitFormat::Auto, b',').unwrap();
        assert_eq!(ms.len(), 2, "the empty row is skipped");
        assert_eq!(ms[1].payload, b"id,name,country\n3,\"Doe, Jane\",GB\n");
        assert_eq!(ms[1].reference, "p.csv:3");
        assert!(ms[0].id.ends_with("-1") && ms[1].id.ends_with("-3"));
        assert_eq!(ms, messages("p.csv", data, SubmitFormat::Csv, b',').unwrap(), "deterministic");
        let ms2 = messages("p.csv", b"id;name\n1;A B\n", SubmitFormat::Csv, b';').unwrap();
        assert_eq!(ms2[0].payload, b"id,name\n1,A B\n");
    }

    #[test]
    fn json_parties_and_bad_ones() {
        let ms = messages(
            "p.jsonl",
            b"{\"name\":\"A B\"}\n\n{\"name\":\"C\",\"country\":\"RU\"}\n",
            SubmitFormat::Auto,
            b',',
        )
        .unwrap();
        assert_eq!((ms.len(), ms[1].reference.as_str()), (2, "p.jsonl:3"));
        let e = messages("p.jsonl", b"{\"name\":\"A\"}\n{\"nam\":1}\n", SubmitFormat::Auto, b',').unwrap_err();
        assert!(format!("{e:#}").contains("p.jsonl:2: not a JSON party"), "{e:#}");
        let ms = messages("p.json", b"[{\"name\":\"A\"},{\"name\":\"B\"}]", SubmitFormat::Auto, b',').unwrap();
        assert_eq!(ms.len(), 2);
        let e = messages("p.csv", b"name,country\nA,KP,extra\n", SubmitFormat::Csv, b',').unwrap_err();
        assert!(format!("{e:#}").contains("p.csv"), "{e:#}");
    }
}
