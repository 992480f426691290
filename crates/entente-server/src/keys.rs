//! API keys. A key is `ent_<id>_<secret>`: the id (16 hex digits) names the record in the key store, the secret
//! (48 hex digits, 192 random bits) is checked against the record's argon2id hash. The store keeps only the hash,
//! the id, the role, an optional name and the creation time; the key itself is printed once when created.
//!
//! The store is a JSON file, by default `$ENTENTE_KEYS`, else `$XDG_CONFIG_HOME/entente/keys.json`, else
//! `~/.config/entente/keys.json`. It is written to a temporary file in the same folder with mode 0600 and renamed,
//! so a reader never sees half a file.
//!
//! Verifying costs one argon2 hash (tens of milliseconds by design); [`Verifier`] remembers keys it has verified
//! (by their SHA-256, never the key itself) so that only the first request with a key pays it.

use anyhow::{bail, Context, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// What a key may do. Each role includes the ones before it: read < screen < write < admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The model endpoints, list status, the report.
    Read,
    /// Also screening: /api/screen, /match, /search, /entities, /reconcile.
    Screen,
    /// Also changes: reloading the lists.
    Write,
    /// Also administration: listing the keys.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "read" => Role::Read,
            "screen" => Role::Screen,
            "write" => Role::Write,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Screen => "screen",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stored key: no secret, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: Role,
    /// RFC 3339, UTC.
    pub created: String,
    /// argon2id PHC string of the secret.
    pub hash: String,
}

/// The key store file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyStore {
    pub keys: Vec<KeyRecord>,
}

/// Where the key store is by default (see the module documentation).
pub fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ENTENTE_KEYS").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let config =
        std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()).map(PathBuf::from).unwrap_or_else(|| {
            std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join(".config")
        });
    config.join("entente").join("keys.json")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a presented key into (id, secret), or None when it is not shaped like one.
fn split_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("ent_")?;
    let (id, secret) = rest.split_once('_')?;
    let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (ok(id, 16) && ok(secret, 48)).then_some((id, secret))
}

impl KeyStore {
    /// Reads the store; a missing file is an empty store. A malformed one is an error naming the file.
    pub fn load(path: &Path) -> Result<KeyStore> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyStore::default()),
            Err(e) => return Err(e).with_context(|| format!("{}: cannot read the key store", path.display())),
        };
        let store: KeyStore = serde_json::from_slice(&data)
            .with_context(|| format!("{}: not a valid key store (expected {{\"keys\": [...]}})", path.display()))?;
        for (i, k) in store.keys.iter().enumerate() {
            if PasswordHash::new(&k.hash).is_err() {
                bail!("{}: keys[{i}] (id {}): field `hash` is not a PHC hash string", path.display(), k.id);
            }
        }
        Ok(store)
    }

    /// Writes the store atomically (temporary file, mode 0600, rename), creating its folder.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create folder", dir.display()))?;
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("keys"),
            std::process::id()
        ));
        let mut data = serde_json::to_vec_pretty(self)?;
        data.push(b'\n');
        {
            use std::io::Write;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp).with_context(|| format!("{}: cannot write", tmp.display()))?;
            f.write_all(&data)
                .and_then(|_| f.sync_all())
                .with_context(|| format!("{}: cannot write", tmp.display()))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
        }
        std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot replace", path.display()))?;
        Ok(())
    }

    /// Adds a new key with this role and returns the key itself (shown once, never stored).
    pub fn create(&mut self, role: Role, name: Option<String>) -> Result<(KeyRecord, String)> {
        let mut id = [0u8; 8];
        let mut secret = [0u8; 24];
        OsRng.fill_bytes(&mut id);
        OsRng.fill_bytes(&mut secret);
        let (id, secret) = (hex(&id), hex(&secret));
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default()
            .hash_password(secret.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing the key failed: {e}"))?
            .to_string();
        let rec = KeyRecord {
            id: id.clone(),
            name,
            role,
            created: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            hash,
        };
        self.keys.push(rec.clone());
        Ok((rec, format!("ent_{id}_{secret}")))
    }

    /// Removes the key with this id; false when there is none.
    pub fn revoke(&mut self, id: &str) -> bool {
        let n = self.keys.len();
        self.keys.retain(|k| k.id != id);
        self.keys.len() != n
    }

    /// The record of a presented key, when it is one of ours (one argon2 verification).
    pub fn verify(&self, key: &str) -> Option<&KeyRecord> {
        let (id, secret) = split_key(key)?;
        let rec = self.keys.iter().find(|k| k.id == id)?;
        let hash = PasswordHash::new(&rec.hash).ok()?;
        Argon2::default().verify_password(secret.as_bytes(), &hash).ok()?;
        Some(rec)
    }
}

/// Most verified keys remembered; the memory is cleared when full.
const CACHE_MAX: usize = 4096;

/// The key store in force and the keys already verified against it.
pub struct Verifier {
    store: KeyStore,
    /// SHA-256 of a verified key → (id, role).
    verified: RwLock<HashMap<[u8; 32], (String, Role)>>,
}

/// Outcome of checking a presented key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Valid { id: String, role: Role },
    Invalid,
}

impl Verifier {
    pub fn new(store: KeyStore) -> Verifier {
        Verifier { store, verified: RwLock::new(HashMap::new()) }
    }

    pub fn store(&self) -> &KeyStore {
        &self.store
    }

    /// A key verified before, from memory (a hash-map lookup); None when it has not been verified yet.
    pub fn cached(&self, key: &str) -> Option<Check> {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        self.verified.read().ok().and_then(|m| m.get(&digest).cloned()).map(|(id, role)| Check::Valid { id, role })
    }

    /// Checks a presented key: from memory when verified before, else by argon2 (tens of milliseconds: call it off
    /// the async threads). A key whose id is unknown is refused without hashing.
    pub fn check(&self, key: &str) -> Check {
        if let Some(c) = self.cached(key) {
            return c;
        }
        match self.store.verify(key) {
            Some(rec) => {
                let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
                if let Ok(mut m) = self.verified.write() {
                    if m.len() >= CACHE_MAX {
                        m.clear();
                    }
                    m.insert(digest, (rec.id.clone(), rec.role));
                }
                Check::Valid { id: rec.id.clone(), role: rec.role }
            }
            None => Check::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_key_verifies_and_others_do_not() {
        let mut s = KeyStore::default();
        let (rec, key) = s.create(Role::Screen, Some("ci".into())).unwrap();
        assert!(key.starts_with(&format!("ent_{}_", rec.id)));
        assert!(!serde_json::to_string(&s).unwrap().contains(&key[21..]), "the secret must not be stored");
        assert_eq!(s.verify(&key).map(|r| r.role), Some(Role::Screen));
        let mut wrong = key.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        assert!(s.verify(&wrong).is_none());
        assert!(s.verify("ent_0000000000000000_").is_none());
        assert!(s.verify("not a key").is_none());
        let v = Verifier::new(s.clone());
        assert_eq!(v.cached(&key), None);
        assert_eq!(v.check(&key), Check::Valid { id: rec.id.clone(), role: Role::Screen });
        assert_eq!(v.cached(&key), Some(Check::Valid { id: rec.id.clone(), role: Role::Screen }));
        assert_eq!(v.check(&wrong), Check::Invalid);
        assert!(s.revoke(&rec.id));
        assert!(s.verify(&key).is_none());
    }

    #[test]
    fn store_round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("keys.json");
        assert_eq!(KeyStore::load(&p).unwrap(), KeyStore::default());
        let mut s = KeyStore::default();
        s.create(Role::Admin, None).unwrap();
        s.save(&p).unwrap();
        assert_eq!(KeyStore::load(&p).unwrap(), s);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&p, "{\"keys\": [{\"id\": \"x\", \"role\": \"read\", \"created\": \"\", \"hash\": \"nope\"}]}")
            .unwrap();
        let e = KeyStore::load(&p).unwrap_err().to_string();
        assert!(e.contains("keys[0]") && e.contains("hash"), "{e}");
        std::fs::write(&p, "{\"keys\": [{\"id\": \"x\", \"role\": \"root\"}]}").unwrap();
        assert!(KeyStore::load(&p).unwrap_err().to_string().contains("not a valid key store"));
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Read < Role::Screen && Role::Screen < Role::Write && Role::Write < Role::Admin);
        assert_eq!(Role::parse("Admin"), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }
}
