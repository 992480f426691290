//! The report's sanctions-gaps section: what the lists can answer, the actor × authority matrix, the designation
//! lag chart, and the parties listed by the US or UK but not found on the EU list. Built from the same
//! [`crate::views::gaps::doc`] as the terminal output, so the report and `entente gaps` never disagree.

use super::charts::Chart;
use super::sections::{Sec, TableX};
use crate::doc::Table;
use entente_gaps::matrix::DateSource;
use entente_gaps::Gaps;
use plotters::prelude::*;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// One bar of the lag chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LagBar {
    pub label: String,
    pub days: i64,
    /// The designation date is reported by a claim, not read from a list.
    pub reported: bool,
}

/// Every actor × authority with both a designation date and first evidence, longest lag first.
pub fn lag_bars(g: &Gaps) -> Vec<LagBar> {
    let mut bars: Vec<LagBar> = g
        .rows
        .iter()
        .flat_map(|r| {
            r.cells.iter().filter_map(move |c| {
                c.lag_days.map(|d| LagBar {
                    label: format!("{} — {}", r.name, c.authority.label()),
                    days: d,
                    reported: c.date_source != Some(DateSource::List),
                })
            })
        })
        .collect();
    bars.sort_by(|a, b| b.days.cmp(&a.days).then_with(|| a.label.cmp(&b.label)));
    bars
}

/// Horizontal bars from the first evidence (0) to the designation, in days; reported dates hatched lighter.
pub fn lag_chart(bars: &[LagBar]) -> Res<Chart> {
    let title = "Designation lag: days from the first public evidence to each designation";
    let (w, row, left, top) = (900i32, 20i32, 300i32, 40i32);
    let h = top + row * bars.len().max(1) as i32 + 50;
    let lo = bars.iter().map(|b| b.days).min().unwrap_or(0).min(0) as f64;
    let hi = bars.iter().map(|b| b.days).max().unwrap_or(0).max(0) as f64;
    let span = (hi - lo).max(1.0) * 1.1;
    let x = |d: f64| left + ((d - lo) / span * (w - left - 30) as f64).round() as i32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w as u32, h as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let font = ("sans-serif", 12).into_font().color(&BLACK);
        root.draw(&Text::new(title.to_string(), (10, 12), ("sans-serif", 14).into_font().color(&BLACK)))?;
        for (i, b) in bars.iter().enumerate() {
            let y = top + row * i as i32;
            let (a, z) = (x(0.0).min(x(b.days as f64)), x(0.0).max(x(b.days as f64)));
            let fill = if b.reported { RGBColor(0x9e, 0xc5, 0xe6) } else { RGBColor(0x1f, 0x3b, 0x73) };
            root.draw(&Rectangle::new([(a, y + 3), (z.max(a + 1), y + row - 3)], fill.filled()))?;
            root.draw(&Rectangle::new([(a, y + 3), (z.max(a + 1), y + row - 3)], BLACK.stroke_width(1)))?;
            root.draw(&Text::new(b.label.clone(), (6, y + 4), font.clone()))?;
        }
        let bottom = top + row * bars.len() as i32;
        root.draw(&PathElement::new(vec![(x(0.0), top - 4), (x(0.0), bottom + 4)], BLACK.stroke_width(2)))?;
        let step = if span > 1500.0 { 365.0 } else { 180.0 };
        let mut t = (lo / step).ceil() * step;
        while t <= hi {
            root.draw(&PathElement::new(vec![(x(t), bottom + 4), (x(t), bottom + 10)], BLACK.stroke_width(1)))?;
            root.draw(&Text::new(format!("{t:.0}"), (x(t) - 12, bottom + 14), font.clone()))?;
            t += step;
        }
        root.draw(&Text::new(
            "days (negative: designated before the evidence; light bars: date reported by a claim)".to_string(),
            (left, bottom + 32),
            font,
        ))?;
        root.present()?;
    }
    let mut data = Table::numeric(&["actor — authority", "lag (days)", "date from"]);
    for b in bars {
        data.push(vec![b.label.clone(), b.days.to_string(), if b.reported { "claim" } else { "list" }.into()]);
    }
    let median = {
        let mut v: Vec<i64> = bars.iter().map(|b| b.days).collect();
        v.sort();
        v.get(v.len() / 2).copied()
    };
    let alt = format!(
        "{} designations with a date. {} were designated before the first public evidence of the party's part in the flows. Middle value {} days.",
        bars.len(),
        bars.iter().filter(|b| b.days < 0).count(),
        median.map(|m| m.to_string()).unwrap_or_else(|| "n/a".into())
    );
    let head = "<svg role=\"img\" aria-labelledby=\"fig-gaps-lag-t fig-gaps-lag-d\" class=\"chart\" ";
    let mut s = svg.replacen("<svg ", head, 1);
    if let Some(end) = s.find('>') {
        s.insert_str(
            end + 1,
            &format!(
                "\n<title id=\"fig-gaps-lag-t\">{}</title>\n<desc id=\"fig-gaps-lag-d\">{}</desc>",
                super::esc(title),
                super::esc(&alt)
            ),
        );
    }
    Ok(Chart { id: "gaps-lag".into(), title: title.into(), alt, svg: s, data })
}

/// The section: coverage, matrix, lag chart, EU gaps and the rest of the `entente gaps` document.
pub fn section(g: &Gaps) -> Res<Sec> {
    let doc = crate::views::gaps::doc(g, true);
    let mut s =
        Sec { id: "gaps".into(), heading: "Sanctions gaps: who carries the flows".into(), ..Default::default() };
    let s_ = &g.summary;
    s.paras.push(format!(
        "{} parties named in the evidence were checked against every loaded list{}. {} are listed by the US or UK but not found on the EU list; {} vessels listed by the US or UK cannot be checked against the EU financial sanctions list (EU ship measures are a port-access ban, not list entries); {} are listed nowhere the lists can answer for.",
        g.rows.len(),
        g.as_of.map(|d| format!(" as of {d}")).unwrap_or_default(),
        s_.us_uk_not_eu.len(),
        s_.eu_not_covered_ships.len(),
        s_.listed_nowhere.len()
    ));
    for sec in &doc.sections {
        if let Some(t) = &sec.table {
            let mut tx = TableX::from(t);
            tx.caption = sec.heading.clone();
            s.tables.push(tx);
        }
        s.notes.extend(sec.notes.iter().cloned());
    }
    s.charts.push(lag_chart(&lag_bars(g))?);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_chart_is_accessible_and_carries_its_data() {
        let bars = vec![
            LagBar { label: "ANGARA — UK".into(), days: 191, reported: false },
            LagBar { label: "ANGARA — OFAC SDN".into(), days: -624, reported: true },
        ];
        let c = lag_chart(&bars).unwrap();
        assert!(c.svg.contains("role=\"img\"") && c.svg.contains("<title id=\"fig-gaps-lag-t\">"));
        assert!(c.alt.starts_with("2 designations with a date. 1 were designated before"), "{}", c.alt);
        assert_eq!(c.data.rows.len(), 2);
        assert_eq!(c.data.rows[1].cells, vec!["ANGARA — OFAC SDN", "-624", "claim"]);
        // No bar at all still draws (an empty analysis is a valid report).
        assert!(lag_chart(&[]).is_ok());
    }
}
