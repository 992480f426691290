//! CSV for spreadsheets and pipelines: every table of the document, one after another, each with its header
//! and a leading `section` column so that a reader can split them again.

use super::Renderer;
use crate::doc::Doc;

pub struct CsvRenderer;

impl Renderer for CsvRenderer {
    fn render(&self, doc: &Doc) -> String {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        let mut first = true;
        for s in &doc.sections {
            let Some(t) = &s.table else { continue };
            if !first {
                w.write_record(std::iter::empty::<&str>()).expect("in-memory write");
            }
            first = false;
            let mut header = vec!["section".to_string()];
            header.extend(t.headers.iter().cloned());
            w.write_record(&header).expect("in-memory write");
            for r in &t.rows {
                let mut rec = vec![s.heading.clone()];
                rec.extend(r.cells.iter().map(|c| c.trim().to_string()));
                w.write_record(&rec).expect("in-memory write");
            }
        }
        String::from_utf8(w.into_inner().expect("in-memory write")).expect("UTF-8 in, UTF-8 out")
    }
}
