//! Finished batch screening jobs: what the dashboard shows on a job's page and offers for download, kept across
//! restarts. A running job lives in the server's memory; it is written here once, when it ends, in one
//! transaction that also forgets the oldest jobs past the number to keep.

use crate::{Error, Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    Done(JobCounts),
    /// Why it failed.
    Failed(String),
}

/// What a finished job produced.
#[derive(Debug, Clone, PartialEq)]
pub struct JobCounts {
    pub parties: usize,
    /// Parties that need a reviewer.
    pub alerting: usize,
    pub hits: usize,
    /// Hits an allow-list decision allowed.
    pub allowed: usize,
    /// Hits not recorded because the same name and entity is an open alert already.
    pub already_open: usize,
    /// The alert ids recorded, or why none were.
    pub recorded: std::result::Result<Vec<i64>, String>,
    /// `entente screen --format csv` bytes.
    pub csv: String,
    /// `entente screen --format json` bytes.
    pub json: String,
}

/// A finished job.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    /// 128 random bits, hex (the id is the capability to see it, with the owner check).
    pub id: String,
    pub owner: String,
    /// The uploaded file's name.
    pub name: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub finished: String,
    pub outcome: JobOutcome,
}

/// A finished job without its results: for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSummary {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub created: String,
    /// `None` when done, else why it failed.
    pub error: Option<String>,
    pub parties: usize,
    pub alerting: usize,
}

fn count(r: &AnyRow, i: usize) -> Result<usize> {
    let n: i64 = r.try_get(i)?;
    usize::try_from(n).map_err(|_| Error::Corrupt(format!("a stored job has a negative count ({n})")))
}

fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

const JOB_COLUMNS: &str = "id, owner, name, created, finished, outcome, error, parties, alerting, hits, allowed, \
     already_open, recorded_json, recorded_error, result_csv, result_json";

fn job_row(r: &AnyRow) -> Result<StoredJob> {
    let outcome: String = r.try_get(5)?;
    let outcome = match outcome.as_str() {
        "failed" => JobOutcome::Failed(r.try_get::<Option<String>, _>(6)?.unwrap_or_default()),
        "done" => {
            let recorded_json: Option<String> = r.try_get(12)?;
            let recorded_error: Option<String> = r.try_get(13)?;
            let recorded = match (recorded_json, recorded_error) {
                (_, Some(e)) => Err(e),
                (Some(j), None) => Ok(serde_json::from_str(&j)
                    .map_err(|e| Error::Corrupt(format!("a stored job's alert ids are not a JSON list: {e}")))?),
                (None, None) => Ok(Vec::new()),
            };
            JobOutcome::Done(JobCounts {
                parties: count(r, 7)?,
                alerting: count(r, 8)?,
                hits: count(r, 9)?,
                allowed: count(r, 10)?,
                already_open: count(r, 11)?,
                recorded,
                csv: r.try_get(14)?,
                json: r.try_get(15)?,
            })
        }
        other => return Err(Error::Corrupt(format!("a stored job has the outcome `{other}`"))),
    };
    Ok(StoredJob {
        id: r.try_get(0)?,
        owner: r.try_get(1)?,
        name: r.try_get(2)?,
        created: r.try_get(3)?,
        finished: r.try_get(4)?,
        outcome,
    })
}

impl Store {
    /// Stores a finished job and forgets the oldest past the newest `keep` (one transaction). A job is stored once:
    /// its id again is an error.
    pub async fn save_job(&self, job: &StoredJob, keep: usize) -> Result<()> {
        if job.id.trim().is_empty() || job.owner.trim().is_empty() {
            return Err(Error::BadInput("a job needs an id and an owner".into()));
        }
        let empty = JobCounts {
            parties: 0,
            alerting: 0,
            hits: 0,
            allowed: 0,
            already_open: 0,
            recorded: Ok(Vec::new()),
            csv: String::new(),
            json: String::new(),
        };
        let (outcome, error, c) = match &job.outcome {
            JobOutcome::Done(c) => ("done", None, c),
            JobOutcome::Failed(e) => ("failed", Some(e.as_str()), &empty),
        };
        let (recorded_json, recorded_error) = match &c.recorded {
            Ok(ids) => (Some(serde_json::to_string(ids).expect("a list of integers serialises")), None),
            Err(e) => (None, Some(e.as_str())),
        };
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO screen_job ({JOB_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(&job.id)
        .bind(&job.owner)
        .bind(&job.name)
        .bind(&job.created)
        .bind(&job.finished)
        .bind(outcome)
        .bind(error)
        .bind(as_i64(c.parties))
        .bind(as_i64(c.alerting))
        .bind(as_i64(c.hits))
        .bind(as_i64(c.allowed))
        .bind(as_i64(c.already_open))
        .bind(recorded_json)
        .bind(recorded_error)
        .bind(&c.csv)
        .bind(&c.json)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM screen_job WHERE id NOT IN \
             (SELECT id FROM screen_job ORDER BY created DESC, id DESC LIMIT $1)",
        )
        .bind(as_i64(keep))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A finished job, if it is still kept.
    pub async fn job(&self, id: &str) -> Result<Option<StoredJob>> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM screen_job WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(job_row).transpose()
    }

    /// The newest `limit` finished jobs (of `owner` only, when given), newest first, without their results.
    pub async fn jobs(&self, owner: Option<&str>, limit: usize) -> Result<Vec<JobSummary>> {
        let sql = format!(
            "SELECT id, owner, name, created, outcome, error, parties, alerting FROM screen_job {} \
             ORDER BY created DESC, id DESC LIMIT $1",
            if owner.is_some() { "WHERE owner = $2" } else { "" }
        );
        let mut q = sqlx::query(&sql).bind(as_i64(limit));
        if let Some(o) = owner {
            q = q.bind(o);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let outcome: String = r.try_get(4)?;
                let error: Option<String> = r.try_get(5)?;
                Ok(JobSummary {
                    id: r.try_get(0)?,
                    owner: r.try_get(1)?,
                    name: r.try_get(2)?,
                    created: r.try_get(3)?,
                    error: if outcome == "failed" { Some(error.unwrap_or_default()) } else { None },
                    parties: count(r, 6)?,
                    alerting: count(r, 7)?,
                })
            })
            .collect()
    }
}
