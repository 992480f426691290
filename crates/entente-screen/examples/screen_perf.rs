//! Performance benchmark driver (run by `bench/screen_perf.py`).
//!
//! Loads every list under the given paths, reports load/index time and peak
//! memory, then screens a query mix single-threaded and with rayon on all
//! cores, and writes the blocking candidates of a sample of queries so the
//! Python side can time nomenklatura scoring the very same pairs.
//!
//! Usage: screen_perf QUERIES.txt CANDIDATES_OUT.csv SAMPLE LIST_PATH...
//!
//! Profile mode, for instruction counts under callgrind (repeatable where
//! wall-clock time on a shared machine is not):
//!
//! screen_perf --profile QUERIES.txt RESULTS_OUT.tsv THRESHOLD LIMIT LIST_PATH...
//!
//! screens every query once, single-threaded, inside [`screen_all`] (collect
//! only that function: `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect=screen_perf::screen_all ...`), and writes every hit
//! (query, entity, score, name score, matched name, explanation) so two
//! builds can be checked to give identical results.
//!
//! screen_perf --prepared QUERIES.txt OUT.txt LIST_PATH...
//!
//! writes every list name and query prepared as a person and as an
//! organisation name (`{:?}` of [`entente_screen::normalize::prepare`]), to
//! check that a change to normalisation keeps every prepared name.
use entente_screen::index::{Hit, Index, Query, Scratch, SearchOptions};
use std::io::Write;
use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

/// Screens every query once; the function callgrind collects in profile mode.
#[inline(never)]
fn screen_all(index: &Index, qs: &[Query], opts: &SearchOptions, scratch: &mut Scratch) -> Vec<Vec<Hit>> {
    qs.iter().map(|q| index.search(q, opts, scratch)).collect()
}

fn profile(args: &[String]) -> anyhow::Result<()> {
    let queries: Vec<String> =
        std::fs::read_to_string(&args[2])?.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    let threshold: f32 = args[4].parse()?;
    let limit: usize = args[5].parse()?;
    let paths: Vec<std::path::PathBuf> = args[6..].iter().map(Into::into).collect();
    let index = Index::build(entente_screen::lists::load_paths(&paths)?);
    let opts = SearchOptions { threshold, limit, ..Default::default() };
    let qs: Vec<Query> = queries.iter().map(|n| Query { name: n.clone(), ..Default::default() }).collect();
    let mut scratch = index.scratch();
    let results = screen_all(&index, &qs, &opts, &mut scratch);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&args[3])?);
    let mut hits = 0usize;
    for (i, r) in results.iter().enumerate() {
        for h in r {
            hits += 1;
            writeln!(
                f,
                "{i}\t{}\t{}\t{}\t{}\t{}",
                index.entities[h.entity].id, h.score, h.name_score, h.matched_name, h.explanation
            )?;
        }
    }
    println!("{} queries, {} hits, {} names", qs.len(), hits, index.name_count());
    Ok(())
}

fn prepared(args: &[String]) -> anyhow::Result<()> {
    use entente_screen::normalize::prepare;
    let queries = std::fs::read_to_string(&args[2])?;
    let paths: Vec<std::path::PathBuf> = args[4..].iter().map(Into::into).collect();
    let lists = entente_screen::lists::load_paths(&paths)?;
    let names = lists.iter().flat_map(|l| &l.entities).flat_map(|e| &e.names).map(|n| n.value.as_str());
    let mut f = std::io::BufWriter::new(std::fs::File::create(&args[3])?);
    let mut n = 0usize;
    for name in names.chain(queries.lines()) {
        let both = (prepare(name, true), prepare(name, false));
        anyhow::ensure!(entente_screen::normalize::prepare_both(name) == both, "prepare_both differs on {name:?}");
        writeln!(f, "{name}\n{:?}\n{:?}", both.0, both.1)?;
        n += 1;
    }
    println!("{n} names prepared");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--profile") {
        return profile(&args);
    }
    if args.get(1).map(String::as_str) == Some("--prepared") {
        return prepared(&args);
    }
    let queries: Vec<String> =
        std::fs::read_to_string(&args[1])?.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    let cand_out = &args[2];
    let sample: usize = args[3].parse()?;
    let paths: Vec<std::path::PathBuf> = args[4..].iter().map(Into::into).collect();
    let rss0 = peak_rss_kib();
    let t = Instant::now();
    let lists = entente_screen::lists::load_paths(&paths)?;
    let load = t.elapsed();
    let t = Instant::now();
    let index = Index::build(lists);
    let build = t.elapsed();
    let rss = peak_rss_kib();
    let opts = SearchOptions::default();
    let qs: Vec<Query> = queries.iter().map(|n| Query { name: n.clone(), ..Default::default() }).collect();
    // Single thread.
    let mut scratch = index.scratch();
    let mut hits = 0usize;
    let rounds = (20_000 / qs.len()).max(1);
    let t = Instant::now();
    for _ in 0..rounds {
        for q in &qs {
            hits += usize::from(!index.search(q, &opts, &mut scratch).is_empty());
        }
    }
    let single = (rounds * qs.len()) as f64 / t.elapsed().as_secs_f64();
    // All cores.
    use rayon::prelude::*;
    let t = Instant::now();
    let total: usize = (0..rounds * 2)
        .into_par_iter()
        .map_init(
            || index.scratch(),
            |s, _| qs.iter().map(|q| usize::from(!index.search(q, &opts, s).is_empty())).sum::<usize>(),
        )
        .sum();
    let multi = (rounds * 2 * qs.len()) as f64 / t.elapsed().as_secs_f64();
    // Candidates of a sample, and entente's time to score exactly those.
    let mut f = std::io::BufWriter::new(std::fs::File::create(cand_out)?);
    writeln!(f, "qid,query,candidate,schema")?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut ncand = 0usize;
    let step = (qs.len() / sample.max(1)).max(1);
    let sampled: Vec<&Query> = qs.iter().step_by(step).take(sample).collect();
    for (i, q) in sampled.iter().enumerate() {
        for (_, name, schema) in index.candidate_names(q, &mut scratch) {
            w.write_record([i.to_string(), q.name.clone(), name, schema.to_string()])?;
            ncand += 1;
        }
    }
    f.write_all(&w.into_inner()?[..])?;
    let t = Instant::now();
    let mut reps = 0;
    while t.elapsed().as_secs_f64() < 1.0 {
        for q in &sampled {
            index.search(q, &opts, &mut scratch);
        }
        reps += 1;
    }
    let sample_qps = (reps * sampled.len()) as f64 / t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "entities": index.entities.len(),
            "names": index.name_count(),
            "lists": index.lists.iter().map(|l| format!("{} {} {}", l.list, l.format, l.entities)).collect::<Vec<_>>(),
            "load_seconds": load.as_secs_f64(),
            "index_seconds": build.as_secs_f64(),
            "peak_rss_mib_before_load": rss0 as f64 / 1024.0,
            "peak_rss_mib_after_index": rss as f64 / 1024.0,
            "queries": qs.len(),
            "queries_with_hit": hits / rounds,
            "single_thread_qps": single,
            "all_cores_qps": multi,
            "threads": rayon::current_num_threads(),
            "sample_queries": sampled.len(),
            "sample_candidates": ncand,
            "sample_single_thread_qps": sample_qps,
            "check": total,
        })
    );
    Ok(())
}
