//! The terminal table: aligned columns, a rule under the header, totals in bold when written to a terminal.
//! Widths are display columns (unicode-width), so Hangul and other wide characters align; when a width is set
//! (the terminal's, or `COLUMNS`), the widest text columns are wrapped onto several lines to fit it.

use super::Renderer;
use crate::doc::{Align, Doc, Table};
use std::sync::atomic::{AtomicUsize, Ordering};
use unicode_width::UnicodeWidthStr;

pub struct TableRenderer;

/// The width tables fit, 0 for none (piped output keeps whole rows).
static MAX_WIDTH: AtomicUsize = AtomicUsize::new(0);

/// Sets the width terminal tables fit (`None`: no limit). The binary calls it once, from the terminal's width.
pub fn set_table_width(w: Option<usize>) {
    MAX_WIDTH.store(w.unwrap_or(0), Ordering::Relaxed);
}

fn max_width() -> Option<usize> {
    Some(MAX_WIDTH.load(Ordering::Relaxed)).filter(|w| *w > 0)
}

/// Display width in terminal columns (a Hangul syllable takes two).
fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn pad(s: &str, w: usize, align: Align) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

/// Narrowest a wrapped column gets while words are kept whole.
const MIN_COLUMN: usize = 12;

/// Narrowest a wrapped column gets when even that does not fit.
const TIGHT_COLUMN: usize = 4;

/// Column widths that fit `limit`: the widest left-aligned (text) columns give way first, one column at a time,
/// never below [`MIN_COLUMN`] nor below their longest word; numbers are never wrapped.
fn fit(natural: &[usize], floor: &[usize], wrappable: &[bool], limit: usize) -> Vec<usize> {
    let mut w = natural.to_vec();
    let gaps = 2 * w.len().saturating_sub(1);
    loop {
        let total: usize = w.iter().sum::<usize>() + gaps;
        if total <= limit {
            return w;
        }
        let candidate =
            (0..w.len()).filter(|&i| wrappable[i] && w[i] > floor[i]).max_by_key(|&i| (w[i], usize::MAX - i));
        match candidate {
            Some(i) => {
                let excess = total - limit;
                let second = (0..w.len()).filter(|&j| j != i && wrappable[j]).map(|j| w[j]).max().unwrap_or(0);
                // shrink the widest column to the next widest (or by the excess), then look again
                let step = excess.min(w[i] - floor[i]).min((w[i] - second).max(1));
                w[i] -= step;
            }
            None => return w, // cannot fit: rows run over rather than lose text
        }
    }
}

fn wrap(s: &str, w: usize) -> Vec<String> {
    if width(s) <= w {
        return vec![s.to_string()];
    }
    textwrap::wrap(s, textwrap::Options::new(w).break_words(true)).into_iter().map(|c| c.into_owned()).collect()
}

pub fn render_table(t: &Table, out: &mut String) {
    let ncol = t.headers.len();
    let mut natural: Vec<usize> = t.headers.iter().map(|h| width(h)).collect();
    let mut floor: Vec<usize> = t.headers.iter().map(|h| h.split_whitespace().map(width).max().unwrap_or(0)).collect();
    for r in &t.rows {
        for (i, c) in r.cells.iter().enumerate().take(ncol) {
            natural[i] = natural[i].max(width(c));
            floor[i] = floor[i].max(c.split_whitespace().map(width).max().unwrap_or(0).min(MIN_COLUMN));
        }
    }
    let floor: Vec<usize> = floor.iter().zip(&natural).map(|(f, n)| (*f).max(MIN_COLUMN).min(*n)).collect();
    let align = |i: usize| *t.align.get(i).unwrap_or(&Align::Left);
    let wrappable: Vec<bool> = (0..ncol).map(|i| align(i) == Align::Left).collect();
    let w = match max_width() {
        Some(limit) => {
            let w = fit(&natural, &floor, &wrappable, limit);
            if w.iter().sum::<usize>() + 2 * ncol.saturating_sub(1) <= limit {
                w
            } else {
                // still too wide: let text columns break inside words, down to a few characters
                let tight: Vec<usize> = natural.iter().map(|n| (*n).min(TIGHT_COLUMN)).collect();
                fit(&natural, &tight, &wrappable, limit)
            }
        }
        None => natural,
    };
    let lines = |cells: &[String]| -> Vec<String> {
        let wrapped: Vec<Vec<String>> =
            (0..ncol).map(|i| wrap(cells.get(i).map(String::as_str).unwrap_or(""), w[i])).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (0..height)
            .map(|k| {
                let parts: Vec<String> = (0..ncol)
                    .map(|i| pad(wrapped[i].get(k).map(String::as_str).unwrap_or(""), w[i], align(i)))
                    .collect();
                parts.join("  ").trim_end().to_string()
            })
            .collect()
    };
    for l in lines(&t.headers) {
        out.push_str(&l);
        out.push('\n');
    }
    let total: usize = w.iter().sum::<usize>() + 2 * ncol.saturating_sub(1);
    out.push_str(&"─".repeat(total));
    out.push('\n');
    for r in &t.rows {
        for l in lines(&r.cells) {
            out.push_str(&l);
            out.push('\n');
        }
    }
}

impl Renderer for TableRenderer {
    fn render(&self, doc: &Doc) -> String {
        let mut out = String::new();
        if !doc.title.is_empty() {
            out.push_str(&doc.title);
            out.push('\n');
        }
        let kw = doc.meta.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
        let limit = max_width();
        for (k, v) in &doc.meta {
            let lead = format!("  {}  ", pad(k, kw, Align::Left));
            match limit.filter(|l| *l > width(&lead) + MIN_COLUMN) {
                Some(l) => {
                    let indent = " ".repeat(width(&lead));
                    for (i, line) in wrap(v, l - width(&lead)).iter().enumerate() {
                        out.push_str(if i == 0 { &lead } else { &indent });
                        out.push_str(line);
                        out.push('\n');
                    }
                }
                None => out.push_str(&format!("{lead}{v}\n")),
            }
        }
        for s in &doc.sections {
            out.push('\n');
            if !s.heading.is_empty() {
                out.push_str(&s.heading);
                out.push('\n');
            }
            if let Some(t) = &s.table {
                render_table(t, &mut out);
            }
            for n in &s.notes {
                match limit.filter(|l| *l > 2 + MIN_COLUMN) {
                    Some(l) => {
                        for line in wrap(n, l - 2) {
                            out.push_str(&format!("  {line}\n"));
                        }
                    }
                    None => out.push_str(&format!("  {n}\n")),
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[[&str; 3]]) -> Table {
        let mut t = Table::text(&["id", "name", "note"]);
        t.align[2] = Align::Left;
        for r in rows {
            t.push(r.iter().map(|s| s.to_string()).collect());
        }
        t
    }

    #[test]
    fn hangul_aligns_by_display_width() {
        let t = table(&[["a", "김정은", "x"], ["b", "Kim", "y"]]);
        let mut out = String::new();
        render_table(&t, &mut out);
        let lines: Vec<&str> = out.lines().collect();
        // the third column starts at the same display column on both rows
        let col = |l: &str| width(&l[..l.rfind(['x', 'y']).unwrap()]);
        assert_eq!(col(lines[2]), col(lines[3]), "{out}");
        assert_eq!(col(lines[2]), 2 + 2 + 6 + 2);
    }

    #[test]
    fn long_rows_wrap_to_the_width() {
        let long = "word ".repeat(600);
        let t = table(&[["a", "name", long.trim()]]);
        let mut out = String::new();
        MAX_WIDTH.store(80, Ordering::Relaxed);
        render_table(&t, &mut out);
        MAX_WIDTH.store(0, Ordering::Relaxed);
        assert!(out.lines().all(|l| width(l) <= 80), "{out}");
        assert!(out.lines().count() > 30);
        let words: usize = out.lines().map(|l| l.matches("word").count()).sum();
        assert_eq!(words, 600, "no text is lost");
    }
}
