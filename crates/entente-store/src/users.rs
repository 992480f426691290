//! Users (argon2id password hashes, lock-out after repeated failures) and sessions (only a SHA-256 of the token
//! is stored; a random CSRF token per session).

use crate::{fmt_time, now, sha256_hex, Error, Result, Store};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::{OsRng, RngCore};
use sqlx::Row;

/// Failed logins in a row that lock an account.
pub const LOCK_AFTER_FAILURES: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Dashboard roles, ordered: each may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UserRole {
    Viewer,
    Analyst,
    Reviewer,
    Admin,
}

impl UserRole {
    pub const ALL: [UserRole; 4] = [UserRole::Viewer, UserRole::Analyst, UserRole::Reviewer, UserRole::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Viewer => "viewer",
            UserRole::Analyst => "analyst",
            UserRole::Reviewer => "reviewer",
            UserRole::Admin => "admin",
        }
    }
}

impl std::fmt::Display for UserRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for UserRole {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        UserRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::BadInput(format!("unknown role `{s}` (viewer, analyst, reviewer, admin)")))
    }
}

/// A dashboard user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: UserRole,
    pub created: String,
    /// Set while the account is locked after failed logins.
    pub locked_until: Option<String>,
}

/// Why a login failed. `Invalid` is the same for an unknown user and a wrong password.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("unknown user or wrong password")]
    Invalid,
    #[error("the account is locked after {LOCK_AFTER_FAILURES} failed logins until {until}")]
    Locked { until: String },
    #[error("{0}")]
    Store(Error),
}

impl From<Error> for LoginError {
    fn from(e: Error) -> Self {
        LoginError::Store(e)
    }
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Store(Error::Db(e))
    }
}

/// A new session: the token goes into the cookie (only its SHA-256 is stored), the CSRF token into forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub expires: String,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub role: UserRole,
    pub csrf: String,
    pub expires: String,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c)) {
        return Err(Error::BadInput(format!("user name `{name}`: 1 to 64 characters of letters, digits and . _ @ -")));
    }
    Ok(())
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(Error::BadInput("password: at least 8 characters".into()));
    }
    if password.len() > 1024 {
        return Err(Error::BadInput("password: at most 1024 bytes".into()));
    }
    Ok(())
}

async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::BadInput(format!("password: cannot hash: {e}")))
    })
    .await
    .map_err(|e| Error::BadInput(format!("password hashing failed: {e}")))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn user_row(r: &sqlx::any::AnyRow) -> Result<User> {
    Ok(User {
        name: r.try_get(0)?,
        role: r.try_get::<String, _>(1)?.parse()?,
        created: r.try_get(2)?,
        locked_until: r.try_get(3)?,
    })
}

impl Store {
    /// Adds a user (argon2id hash of the password). Audited with `actor`.
    pub async fn add_user(&self, name: &str, password: &str, role: UserRole, actor: &str) -> Result<()> {
        check_name(name)?;
        check_password(password)?;
        let hash = hash_password(password).await?;
        let mut tx = self.write_tx().await?;
        let exists = sqlx::query("SELECT 1 FROM app_user WHERE name = $1").bind(name).fetch_optional(&mut *tx).await?;
        if exists.is_some() {
            return Err(Error::BadInput(format!("user `{name}` exists already")));
        }
        sqlx::query(
            "INSERT INTO app_user (name, password_hash, role, created, failed_logins) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(name)
        .bind(hash)
        .bind(role.as_str())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        Self::audit_in(&mut tx, actor, "user-add", &format!("user {name}"), None, Some(role.as_str())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// All users, by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT name, role, created, locked_until FROM app_user ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_row).collect()
    }

    /// One user.
    pub async fn user(&self, name: &str) -> Result<User> {
        let row = sqlx::query("SELECT name, role, created, locked_until FROM app_user WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| Error::NotFound(format!("user `{name}`")))?;
        user_row(&row)
    }

    /// Changes a user's role. Audited with the role before and after.
    pub async fn set_role(&self, name: &str, role: UserRole, actor: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("SELECT role FROM app_user WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user `{name}`")))?;
        let before: String = row.try_get(0)?;
        sqlx::query("UPDATE app_user SET role = $1 WHERE name = $2")
            .bind(role.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await?;
        Self::audit_in(&mut tx, actor, "user-role", &format!("user {name}"), Some(&before), Some(role.as_str()))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a user's password (and unlocks the account); ends the user's sessions. Audited (without hashes).
    pub async fn set_password(&self, name: &str, password: &str, actor: &str) -> Result<()> {
        check_password(password)?;
        let hash = hash_password(password).await?;
        let mut tx = self.write_tx().await?;
        let n = sqlx::query(
            "UPDATE app_user SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE name = $2",
        )
        .bind(hash)
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(Error::NotFound(format!("user `{name}`")));
        }
        sqlx::query("DELETE FROM session WHERE user_name = $1").bind(name).execute(&mut *tx).await?;
        Self::audit_in(&mut tx, actor, "user-password", &format!("user {name}"), None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a password. Unknown user and wrong password give the same error; after
    /// [`LOCK_AFTER_FAILURES`] failures in a row the account is locked for [`LOCK_MINUTES`] (even for the right
    /// password). Every attempt is audited.
    pub async fn login(&self, name: &str, password: &str) -> Result<User, LoginError> {
        let row = sqlx::query(
            "SELECT name, role, created, locked_until, password_hash, failed_logins FROM app_user WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            // hash anyway, so that an unknown user takes as long as a known one
            let _ = hash_password(password).await;
            let mut tx = self.write_tx().await?;
            Self::audit_in(&mut tx, name, "login-failed", &format!("user {name}"), None, Some("unknown user")).await?;
            tx.commit().await?;
            return Err(LoginError::Invalid);
        };
        let user = user_row(&row)?;
        let hash: String = row.try_get(4)?;
        let now_s = now();
        if let Some(until) = &user.locked_until {
            if *until > now_s {
                let mut tx = self.write_tx().await?;
                Self::audit_in(&mut tx, name, "login-locked", &format!("user {name}"), None, Some(until)).await?;
                tx.commit().await?;
                return Err(LoginError::Locked { until: until.clone() });
            }
        }
        let ok = verify_password(password, &hash).await;
        let mut tx = self.write_tx().await?;
        if ok {
            sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            Self::audit_in(&mut tx, name, "login", &format!("user {name}"), None, None).await?;
            tx.commit().await?;
            return Ok(User { locked_until: None, ..user });
        }
        // count in the transaction, so concurrent failures all count
        let failed: i64 = sqlx::query("SELECT failed_logins FROM app_user WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let failed = failed + 1;
        if failed >= LOCK_AFTER_FAILURES {
            let until = fmt_time(chrono::Utc::now() + chrono::Duration::minutes(LOCK_MINUTES));
            sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = $1 WHERE name = $2")
                .bind(&until)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            Self::audit_in(
                &mut tx,
                name,
                "login-failed",
                &format!("user {name}"),
                None,
                Some(&format!("locked until {until}")),
            )
            .await?;
            tx.commit().await?;
            return Err(LoginError::Locked { until });
        }
        sqlx::query("UPDATE app_user SET failed_logins = $1 WHERE name = $2")
            .bind(failed)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        Self::audit_in(&mut tx, name, "login-failed", &format!("user {name}"), None, Some("wrong password")).await?;
        tx.commit().await?;
        Err(LoginError::Invalid)
    }

    /// Starts a session for a user: a random 32-byte token (hex) of which only the SHA-256 is stored, and a
    /// random CSRF token. Lasts [`SESSION_HOURS`].
    pub async fn create_session(&self, user: &str) -> Result<NewSession> {
        let token = random_hex(32);
        let csrf = random_hex(32);
        let created = chrono::Utc::now();
        let expires = fmt_time(created + chrono::Duration::hours(SESSION_HOURS));
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM session WHERE expires <= $1").bind(fmt_time(created)).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO session (token_sha256, user_name, csrf, created, expires) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(user)
        .bind(&csrf)
        .bind(fmt_time(created))
        .bind(&expires)
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(_) => Error::NotFound(format!("user `{user}`")),
            e => Error::Db(e),
        })?;
        tx.commit().await?;
        Ok(NewSession { token, csrf, expires })
    }

    /// The live session of a token (None when unknown or expired); the role is the user's current one.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.user_name, u.role, s.csrf, s.expires FROM session s JOIN app_user u ON u.name = s.user_name \
             WHERE s.token_sha256 = $1 AND s.expires > $2",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(now())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Session {
                user: r.try_get(0)?,
                role: r.try_get::<String, _>(1)?.parse()?,
                csrf: r.try_get(2)?,
                expires: r.try_get(3)?,
            })
        })
        .transpose()
    }

    /// Ends a session (logout). Unknown tokens are ignored.
    pub async fn end_session(&self, token: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM session WHERE token_sha256 = $1")
            .bind(sha256_hex(token.as_bytes()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
