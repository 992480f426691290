//! CSV for spreadsheets and pipelines: one rectangular table per output, so that pandas, R and spreadsheets read
//! it as it is. Consecutive sections with the same columns (deliveries and compensation, say) are one table,
//! told apart by a `section` column; rows that carry a key get explicit `level` and `id` columns. A command's
//! other tables are chosen with `--csv-table N` (see [`set_csv_table`]); the first is the default.

use super::Renderer;
use crate::doc::{Doc, Table};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub struct CsvRenderer;

/// Which table (1-based) CSV writes.
static TABLE: AtomicUsize = AtomicUsize::new(1);

/// Set when the chosen table does not exist: the message names the tables there are.
static MISSING: Mutex<Option<String>> = Mutex::new(None);

/// Chooses the table CSV writes (1-based; `None` for the first).
pub fn set_csv_table(n: Option<usize>) {
    TABLE.store(n.unwrap_or(1).max(1), Ordering::Relaxed);
}

/// After rendering: the error when `--csv-table` named a table the output does not have.
pub fn csv_table_missing() -> Option<String> {
    MISSING.lock().ok().and_then(|m| m.clone())
}

/// The tables of a document: runs of consecutive sections whose tables have the same headers.
pub fn csv_tables(doc: &Doc) -> Vec<Vec<(&str, &Table)>> {
    let mut groups: Vec<Vec<(&str, &Table)>> = Vec::new();
    for s in &doc.sections {
        let Some(t) = &s.table else { continue };
        match groups.last_mut() {
            Some(g) if g[0].1.headers == t.headers => g.push((s.heading.as_str(), t)),
            _ => groups.push(vec![(s.heading.as_str(), t)]),
        }
    }
    groups
}

/// One table as CSV (a chart's data, for its download link).
pub fn table_csv(t: &Table) -> String {
    write_group(&[("", t)])
}

fn write_group(group: &[(&str, &Table)]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let keyed = group.iter().any(|(_, t)| t.rows.iter().any(|r| r.key.is_some()));
    let sections = group.len() > 1 || group.iter().any(|(h, _)| !h.is_empty());
    let mut header: Vec<String> = Vec::new();
    if sections {
        header.push("section".into());
    }
    if keyed {
        header.extend(["level".to_string(), "id".to_string()]);
    }
    // an empty header cell (the label column) is named, so that every column has a name
    header.extend(group[0].1.headers.iter().enumerate().map(|(i, h)| {
        let h = h.trim();
        if h.is_empty() {
            if i == 0 {
                "label".to_string()
            } else {
                format!("column_{}", i + 1)
            }
        } else {
            h.to_string()
        }
    }));
    w.write_record(&header).expect("in-memory write");
    let ncol = group[0].1.headers.len();
    for (heading, t) in group {
        for r in &t.rows {
            let mut rec: Vec<String> = Vec::with_capacity(header.len());
            if sections {
                rec.push(heading.to_string());
            }
            if keyed {
                let (l, i) = r.key.clone().unwrap_or_default();
                rec.extend([l, i]);
            }
            rec.extend((0..ncol).map(|i| r.cells.get(i).map(|c| c.trim().to_string()).unwrap_or_default()));
            w.write_record(&rec).expect("in-memory write");
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory write")).expect("UTF-8 in, UTF-8 out")
}

impl Renderer for CsvRenderer {
    fn render(&self, doc: &Doc) -> String {
        let groups = csv_tables(doc);
        let n = TABLE.load(Ordering::Relaxed);
        match groups.get(n - 1) {
            Some(g) => write_group(g),
            None => {
                let list: Vec<String> = groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| format!("{} = {}", i + 1, if g[0].0.is_empty() { "(untitled)" } else { g[0].0 }))
                    .collect();
                if let Ok(mut m) = MISSING.lock() {
                    *m = Some(format!(
                        "--csv-table {n}: this output has {} table{} ({})",
                        groups.len(),
                        if groups.len() == 1 { "" } else { "s" },
                        list.join("; ")
                    ));
                }
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Row, Section};

    fn doc() -> Doc {
        let mut a = Table::numeric(&["", "median"]);
        a.push_keyed("category", "cat:a", vec!["A".into(), "1".into()]);
        a.rows.push(Row::strong(vec!["Total".into(), "1".into()]).keyed("total", "flow:x"));
        let mut b = Table::numeric(&["", "median"]);
        b.push_keyed("category", "cat:b", vec!["B, with comma".into(), "2".into()]);
        let mut c = Table::numeric(&["", "P5", "P95"]);
        c.push(vec!["ratio".into(), "1".into(), "3".into()]);
        Doc {
            title: "t".into(),
            meta: vec![],
            sections: vec![
                Section { heading: "X".into(), table: Some(a), notes: vec![] },
                Section { heading: "Y".into(), table: Some(b), notes: vec![] },
                Section { heading: "Z".into(), table: Some(c), notes: vec![] },
            ],
        }
    }

    #[test]
    fn one_rectangular_table_with_level_and_id() {
        set_csv_table(None);
        let out = CsvRenderer.render(&doc());
        let mut r = csv::Reader::from_reader(out.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ["section", "level", "id", "label", "median"]);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|x| x.len() == 5));
        assert_eq!(&rows[2][0], "Y");
        assert_eq!(&rows[2][2], "cat:b");
        assert!(!out.contains("\n\n") && !out.contains("\"\""));
    }
}
