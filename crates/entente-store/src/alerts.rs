//! Screening alerts, decisions on them (a false positive becomes an allow-list entry with an expiry), and the
//! append-only audit log.

use crate::{fmt_time, now, Error, Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Days a false-positive decision keeps a (query, entity) pair on the allow-list unless told otherwise.
pub const DEFAULT_ALLOW_DAYS: u32 = 90;

/// The allow-list key of a screened name: lower case, whitespace collapsed, trimmed.
pub fn query_key(query: &str) -> String {
    query.split_whitespace().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(" ")
}

/// A screening hit to record for review.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub query: String,
    pub entity_id: String,
    pub entity_name: String,
    pub list: String,
    pub score: f64,
    pub explanation_json: String,
}

/// The verdict on an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    TrueMatch,
    FalsePositive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::TrueMatch => "true-match",
            Verdict::FalsePositive => "false-positive",
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "true-match" => Ok(Verdict::TrueMatch),
            "false-positive" => Ok(Verdict::FalsePositive),
            _ => Err(Error::BadInput(format!("unknown verdict `{s}` (true-match, false-positive)"))),
        }
    }
}

/// A decision on an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub alert_id: i64,
    pub verdict: Verdict,
    pub note: String,
    pub decided_by: String,
    pub decided_at: String,
    /// For a false positive: when its allow-list entry expires.
    pub allow_expires: Option<String>,
}

/// A recorded screening hit, with its decision once made.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: i64,
    pub created: String,
    pub actor: String,
    pub query: String,
    pub entity_id: String,
    pub entity_name: String,
    pub list: String,
    pub score: f64,
    pub explanation_json: String,
    pub decision: Option<Decision>,
}

/// An unexpired allow-list entry: screens of `query_key` need not raise `entity_id` again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub query_key: String,
    pub entity_id: String,
    pub expires: String,
    pub decision_id: i64,
    pub note: String,
    pub decided_by: String,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

const ALERT_COLUMNS: &str = "a.id, a.created, a.actor, a.query, a.entity_id, a.entity_name, a.list, a.score, \
     a.explanation_json, d.id, d.verdict, d.note, d.decided_by, d.decided_at, d.allow_expires";

fn alert_row(r: &AnyRow) -> Result<Alert> {
    let id: i64 = r.try_get(0)?;
    let decision_id: Option<i64> = r.try_get(9)?;
    let decision = match decision_id {
        Some(did) => Some(Decision {
            id: did,
            alert_id: id,
            verdict: r.try_get::<String, _>(10)?.parse()?,
            note: r.try_get(11)?,
            decided_by: r.try_get(12)?,
            decided_at: r.try_get(13)?,
            allow_expires: r.try_get(14)?,
        }),
        None => None,
    };
    Ok(Alert {
        id,
        created: r.try_get(1)?,
        actor: r.try_get(2)?,
        query: r.try_get(3)?,
        entity_id: r.try_get(4)?,
        entity_name: r.try_get(5)?,
        list: r.try_get(6)?,
        score: r.try_get(7)?,
        explanation_json: r.try_get(8)?,
        decision,
    })
}

impl Store {
    /// Records screening hits for review (one transaction, audited). Returns their ids in order.
    pub async fn record_alerts(&self, actor: &str, alerts: &[NewAlert]) -> Result<Vec<i64>> {
        for a in alerts {
            if a.query.trim().is_empty() || a.entity_id.trim().is_empty() {
                return Err(Error::BadInput("an alert needs a query and an entity id".into()));
            }
            if !a.score.is_finite() {
                return Err(Error::BadInput(format!("alert score for {} is not a number", a.entity_id)));
            }
        }
        let mut tx = self.write_tx().await?;
        let mut ids = Vec::with_capacity(alerts.len());
        let at = now();
        for a in alerts {
            let id: i64 = sqlx::query(
                "INSERT INTO alert (created, actor, query, query_key, entity_id, entity_name, list, score, explanation_json) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&at)
            .bind(actor)
            .bind(&a.query)
            .bind(query_key(&a.query))
            .bind(&a.entity_id)
            .bind(&a.entity_name)
            .bind(&a.list)
            .bind(a.score)
            .bind(&a.explanation_json)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            Self::audit_in(
                &mut tx,
                actor,
                "alert",
                &format!("alert {id}"),
                None,
                Some(&format!("{} ~ {} ({}) on {}, score {}", a.query, a.entity_name, a.entity_id, a.list, a.score)),
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Alerts, newest first; only undecided ones when `open_only`.
    pub async fn alerts(&self, open_only: bool) -> Result<Vec<Alert>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alert a LEFT JOIN decision d ON d.alert_id = a.id {} ORDER BY a.id DESC",
            if open_only { "WHERE d.id IS NULL" } else { "" }
        );
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter().map(alert_row).collect()
    }

    /// One alert.
    pub async fn alert(&self, id: i64) -> Result<Alert> {
        let sql =
            format!("SELECT {ALERT_COLUMNS} FROM alert a LEFT JOIN decision d ON d.alert_id = a.id WHERE a.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| Error::NotFound(format!("alert {id}")))?;
        alert_row(&row)
    }

    /// Decides an alert. A false positive puts (query key, entity id) on the allow-list for `allow_days`
    /// (default [`DEFAULT_ALLOW_DAYS`]). An alert is decided once. Audited.
    pub async fn decide(
        &self,
        alert_id: i64,
        verdict: Verdict,
        note: &str,
        user: &str,
        allow_days: Option<u32>,
    ) -> Result<Decision> {
        if allow_days == Some(0) {
            return Err(Error::BadInput("allow_days: at least 1".into()));
        }
        if allow_days.is_some() && verdict == Verdict::TrueMatch {
            return Err(Error::BadInput("allow_days: only a false positive goes on the allow-list".into()));
        }
        let mut tx = self.write_tx().await?;
        let exists = sqlx::query("SELECT d.id FROM alert a LEFT JOIN decision d ON d.alert_id = a.id WHERE a.id = $1")
            .bind(alert_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("alert {alert_id}")))?;
        if exists.try_get::<Option<i64>, _>(0)?.is_some() {
            return Err(Error::BadInput(format!("alert {alert_id} is decided already")));
        }
        let at = chrono::Utc::now();
        let expires = (verdict == Verdict::FalsePositive)
            .then(|| fmt_time(at + chrono::Duration::days(i64::from(allow_days.unwrap_or(DEFAULT_ALLOW_DAYS)))));
        let id: i64 = sqlx::query(
            "INSERT INTO decision (alert_id, verdict, note, decided_by, decided_at, allow_expires) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(alert_id)
        .bind(verdict.as_str())
        .bind(note)
        .bind(user)
        .bind(fmt_time(at))
        .bind(expires.as_deref())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let after = match &expires {
            Some(e) => format!("{}: {note} (allow-listed until {e})", verdict.as_str()),
            None => format!("{}: {note}", verdict.as_str()),
        };
        Self::audit_in(&mut tx, user, "decide", &format!("alert {alert_id}"), None, Some(&after)).await?;
        tx.commit().await?;
        Ok(Decision {
            id,
            alert_id,
            verdict,
            note: note.to_string(),
            decided_by: user.to_string(),
            decided_at: fmt_time(at),
            allow_expires: expires,
        })
    }

    /// The unexpired allow-list, by query key and entity.
    pub async fn allow_list(&self) -> Result<Vec<Allow>> {
        let rows = sqlx::query(
            "SELECT a.query_key, a.entity_id, d.allow_expires, d.id, d.note, d.decided_by FROM decision d \
             JOIN alert a ON a.id = d.alert_id WHERE d.allow_expires IS NOT NULL AND d.allow_expires > $1 \
             ORDER BY a.query_key, a.entity_id, d.id",
        )
        .bind(now())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Allow {
                    query_key: r.try_get(0)?,
                    entity_id: r.try_get(1)?,
                    expires: r.try_get(2)?,
                    decision_id: r.try_get(3)?,
                    note: r.try_get(4)?,
                    decided_by: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The audit log, newest first: at most `limit` entries with id below `before_id` when given.
    pub async fn audit(&self, limit: i64, before_id: Option<i64>) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, before_text, after_text FROM audit WHERE id < $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit.max(0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    target: r.try_get(4)?,
                    before: r.try_get(5)?,
                    after: r.try_get(6)?,
                })
            })
            .collect()
    }
}
