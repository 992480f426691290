//! The HTML page: inline CSS (screen and print), the sections in order, charts as inline SVG figures with a
//! caption and their data in a collapsible table.

use super::sections::{Cell, Sec, TableX};
use super::{esc, ReportData};
use crate::doc::Align;

const CSS: &str = r#"
:root { --ink: #1a1a1a; --muted: #555; --rule: #c8c8c8; --band: #f3f5f8; --link: #1f3b73; }
* { box-sizing: border-box; }
html { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
body { margin: 0 auto; max-width: 1000px; padding: 24px 28px 48px; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.7em; margin: 0 0 .2em; }
h2 { font-size: 1.3em; margin: 1.8em 0 .5em; padding-bottom: .2em; border-bottom: 2px solid var(--ink); }
header .meta { color: var(--muted); margin: 0 0 1em; }
nav ol { columns: 2; margin: .5em 0 1.5em; padding-left: 1.4em; }
a { color: var(--link); }
.headline p:first-of-type { font-size: 1.25em; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .6em 0 1.2em; font-size: .86em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .25em .45em; vertical-align: top; }
th { text-align: left; border-bottom: 2px solid var(--ink); }
td.r, th.r { text-align: right; }
td.r { white-space: nowrap; }
.scroll { overflow-x: auto; }
tr.strong td { font-weight: 700; border-top: 1px solid var(--ink); }
tr:target td { background: #fff3c4; }
td.links a { margin-right: .35em; white-space: nowrap; }
figure { margin: 1em 0 1.5em; }
.chart-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
figure svg.chart { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
a.csv { font-size: .85em; margin-right: 1em; }
details.evidence > summary { cursor: pointer; font-weight: 600; padding: .3em 0; }
.cite pre { white-space: pre-wrap; word-break: break-word; background: var(--band); padding: .6em .8em; font-size: .85em; }
/* Small screens (phones from 360 px): tighter margins; charts keep their drawn size (text of 12 px or more) and
   scroll sideways inside their frame rather than shrinking to illegible text; tables scroll the same way. */
@media (max-width: 700px) {
  body { padding: 12px 12px 32px; font-size: 15px; }
  h1 { font-size: 1.35em; }
  h2 { font-size: 1.15em; }
  nav ol { columns: 1; }
  figure svg.chart { width: 900px; max-width: none; }
  table { font-size: .8em; }
  /* a table keeps room for its text columns and scrolls sideways in its frame instead of squeezing them */
  .scroll > table { min-width: 640px; }
}
figcaption { font-size: .88em; color: var(--muted); margin-top: .35em; }
figcaption strong { color: var(--ink); }
details { margin: .3em 0; font-size: .9em; }
.note { color: var(--muted); font-size: .9em; }
.omitted { background: var(--band); border-left: 4px solid var(--muted); padding: .5em .8em; }
footer { margin-top: 3em; color: var(--muted); font-size: .85em; border-top: 1px solid var(--rule); padding-top: .5em; }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  table { font-size: 8pt; }
  .scroll { overflow: visible; }
  nav, details summary { display: none; }
  details > table { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, tr, .omitted { break-inside: avoid; page-break-inside: avoid; }
  figure svg.chart { border: none; }
  a { color: inherit; text-decoration: none; }
  td.links a, tr:target td { background: none; }
  .sources a[href^="http"]::after { content: " <" attr(href) ">"; font-size: .85em; word-break: break-all; }
}
"#;

fn cell(c: &Cell) -> String {
    match c {
        Cell::Text(t) => esc(t).replacen("  ", "&#160;&#160;&#160;", 1),
        Cell::Links(ls) => {
            ls.iter().map(|(t, h)| format!("<a href=\"{}\">{}</a>", esc(h), esc(t))).collect::<Vec<_>>().join(" ")
        }
    }
}

fn table(t: &TableX, class: &str) -> String {
    let mut o = format!("<div class=\"scroll\"><table class=\"{class}\">");
    if !t.caption.is_empty() {
        o += &format!("<caption>{}</caption>", esc(&t.caption));
    }
    o += "<thead><tr>";
    for (i, h) in t.headers.iter().enumerate() {
        let r = if t.align.get(i) == Some(&Align::Right) { " class=\"r\"" } else { "" };
        o += &format!("<th scope=\"col\"{r}>{}</th>", esc(h));
    }
    o += "</tr></thead>\n<tbody>\n";
    for row in &t.rows {
        let id = row.anchor.as_ref().map(|a| format!(" id=\"{}\"", esc(a))).unwrap_or_default();
        let cls = if row.strong { " class=\"strong\"" } else { "" };
        o += &format!("<tr{id}{cls}>");
        for (i, c) in row.cells.iter().enumerate() {
            let mut classes = Vec::new();
            if t.align.get(i) == Some(&Align::Right) && matches!(c, Cell::Text(_)) {
                classes.push("r");
            }
            if matches!(c, Cell::Links(_)) {
                classes.push("links");
            }
            let cl = if classes.is_empty() { String::new() } else { format!(" class=\"{}\"", classes.join(" ")) };
            o += &format!("<td{cl}>{}</td>", cell(c));
        }
        o += "</tr>\n";
    }
    o += "</tbody></table></div>\n";
    o
}

/// Escapes text and sets what plain text writes as markup: `code` as <code>, and a power of ten written
/// `10^-0.3` as 10<sup>−0.3</sup>.
pub(crate) fn rich(t: &str) -> String {
    let e = esc(t);
    let mut o = String::with_capacity(e.len());
    let mut parts = e.split('`');
    if let Some(first) = parts.next() {
        o.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    if rest.len().is_multiple_of(2) {
        // balanced backticks: every other part is code
        for (i, p) in rest.iter().enumerate() {
            if i % 2 == 0 {
                o.push_str("<code>");
                o.push_str(p);
                o.push_str("</code>");
            } else {
                o.push_str(p);
            }
        }
    } else {
        for p in rest {
            o.push('`');
            o.push_str(p);
        }
    }
    let mut out = String::with_capacity(o.len());
    let mut s = o.as_str();
    while let Some(i) = s.find("10^") {
        out.push_str(&s[..i]);
        let tail = &s[i + 3..];
        let n = tail
            .char_indices()
            .take_while(|(k, c)| c.is_ascii_digit() || *c == '.' || (*k == 0 && (*c == '-' || *c == '+')))
            .map(|(k, c)| k + c.len_utf8())
            .last()
            .unwrap_or(0);
        let exp = tail[..n].trim_end_matches('.');
        if exp.is_empty() || exp == "-" || exp == "+" {
            out.push_str("10^");
            s = tail;
            continue;
        }
        out.push_str(&format!("10<sup>{}</sup>", exp.replace('-', "−")));
        s = &tail[exp.len()..];
    }
    out.push_str(s);
    out
}

/// Sections whose tables are folded by default (looked up, not read).
const COLLAPSED: [&str; 3] = ["evidence", "claims", "sources"];

/// Percent-encodes text for a `data:` URL (RFC 3986 unreserved characters stay as they are).
fn percent(s: &str) -> String {
    let mut o = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// How to cite the report: title, evidence date, version, dataset hash, samples and seed.
fn cite(r: &ReportData) -> String {
    let a = r.assessment;
    let line = r.citation();
    format!(
        "<section id=\"cite\" class=\"cite\" aria-labelledby=\"h-cite\">\n<h2 id=\"h-cite\">How to cite</h2>\n<pre>{}</pre>\n<p class=\"note\">The dataset hash is the SHA-256 of the validated dataset (its canonical JSON); the same hash, version, scenario ({}), samples and seed give this report byte for byte.</p>\n</section>\n",
        esc(&line),
        esc(&a.scenario)
    )
}

pub fn render(r: &ReportData, secs: &[Sec]) -> String {
    let a = r.assessment;
    let title = format!("entente report — {}", a.scenario_title);
    let mut o = String::with_capacity(1 << 20);
    o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    o += "<meta name=\"color-scheme\" content=\"light\">\n";
    o += &format!("<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n", esc(&title));
    o += &format!(
        "<header><h1>{}</h1><p class=\"meta\">Value of North Korea's arms deliveries to Russia and of Russia's compensation · scenario <b>{}</b> · evidence as of <b>{}</b> · {} samples, seed {}</p></header>\n",
        esc(&title),
        esc(&a.scenario),
        a.as_of,
        entente_core::group(a.samples as f64),
        a.seed
    );
    o += "<nav aria-label=\"Contents\"><ol>";
    for s in secs {
        o += &format!("<li><a href=\"#{}\">{}</a></li>", esc(&s.id), esc(&s.heading));
    }
    o += "</ol></nav>\n<main>\n";
    for s in secs {
        o += &format!(
            "<section id=\"{0}\" class=\"{0}\" aria-labelledby=\"h-{0}\">\n<h2 id=\"h-{0}\">{1}</h2>\n",
            esc(&s.id),
            esc(&s.heading)
        );
        if let Some(note) = &s.omitted {
            o += &format!("<p class=\"omitted\">{}</p>\n</section>\n", esc(note));
            continue;
        }
        for p in &s.paras {
            o += &format!("<p>{}</p>\n", rich(p));
        }
        let collapsed = COLLAPSED.contains(&s.id.as_str());
        for t in &s.tables {
            if collapsed {
                // long ID tables (evidence, claims, sources) are there to look things up: folded by default
                o += &format!(
                    "<details class=\"evidence\"><summary>{} — {} rows (show)</summary>\n",
                    esc(if t.caption.is_empty() { &s.heading } else { &t.caption }),
                    t.rows.len()
                );
                o += &table(t, "data");
                o += "</details>\n";
            } else {
                o += &table(t, "data");
            }
        }
        for c in &s.charts {
            o += &format!("<figure id=\"fig-{}\" class=\"chart-figure\">\n<div class=\"chart-scroll\">", esc(&c.id));
            o += &c.svg;
            o += "</div>";
            o += &format!("\n<figcaption><strong>{}.</strong> {}</figcaption>\n", esc(&c.title), rich(&c.alt));
            o += &format!(
                "<a class=\"csv\" download=\"{}-{}.csv\" href=\"data:text/csv;charset=utf-8,{}\">Download the data (CSV)</a>\n",
                esc(&r.file_stem()),
                esc(&c.id),
                percent(&crate::format::table_csv(&c.data))
            );
            o += "<details><summary>Data behind this chart</summary>\n";
            o += &table(&TableX::from(&c.data), "chart-data");
            o += "</details>\n</figure>\n";
        }
        for n in &s.notes {
            if !n.is_empty() {
                o += &format!("<p class=\"note\">{}</p>\n", rich(n));
            }
        }
        o += "</section>\n";
    }
    o += &cite(r);
    o += &format!(
        "</main>\n<footer>Generated by {} from the dataset's graded sources; every number above can be reproduced with the same data, scenario and seed. The file is self-contained: it loads nothing from the network.</footer>\n</body>\n</html>\n",
        esc(&r.generator)
    );
    o
}

#[cfg(test)]
mod rich_tests {
    use super::rich;

    #[test]
    fn backticks_become_code_and_powers_of_ten_superscripts() {
        assert_eq!(rich("see `entente trade` <now>"), "see <code>entente trade</code> &lt;now&gt;");
        assert_eq!(rich("Bayes factor 10^-0.3)"), "Bayes factor 10<sup>−0.3</sup>)");
        assert_eq!(rich("factor 10^1.2."), "factor 10<sup>1.2</sup>.");
        assert_eq!(rich("a lone ` stays"), "a lone ` stays");
        assert_eq!(rich("10^x"), "10^x");
    }
}
