//! The charts, drawn with plotters' SVG backend from the data of [`super::data`]. Every chart carries a title,
//! a text alternative and its data as a table; fills differ in lightness *and* hatching, lines in dash pattern
//! and markers, so that a greyscale print reads as well as the screen.

use super::data::{
    hatch_lines, money_scale, Histogram, Indicators, Range, Scale, StackedBar, StudyRange, TimelinePoint, Tornado,
};
use crate::doc::{Row, Table};
use crate::num::{pct, scaled, sig3, usd};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A drawn chart: an SVG document with its accessible name and description, and the data behind it.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Used for the element id (`fig-<id>`) and the file name in Markdown output.
    pub id: String,
    pub title: String,
    /// A text alternative: what the chart shows, in words and numbers.
    pub alt: String,
    pub svg: String,
    pub data: Table,
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const FONT: &str = "sans-serif";
/// Fills ordered so that neighbours differ strongly in lightness; with the hatching below they stay apart in
/// greyscale.
const FILLS: [RGBColor; 7] = [
    RGBColor(0x1f, 0x3b, 0x73),
    RGBColor(0x9e, 0xc5, 0xe6),
    RGBColor(0x4a, 0x7f, 0xb5),
    RGBColor(0xf2, 0xc1, 0x8d),
    RGBColor(0x8c, 0x3b, 0x1a),
    RGBColor(0xe6, 0xe6, 0xe6),
    RGBColor(0x55, 0x55, 0x55),
];
/// Hatch slope per fill: 0 none, 1 "/", -1 "\".
const HATCH: [i32; 7] = [0, 1, 0, -1, 1, 0, -1];

fn is_dark(c: RGBColor) -> bool {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * (c.2 as f64) < 128.0
}

/// Draws a filled, outlined, possibly hatched rectangle in backend (pixel) coordinates.
fn swatch(root: &DrawingArea<SVGBackend, Shift>, a: (i32, i32), b: (i32, i32), k: usize) -> Res<()> {
    let fill = FILLS[k % FILLS.len()];
    root.draw(&Rectangle::new([a, b], fill.filled()))?;
    let slope = HATCH[k % HATCH.len()];
    if slope != 0 {
        let ink = if is_dark(fill) { WHITE } else { BLACK };
        for (p, q) in hatch_lines((a.0, a.1, b.0, b.1), 6, slope) {
            root.draw(&PathElement::new(vec![p, q], ink.stroke_width(1)))?;
        }
    }
    root.draw(&Rectangle::new([a, b], BLACK.stroke_width(1)))?;
    Ok(())
}

/// Adds the accessible name and description to the SVG plotters wrote, and lets it scale with the page.
fn finish(id: &str, title: &str, alt: &str, svg: String, data: Table) -> Chart {
    let esc = super::esc;
    let head = format!("<svg role=\"img\" aria-labelledby=\"fig-{id}-t fig-{id}-d\" class=\"chart\" ",);
    let mut s = svg.replacen("<svg ", &head, 1);
    if let Some(end) = s.find('>') {
        s.insert_str(
            end + 1,
            &format!("\n<title id=\"fig-{id}-t\">{}</title>\n<desc id=\"fig-{id}-d\">{}</desc>", esc(title), esc(alt)),
        );
    }
    Chart { id: id.into(), title: title.into(), alt: alt.into(), svg: s, data }
}

/// Points added to every chart text size: plotters writes `size / 1.24` as the SVG font size, and a chart shown
/// at its drawn width must have text of at least 12 px (11 + 4 = 15 → 12.1 px).
const TEXT_BOOST: u32 = 4;

fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size + TEXT_BOOST).into_font().color(&BLACK)
}

/// Height of the title band above a stamped chart and of the source band under it.
const TITLE_BAND: u32 = 34;
const SOURCE_BAND: u32 = 24;

/// Puts the chart's title above it and its source line under it, inside the SVG, so that the file names what it
/// shows and where it comes from when it is taken out of the page (or written beside a Markdown report).
pub fn stamp(svg: &str, title: &str, source: &str) -> String {
    let esc = super::esc;
    let attr = |name: &str| -> Option<u32> {
        let key = format!(" {name}=\"");
        let head = &svg[..svg.find('>')?];
        let at = head.find(&key)? + key.len();
        head[at..].split('"').next()?.parse().ok()
    };
    let (Some(w), Some(h)) = (attr("width"), attr("height")) else { return svg.to_string() };
    let nh = h + TITLE_BAND + SOURCE_BAND;
    let mut s = svg.replacen(&format!("height=\"{h}\""), &format!("height=\"{nh}\""), 1);
    s = s.replacen(&format!("viewBox=\"0 0 {w} {h}\""), &format!("viewBox=\"0 0 {w} {nh}\""), 1);
    // after the opening tag and the <title>/<desc> that `finish` put there
    let body_at = s.find("</desc>").map(|i| i + "</desc>".len()).or_else(|| s.find('>').map(|i| i + 1));
    let Some(body_at) = body_at else { return svg.to_string() };
    let top = format!(
        "\n<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{nh}\" fill=\"#FFFFFF\"/>\n<text class=\"chart-title\" x=\"10\" y=\"23\" font-family=\"{FONT}\" font-size=\"16\" font-weight=\"bold\" fill=\"#000000\">{}</text>\n<g transform=\"translate(0,{TITLE_BAND})\">",
        esc(title)
    );
    s.insert_str(body_at, &top);
    let Some(end) = s.rfind("</svg>") else { return svg.to_string() };
    s.insert_str(
        end,
        &format!(
            "</g>\n<text class=\"chart-source\" x=\"10\" y=\"{}\" font-family=\"{FONT}\" font-size=\"12\" fill=\"#444444\">{}</text>\n",
            nh - 8,
            esc(source)
        ),
    );
    s
}

/// Width in pixels that plotters' layout gives `s` at `size` (its estimate, used to size label areas).
fn label_width(labels: &[&str], size: f64) -> u32 {
    let em = (size + TEXT_BOOST as f64) / 1.24 / 1.24;
    labels.iter().map(|l| (em * 0.7 * l.chars().count() as f64).round() as u32).max().unwrap_or(0) + 16
}

/// An axis label: three significant digits without trailing zeros (`1`, `2.5`, `10`).
pub fn tidy(v: f64) -> String {
    let s = sig3(v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn bn(v: f64, s: Scale) -> f64 {
    v / s.div
}

/// Value by category: one panel per flow, each a bar stacked from its categories' means with the flow's 90 %
/// interval as a whisker underneath, and a legend of swatches.
pub fn stacked_categories(bars: &[StackedBar]) -> Res<Chart> {
    let title = "Value by category (stacked means) with the 90 % interval of each flow";
    let (w, panel_h) = (900u32, 250u32);
    let h = panel_h * bars.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((bars.len().max(1), 1));
        for (bar, area) in bars.iter().zip(&panels) {
            let max = bar.segments.last().map(|s| s.end).unwrap_or(0.0).max(bar.p95) * 1.05;
            let sc = money_scale(max);
            // Legend: swatches in stacking order, wrapped into rows under the axis.
            let mut legend = Vec::new();
            let (mut x, mut row) = (0i32, 0i32);
            for (k, s) in bar.segments.iter().enumerate() {
                let label = format!("{} ({})", s.label, scaled(s.end - s.start));
                let lw = 24 + label_width(&[&label], 12.0) as i32;
                if x + lw > w as i32 - 40 && x > 0 {
                    x = 0;
                    row += 1;
                }
                legend.push((k, label, x, row));
                x += lw;
            }
            let rows = row + 1;
            let mut chart = ChartBuilder::on(area)
                .margin(10)
                .margin_bottom(12 + 18 * rows as u32)
                .margin_right(30)
                .caption(&bar.label, text_style(16))
                .x_label_area_size(40)
                .y_label_area_size(10)
                .build_cartesian_2d(0f64..bn(max, sc), 0f64..1f64)?;
            chart
                .configure_mesh()
                .max_light_lines(1)
                .disable_y_mesh()
                .disable_y_axis()
                .x_desc(format!("value ({})", sc.unit))
                .x_label_formatter(&|v| tidy(*v))
                .label_style(text_style(12))
                .axis_desc_style(text_style(13))
                .draw()?;
            let (y_top, y_bot) = (0.9, 0.45);
            for (k, s) in bar.segments.iter().enumerate() {
                let a = chart.backend_coord(&(bn(s.start, sc), y_top));
                let b = chart.backend_coord(&(bn(s.end, sc), y_bot));
                swatch(&root, a, b, k)?;
            }
            // The flow's P5–P95 whisker and median under the bar.
            let y = 0.32;
            let (p5, p50, p95) = (bn(bar.p5, sc), bn(bar.p50, sc), bn(bar.p95, sc));
            chart.draw_series(std::iter::once(PathElement::new(vec![(p5, y), (p95, y)], BLACK.stroke_width(2))))?;
            for x in [p5, p95] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, y - 0.06), (x, y + 0.06)],
                    BLACK.stroke_width(2),
                )))?;
            }
            chart.draw_series(std::iter::once(TriangleMarker::new((p50, y), 6, BLACK.filled())))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("total: median {}, 90 % interval {}–{}", usd(bar.p50), scaled(bar.p5), scaled(bar.p95)),
                (0.0, 0.16),
                text_style(12),
            )))?;
            let (ox, oy) = (area.get_base_pixel().0 + 20, area.get_base_pixel().1 + panel_h as i32 - 8 - 18 * rows);
            for (k, label, x, row) in legend {
                let y0 = oy + row * 18;
                swatch(&root, (ox + x, y0), (ox + x + 16, y0 + 12), k)?;
                root.draw(&Text::new(label, (ox + x + 20, y0), text_style(12)))?;
            }
        }
        root.present()?;
    }
    let mut data = Table::numeric(&["flow", "category", "mean", "share of flow mean"]);
    let mut alt = Vec::new();
    for bar in bars {
        let total = bar.segments.last().map(|s| s.end).unwrap_or(0.0);
        let parts: Vec<String> = bar.segments.iter().map(|s| format!("{} {}", s.label, usd(s.end - s.start))).collect();
        alt.push(format!(
            "{}: mean {} made of {}; median {}, 90 % interval {} to {}.",
            bar.label,
            usd(total),
            parts.join(", "),
            usd(bar.p50),
            usd(bar.p5),
            usd(bar.p95)
        ));
        for s in &bar.segments {
            data.push(vec![bar.label.clone(), s.label.clone(), usd(s.end - s.start), pct((s.end - s.start) / total)]);
        }
    }
    Ok(finish("categories", title, &alt.join(" "), svg, data))
}

/// Horizontal range bars on a common linear axis: P5–P95 as a box, the median as a thick tick.
pub fn ranges(id: &str, title: &str, rows: &[Range], note: &str) -> Res<Chart> {
    let max = rows.iter().map(|r| r.p95).fold(0.0, f64::max) * 1.08;
    let sc = money_scale(max);
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    let (w, h) = (900u32, 90 + 70 * rows.len() as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        // row i holds rows[i] from the bottom up: the labels, read from the top, in reverse
        let top_down: Vec<&str> = labels.iter().rev().copied().collect();
        let chart = bar_rows(&root, 0f64..bn(max, sc), &top_down, 13, &format!("value ({})", sc.unit))?;
        for (i, r) in rows.iter().enumerate() {
            let a = chart.backend_coord(&(bn(r.p5, sc), SegmentValue::Exact(i + 1)));
            let b = chart.backend_coord(&(bn(r.p95, sc), SegmentValue::Exact(i)));
            let (a, b) = ((a.0, a.1 + 18), (b.0.max(a.0 + 2), b.1 - 18));
            swatch(&root, a, b, i * 3 + 1)?;
            let m = chart.backend_coord(&(bn(r.p50, sc), SegmentValue::CenterOf(i)));
            root.draw(&PathElement::new(vec![(m.0, a.1 - 6), (m.0, b.1 + 6)], BLACK.stroke_width(4)))?;
            let label = format!("median {} (90 %: {}–{})", scaled(r.p50), scaled(r.p5), scaled(r.p95));
            // right of the box where it fits inside the chart, else left of it
            if b.0 + 8 + label_width(&[&label], 12.0) as i32 <= w as i32 - 8 {
                root.draw(&Text::new(label, (b.0 + 8, a.1 - 2), text_style(12)))?;
            } else {
                root.draw(&Text::new(label, (a.0 - 8, a.1 - 2), text_style(12).pos(Pos::new(HPos::Right, VPos::Top))))?;
            }
        }
        root.present()?;
    }
    let mut data = Table::numeric(&["", "P5", "median", "P95"]);
    let mut alt = Vec::new();
    for r in rows {
        data.push(vec![r.label.clone(), usd(r.p5), usd(r.p50), usd(r.p95)]);
        alt.push(format!("{}: median {}, 90 % interval {} to {}.", r.label, usd(r.p50), usd(r.p5), usd(r.p95)));
    }
    if !note.is_empty() {
        alt.push(note.to_string());
    }
    Ok(finish(id, title, &alt.join(" "), svg, data))
}

/// The distribution of the total: share of simulated worlds per bin, with P5, median and P95 marked.
pub fn histogram(h: &Histogram, what: &str) -> Res<Chart> {
    let title = format!("Distribution of {what} over the simulated worlds");
    let sc = money_scale(h.hi());
    let ymax = (0..h.counts.len()).map(|i| h.percent(i)).fold(0.0, f64::max) * 1.18;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(bn(h.lo, sc)..bn(h.hi(), sc), 0f64..ymax.max(1e-9))?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .disable_x_mesh()
            .x_desc(format!("{what} ({})", sc.unit))
            .y_desc("share of simulated worlds per bin (%)")
            .x_label_formatter(&|v| tidy(*v))
            .y_label_formatter(&|v| tidy(*v))
            .label_style(text_style(12))
            .axis_desc_style(text_style(13))
            .draw()?;
        chart.draw_series((0..h.counts.len()).map(|i| {
            let x0 = bn(h.lo + h.width * i as f64, sc);
            Rectangle::new([(x0, 0.0), (x0 + bn(h.width, sc), h.percent(i))], RGBColor(0xb8, 0xcc, 0xe4).filled())
        }))?;
        chart.draw_series((0..h.counts.len()).map(|i| {
            let x0 = bn(h.lo + h.width * i as f64, sc);
            Rectangle::new(
                [(x0, 0.0), (x0 + bn(h.width, sc), h.percent(i))],
                RGBColor(0x33, 0x33, 0x33).stroke_width(1),
            )
        }))?;
        for (k, (label, v)) in h.markers.iter().enumerate() {
            let x = bn(*v, sc);
            let pts = vec![(x, 0.0), (x, ymax * 0.9)];
            if k == 1 {
                chart.draw_series(LineSeries::new(pts, BLACK.stroke_width(3)))?;
            } else {
                chart.draw_series(DashedLineSeries::new(pts, 8, 5, BLACK.stroke_width(2)))?;
            }
            let style = text_style(12).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series(std::iter::once(Text::new(
                format!("{label} {}", scaled(*v)),
                (x, ymax * 0.93),
                style,
            )))?;
        }
        root.present()?;
    }
    let mut data = Table::numeric(&["bin from", "bin to", "share of worlds"]);
    for i in 0..h.counts.len() {
        let x0 = h.lo + h.width * i as f64;
        data.push(vec![usd(x0), usd(x0 + h.width), pct(h.percent(i) / 100.0)]);
    }
    let marks: Vec<String> = h.markers.iter().map(|(l, v)| format!("{l} {}", usd(*v))).collect();
    let alt = format!(
        "Histogram of {what} in {} simulated worlds, bins of {} from {} to {}; {}. {} of the worlds lie outside the drawn range.",
        entente_core::group(h.n as f64),
        usd(h.width),
        usd(h.lo),
        usd(h.hi()),
        marks.join(", "),
        pct((h.below + h.above) as f64 / h.n.max(1) as f64)
    );
    Ok(finish("distribution", &title, &alt, svg, data))
}

/// Cumulative value as assessed on each date: the 90 % band, P5 / P95 dashed and the median with markers.
pub fn timeline(points: &[TimelinePoint], what: &str) -> Res<Chart> {
    let title = format!("{what} as assessed with the evidence public on each date");
    let first = points.first().map(|p| p.date).unwrap_or_default();
    let day = |d: chrono::NaiveDate| (d - first).num_days() as f64;
    let xmax = points.last().map(|p| day(p.date)).unwrap_or(1.0).max(1.0);
    let max = points.iter().map(|p| p.p95).fold(0.0, f64::max).max(1.0) * 1.08;
    let sc = money_scale(max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 440)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..xmax, 0f64..bn(max, sc))?;
        let fmt_date = |x: &f64| (first + chrono::Duration::days(x.round() as i64)).format("%Y-%m").to_string();
        chart
            .configure_mesh()
            .max_light_lines(1)
            .x_desc("evidence public by (date)")
            .y_desc(format!("cumulative value ({})", sc.unit))
            .x_label_formatter(&fmt_date)
            .y_label_formatter(&|v| tidy(*v))
            .x_labels(10)
            .label_style(text_style(12))
            .axis_desc_style(text_style(13))
            .draw()?;
        let mut band: Vec<(f64, f64)> = points.iter().map(|p| (day(p.date), bn(p.p95, sc))).collect();
        band.extend(points.iter().rev().map(|p| (day(p.date), bn(p.p5, sc))));
        chart
            .draw_series(std::iter::once(Polygon::new(band, RGBColor(0xc6, 0xd9, 0xee).filled())))?
            .label("90 % interval (P5–P95)")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], RGBColor(0xc6, 0xd9, 0xee).filled()));
        for (sel, label) in [(0usize, "P5"), (2, "P95")] {
            let pts: Vec<(f64, f64)> =
                points.iter().map(|p| (day(p.date), bn(if sel == 0 { p.p5 } else { p.p95 }, sc))).collect();
            // the legend shows the dash pattern the line is drawn with (6 on, 4 off)
            chart.draw_series(DashedLineSeries::new(pts, 6, 4, BLACK.stroke_width(1)))?.label(label).legend(
                |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (6, 0)], BLACK.stroke_width(1))
                        + PathElement::new(vec![(10, 0), (16, 0)], BLACK.stroke_width(1))
                },
            );
        }
        chart
            .draw_series(
                LineSeries::new(points.iter().map(|p| (day(p.date), bn(p.p50, sc))), BLACK.stroke_width(2))
                    .point_size(3),
            )?
            .label("median")
            .legend(|(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (18, 0)], BLACK.stroke_width(2))
                    + Circle::new((9, 0), 3, BLACK.filled())
            });
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(text_style(12))
            .draw()?;
        root.present()?;
    }
    let mut data = Table::numeric(&["evidence as of", "P5", "median", "P95"]);
    for p in points {
        data.push(vec![p.date.to_string(), usd(p.p5), usd(p.p50), usd(p.p95)]);
    }
    let (a, b) = (points.first(), points.last());
    let alt = match (a, b) {
        (Some(a), Some(b)) => format!(
            "{} dates from {} to {}. With the evidence public on {}, the median was {} (90 %: {}–{}); on {}, {} (90 %: {}–{}).",
            points.len(),
            a.date,
            b.date,
            a.date,
            usd(a.p50),
            usd(a.p5),
            usd(a.p95),
            b.date,
            usd(b.p50),
            usd(b.p5),
            usd(b.p95)
        ),
        _ => "No dates.".into(),
    };
    Ok(finish("timeline", &title, &alt, svg, data))
}

/// Each study's published range (hatched box) above our 90 % interval for the same coverage (whisker and
/// median), on a logarithmic axis so that deliveries and compensation both show.
pub fn studies(rows: &[StudyRange]) -> Res<Chart> {
    let title = "Published studies beside our estimate for the same coverage";
    let lo = rows.iter().flat_map(|r| [r.study_low, r.ours.p5]).fold(f64::INFINITY, f64::min).max(1.0) * 0.7;
    let hi = rows.iter().flat_map(|r| [r.study_high, r.ours.p95]).fold(0.0, f64::max).max(lo * 10.0) * 3.0;
    let sc = money_scale(hi);
    let short: Vec<String> = rows.iter().rev().map(|r| short_label(&r.short, 52)).collect();
    let labels: Vec<&str> = short.iter().map(String::as_str).collect();
    let n = rows.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 110 + 90 * n as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(44)
            .y_label_area_size(label_width(&labels, 12.0))
            .build_cartesian_2d((bn(lo, sc)..bn(hi, sc)).log_scale(), segments(n))?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .disable_y_mesh()
            .y_labels(n + 1)
            // enough labels that a logarithmic axis is labelled between its powers of ten (1, 2, 5, 10, …)
            .x_labels(24)
            .x_desc(format!("value ({}, logarithmic scale)", sc.unit))
            .x_label_formatter(&|v| tidy(*v))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    labels.get(*i).map(|s| s.to_string()).unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .label_style(text_style(12))
            .axis_desc_style(text_style(13))
            .draw()?;
        for (k, r) in rows.iter().enumerate() {
            let i = n - 1 - k;
            let top = chart.backend_coord(&(bn(r.study_low, sc), SegmentValue::Exact(i + 1)));
            let bot = chart.backend_coord(&(bn(r.study_high, sc), SegmentValue::Exact(i)));
            let mid = (top.1 + bot.1) / 2;
            swatch(&root, (top.0, top.1 + 12), (bot.0.max(top.0 + 2), mid - 4), 3)?;
            root.draw(&Text::new("study", (bot.0.max(top.0 + 2) + 6, top.1 + 12), text_style(11)))?;
            let y = mid + (bot.1 - mid) / 2;
            let a = chart.backend_coord(&(bn(r.ours.p5, sc), SegmentValue::Exact(i)));
            let b = chart.backend_coord(&(bn(r.ours.p95, sc), SegmentValue::Exact(i)));
            let m = chart.backend_coord(&(bn(r.ours.p50, sc), SegmentValue::Exact(i)));
            root.draw(&PathElement::new(vec![(a.0, y), (b.0, y)], BLACK.stroke_width(2)))?;
            for x in [a.0, b.0] {
                root.draw(&PathElement::new(vec![(x, y - 6), (x, y + 6)], BLACK.stroke_width(2)))?;
            }
            root.draw(&Circle::new((m.0, y), 5, BLACK.filled()))?;
            root.draw(&Text::new("ours (P5–median–P95)", (b.0 + 8, y - 7), text_style(11)))?;
        }
        root.present()?;
    }
    let mut data = Table::numeric(&["study", "study low", "study high", "our P5", "our median", "our P95"]);
    let mut alt = Vec::new();
    for r in rows {
        data.push(vec![
            r.label.clone(),
            usd(r.study_low),
            usd(r.study_high),
            usd(r.ours.p5),
            usd(r.ours.p50),
            usd(r.ours.p95),
        ]);
        alt.push(format!(
            "{}: study {} to {}; ours {} to {}, median {}.",
            r.label,
            usd(r.study_low),
            usd(r.study_high),
            usd(r.ours.p5),
            usd(r.ours.p95),
            usd(r.ours.p50)
        ));
    }
    Ok(finish("studies", title, &alt.join(" "), svg, data))
}

/// Tornado: the total's median with each input at its low and its high value, widest swing on top.
pub fn tornado(t: &Tornado) -> Res<Chart> {
    let title = "Sensitivity of the deliveries total to each input";
    let lo = t.bars.iter().map(|b| b.low.min(b.high)).fold(t.base, f64::min);
    let hi = t.bars.iter().map(|b| b.low.max(b.high)).fold(t.base, f64::max);
    let pad = (hi - lo).max(1.0) * 0.06;
    let sc = money_scale(hi);
    let labels: Vec<String> = t.bars.iter().map(|b| short_label(&b.label, 60)).collect();
    let lref: Vec<&str> = labels.iter().map(String::as_str).collect();
    let n = t.bars.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 110 + 34 * n as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let x_desc = format!("the total with one input at its P5 or P95 ({})", sc.unit);
        let mut chart = bar_rows(&root, bn(lo - pad, sc)..bn(hi + pad, sc), &lref, 12, &x_desc)?;
        for (k, b) in t.bars.iter().enumerate() {
            let i = n - 1 - k;
            for (v, fill) in [(b.low, 1usize), (b.high, 0usize)] {
                let (x0, x1) = (t.base.min(v), t.base.max(v));
                let a = chart.backend_coord(&(bn(x0, sc), SegmentValue::Exact(i + 1)));
                let c = chart.backend_coord(&(bn(x1, sc), SegmentValue::Exact(i)));
                if c.0 > a.0 {
                    swatch(&root, (a.0, a.1 + 5), (c.0, c.1 - 5), fill)?;
                }
            }
        }
        let base = bn(t.base, sc);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(base, SegmentValue::Exact(0)), (base, SegmentValue::Last)],
            BLACK.stroke_width(2),
        )))?;
        root.present()?;
    }
    let mut data = Table::numeric(&["input", "total median, input low", "total median, input high", "swing"]);
    for b in &t.bars {
        data.push(vec![b.label.clone(), usd(b.low), usd(b.high), usd((b.high - b.low).abs())]);
    }
    let top: Vec<String> =
        t.bars.iter().take(3).map(|b| format!("{} ({} to {})", b.label, usd(b.low), usd(b.high))).collect();
    let alt = format!(
        "With every input at its median the total is {}. Dark bars: input at its P95; light hatched bars: input at its P5. Largest swings: {}. {}",
        usd(t.base),
        top.join("; "),
        t.note
    );
    Ok(finish("sensitivity", title, &alt, svg, data))
}

/// Official trade figures, one bar per period and measure; DERIVED figures hatched.
pub fn trade(ind: &Indicators) -> Res<Chart> {
    let title = "Official Russia–North Korea trade by calendar year (full-year figures only)";
    // One kind of period on one axis: full calendar years. Partial periods (half-years, Jan–Aug, …) stay in the
    // data table; a year with no figure is drawn as an empty row, not left out; a year with two figures shows
    // both with their sources; a partial period larger than its own full year is marked CONFLICT.
    let is_year = |l: &str| l.len() == 4 && l.chars().all(|c| c.is_ascii_digit());
    let year_of = |l: &str| l.get(..4).and_then(|y| y.parse::<i32>().ok());
    let full: Vec<&super::data::TradeBar> = ind.trade.iter().filter(|t| is_year(&t.label)).collect();
    let years: Vec<i32> = full.iter().filter_map(|t| year_of(&t.label)).collect();
    let (first, last) = (years.iter().min().copied().unwrap_or(0), years.iter().max().copied().unwrap_or(-1));
    // (label, value, derived, conflict)
    let mut rows: Vec<(String, Option<f64>, bool, bool)> = Vec::new();
    for y in first..=last {
        let figs: Vec<&&super::data::TradeBar> = full.iter().filter(|t| year_of(&t.label) == Some(y)).collect();
        if figs.is_empty() {
            rows.push((format!("{y}: no official figure"), None, false, false));
            continue;
        }
        let partial_above = ind.trade.iter().find(|t| {
            !is_year(&t.label) && year_of(&t.label) == Some(y) && figs.iter().any(|f| t.value_usd > f.value_usd * 1.001)
        });
        let differ = figs.iter().any(|f| (f.value_usd - figs[0].value_usd).abs() > 0.005 * figs[0].value_usd);
        for f in &figs {
            let mut label = if figs.len() > 1 { format!("{y} ({})", f.source) } else { y.to_string() };
            if let Some(p) = partial_above {
                label += &format!(" — CONFLICT: {} alone {}", p.label, scaled(p.value_usd));
            } else if differ {
                label += " — CONFLICT";
            }
            rows.push((label, Some(f.value_usd), f.derived, partial_above.is_some() || differ));
        }
    }
    let max = full.iter().map(|t| t.value_usd).fold(0.0, f64::max).max(1.0) * 1.1;
    let sc = money_scale(max);
    let n = rows.len().max(1);
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let lref: Vec<&str> = labels.iter().map(String::as_str).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 90 + 28 * n as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let chart = bar_rows(&root, 0f64..bn(max, sc), &lref, 11, &format!("value ({})", sc.unit))?;
        for (k, (_, v, derived, conflict)) in rows.iter().enumerate() {
            let Some(v) = v else { continue };
            let i = n - 1 - k;
            let a = chart.backend_coord(&(0.0, SegmentValue::Exact(i + 1)));
            let b = chart.backend_coord(&(bn(*v, sc), SegmentValue::Exact(i)));
            let style = if *conflict {
                4
            } else if *derived {
                3
            } else {
                2
            };
            swatch(&root, (a.0, a.1 + 4), (b.0.max(a.0 + 1), b.1 - 4), style)?;
        }
        root.present()?;
    }
    let mut data = Table::text(&["period", "measure", "value", "source", "derived", "on the chart"]);
    for t in &ind.trade {
        data.push(vec![
            t.label.clone(),
            t.measure.clone(),
            usd(t.value_usd),
            t.source.clone(),
            if t.derived { "yes" } else { "" }.into(),
            if is_year(&t.label) { "yes" } else { "no (part of a year)" }.into(),
        ]);
    }
    let gaps: Vec<String> = rows.iter().filter(|r| r.1.is_none()).map(|r| r.0[..4].to_string()).collect();
    let alt = format!(
        "{} full-year figures from {first} to {last}{}; partial-year figures are in the table below, not on the chart. {}",
        full.len(),
        if gaps.is_empty() { String::new() } else { format!(" (no official figure for {})", gaps.join(", ")) },
        ind.trade_note
    );
    Ok(finish("trade", title, &alt, svg, data))
}

/// Meetings per month as columns, with the detected change point as a dashed vertical line.
pub fn meetings(ind: &Indicators) -> Res<Option<Chart>> {
    let Some(m) = &ind.meetings else { return Ok(None) };
    let title = "High-level meetings and visits per month";
    let n = m.months.len();
    let ymax = m.months.iter().map(|x| x.1).max().unwrap_or(0).max(1) as f64 * 1.2;
    let months: Vec<String> = m.months.iter().map(|x| x.0.format("%Y-%m").to_string()).collect();
    // a change point is drawn only when the test finds evidence for it, and never on the last month (which may
    // be partial): a line the caption then disowns misleads more than it shows
    let supported = !m.note.to_lowercase().starts_with("no real evidence") && !m.note.starts_with("No ");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(60)
            .y_label_area_size(56)
            .build_cartesian_2d(segments(n), 0f64..ymax)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .disable_x_mesh()
            .x_desc("month")
            .y_desc("meetings (count)")
            .x_labels(12.min(n.max(1)))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => months.get(*i).cloned().unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .y_label_formatter(&|v| if v.fract() == 0.0 { format!("{v:.0}") } else { String::new() })
            .label_style(text_style(11))
            .axis_desc_style(text_style(13))
            .draw()?;
        for (i, (_, c)) in m.months.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let a = chart.backend_coord(&(SegmentValue::Exact(i), *c as f64));
            let b = chart.backend_coord(&(SegmentValue::Exact(i + 1), 0.0));
            swatch(&root, (a.0 + 2, a.1), (b.0 - 2, b.1), 2)?;
        }
        if let Some(cp) = m.change_point.filter(|_| supported) {
            if let Some(i) = m.months.iter().position(|x| x.0 >= cp).filter(|i| *i + 1 < n) {
                let pts = vec![(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i), ymax * 0.92)];
                chart.draw_series(DashedLineSeries::new(pts, 8, 5, BLACK.stroke_width(2)))?;
                let h = if i * 2 > n { HPos::Right } else { HPos::Left };
                chart.draw_series(std::iter::once(Text::new(
                    format!(" change point {} ", cp.format("%Y-%m")),
                    (SegmentValue::Exact(i), ymax * 0.97),
                    text_style(12).pos(Pos::new(h, VPos::Top)),
                )))?;
            }
        }
        root.present()?;
    }
    let mut data = Table::numeric(&["month", "meetings"]);
    for (d, c) in &m.months {
        data.push(vec![d.format("%Y-%m").to_string(), c.to_string()]);
    }
    if let Some(cp) = m.change_point {
        let label = if supported { "change point" } else { "change point (not supported by the test; not drawn)" };
        data.rows.push(Row::strong(vec![label.into(), cp.format("%Y-%m").to_string()]));
    }
    let total: u32 = m.months.iter().map(|x| x.1).sum();
    let alt = format!(
        "{total} meetings over {n} months{}. {}",
        m.change_point
            .filter(|_| supported)
            .map(|c| format!("; change point in {}", c.format("%Y-%m")))
            .unwrap_or_default(),
        m.note
    );
    Ok(Some(finish("meetings", title, &alt, svg, data)))
}

/// A chart of horizontal bars, one row per label with the first label on top, over `x` on the horizontal axis.
fn bar_rows<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    x: std::ops::Range<f64>,
    labels: &[&str],
    font: u32,
    x_desc: &str,
) -> Res<BarRows<'a, 'b>> {
    let n = labels.len();
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(44)
        .y_label_area_size(label_width(labels, font as f64))
        .build_cartesian_2d(x, segments(n))?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .disable_y_mesh()
        .y_labels(n + 1)
        .x_desc(x_desc)
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| match v {
            // row 0 is drawn at the bottom, so label i counts from the top
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                labels.get(n.wrapping_sub(1).wrapping_sub(*i)).map(|s| s.to_string()).unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        })
        .label_style(text_style(font))
        .axis_desc_style(text_style(13))
        .draw()?;
    Ok(chart)
}

type BarRows<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordusize>,
    >,
>;

/// `n` categories on a segmented axis (plotters' integer ranges include their end).
fn segments(n: usize) -> plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordusize> {
    (0..n.saturating_sub(1)).into_segmented()
}

fn short_label(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let t: String = s.chars().take(max - 1).collect();
        format!("{}…", t.trim_end())
    }
}
