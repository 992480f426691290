//! Prints the matrix compactly (development aid): `cargo run -p entente-gaps --example gaps_dump -- LISTS… [--as-of D]`.
fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = entente_gaps::GapOptions::default();
    if let Some(i) = args.iter().position(|a| a == "--as-of") {
        opts.as_of = Some(args[i + 1].parse()?);
        args.drain(i..i + 2);
    }
    let t = std::time::Instant::now();
    let ds = entente_data::load_embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
    let actors = entente_data::actors::load_actors("actors.toml", entente_data::actors::EMBEDDED_ACTORS, &ds)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let paths: Vec<std::path::PathBuf> = args.iter().map(Into::into).collect();
    eprintln!("dataset {:?}", t.elapsed());
    let loaded = entente_gaps::load_lists(&paths)?;
    eprintln!("lists {:?}", t.elapsed());
    let g = entente_gaps::ownership_graph(&loaded.lists)?;
    eprintln!("graph {:?}", t.elapsed());
    let gaps = entente_gaps::analyse(&ds, &actors, loaded, &g, &opts);
    eprintln!("total {:?}", t.elapsed());
    for r in &gaps.rows {
        let cells: Vec<String> = r
            .cells
            .iter()
            .map(|c| {
                format!(
                    "{}={}{}{}",
                    c.authority.label(),
                    c.status.label(),
                    c.designated.map(|d| format!("@{d}")).unwrap_or_default(),
                    c.matches.first().map(|m| format!("[{}]", m.basis.describe())).unwrap_or_default()
                )
            })
            .collect();
        println!("{:<22} {:?} {}", r.actor, r.first_evidence, cells.join(" | "));
    }
    println!("{}", serde_json::to_string_pretty(&gaps.summary)?);
    for a in &gaps.authorities {
        println!("{}: {}", a.authority.label(), a.notes.join(" // "));
    }
    for f in &gaps.ownership {
        println!("{:?} {} {:?} {:?} {} {:?}", f.authority, f.caption, f.rule, f.verdict, f.known_percentage, f.path);
    }
    Ok(())
}
