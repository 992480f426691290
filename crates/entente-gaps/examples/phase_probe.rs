fn main() -> anyhow::Result<()> {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let ds = entente_data::load_embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
    let actors = entente_data::actors::load_actors("actors.toml", entente_data::actors::EMBEDDED_ACTORS, &ds)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = std::time::Instant::now();
    let loaded = entente_gaps::load_lists(&paths)?;
    eprintln!("load {:?}", t.elapsed());
    let n: usize = loaded.lists.iter().map(|l| l.entities.len()).sum();
    let t = std::time::Instant::now();
    let index = entente_screen::index::Index::build(loaded.lists.clone());
    eprintln!("index {:?} ({n} entities)", t.elapsed());
    let t = std::time::Instant::now();
    let formats: Vec<String> = loaded.lists.iter().map(|l| l.format.clone()).collect();
    let full: Vec<Vec<String>> = actors
        .iter()
        .map(|a| {
            let mut v: Vec<String> =
                entente_gaps::matrix::find(&index, &|_| 0, &formats, a).into_iter().map(|m| m.entity).collect();
            v.sort();
            v.dedup();
            v
        })
        .collect();
    eprintln!("find x{} {:?}", actors.len(), t.elapsed());
    let t = std::time::Instant::now();
    let g = entente_gaps::ownership_graph(&loaded.lists)?;
    let gaps = entente_gaps::analyse(&ds, &actors, loaded, &g, &Default::default());
    eprintln!("analyse {:?}", t.elapsed());
    let mut same = 0;
    for (a, f) in actors.iter().zip(&full) {
        let r = gaps.rows.iter().find(|r| r.actor == a.id).unwrap();
        let mut v: Vec<String> = r.cells.iter().flat_map(|c| c.matches.iter().map(|m| m.entity.clone())).collect();
        // reference (ftm) matches are not in cells: compare authority-list matches only
        let mut f2: Vec<String> =
            f.iter().filter(|e| !e.starts_with("ftm:") || e.starts_with("ftm:eu-fsf")).cloned().collect();
        v.sort();
        v.dedup();
        f2.sort();
        f2.dedup();
        if v == f2 {
            same += 1
        } else {
            eprintln!("DIFF {}: full {:?} vs prefiltered {:?}", a.id, f2, v)
        }
    }
    eprintln!("same matches for {same}/{} actors", actors.len());
    Ok(())
}
