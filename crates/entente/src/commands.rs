//! One function per subcommand: load, compute, render, print. Exit codes: 0 success, 1 a screening hit,
//! 2 an error (bad input, bad dataset, bad arguments).

use crate::cli::*;
use crate::output::{print, progress};
use anyhow::{anyhow, Context, Result};
use entente_core::Dataset;
use entente_engine::{estimate, PlanOptions};
use entente_report::{render, views, OutputFormat};

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Assess(a) => assess(a),
        Command::Explain(a) => explain(a),
        Command::Validate(a) => validate(a),
        Command::Compare(a) => compare(a),
        Command::Triangulate(a) => crate::triangulate::triangulate(a),
        Command::Model(a) => model(a),
        Command::Sensitivity(a) => crate::analysis::sensitivity(a),
        Command::History(a) => crate::analysis::history(a),
        Command::Timeline(a) => crate::analysis::timeline(a),
        Command::Screen(a) => Ok(entente_screen::cli::run_screen(a)? as u8),
        Command::Lists(a) => Ok(entente_screen::cli::run_lists(a)? as u8),
        Command::Gaps(a) => crate::gaps::gaps(a),
        Command::Report(a) => crate::report::report(a),
        Command::Trade(a) => crate::indicators::trade(a),
        Command::Meetings(a) => crate::indicators::meetings(a),
    }
}

/// Loads the dataset named by `--data`, or the embedded one. Dataset errors are listed in full.
pub fn load(m: &ModelArgs) -> Result<Dataset> {
    let r = match &m.data {
        Some(dir) => {
            entente_data::load_dir(dir).map_err(|e| anyhow!("the dataset in {} has errors:\n{e}", dir.display()))
        }
        None => entente_data::load_embedded().map_err(|e| anyhow!("the embedded dataset has errors:\n{e}")),
    };
    r
}

pub fn plan_options(m: &ModelArgs) -> PlanOptions {
    PlanOptions {
        scenario: m.scenario.clone(),
        as_of: m.as_of,
        min_grade: m.min_grade,
        hypotheses: m.hypotheses.iter().cloned().collect(),
        shipped_by: None,
    }
}

fn assess(a: AssessArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    let pb = progress(entente_engine::sample::chunks(a.model.samples), "sampling");
    let opts = plan_options(&a.model);
    let progress = |n: usize| pb.inc(n as u64);
    let (run, mut result) = entente_engine::estimate_keeping(
        &ds,
        &opts,
        a.model.samples,
        a.model.seed,
        &a.quantiles,
        &progress,
        entente_engine::Keep::Figures,
    )
    .map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    result.judgment = Some(entente_engine::sensitivity::judgment(&ds, &run));
    // The options in use are read from this run; each other option is a run of its own, of at most a quarter of
    // the default sample count (medians to about 0.1 %), so that the side-by-side costs a fraction of the headline.
    let per_option = a.model.samples.min(entente_engine::DEFAULT_SAMPLES / 4);
    result.hypotheses = entente_engine::hypotheses::side_by_side(&ds, &run, per_option).map_err(|e| anyhow!(e))?;
    drop(run);
    if let Some(g) = a.model.min_grade {
        result.grade_effect = Some(
            entente_engine::grading::grade_effect(&ds, &opts, g, a.model.samples, a.model.seed)
                .map_err(|e| anyhow!(e))?,
        );
    }
    let fmt = a.format.format;
    let human = fmt != OutputFormat::Csv;
    let mut out = render(fmt, &views::assess::doc(&result, human, a.items || fmt != OutputFormat::Table), &result);
    if a.compare {
        let cs = entente_engine::compare::compare(&ds, None, a.model.samples, a.model.seed, &|_| {})
            .map_err(|e| anyhow!(e))?;
        out.push('\n');
        out.push_str(&render(fmt, &views::compare::doc(&cs, human), &cs));
    }
    print(&out)?;
    Ok(0)
}

fn explain(a: ExplainArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    if ds.item(&a.item).is_none() {
        let known: Vec<&str> = ds.items.iter().map(|i| i.id.as_str()).collect();
        return Err(anyhow!("unknown item `{}` (known: {})", a.item, known.join(", ")));
    }
    let pb = progress(entente_engine::sample::chunks(a.model.samples), "sampling");
    let (run, _) = estimate(&ds, &plan_options(&a.model), a.model.samples, a.model.seed, &[], &|n| pb.inc(n as u64))
        .map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    let Some(e) = entente_engine::explain::explain(&ds, &run, &a.item) else {
        let why = run.plan.excluded.iter().find(|(i, _)| *i == a.item).map(|(_, w)| w.clone()).unwrap_or_default();
        return Err(anyhow!(
            "item `{}` is not part of scenario `{}` as of {}: {why}",
            a.item,
            run.plan.scenario.id,
            run.plan.as_of
        ));
    };
    let fmt = a.format.format;
    print(&render(fmt, &views::explain::doc(&e, fmt != OutputFormat::Csv), &e))?;
    Ok(0)
}

fn validate(a: ValidateArgs) -> Result<u8> {
    let (name, r) = match &a.dir {
        Some(d) => (d.display().to_string(), entente_data::load_dir(d)),
        None => ("embedded dataset".to_string(), entente_data::load_embedded()),
    };
    match r {
        Ok(ds) => {
            print(&format!(
                "{name}: valid — {} sources, {} claims, {} variables, {} items, {} scenarios, {} trade figures, {} meetings\n",
                ds.sources.len(),
                ds.claims.len(),
                ds.variables.len(),
                ds.items.len(),
                ds.scenarios.len(),
                ds.trade.len(),
                ds.meetings.len()
            ))?;
            Ok(0)
        }
        Err(e) => {
            let n = e.0.len();
            eprintln!("{e}");
            Err(anyhow!("{name}: {n} error{}", if n == 1 { "" } else { "s" })).context("validation failed")
        }
    }
}

fn compare(a: CompareArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    let n = ds.studies.iter().filter(|s| a.model.scenario.as_deref().is_none_or(|x| x == s.scenario)).count();
    let pb = progress(n * entente_engine::sample::chunks(a.model.samples), "sampling");
    let cs = entente_engine::compare::compare(&ds, a.model.scenario.as_deref(), a.model.samples, a.model.seed, &|k| {
        pb.inc(k as u64)
    })
    .map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    let fmt = a.format.format;
    print(&render(fmt, &views::compare::doc(&cs, fmt != OutputFormat::Csv), &cs))?;
    Ok(0)
}

fn model(a: ModelCmdArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    let plan = entente_engine::Plan::new(&ds, &plan_options(&a.model)).map_err(|e| anyhow!(e))?;
    let d = entente_engine::describe::describe(&ds, &plan);
    print(&(serde_json::to_string_pretty(&d)? + "\n"))?;
    Ok(0)
}
