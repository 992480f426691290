//! `entente lists …` output: the configured sources, a fetch's snapshot, the loaded lists summarised, and the
//! differences between two versions of a list. Texts from list files go through [`safe`] (table) or
//! [`json_safe`] (JSON).

use super::screen::{json_safe, json_text, safe};
use entente_screen::store::{Diff, ListsSummary, Manifest, Source};
use std::fmt::Write as _;
use std::path::Path;

/// Output format of `lists show` and `lists diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// Appends a line to a `String` (writing to memory cannot fail).
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// `lists sources`: each source's name, description and URL.
pub fn sources(sources: &[Source]) -> String {
    let mut out = String::new();
    for s in sources {
        put!(
            out,
            "{:<14} {}{}\n{:<14} {}",
            s.name,
            s.description,
            if s.default { "" } else { " [not fetched by default]" },
            "",
            s.url
        );
    }
    out
}

/// `lists fetch`: the new snapshot and each file fetched into it.
pub fn fetched(snapshot: &Path, manifest: &Manifest) -> String {
    let mut out = String::new();
    put!(out, "fetched {} lists into {}", manifest.files.len(), snapshot.display());
    for f in &manifest.files {
        put!(
            out,
            "  {:<10} {:>7} entities  {:>11} bytes  sha256 {}  generated {}",
            f.source,
            f.entities,
            f.bytes,
            f.sha256.get(..16).unwrap_or(&f.sha256),
            f.generated.as_deref().unwrap_or("-")
        );
    }
    out
}

/// `lists show`: per list its authority, format, date, files, warnings, entities per type and the `top`
/// programmes; then the skipped files.
pub fn show(summary: &ListsSummary, fmt: Format, top: usize) -> String {
    if fmt == Format::Json {
        return json_text(summary);
    }
    let mut out = String::new();
    if let Some(f) = &summary.fetched_at {
        put!(out, "store snapshot fetched {f}");
    }
    let total: usize = summary.lists.iter().map(|s| s.info.entities).sum();
    put!(out, "{} lists, {} entities", summary.lists.len(), total);
    for s in &summary.lists {
        let i = &s.info;
        put!(
            out,
            "\n{} — {} ({}), generated {}",
            i.list,
            safe(&i.authority),
            i.format,
            safe(i.generated.as_deref().unwrap_or("(no date in file)"))
        );
        let modified = s.modified.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "?".into());
        put!(out, "  file: {} (modified {modified})", safe(&i.source));
        for f in &s.files {
            put!(out, "  sha256 {}  {}", f.sha256, safe(&f.path));
        }
        for w in &s.warnings {
            put!(out, "  warning: {}", safe(w));
        }
        let types: Vec<String> = s.by_type.iter().map(|(k, v)| format!("{k} {v}")).collect();
        put!(out, "  {} entities: {}", i.entities, types.join(", "));
        let mut progs: Vec<(&String, &usize)> = s.by_programme.iter().collect();
        progs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = progs.iter().take(top).map(|(k, v)| format!("{} {v}", safe(k))).collect();
        let more = if progs.len() > top { format!(" (+{} more)", progs.len() - top) } else { String::new() };
        put!(out, "  programmes: {}{}", shown.join(", "), more);
    }
    for sk in &summary.skipped {
        put!(out, "\nskipped: {} — {}", safe(&sk.path), safe(&sk.reason));
    }
    out
}

/// `lists diff`: the counts, then `+` added, `-` removed and `~` changed entities with what changed.
pub fn diff(d: &Diff, fmt: Format) -> String {
    if fmt == Format::Json {
        // Fields in declaration order (added, removed, changed), as this output has always had them.
        let text = serde_json::to_string_pretty(d).unwrap_or_default();
        return format!("{}\n", json_safe(&text));
    }
    let mut out = String::new();
    put!(out, "{} added, {} removed, {} changed", d.added.len(), d.removed.len(), d.changed.len());
    for (id, c) in &d.added {
        put!(out, "+ {:<20} {}", safe(id), safe(c));
    }
    for (id, c) in &d.removed {
        put!(out, "- {:<20} {}", safe(id), safe(c));
    }
    for c in &d.changed {
        put!(out, "~ {:<20} {}", safe(&c.id), safe(&c.caption));
        for x in &c.changes {
            put!(out, "      {}", safe(x));
        }
    }
    out
}
