//! GitHub-flavoured Markdown, for pasting into documents and issues.

use super::Renderer;
use crate::doc::{Align, Doc};

pub struct MarkdownRenderer;

fn esc(s: &str) -> String {
    s.replace('|', "\\|")
}

impl Renderer for MarkdownRenderer {
    fn render(&self, doc: &Doc) -> String {
        let mut out = String::new();
        if !doc.title.is_empty() {
            out.push_str(&format!("# {}\n\n", esc(&doc.title)));
        }
        for (k, v) in &doc.meta {
            out.push_str(&format!("- **{}**: {}\n", esc(k), esc(v)));
        }
        for s in &doc.sections {
            out.push('\n');
            if !s.heading.is_empty() {
                out.push_str(&format!("## {}\n\n", esc(&s.heading)));
            }
            if let Some(t) = &s.table {
                out.push_str(&format!("| {} |\n", t.headers.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")));
                let rule: Vec<&str> = (0..t.headers.len())
                    .map(|i| if t.align.get(i) == Some(&Align::Right) { "---:" } else { "---" })
                    .collect();
                out.push_str(&format!("| {} |\n", rule.join(" | ")));
                for r in &t.rows {
                    let cells: Vec<String> = (0..t.headers.len())
                        .map(|i| {
                            let c = esc(r.cells.get(i).map(String::as_str).unwrap_or(""));
                            if r.strong && !c.trim().is_empty() {
                                format!("**{}**", c.trim())
                            } else {
                                c
                            }
                        })
                        .collect();
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
                out.push('\n');
            }
            for n in &s.notes {
                out.push_str(&format!("{}\n\n", esc(n)));
            }
        }
        out
    }
}
