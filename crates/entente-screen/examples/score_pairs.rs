//! Scores name pairs for the quality benchmark (`bench/screen_quality.py`).
//!
//! stdin: CSV with header `schema,name1,name2`; stdout: CSV
//! `score,ofac_score,explanation` in the same order.
use entente_screen::matcher::{compare_names, ofac_score};
use entente_screen::model::Schema;
use entente_screen::normalize::prepare;

fn main() -> anyhow::Result<()> {
    let mut rdr = csv::Reader::from_reader(std::io::stdin());
    let mut wtr = csv::Writer::from_writer(std::io::stdout());
    wtr.write_record(["score", "ofac_score", "explanation"])?;
    for rec in rdr.records() {
        let rec = rec?;
        let schema = Schema::parse(&rec[0]).unwrap_or(Schema::LegalEntity);
        let person = schema.is_person();
        let m = compare_names(&prepare(&rec[1], person), &prepare(&rec[2], person), schema);
        let o = ofac_score(&rec[1], &rec[2]);
        wtr.write_record([format!("{:.4}", m.score), format!("{:.4}", o), m.explanation])?;
    }
    wtr.flush()?;
    Ok(())
}
