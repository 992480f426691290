//! Scaling measurement for dataset validation: the embedded dataset with N extra (valid) claims and sources.
//!
//! `cargo run --release -p entente-data --example scale -- time 0 1000 3000 10000` times `entente_data::load`
//! for each N (median of several runs); `… -- write DIR N` writes the generated dataset to DIR (for
//! `bench/validate.sh`, which times the `entente validate` binary on it).

use std::time::{Duration, Instant};

/// The embedded dataset with `n` extra sources and `n` extra claims (one citing each source) appended.
fn generate(n: usize) -> Vec<(String, String)> {
    entente_data::EMBEDDED
        .iter()
        .map(|(name, text)| {
            let mut t = text.to_string();
            match *name {
                "sources.toml" => {
                    for i in 0..n {
                        t.push_str(&format!(
                            "\n[[source]]\nid = \"bench-source-{i}\"\ntitle = \"Generated source {i}\"\n\
                             publisher = \"bench\"\nurl = \"https://example.org/{i}\"\npublished = 2024-01-01\n\
                             reliability = \"C\"\ncredibility = 3\nnote = \"generated\"\n"
                        ));
                    }
                }
                "claims.toml" => {
                    for i in 0..n {
                        t.push_str(&format!(
                            "\n[[claim]]\nid = \"bench-claim-{i}\"\nsources = [\"bench-source-{i}\"]\n\
                             measure = \"generated measure {i}\"\nvalue = {{ low = 1e6, high = {}e6 }}\n\
                             unit = \"USD\"\nperiod = {{ from = 2023-01-01, to = 2023-12-31 }}\n\
                             public = 2024-01-01\nnote = \"generated\"\n",
                            2 + i % 7
                        ));
                    }
                }
                _ => {}
            }
            (name.to_string(), t)
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") if args.len() == 3 => {
            let dir = std::path::Path::new(&args[1]);
            let n: usize = args[2].parse().expect("N must be a number");
            std::fs::create_dir_all(dir).expect("cannot create the output folder");
            for (name, text) in generate(n) {
                std::fs::write(dir.join(&name), text).expect("cannot write a dataset file");
            }
        }
        Some("time") => {
            for a in &args[1..] {
                let n: usize = a.parse().expect("N must be a number");
                let files = entente_data::Files { files: generate(n).into_iter().collect() };
                let mut times: Vec<Duration> = Vec::new();
                let runs = if n >= 10_000 { 3 } else { 5 };
                for _ in 0..runs {
                    let start = Instant::now();
                    let result = entente_data::load(&files);
                    times.push(start.elapsed());
                    if let Err(e) = result {
                        eprintln!("N={n}: the generated dataset is invalid:\n{e}");
                        std::process::exit(1);
                    }
                }
                times.sort();
                println!("N={n:>6}  load median {:>9.3} s  ({runs} runs)", times[runs / 2].as_secs_f64());
            }
        }
        _ => {
            eprintln!("usage: scale time N… | scale write DIR N");
            std::process::exit(2);
        }
    }
}
