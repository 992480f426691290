//! A format-neutral document: what a command wants to show, before it is a terminal table or Markdown.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, Default)]
pub struct Row {
    pub cells: Vec<String>,
    /// Totals and headings within a table are emphasised.
    pub strong: bool,
    /// What the row is, for machine-readable output: its level (`category`, `item`, `total`, …) and the id of
    /// the figure it shows. CSV writes them as the `level` and `id` columns, so a reader need not parse labels.
    pub key: Option<(String, String)>,
}

impl Row {
    pub fn new(cells: Vec<String>) -> Self {
        Row { cells, strong: false, key: None }
    }
    pub fn strong(cells: Vec<String>) -> Self {
        Row { cells, strong: true, key: None }
    }
    /// The same row with its level and id.
    pub fn keyed(mut self, level: &str, id: &str) -> Self {
        self.key = Some((level.to_string(), id.to_string()));
        self
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Row>,
}

impl Table {
    /// A table whose first column is left-aligned and the others right-aligned (labels, then numbers).
    pub fn numeric(headers: &[&str]) -> Self {
        let align = (0..headers.len()).map(|i| if i == 0 { Align::Left } else { Align::Right }).collect();
        Table { headers: headers.iter().map(|s| s.to_string()).collect(), align, rows: Vec::new() }
    }

    /// A table of text columns.
    pub fn text(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|s| s.to_string()).collect(),
            align: vec![Align::Left; headers.len()],
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, cells: Vec<String>) {
        self.rows.push(Row::new(cells));
    }

    /// Adds a row with its level and id (see [`Row::key`]).
    pub fn push_keyed(&mut self, level: &str, id: &str, cells: Vec<String>) {
        self.rows.push(Row::new(cells).keyed(level, id));
    }
}

#[derive(Debug, Clone, Default)]
pub struct Section {
    pub heading: String,
    pub table: Option<Table>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub title: String,
    /// Key–value lines shown under the title (scenario, as-of date, samples, seed, …).
    pub meta: Vec<(String, String)>,
    pub sections: Vec<Section>,
}
