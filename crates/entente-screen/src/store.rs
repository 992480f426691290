//! List management: downloading the official files (`lists fetch`), the
//! on-disk store with dates and checksums, and version comparison
//! (`lists diff`).
//!
//! Store layout (default `$XDG_DATA_HOME/entente/lists`, overridable with
//! `ENTENTE_LISTS_DIR` or `--dir`):
//!
//! ```text
//! lists/
//!   current                  ← name of the snapshot screening uses
//!   20261129T101500Z/
//!     manifest.json          ← url, sha256, bytes, entity count per source
//!     un_consolidated.xml  ofac_sdn.xml  eu_fsf.xml  uk_sanctions_list.xml ...
//! ```
//!
//! A fetch writes into a hidden partial folder and only becomes `current`
//! when *every* configured source downloaded and parsed; otherwise it fails
//! loudly and the previous snapshot stays in use. Loading re-checks every
//! checksum so a truncated or edited file cannot be screened against silently.

use crate::lists::{parse_file, Loaded, ParsedList, Skipped, SourceFile};
use crate::model::Entity;
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
#[cfg(feature = "fetch")]
use std::io::Read;
use std::path::{Path, PathBuf};
#[cfg(feature = "fetch")]
use std::time::Duration;

/// A list publisher endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub name: &'static str,
    pub description: &'static str,
    pub url: &'static str,
    pub file_name: &'static str,
    /// Fetched unless `--source` says otherwise.
    pub default: bool,
}

/// The official publishers. The EU FSF endpoint requires a token; the one in
/// the URL is the public token the EU publishes for anonymous downloads and
/// can be replaced with `--url eu=…`.
pub const SOURCES: &[Source] = &[
    Source {
        name: "un",
        description: "UN Security Council Consolidated List (XML)",
        url: "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
        file_name: "un_consolidated.xml",
        default: true,
    },
    Source {
        name: "ofac-sdn",
        description: "OFAC Specially Designated Nationals list (sdnList XML)",
        url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML",
        file_name: "ofac_sdn.xml",
        default: true,
    },
    Source {
        name: "ofac-cons",
        description: "OFAC Consolidated (non-SDN) list (sdnList XML)",
        url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONSOLIDATED.XML",
        file_name: "ofac_consolidated.xml",
        default: true,
    },
    Source {
        name: "eu",
        description: "EU Financial Sanctions Files, full list XML 1.1",
        url: "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
        file_name: "eu_fsf.xml",
        default: true,
    },
    Source {
        name: "uk",
        description: "UK Sanctions List (FCDO) XML",
        url: "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
        file_name: "uk_sanctions_list.xml",
        default: true,
    },
    Source {
        name: "opensanctions",
        description: "OpenSanctions consolidated sanctions, FtM JSON lines (CC BY-NC; commercial use needs a licence)",
        url: "https://data.opensanctions.org/datasets/latest/sanctions/entities.ftm.json",
        file_name: "opensanctions_sanctions.ftm.json",
        default: false,
    },
];

/// Largest download accepted.
#[cfg(feature = "fetch")]
const MAX_DOWNLOAD: u64 = 1 << 30;

/// Default store folder.
pub fn store_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ENTENTE_LISTS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("entente").join("lists");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local").join("share").join("entente").join("lists")
}

/// One fetched file in a manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub source: String,
    pub url: String,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub entities: usize,
    pub generated: Option<String>,
}

/// `manifest.json` of a snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub fetched_at: String,
    pub files: Vec<ManifestEntry>,
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Options of `lists fetch`.
#[cfg(feature = "fetch")]
pub struct FetchOptions {
    pub dir: PathBuf,
    pub sources: Vec<String>,
    /// name → URL overrides.
    pub urls: BTreeMap<String, String>,
    pub timeout: Duration,
    pub retries: u32,
}

#[cfg(feature = "fetch")]
fn download(url: &str, timeout: Duration, retries: u32) -> Result<Vec<u8>> {
    let agent = ureq::AgentBuilder::new().timeout(timeout).user_agent("entente-screen/0.1").build();
    let mut last = anyhow!("no attempt made");
    for attempt in 0..=retries {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
        }
        match agent.get(url).call() {
            Ok(resp) => {
                let mut buf = Vec::new();
                resp.into_reader()
                    .take(MAX_DOWNLOAD + 1)
                    .read_to_end(&mut buf)
                    .with_context(|| format!("reading response from {url}"))?;
                if buf.len() as u64 > MAX_DOWNLOAD {
                    bail!("{url}: response larger than 1 GiB");
                }
                if buf.is_empty() {
                    last = anyhow!("{url}: empty response");
                    continue;
                }
                return Ok(buf);
            }
            Err(ureq::Error::Status(code, _)) if code < 500 => bail!("{url}: HTTP {code}"),
            Err(e) => last = anyhow!("{url}: {e}"),
        }
    }
    Err(last)
}

/// The sources a fetch downloads: the named ones (all default ones when none is named). An unknown name, or a
/// URL override for a source not being fetched, is an error.
pub fn select_sources(names: &[String], urls: &BTreeMap<String, String>) -> Result<Vec<&'static Source>> {
    let wanted: Vec<&Source> = if names.is_empty() {
        SOURCES.iter().filter(|s| s.default).collect()
    } else {
        names
            .iter()
            .map(|n| {
                SOURCES.iter().find(|s| s.name == n).ok_or_else(|| {
                    anyhow!(
                        "unknown source {n:?} (known: {})",
                        SOURCES.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    for k in urls.keys() {
        if !wanted.iter().any(|s| s.name == k) {
            bail!("--url given for {k:?}, which is not being fetched");
        }
    }
    Ok(wanted)
}

/// Downloads every requested source into a new snapshot and makes it current.
/// Fails — and changes nothing — if any source cannot be downloaded or parsed.
#[cfg(feature = "fetch")]
pub fn fetch(opts: &FetchOptions) -> Result<(PathBuf, Manifest)> {
    let wanted = select_sources(&opts.sources, &opts.urls)?;
    std::fs::create_dir_all(&opts.dir).with_context(|| format!("{}: cannot create store", opts.dir.display()))?;
    let now = chrono::Utc::now();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let partial = opts.dir.join(format!(".partial-{stamp}-{}", std::process::id()));
    std::fs::create_dir_all(&partial)?;
    let result = (|| -> Result<Manifest> {
        let mut files = Vec::new();
        let mut failures = Vec::new();
        for s in &wanted {
            let url = opts.urls.get(s.name).map(String::as_str).unwrap_or(s.url);
            let path = partial.join(s.file_name);
            let outcome = download(url, opts.timeout, opts.retries).and_then(|data| {
                std::fs::write(&path, &data)?;
                let parsed =
                    parse_file(&path).with_context(|| format!("{} downloaded from {url} does not parse", s.name))?;
                if parsed.entities.is_empty() {
                    bail!("{}: downloaded list has no entities", s.name);
                }
                Ok(ManifestEntry {
                    source: s.name.to_string(),
                    url: url.to_string(),
                    file: s.file_name.to_string(),
                    sha256: sha256_hex(&data),
                    bytes: data.len() as u64,
                    entities: parsed.entities.len(),
                    generated: parsed.generated,
                })
            });
            match outcome {
                Ok(e) => files.push(e),
                Err(e) => failures.push(format!("{}: {e:#}", s.name)),
            }
        }
        if !failures.is_empty() {
            bail!(
                "could not fetch {} of {} lists — nothing was changed:\n  {}",
                failures.len(),
                wanted.len(),
                failures.join("\n  ")
            );
        }
        Ok(Manifest { fetched_at: now.to_rfc3339(), files })
    })();
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    std::fs::write(partial.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    let final_dir = opts.dir.join(&stamp);
    let final_dir =
        if final_dir.exists() { opts.dir.join(format!("{stamp}-{}", std::process::id())) } else { final_dir };
    std::fs::rename(&partial, &final_dir)?;
    let name = final_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = opts.dir.join(".current.tmp");
    std::fs::write(&tmp, format!("{name}\n"))?;
    std::fs::rename(&tmp, opts.dir.join("current"))?;
    Ok((final_dir, manifest))
}

/// The current snapshot folder and its manifest.
pub fn current(dir: &Path) -> Result<(PathBuf, Manifest)> {
    let cur = dir.join("current");
    let name = std::fs::read_to_string(&cur).map_err(|_| {
        anyhow!("no lists have been fetched into {} — run `entente lists fetch` or pass --lists PATH", dir.display())
    })?;
    let snap = dir.join(name.trim());
    let mpath = snap.join("manifest.json");
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(&mpath).with_context(|| format!("{}: cannot read manifest", mpath.display()))?,
    )
    .with_context(|| format!("{}: invalid manifest", mpath.display()))?;
    Ok((snap, manifest))
}

/// Loads the current snapshot, verifying every file's checksum.
pub fn load_current(dir: &Path) -> Result<(Vec<ParsedList>, Manifest)> {
    let (snap, manifest) = current(dir)?;
    if manifest.files.is_empty() {
        bail!("{}: manifest lists no files", snap.display());
    }
    use rayon::prelude::*;
    let lists = manifest
        .files
        .par_iter()
        .map(|f| {
            let p = snap.join(&f.file);
            let data = std::fs::read(&p).with_context(|| format!("{}: missing from the list store", p.display()))?;
            let sum = sha256_hex(&data);
            if sum != f.sha256 {
                bail!("{}: checksum mismatch (expected {}, found {}) — refetch the lists", p.display(), f.sha256, sum);
            }
            parse_file(&p)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((lists, manifest))
}

/// One loaded list summarised (`lists show`): counts by entity type and programme, its files and warnings.
#[derive(Debug, Clone, Serialize)]
pub struct ListSummary {
    #[serde(flatten)]
    pub info: crate::index::ListInfo,
    pub by_type: BTreeMap<String, usize>,
    pub by_programme: BTreeMap<String, usize>,
    pub files: Vec<SourceFile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// When the list's source file was last modified (`None` when it cannot be read).
    #[serde(skip)]
    pub modified: Option<chrono::DateTime<chrono::Utc>>,
}

/// The loaded lists summarised (`lists show`), with the store snapshot's fetch time when they came from the store.
#[derive(Debug, Clone, Serialize)]
pub struct ListsSummary {
    pub fetched_at: Option<String>,
    pub lists: Vec<ListSummary>,
    pub skipped: Vec<Skipped>,
}

/// Summarises loaded lists: entities per type and per programme, files, warnings, file dates.
pub fn summarize(loaded: &Loaded, manifest: Option<&Manifest>) -> ListsSummary {
    let lists = loaded
        .lists
        .iter()
        .map(|l| {
            let mut by_type = BTreeMap::new();
            let mut by_programme = BTreeMap::new();
            for e in &l.entities {
                *by_type.entry(e.schema.to_string()).or_insert(0) += 1;
                for p in &e.programs {
                    *by_programme.entry(p.clone()).or_insert(0) += 1;
                }
            }
            ListSummary {
                info: crate::index::ListInfo::of(l),
                by_type,
                by_programme,
                files: l.files.clone(),
                warnings: l.warnings.clone(),
                modified: std::fs::metadata(&l.source).and_then(|m| m.modified()).ok().map(chrono::DateTime::from),
            }
        })
        .collect();
    ListsSummary { fetched_at: manifest.map(|m| m.fetched_at.clone()), lists, skipped: loaded.skipped.clone() }
}

/// One changed entity in a diff.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: String,
    pub caption: String,
    pub changes: Vec<String>,
}

/// Differences between two versions of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub added: Vec<(String, String)>,
    pub removed: Vec<(String, String)>,
    pub changed: Vec<Change>,
}

fn set<T: ToString>(v: &[T]) -> BTreeSet<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn field_diff(label: &str, a: BTreeSet<String>, b: BTreeSet<String>, out: &mut Vec<String>) {
    let added: Vec<&String> = b.difference(&a).collect();
    let removed: Vec<&String> = a.difference(&b).collect();
    if !added.is_empty() {
        out.push(format!("{label} +{}", added.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", +")));
    }
    if !removed.is_empty() {
        out.push(format!("{label} -{}", removed.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", -")));
    }
}

/// Compares two sets of entities by id.
pub fn diff(old: &[Entity], new: &[Entity]) -> Diff {
    let o: BTreeMap<&str, &Entity> = old.iter().map(|e| (e.id.as_str(), e)).collect();
    let n: BTreeMap<&str, &Entity> = new.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut d = Diff { added: Vec::new(), removed: Vec::new(), changed: Vec::new() };
    for (id, e) in &n {
        match o.get(id) {
            None => d.added.push((id.to_string(), e.caption().to_string())),
            Some(old) => {
                let mut ch = Vec::new();
                if old.schema != e.schema {
                    ch.push(format!("type {} → {}", old.schema, e.schema));
                }
                let names = |x: &Entity| x.names.iter().map(|n| n.value.clone()).collect::<BTreeSet<_>>();
                field_diff("name", names(old), names(e), &mut ch);
                field_diff("programme", set(&old.programs), set(&e.programs), &mut ch);
                field_diff("birth date", set(&old.birth_dates), set(&e.birth_dates), &mut ch);
                field_diff("country", set(&old.countries), set(&e.countries), &mut ch);
                let ids = |x: &Entity| {
                    x.identifiers.iter().map(|i| format!("{} {}", i.kind, i.value)).collect::<BTreeSet<_>>()
                };
                field_diff("identifier", ids(old), ids(e), &mut ch);
                if old.listing_date != e.listing_date {
                    ch.push(format!("listing date {:?} → {:?}", old.listing_date, e.listing_date));
                }
                if !ch.is_empty() {
                    d.changed.push(Change { id: id.to_string(), caption: e.caption().to_string(), changes: ch });
                }
            }
        }
    }
    for (id, e) in &o {
        if !n.contains_key(id) {
            d.removed.push((id.to_string(), e.caption().to_string()));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NameStrength, Schema};

    #[test]
    fn diff_reports_added_removed_changed() {
        let mut a = Entity::new("x:1".into(), Schema::Person, "x", "X");
        a.add_name("Ivan Petrov", NameStrength::Primary, None);
        let mut b = a.clone();
        b.add_program("RUSSIA-EO14024");
        let c = Entity::new("x:2".into(), Schema::Person, "x", "X");
        let d = diff(&[a.clone(), c], &[b]);
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.changed.len(), 1);
        assert!(d.changed[0].changes[0].contains("RUSSIA-EO14024"));
        let d2 = diff(&[], &[a]);
        assert_eq!(d2.added.len(), 1);
    }

    #[test]
    fn sha256_known_value() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
