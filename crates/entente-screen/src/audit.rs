//! The audit trail of a screening run: which lists (source, publication date,
//! SHA-256 of every file, or the store snapshot), which files were skipped
//! and why, the country policy, threshold, algorithm, tool version and run
//! time. It is rendered with every result (table footer, JSON `audit` object,
//! CSV `audit` rows: entente-report's `views::screen`) and appended as one JSON line per run by `--audit-log`.
//!
//! The run time is the only value that changes between identical runs; it is
//! taken from `--now`, else `SOURCE_DATE_EPOCH`, else the clock, so output
//! can be made byte-identical when a pipeline needs it.

use crate::lists::{Loaded, Skipped, SourceFile};
use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Tool name and version recorded in every result.
pub const TOOL: &str = "entente-screen";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One list screened against.
#[derive(Debug, Clone, Serialize)]
pub struct ListAudit {
    pub list: String,
    pub authority: String,
    pub format: String,
    pub source: String,
    /// Publication / generation date as written in the file.
    pub published: Option<String>,
    /// The same date as ISO `YYYY-MM-DD` when it could be read.
    pub published_iso: Option<String>,
    pub entities: usize,
    /// Every file read, with its SHA-256.
    pub files: Vec<SourceFile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The store snapshot the lists came from, when no `--lists` was given.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotAudit {
    pub id: String,
    pub fetched_at: String,
}

/// The country policy applied.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyAudit {
    pub source: String,
    pub sha256: String,
    pub jurisdictions: Vec<String>,
}

/// Everything needed to reproduce or defend a screening result.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub tool: &'static str,
    pub version: &'static str,
    /// When the run happened (RFC 3339, UTC).
    pub run_at: String,
    pub threshold: f32,
    pub algorithm: String,
    pub lists: Vec<ListAudit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotAudit>,
    /// Files under the list folders that were not screened against, and why.
    pub skipped: Vec<Skipped>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyAudit>,
    /// Input files screened, with their SHA-256.
    pub inputs: Vec<SourceFile>,
    /// Stale lists, allowed gaps and other things a reviewer must see.
    pub warnings: Vec<String>,
}

impl Audit {
    /// Builds the audit from loaded lists (before they are moved into the index).
    pub fn new(loaded: &Loaded, run_at: DateTime<Utc>, threshold: f32, algorithm: &str) -> Audit {
        let mut warnings = Vec::new();
        let lists = loaded
            .lists
            .iter()
            .map(|l| {
                for w in &l.warnings {
                    warnings.push(format!("{}: {w}", l.list));
                }
                ListAudit {
                    list: l.list.clone(),
                    authority: l.authority.clone(),
                    format: l.format.clone(),
                    source: l.source.clone(),
                    published: l.generated.clone(),
                    published_iso: l.published().map(|d| d.to_string()),
                    entities: l.entities.len(),
                    files: l.files.clone(),
                    warnings: l.warnings.clone(),
                }
            })
            .collect();
        let mut audit = Audit {
            tool: TOOL,
            version: VERSION,
            run_at: String::new(),
            threshold,
            algorithm: String::new(),
            lists,
            snapshot: None,
            skipped: loaded.skipped.clone(),
            policy: None,
            inputs: Vec::new(),
            warnings,
        };
        audit.set_run(run_at, threshold, algorithm);
        audit
    }

    /// Sets the run's time, threshold and algorithm (an audit of loaded lists is re-used for every run against
    /// them).
    pub fn set_run(&mut self, run_at: DateTime<Utc>, threshold: f32, algorithm: &str) {
        self.run_at = run_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.threshold = threshold;
        self.algorithm = algorithm.to_string();
    }

    /// Adds a warning for every list published more than `max_age_days`
    /// before `now`, or without a publication date.
    pub fn check_age(&mut self, now: DateTime<Utc>, max_age_days: i64) {
        let today = now.date_naive();
        for l in &self.lists {
            match l.published_iso.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
                Some(d) => {
                    let age = (today - d).num_days();
                    if age > max_age_days {
                        self.warnings.push(format!(
                            "{} ({}) was published {d}, {age} days before this run (more than --max-list-age {max_age_days}): fetch a current list",
                            l.list, l.source
                        ));
                    }
                }
                None => self.warnings.push(format!(
                    "{} ({}) states no readable publication date: its age cannot be checked",
                    l.list, l.source
                )),
            }
        }
    }
}

/// The run time: `--now` (RFC 3339 or `YYYY-MM-DD`), else `SOURCE_DATE_EPOCH`
/// (seconds), else the clock.
pub fn run_time(now: Option<&str>) -> Result<DateTime<Utc>> {
    if let Some(s) = now {
        return parse_time(s).with_context(|| format!("--now {s:?} is not an RFC 3339 time or YYYY-MM-DD date"));
    }
    if let Ok(e) = std::env::var("SOURCE_DATE_EPOCH") {
        let secs: i64 = e.trim().parse().with_context(|| format!("SOURCE_DATE_EPOCH={e:?} is not a number"))?;
        return DateTime::from_timestamp(secs, 0).context("SOURCE_DATE_EPOCH out of range");
    }
    Ok(Utc::now())
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    bail!("unparseable time")
}

/// A JSON value with the keys of every object in sorted order, whatever serde_json's map type: screening output
/// and audit lines do not depend on whether a crate somewhere turned on serde_json's `preserve_order`.
pub fn sorted_keys(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted_keys).collect()),
        v => v,
    }
}

/// Appends one JSON line to the audit log.
pub fn append_log(path: &std::path::Path, line: &serde_json::Value) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("{}: cannot open audit log", path.display()))?;
    let mut s = serde_json::to_string(line)?;
    s.push('\n');
    f.write_all(s.as_bytes()).with_context(|| format!("{}: cannot write audit log", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_time_override() {
        assert_eq!(run_time(Some("2026-12-01")).unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert!(run_time(Some("yesterday")).is_err());
    }

    #[test]
    fn json_keys_are_sorted_at_every_level() {
        let v = serde_json::json!({"b": 1, "a": [{"z": 1, "y": 2}]});
        assert_eq!(serde_json::to_string(&sorted_keys(v)).unwrap(), r#"{"a":[{"y":2,"z":1}],"b":1}"#);
    }
}
