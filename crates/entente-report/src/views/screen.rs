//! Screening results as the bytes `entente screen` writes (and `entente serve` answers with): a table for people,
//! JSON and CSV for machines, each carrying the audit trail (lists with their SHA-256 and dates, skipped files,
//! country policy, inputs, threshold, algorithm, version, run time). The screening table has its own layout (a
//! block per party), so it is written here rather than through [`crate::Doc`].
//!
//! Every text that came from a list or an input goes through [`safe`] (table, CSV) or [`json_safe`] (JSON):
//! escape sequences and bidirectional overrides never reach a terminal raw.

use entente_app::allow::AllowMarks;
use entente_screen::audit::Audit;
use entente_screen::model::{IdKind, OwnershipFlag};
use entente_screen::screen::ScreenedParty;
use std::fmt::Write as _;

/// Output format of `entente screen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// True for characters that must not reach a terminal raw: C0/C1 controls, DEL (escape sequences start with ESC
/// or C1 CSI) and bidirectional overrides that reorder what is displayed.
fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print: dangerous characters become visible `\u{..}` escapes.
pub fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(dangerous) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars().map(|c| if dangerous(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() }).collect(),
    )
}

/// JSON text with every dangerous character written as a `\uXXXX` escape (serde_json escapes C0 controls but
/// writes DEL, C1 and bidi controls raw); the JSON value is unchanged.
pub fn json_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if dangerous(c) && !c.is_ascii_control() || c == '\u{7f}' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Pretty JSON with sorted keys, terminal-safe, and a final newline.
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(v: &T) -> String {
    let value = serde_json::to_value(v)
        .map(entente_screen::audit::sorted_keys)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    let mut out = json_safe(&text);
    out.push('\n');
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// How a screened party is shown: agents by BIC and name.
fn who(r: &ScreenedParty) -> String {
    let name = truncate(&r.query.name, 60);
    if r.role == "name" {
        return format!("{:?}", safe(&name));
    }
    let mut s = format!("{} [{}]", safe(&r.reference), safe(&r.role));
    if r.role.contains("agent") {
        if let Some(b) = r.query.identifiers.iter().find(|i| i.kind == IdKind::Bic) {
            s.push_str(&format!(" BIC {}", safe(&b.value)));
        }
        if let Some(b) = r.query.identifiers.iter().find(|i| i.kind != IdKind::Bic) {
            s.push_str(&format!(" {} {}", b.kind, safe(&b.value)));
        }
    }
    if !name.is_empty() {
        s.push_str(&format!(" {:?}", safe(&name)));
    } else if !r.role.contains("agent") {
        if let Some(f) = r.fields.first() {
            s.push_str(&format!(" {}", safe(&f.value)));
        }
    }
    if let Some(a) = &r.amount {
        s.push_str(&format!("  ({} {})", safe(&a.value), safe(&a.currency)));
    }
    s
}

/// A hit's ownership flag in one line: `UK: majority ownership (>50%), caught — known 51%; path: A —51%→ T`.
pub fn ownership_text(f: &OwnershipFlag) -> String {
    let mut s = format!("{}: {}, {} — known {}%", f.authority, f.rule, f.verdict, f.known_percentage);
    if !f.unknown_shares.is_empty() {
        s.push_str(&format!(", share unknown: {}", f.unknown_shares.join(", ")));
    }
    if !f.path.is_empty() {
        s.push_str(&format!("; path: {}", f.path.join("; ")));
    }
    s
}

/// Appends a line to a `String` (writing to memory cannot fail).
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Renders screening results with their audit trail. `all_rows` also shows parties without alerts (table, CSV).
pub fn render(fmt: Format, results: &[ScreenedParty], audit: &Audit, all_rows: bool) -> String {
    render_marked(fmt, results, audit, all_rows, &AllowMarks::default())
}

/// As [`render`], with the hits an allow-list allows shown as such: JSON gives each such hit an `allowed` object
/// (decision id, by, note, expiry), CSV appends `ALLOWED decision …` to its explanation, the table adds an
/// `ALLOWED` line under it. Without marks the bytes are exactly [`render`]'s.
pub fn render_marked(
    fmt: Format,
    results: &[ScreenedParty],
    audit: &Audit,
    all_rows: bool,
    marks: &AllowMarks,
) -> String {
    match fmt {
        Format::Json => json_marked(results, audit, marks),
        Format::Csv => csv_marked(results, audit, all_rows, marks),
        Format::Table => table_marked(results, audit, all_rows, marks),
    }
}

/// `{"audit": …, "results": […]}`.
pub fn json(results: &[ScreenedParty], audit: &Audit) -> String {
    json_marked(results, audit, &AllowMarks::default())
}

/// As [`json`], each allowed hit with its `allowed` decision.
pub fn json_marked(results: &[ScreenedParty], audit: &Audit, marks: &AllowMarks) -> String {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        audit: &'a Audit,
        results: &'a [ScreenedParty],
    }
    let out = Out { audit, results };
    if marks.is_empty() {
        return json_text(&out);
    }
    let mut value = serde_json::to_value(&out).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
    if let Some(rs) = value.get_mut("results").and_then(|v| v.as_array_mut()) {
        for (i, r) in rs.iter_mut().enumerate() {
            mark_party(r, i, marks);
        }
    }
    json_text(&value)
}

/// Adds `allowed` to the hits of one party's JSON value (party `i` of the marks).
pub fn mark_party(party: &mut serde_json::Value, i: usize, marks: &AllowMarks) {
    if let Some(hs) = party.get_mut("hits").and_then(|v| v.as_array_mut()) {
        for (j, h) in hs.iter_mut().enumerate() {
            if let (Some(a), Some(obj)) = (marks.get(i, j), h.as_object_mut()) {
                obj.insert("allowed".into(), serde_json::to_value(a).unwrap_or_default());
            }
        }
    }
}

/// One row per hit, policy alert and note (and, with `all_rows`, per party without alerts), then the audit rows:
/// every list, skipped file and warning.
pub fn csv(results: &[ScreenedParty], audit: &Audit, all_rows: bool) -> String {
    csv_marked(results, audit, all_rows, &AllowMarks::default())
}

/// As [`csv`], the explanation of each allowed hit ending in `| ALLOWED decision N by WHO until WHEN: note`.
pub fn csv_marked(results: &[ScreenedParty], audit: &Audit, all_rows: bool, marks: &AllowMarks) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "row",
        "role",
        "query",
        "score",
        "entity_id",
        "list",
        "schema",
        "matched_name",
        "caption",
        "programs",
        "explanation",
        "field",
        "amount",
        "currency",
        "list_source",
        "list_published",
        "list_sha256",
        "threshold",
        "algorithm",
        "version",
        "run_at",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    let threshold = format!("{:.2}", audit.threshold);
    let tail = |src: &str, publ: &str, sha: &str| -> Vec<String> {
        vec![
            src.to_string(),
            publ.to_string(),
            sha.to_string(),
            threshold.clone(),
            audit.algorithm.clone(),
            format!("{} {}", audit.tool, audit.version),
            audit.run_at.clone(),
        ]
    };
    for (i, r) in results.iter().enumerate() {
        let (amount, currency) = r.amount.as_ref().map(|a| (a.value.clone(), a.currency.clone())).unwrap_or_default();
        let base =
            |score: String| -> Vec<String> { vec![r.reference.clone(), r.role.clone(), r.query.name.clone(), score] };
        if !r.alerts() && all_rows {
            let mut rec = base(String::new());
            rec.extend(vec![String::new(); 7]);
            rec.extend([String::new(), amount.clone(), currency.clone()]);
            rec.extend(tail("", "", ""));
            rows.push(rec);
        }
        if let Some(n) = &r.note {
            let mut rec = base(String::new());
            rec.extend(["".into(), "".into(), "".into(), "".into(), "".into(), "".into(), n.clone()]);
            rec.extend([String::new(), amount.clone(), currency.clone()]);
            rec.extend(tail("", "", ""));
            rows.push(rec);
        }
        for j in &r.jurisdiction {
            // Policy alerts have no name-match score: the score column stays empty.
            let mut rec = base(String::new());
            rec.extend([
                format!("policy:{}", j.jurisdiction),
                "country-policy".into(),
                "Jurisdiction".into(),
                j.value.clone(),
                j.name.clone(),
                String::new(),
                format!("{}: {}", j.evidence, j.reason),
                j.field.clone(),
                amount.clone(),
                currency.clone(),
            ]);
            let (src, sha) = audit.policy.as_ref().map(|p| (p.source.clone(), p.sha256.clone())).unwrap_or_default();
            rec.extend(tail(&src, "", &sha));
            rows.push(rec);
        }
        for (j, h) in r.hits.iter().enumerate() {
            let mut rec = base(format!("{:.3}", h.score));
            rec.extend([
                h.entity_id.clone(),
                h.list.clone(),
                h.schema.to_string(),
                h.matched_name.clone(),
                h.caption.clone(),
                h.programs.join("; "),
                std::iter::once(h.explanation.clone())
                    .chain(h.ownership.iter().map(|f| format!("OWNERSHIP {}", ownership_text(f))))
                    .chain(marks.get(i, j).map(|a| format!("ALLOWED {a}")))
                    .collect::<Vec<_>>()
                    .join(" | "),
                h.matched_fields.join("; "),
                amount.clone(),
                currency.clone(),
            ]);
            let sha = h
                .list_index
                .and_then(|i| audit.lists.get(i))
                .map(|l| l.files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            rec.extend(tail(&h.list_source, h.list_published.as_deref().unwrap_or(""), &sha));
            rows.push(rec);
        }
    }
    // Audit rows: every list, skipped file and warning, so that a file without hits still says what it was
    // screened against.
    let blank = |n: usize| vec![String::new(); n];
    for l in &audit.lists {
        let mut rec = vec!["audit".into(), "list".into(), String::new(), String::new(), String::new(), l.list.clone()];
        rec.extend(blank(4));
        rec.push(format!("{} entities, {}", l.entities, l.authority));
        rec.extend(blank(3));
        let sha = l.files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>().join(" ");
        rec.extend(tail(&l.source, l.published_iso.as_deref().or(l.published.as_deref()).unwrap_or(""), &sha));
        rows.push(rec);
    }
    for (role, text) in audit
        .skipped
        .iter()
        .map(|s| ("skipped", format!("{}: {}", s.path, s.reason)))
        .chain(audit.warnings.iter().map(|x| ("warning", x.clone())))
    {
        let mut rec = vec!["audit".into(), role.into()];
        rec.extend(blank(8));
        rec.push(text);
        rec.extend(blank(3));
        rec.extend(tail("", "", ""));
        rows.push(rec);
    }
    // Writing records to memory cannot fail; the records are built above so that this is the only write.
    let _ = w.write_record(header);
    for rec in rows {
        let _ = w.write_record(rec.iter().map(|f| safe(f).into_owned()));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A block per party that alerts (or every party with `all_rows`), then the audit footer.
pub fn table(results: &[ScreenedParty], audit: &Audit, all_rows: bool) -> String {
    table_marked(results, audit, all_rows, &AllowMarks::default())
}

/// As [`table`], with an `ALLOWED decision …` line under each allowed hit.
pub fn table_marked(results: &[ScreenedParty], audit: &Audit, all_rows: bool, marks: &AllowMarks) -> String {
    let mut out = String::new();
    let mut any = false;
    for (i, r) in results.iter().enumerate() {
        if !r.alerts() {
            if all_rows {
                put!(out, "{}: no match", who(r));
            }
            continue;
        }
        any = true;
        put!(out, "{}", who(r));
        if let Some(n) = &r.note {
            put!(out, "  !!    {}", safe(n));
        }
        for j in &r.jurisdiction {
            put!(
                out,
                "  POLICY {:<16} {}: {} in {} = {:?}",
                j.jurisdiction,
                safe(&j.name),
                j.evidence,
                safe(&j.field),
                safe(&truncate(&j.value, 60))
            );
            put!(out, "        {}", safe(&j.reason));
        }
        for (j, h) in r.hits.iter().enumerate() {
            put!(
                out,
                "  {:.2}  {:<18} {} {}  [{}]",
                h.score,
                safe(&truncate(&h.entity_id, 18)),
                h.schema,
                safe(&truncate(&h.caption, 50)),
                safe(&truncate(&h.programs.join(", "), 40))
            );
            put!(out, "        {}", safe(&h.explanation));
            put!(out, "        matched {}", safe(&h.matched_fields.join(", ")));
            for f in &h.ownership {
                put!(out, "        OWNERSHIP {}", safe(&ownership_text(f)));
            }
            if let Some(a) = marks.get(i, j) {
                put!(out, "        ALLOWED {}", safe(&a.to_string()));
            }
        }
    }
    if !any {
        put!(out, "no matches at or above the threshold");
    }
    footer(audit, &mut out);
    out
}

/// The table's audit footer.
pub fn footer(audit: &Audit, out: &mut String) {
    put!(out, "--");
    put!(
        out,
        "screened by {} {} at {} — threshold {:.2}, algorithm {}",
        audit.tool,
        audit.version,
        audit.run_at,
        audit.threshold,
        audit.algorithm
    );
    if let Some(s) = &audit.snapshot {
        put!(out, "list snapshot {} (fetched {})", safe(&s.id), safe(&s.fetched_at));
    }
    put!(out, "lists ({}):", audit.lists.len());
    for l in &audit.lists {
        put!(
            out,
            "  {:<9} {} entities, published {}, {}",
            l.list,
            l.entities,
            safe(l.published_iso.as_deref().or(l.published.as_deref()).unwrap_or("(no date in file)")),
            safe(&l.authority)
        );
        for f in &l.files {
            put!(out, "            {}  sha256 {}", safe(&f.path), f.sha256);
        }
    }
    if let Some(p) = &audit.policy {
        put!(out, "country policy: {} sha256 {} ({})", safe(&p.source), p.sha256, p.jurisdictions.join(", "));
    }
    for i in &audit.inputs {
        put!(out, "input: {}  sha256 {}", safe(&i.path), i.sha256);
    }
    for s in &audit.skipped {
        put!(out, "skipped: {} — {}", safe(&s.path), safe(&s.reason));
    }
    for w in &audit.warnings {
        put!(out, "warning: {}", safe(w));
    }
}

/// What a run says on standard error before its results: each warning and skipped file, one line each.
pub fn notices(audit: &Audit) -> String {
    let mut out = String::new();
    for w in &audit.warnings {
        put!(out, "warning: {}", safe(w));
    }
    for s in &audit.skipped {
        put!(out, "skipped: {} — {}", safe(&s.path), safe(&s.reason));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party_with_hit(ownership: Vec<OwnershipFlag>) -> ScreenedParty {
        use entente_screen::screen::ScreenedHit;
        ScreenedParty {
            reference: String::new(),
            role: "name".into(),
            query: entente_screen::index::Query { name: "Zvezda Northern Logistics".into(), ..Default::default() },
            amount: None,
            note: None,
            fields: Vec::new(),
            jurisdiction: Vec::new(),
            hits: vec![ScreenedHit {
                score: 1.0,
                entity_id: "ftm:target".into(),
                list: "ftm".into(),
                authority: "OpenSanctions".into(),
                schema: entente_screen::model::Schema::Company,
                caption: "ZVEZDA NORTHERN LOGISTICS".into(),
                matched_name: "ZVEZDA NORTHERN LOGISTICS".into(),
                matched_fields: vec!["name".into()],
                programs: Vec::new(),
                explanation: "name match".into(),
                list_source: "owners.ftm.jsonl".into(),
                list_published: None,
                entity: 0,
                list_index: None,
                ownership,
            }],
        }
    }

    #[test]
    fn an_ownership_flag_is_shown_with_authority_rule_shares_and_path_and_absent_otherwise() {
        let audit = Audit::new(&Default::default(), chrono::DateTime::UNIX_EPOCH, 0.75, "entente");
        let flag = OwnershipFlag {
            authority: "OFAC SDN".into(),
            rule: "OFAC 50% rule (aggregate)".into(),
            verdict: "possible".into(),
            known_percentage: 25.0,
            unknown_shares: vec!["BETA FREIGHT TRADING".into()],
            path: vec!["ALPHA —25%→ ZVEZDA".into(), "BETA —?%→ ZVEZDA".into()],
        };
        let with = [party_with_hit(vec![flag])];
        let without = [party_with_hit(Vec::new())];
        let line = "OWNERSHIP OFAC SDN: OFAC 50% rule (aggregate), possible — known 25%, share unknown: BETA FREIGHT \
                    TRADING; path: ALPHA —25%→ ZVEZDA; BETA —?%→ ZVEZDA";
        let table = render(Format::Table, &with, &audit, false);
        assert!(table.contains(&format!("        {line}\n")), "{table}");
        let plain = render(Format::Table, &without, &audit, false);
        assert!(!plain.contains("OWNERSHIP"));
        // The only difference is the flag's line.
        assert_eq!(table.replace(&format!("        {line}\n"), ""), plain);
        let csv = render(Format::Csv, &with, &audit, false);
        assert!(csv.contains(&format!("name match | {line}")), "{csv}");
        assert!(!render(Format::Csv, &without, &audit, false).contains("OWNERSHIP"));
        assert!(render(Format::Json, &with, &audit, false).contains("\"ownership\": ["));
        assert!(!render(Format::Json, &without, &audit, false).contains("\"ownership\""));
    }

    #[test]
    fn an_allowed_hit_is_shown_with_its_decision_in_every_format_and_nothing_changes_without_marks() {
        let audit = Audit::new(&Default::default(), chrono::DateTime::UNIX_EPOCH, 0.75, "entente");
        let rs = [party_with_hit(Vec::new())];
        let mut marks = AllowMarks::default();
        for f in [Format::Table, Format::Csv, Format::Json] {
            assert_eq!(render_marked(f, &rs, &audit, true, &marks), render(f, &rs, &audit, true));
        }
        let a = entente_app::allow::Allowed {
            decision_id: 7,
            decided_by: "alice".into(),
            note: "other company".into(),
            expires: "2027-03-03T00:00:00Z".into(),
        };
        marks.0.insert((0, 0), a);
        let line = "ALLOWED decision 7 by alice until 2027-03-03T00:00:00Z: other company";
        let table = render_marked(Format::Table, &rs, &audit, false, &marks);
        assert_eq!(table.replace(&format!("        {line}\n"), ""), render(Format::Table, &rs, &audit, false));
        let csv = render_marked(Format::Csv, &rs, &audit, false, &marks);
        assert!(csv.contains(&format!("name match | {line}")), "{csv}");
        let json: serde_json::Value =
            serde_json::from_str(&render_marked(Format::Json, &rs, &audit, false, &marks)).unwrap();
        let allowed = &json["results"][0]["hits"][0]["allowed"];
        assert_eq!(allowed["decision_id"], 7);
        assert_eq!(allowed["decided_by"], "alice");
        assert_eq!(allowed["expires"], "2027-03-03T00:00:00Z");
        assert_eq!(json["results"][0]["hits"][0]["entity_id"], "ftm:target");
    }

    #[test]
    fn safe_escapes_controls_and_bidi_overrides() {
        assert_eq!(safe("a\u{1b}[31mb\u{202e}c"), "a\\u{1b}[31mb\\u{202e}c");
        assert!(matches!(safe("plain Ри"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(json_safe("\"x\u{9b}\u{7f}\""), "\"x\\u009b\\u007f\"");
    }
}
