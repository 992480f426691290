//! One function per command: flags → the application's typed request → `entente-app` → `entente-report` →
//! stdout. Exit codes: 0 success, 1 a screening hit, 2 an error (bad input, bad dataset, bad arguments).

use crate::cli::*;
use crate::output::{note, print, Bar, OutputTarget};
use anyhow::{bail, Result};
use entente_app::{gaps, indicators, model, report};
use entente_report::{show, views};
use std::path::Path;

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Assess(a) => assess(a),
        Command::Explain(a) => explain(a),
        Command::Validate(a) => validate(a),
        Command::Compare(a) => compare(a),
        Command::Triangulate(a) => triangulate(a),
        Command::Model(a) => describe(a),
        Command::Sensitivity(a) => sensitivity(a),
        Command::History(a) => history(a),
        Command::Timeline(a) => timeline(a),
        Command::Screen(a) => crate::screen_args::run_screen(a),
        Command::Lists(a) => crate::screen_args::run_lists(a),
        Command::Serve(a) => crate::serve_args::run_serve(a),
        Command::Keys(a) => crate::serve_args::run_keys(a),
        Command::Gaps(a) => gaps(a),
        Command::Report(a) => report(a),
        Command::Trade(a) => trade(a),
        Command::Meetings(a) => meetings(a),
        Command::Stream(a) => crate::stream_args::run_stream(a),
        Command::Data(a) => crate::data_args::run_data(a),
        Command::Users(a) => crate::data_args::run_users(a),
    }
}

fn assess(a: AssessArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    let req = model::AssessRequest { run: a.model.spec(), quantiles: a.quantiles, compare: a.compare };
    let r = model::assess(&ds, &req, &Bar::new())?;
    print(&views::assess::render(a.format.format, &r, a.items))?;
    Ok(0)
}

fn explain(a: ExplainArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    let e = model::explain(&ds, &a.model.spec(), &a.item, &Bar::new())?;
    print(&show(a.format.format, &e, views::explain::doc))?;
    Ok(0)
}

fn validate(a: ValidateArgs) -> Result<u8> {
    let source = entente_app::DataSource::from_option(a.dir);
    let name = source.dir().map_or_else(|| "embedded dataset".to_string(), |d| d.display().to_string());
    match model::validate(&source) {
        Ok(counts) => {
            print(&views::dataset::valid(&name, &counts))?;
            Ok(0)
        }
        Err(entente_app::Error::Dataset { errors, count: n, .. }) => {
            eprintln!("{errors}");
            bail!("validation failed: {name}: {n} error{}", if n == 1 { "" } else { "s" })
        }
        Err(e) => Err(e.into()),
    }
}

fn compare(a: CompareArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    let cs = model::compare(&ds, &a.model.spec(), &Bar::new())?;
    print(&views::compare::render(a.format.format, &cs))?;
    Ok(0)
}

fn triangulate(a: TriangulateArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    let t = model::triangulate(&ds, &a.model.spec(), a.condition, &Bar::new())?;
    print(&show(a.format.format, &t, views::triangulate::doc))?;
    Ok(0)
}

fn describe(a: ModelCmdArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    print(&views::dataset::model(&model::describe(&ds, &a.model.spec().plan)?))?;
    Ok(0)
}

fn sensitivity(a: SensitivityArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    let s = model::sensitivity(&ds, &a.model.spec(), &a.figure, &Bar::new())?;
    print(&show(a.format.format, &s, views::sensitivity::doc))?;
    Ok(0)
}

fn history(a: HistoryArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    let h = model::history(&ds, &a.model.spec(), &Bar::new())?;
    print(&show(a.format.format, &h, views::history::history_doc))?;
    Ok(0)
}

fn timeline(a: HistoryArgs) -> Result<u8> {
    let ds = a.model.source().load()?;
    let tl = model::timeline(&ds, &a.model.spec(), &Bar::new())?;
    print(&show(a.format.format, &tl, views::history::timeline_doc))?;
    Ok(0)
}

fn gaps(a: GapsArgs) -> Result<u8> {
    let source = a.data.source();
    let ds = source.load()?;
    let g = gaps::gaps(&ds, &source, &gaps::GapsRequest { lists: a.lists, as_of: a.as_of })?;
    print(&show(a.format.format, &g, views::gaps::doc))?;
    Ok(0)
}

fn trade(a: TradeArgs) -> Result<u8> {
    let ds = a.data.source().load()?;
    let r = indicators::trade(&ds, &a.options());
    print(&show(a.format.format, &r, views::trade::doc))?;
    Ok(0)
}

fn meetings(a: MeetingsArgs) -> Result<u8> {
    let ds = a.data.source().load()?;
    let m = indicators::meetings(&ds, &a.request())?;
    print(&views::meetings::render(a.format.format, &m))?;
    Ok(0)
}

/// `entente report`: the file is written to a temporary file in the target folder and renamed, so a failure
/// never leaves a half-written report (`-o -` is standard output, a symbolic link is written through, a folder,
/// FIFO or device is refused).
fn report(a: ReportArgs) -> Result<u8> {
    let markdown = a.format != "html";
    // checked before any work
    let target = OutputTarget::check(&a.output, "report")?;
    if markdown && target.is_stdout() {
        bail!("a Markdown report writes its charts as SVG files beside it: give `-o` a file name (`-o -` is for HTML)");
    }
    let source = a.model.source();
    let ds = source.load()?;
    let req = report::ReportRequest { run: a.model.spec(), lists: a.lists };
    let parts = report::report(&ds, &source, &req, &Bar::new())?;
    let generator = format!("entente {}", env!("CARGO_PKG_VERSION"));
    if markdown {
        let stem = a.output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
        let (md, files) =
            entente_report::html::markdown_from_parts(&ds, &parts, &generator, &stem).map_err(anyhow::Error::msg)?;
        let dir = a.output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        for (name, svg) in files {
            OutputTarget::check(&dir.join(name), "chart")?.write(svg.as_bytes(), "chart")?;
        }
        target.write(md.as_bytes(), "report")?;
    } else {
        let page = entente_report::html::from_parts(&ds, &parts, &generator).map_err(anyhow::Error::msg)?;
        target.write(page.as_bytes(), "report")?;
    }
    if !target.is_stdout() {
        note(&format!("wrote {}", target.shown()));
    }
    Ok(0)
}
