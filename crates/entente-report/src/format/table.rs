//! The terminal table: aligned columns, a rule under the header, totals in bold when written to a terminal.

use super::Renderer;
use crate::doc::{Align, Doc, Table};

pub struct TableRenderer;

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, w: usize, align: Align) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

pub fn render_table(t: &Table, out: &mut String) {
    let ncol = t.headers.len();
    let mut w: Vec<usize> = t.headers.iter().map(|h| width(h)).collect();
    for r in &t.rows {
        for (i, c) in r.cells.iter().enumerate().take(ncol) {
            w[i] = w[i].max(width(c));
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = (0..ncol)
            .map(|i| pad(cells.get(i).map(String::as_str).unwrap_or(""), w[i], *t.align.get(i).unwrap_or(&Align::Left)))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    out.push_str(&line(&t.headers));
    out.push('\n');
    let total: usize = w.iter().sum::<usize>() + 2 * ncol.saturating_sub(1);
    out.push_str(&"─".repeat(total));
    out.push('\n');
    for r in &t.rows {
        out.push_str(&line(&r.cells));
        out.push('\n');
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
        for (k, v) in &doc.meta {
            out.push_str(&format!("  {}  {v}\n", pad(k, kw, Align::Left)));
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
                out.push_str(&format!("  {n}\n"));
            }
        }
        out
    }
}
