//! One module per output format behind one trait; adding a format touches one new file and one line here.

mod csv;
mod markdown;
mod table;

pub use table::set_table_width;

use crate::doc::Doc;
use serde::Serialize;

/// The formats every command offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
    Markdown,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "markdown" | "md" => Ok(Self::Markdown),
            _ => Err(format!("unknown format `{s}` (table, json, csv, markdown)")),
        }
    }
}

/// Turns a document into text in one format.
pub trait Renderer {
    fn render(&self, doc: &Doc) -> String;
}

/// Renders `doc` (or, for JSON, `data`) in the chosen format.
pub fn render<T: Serialize>(format: OutputFormat, doc: &Doc, data: &T) -> String {
    match format {
        OutputFormat::Table => table::TableRenderer.render(doc),
        OutputFormat::Markdown => markdown::MarkdownRenderer.render(doc),
        OutputFormat::Csv => csv::CsvRenderer.render(doc),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(data).expect("figures serialise");
            s.push('\n');
            s
        }
    }
}
