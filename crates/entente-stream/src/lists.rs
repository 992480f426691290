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

/// The current version: its name and the objects holding its files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Published {
    pub version: String,
    pub objects: Vec<String>,
}

async fn buckets(js: &jetstream::Context, replicas: usize) -> Result<(object_store::ObjectStore, kv::Store)> {
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
    let kv = match js.get_key_value(KV_BUCKET).await {
        Ok(k) => k,
        Err(_) => {
            // The bucket's stream made directly (as the KV layer would): the client's own bucket creation does not
            // read nats-server 2.9's answer.
            js.get_or_create_stream(jetstream::stream::Config {
                name: format!("KV_{KV_BUCKET}"),
                subjects: vec![format!("$KV.{KV_BUCKET}.>")],
                max_messages_per_subject: 10,
                num_replicas: replicas,
                allow_rollup: true,
                deny_delete: true,
                allow_direct: true,
                discard: jetstream::stream::DiscardPolicy::New,
                ..Default::default()
            })
            .await
            .with_context(|| format!("cannot create the key-value bucket {KV_BUCKET}"))?;
            js.get_key_value(KV_BUCKET)
                .await
                .with_context(|| format!("cannot open the key-value bucket {KV_BUCKET}"))?
        }
    };
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
    kv.put(CURRENT_KEY, serde_json::to_vec(&p)?.into()).await.context("cannot set the current list version")?;
    Ok(p)
}

async fn download(os: &object_store::ObjectStore, p: &Published, dir: &Path) -> Result<Vec<PathBuf>> {
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

async fn load(os: &object_store::ObjectStore, p: &Published, dir: &Path, req: &ScreenRequest) -> Result<ListsVersion> {
    let paths = download(os, p, dir).await?;
    let lists = ListsRequest { paths, store_dir: None, load: req.lists.load.clone() };
    let req2 = req.clone();
    let version = p.version.clone();
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
