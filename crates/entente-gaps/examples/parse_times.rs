//! Per-file parse times of the lists under a folder (development aid):
//! `cargo run --release -p entente-gaps --example parse_times -- LISTS`.
fn main() -> anyhow::Result<()> {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let opts = entente_screen::lists::LoadOptions {
        skip_unrecognised: true,
        allow_incomplete_ofac: [
            entente_screen::lists::OfacPart::Add,
            entente_screen::lists::OfacPart::Alt,
            entente_screen::lists::OfacPart::Comments,
        ]
        .into_iter()
        .collect(),
    };
    let t = std::time::Instant::now();
    let (files, _) = entente_screen::lists::collect_files(&paths, &opts)?;
    eprintln!("collect {:?}", t.elapsed());
    for f in &files {
        let t = std::time::Instant::now();
        let l = entente_screen::lists::parse_file_with(f, &opts)?;
        eprintln!("{:>8.1} ms {:>6} {}", t.elapsed().as_secs_f64() * 1e3, l.entities.len(), f.display());
    }
    Ok(())
}
