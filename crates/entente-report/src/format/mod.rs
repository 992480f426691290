//! One module per output format behind one trait; adding a format touches one new file and one line here.

mod csv;

pub use csv::{csv_table_missing, csv_tables, set_csv_table, table_csv};
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

/// The version of every command's JSON output, its first field. Raised when a field is removed, renamed or
/// changes meaning (adding a field does not raise it). The schemas are in `docs/schemas/`.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    data: &'a T,
}

/// Renders `doc` (or, for JSON, `data`) in the chosen format.
pub fn render<T: Serialize>(format: OutputFormat, doc: &Doc, data: &T) -> String {
    match format {
        OutputFormat::Table => table::TableRenderer.render(doc),
        OutputFormat::Markdown => markdown::MarkdownRenderer.render(doc),
        OutputFormat::Csv => csv::CsvRenderer.render(doc),
        OutputFormat::Json => {
            let mut s = match serde_json::to_string_pretty(&Versioned { schema_version: SCHEMA_VERSION, data }) {
                Ok(s) => s,
                // a list (not an object) has no place for a field: it is written as it is
                Err(_) => serde_json::to_string_pretty(data).expect("figures serialise"),
            };
            s.push('\n');
            s
        }
    }
}

/// Renders a result through its view: the view's document for a table, Markdown or CSV (raw numbers for CSV),
/// the result itself for JSON. Every front end renders through this, so the CLI and the server give the same bytes.
pub fn show<T: Serialize>(format: OutputFormat, data: &T, view: impl Fn(&T, bool) -> Doc) -> String {
    render(format, &view(data, format != OutputFormat::Csv), data)
}
