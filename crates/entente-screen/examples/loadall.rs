//! Loads every shared list and prints per-list counts (manual check).
fn main() -> anyhow::Result<()> {
    let args: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let t = std::time::Instant::now();
    let lists = entente_screen::lists::load_paths(&args)?;
    for l in &lists {
        println!("{} {} {} {:?} {}", l.list, l.format, l.source, l.generated, l.entities.len());
    }
    println!("{:?}", t.elapsed());
    Ok(())
}
