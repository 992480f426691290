//! Evaluation driver for `bench/screen_heldout.py`: loads the given lists,
//! screens every query of a CSV (`ref,name` header) and prints every hit at
//! or above the threshold as CSV `ref,entity_id,score,matched_name,explanation`.
//!
//! Usage: screen_eval QUERIES.csv THRESHOLD LIST_PATH...
use entente_screen::index::{Index, Query, SearchOptions};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        anyhow::bail!("usage: screen_eval QUERIES.csv THRESHOLD LIST_PATH...");
    }
    let threshold: f32 = args[2].parse()?;
    let paths: Vec<std::path::PathBuf> = args[3..].iter().map(Into::into).collect();
    let index = Index::build(entente_screen::lists::load_paths(&paths)?);
    let opts = SearchOptions { threshold, limit: 10, ..Default::default() };
    let mut rdr = csv::Reader::from_path(&args[1])?;
    let mut wtr = csv::Writer::from_writer(std::io::stdout());
    wtr.write_record(["ref", "entity_id", "score", "matched_name", "explanation"])?;
    let mut scratch = index.scratch();
    for rec in rdr.records() {
        let rec = rec?;
        let q = Query { name: rec[1].to_string(), ..Default::default() };
        for h in index.search(&q, &opts, &mut scratch) {
            let e = &index.entities[h.entity];
            wtr.write_record([&rec[0], e.id.as_str(), &format!("{:.4}", h.score), &h.matched_name, &h.explanation])?;
        }
    }
    wtr.flush()?;
    Ok(())
}
