//! The audit trail of a screening run: which lists (source, publication date,
//! SHA-256 of every file, or the store snapshot), which files were skipped
//! and why, the country policy, threshold, algorithm, tool version and run
//! time. It is printed with every result (table footer, JSON `audit` object,
//! CSV `audit` rows) and appended as one JSON line per run by `--audit-log`.
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
        Audit {
            tool: TOOL,
            version: VERSION,
            run_at: run_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            threshold,
            algorithm: algorithm.to_string(),
            lists,
            snapshot: None,
            skipped: loaded.skipped.clone(),
            policy: None,
            inputs: Vec::new(),
            warnings,
        }
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

    /// Writes the table footer.
    pub fn write_footer(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use crate::screen::safe;
        writeln!(out, "--")?;
        writeln!(
            out,
            "screened by {} {} at {} — threshold {:.2}, algorithm {}",
            self.tool, self.version, self.run_at, self.threshold, self.algorithm
        )?;
        if let Some(s) = &self.snapshot {
            writeln!(out, "list snapshot {} (fetched {})", safe(&s.id), safe(&s.fetched_at))?;
        }
        writeln!(out, "lists ({}):", self.lists.len())?;
        for l in &self.lists {
            writeln!(
                out,
                "  {:<9} {} entities, published {}, {}",
                l.list,
                l.entities,
                safe(l.published_iso.as_deref().or(l.published.as_deref()).unwrap_or("(no date in file)")),
                safe(&l.authority)
            )?;
            for f in &l.files {
                writeln!(out, "            {}  sha256 {}", safe(&f.path), f.sha256)?;
            }
        }
        if let Some(p) = &self.policy {
            writeln!(out, "country policy: {} sha256 {} ({})", safe(&p.source), p.sha256, p.jurisdictions.join(", "))?;
        }
        for i in &self.inputs {
            writeln!(out, "input: {}  sha256 {}", safe(&i.path), i.sha256)?;
        }
        for s in &self.skipped {
            writeln!(out, "skipped: {} — {}", safe(&s.path), safe(&s.reason))?;
        }
        for w in &self.warnings {
            writeln!(out, "warning: {}", safe(w))?;
        }
        Ok(())
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
}
