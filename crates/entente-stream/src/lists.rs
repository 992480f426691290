//! List versions shared through the broker: `publish` puts list files in the object store `ENTENTE_LISTS` and names
//! them as the current version in the key-value bucket `ENTENTE_LISTS_VERSION`; workers started with lists from the
//! broker load the current version and switch to each new one atomically (a message is screened against one
//! version, which its result names).

use crate::worker::{Lists, ListsVersion};
use anyhow::{bail, Context, Result};
use async_nats::jetstream::{self, kv, object_store};
use entente_app::screen::{load_index, ListsRequest, ScreenRequest};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tokio::io::AsyncReadExt;

pub const OBJECT_BUCKET: &str = "ENTENTE_LISTS";
pub const KV_BUCKET: &str = "ENTENTE_LISTS_VERSION";
pub const CURRENT_KEY: &str = "current";
/// Every published version is also kept under `version.NAME` (what `rescreen --since NAME` looks up).
pub const VERSION_KEY_PREFIX: &str = "version.";

/// The current version: its name and the objects holding its files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Published {
    pub version: String,
    pub objects: Vec<String>,
}

pub(crate) async fn buckets(
    js: &jetstream::Context,
    replicas: usize,
) -> Result<(object_store::ObjectStore, kv::Store)> {
    let os = match js.get_object_store(OBJECT_BUCKET).await {
        Ok(o) => o,
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: OBJECT_BUCKET.into(),
                num_replicas: replicas,
                ..Default::default()
            })
            .await
            .with_context(|| format!("cannot create the object store {OBJECT_BUCKET}"))?,
    };
    let kv = crate::setup::kv_bucket(js, KV_BUCKET, replicas, 10).await?;
    Ok((os, kv))
}

/// Publishes list files (not folders) as version `version` and makes it the current one.
pub async fn publish(
    client: &async_nats::Client,
    version: &str,
    files: &[PathBuf],
    replicas: usize,
) -> Result<Published> {
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        bail!("version {version:?}: use letters, digits, '-', '_' and '.'");
    }
    let js = jetstream::new(client.clone());
    let (os, kv) = buckets(&js, replicas).await?;
    let mut objects = Vec::new();
    for (i, f) in files.iter().enumerate() {
        anyhow::ensure!(f.is_file(), "{}: publish list files, not folders", f.display());
        let data = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        let base = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = format!("{version}/{i}-{base}");
        os.put(name.as_str(), &mut data.as_slice()).await.with_context(|| format!("cannot store {}", f.display()))?;
        objects.push(name);
    }
    let p = Published { version: version.to_string(), objects };
    kv.put(format!("{VERSION_KEY_PREFIX}{version}"), serde_json::to_vec(&p)?.into())
        .await
        .with_context(|| format!("cannot record list version {version}"))?;
    kv.put(CURRENT_KEY, serde_json::to_vec(&p)?.into()).await.context("cannot set the current list version")?;
    Ok(p)
}

/// The current published version (`None` when nothing was published).
pub async fn current(kv: &kv::Store) -> Result<Option<Published>> {
    let Some(v) = kv.get(CURRENT_KEY).await.context("cannot read the current list version")? else { return Ok(None) };
    Ok(Some(serde_json::from_slice(&v).context("the current list version record is not readable")?))
}

/// A published version by name: its `version.NAME` record, else (versions published before those records
/// existed) the latest of the `current` key's kept history that names it.
pub async fn published(kv: &kv::Store, version: &str) -> Result<Option<Published>> {
    if let Some(v) = kv.get(format!("{VERSION_KEY_PREFIX}{version}")).await.context("cannot read the list versions")? {
        return Ok(Some(
            serde_json::from_slice(&v).with_context(|| format!("list version {version}: record not readable"))?,
        ));
    }
    let mut found = None;
    let mut history = kv.history(CURRENT_KEY).await.context("cannot read the list version history")?;
    while let Some(e) = history.next().await {
        let e = e.context("cannot read the list version history")?;
        if let Ok(p) = serde_json::from_slice::<Published>(&e.value) {
            if p.version == version {
                found = Some(p);
            }
        }
        if e.delta == 0 {
            break;
        }
    }
    Ok(found)
}

pub(crate) async fn download(os: &object_store::ObjectStore, p: &Published, dir: &Path) -> Result<Vec<PathBuf>> {
    let dir = dir.join(&p.version);
    std::fs::create_dir_all(&dir)?;
    let mut paths = Vec::new();
    for name in &p.objects {
        let mut obj = os.get(name).await.with_context(|| format!("list version {}: no object {name}", p.version))?;
        let mut data = Vec::new();
        obj.read_to_end(&mut data).await?;
        let path = dir.join(name.rsplit('/').next().unwrap_or(name));
        std::fs::write(&path, data)?;
        paths.push(path);
    }
    Ok(paths)
}

pub(crate) async fn load(
    os: &object_store::ObjectStore,
    p: &Published,
    dir: &Path,
    req: &ScreenRequest,
) -> Result<ListsVersion> {
    let paths = download(os, p, dir).await?;
    index_files(paths, &p.version, req).await
}

/// Loads and indexes downloaded list files as version `version`.
pub(crate) async fn index_files(paths: Vec<PathBuf>, version: &str, req: &ScreenRequest) -> Result<ListsVersion> {
    let lists = ListsRequest { paths, store_dir: None, load: req.lists.load.clone() };
    let req2 = req.clone();
    let version = version.to_string();
    tokio::task::spawn_blocking(move || {
        let index = load_index(&lists).map_err(anyhow::Error::new)?;
        ListsVersion::new(index, &req2, Some(version))
    })
    .await?
}

/// Loads the current published version, and keeps switching to each new one in the background. Files are kept
/// under `dir`.
pub async fn follow(client: &async_nats::Client, req: ScreenRequest, dir: PathBuf, replicas: usize) -> Result<Lists> {
    let js = jetstream::new(client.clone());
    let (os, kv) = buckets(&js, replicas).await?;
    let mut watch = kv.watch_with_history(CURRENT_KEY).await.context("cannot watch the list version")?;
    let first = loop {
        let e = watch.next().await.context("the list version watch ended")??;
        if let Ok(p) = serde_json::from_slice::<Published>(&e.value) {
            break p;
        }
    };
    let lists = Lists::new(load(&os, &first, &dir, &req).await?);
    let l = lists.clone();
    tokio::spawn(async move {
        while let Some(Ok(e)) = watch.next().await {
            let Ok(p) = serde_json::from_slice::<Published>(&e.value) else { continue };
            if p.version == l.current().version {
                continue;
            }
            match load(&os, &p, &dir, &req).await {
                Ok(v) => {
                    eprintln!("lists: switched to version {}", p.version);
                    l.swap(v)
                }
                Err(e) => eprintln!("lists: version {} not loaded, keeping {}: {e:#}", p.version, l.current().version),
            }
        }
    });
    Ok(lists)
}
