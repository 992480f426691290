//! End-to-end tests of `entente screen` and `entente lists` through the binary, on the fixtures of entente-screen:
//! exit codes (0 nothing alerts, 1 something alerts, 2 error), error messages naming the file, the output bytes of
//! every format, `-o FILE`, `--audit-log`, terminal safety, and `lists fetch` against a local HTTP server.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

fn fx(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../entente-screen/tests/fixtures").join(p).display().to_string()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Exit code, standard output and standard error of one run.
struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(args: &[&str]) -> Run {
    let o = Command::cargo_bin("entente").unwrap().args(args).env_remove("SOURCE_DATE_EPOCH").output().unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8(o.stdout).unwrap(),
        err: String::from_utf8(o.stderr).unwrap(),
    }
}

/// `entente screen --now 2026-12-01 ARGS…`
fn screen(args: &[&str]) -> Run {
    let mut v = vec!["screen", "--now", "2026-12-01"];
    v.extend_from_slice(args);
    run(&v)
}

/// The exit code of a screening that must not fail.
fn code(args: &[&str]) -> i32 {
    let r = screen(args);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.err);
    r.code
}

/// The error message of a screening that must fail (exit 2).
fn error(args: &[&str]) -> String {
    let r = screen(args);
    assert_eq!(r.code, 2, "expected an error: {}{}", r.out, r.err);
    assert!(r.out.is_empty(), "nothing on stdout when failing: {}", r.out);
    r.err
}

fn lists(args: &[&str]) -> Run {
    let mut v = vec!["lists"];
    v.extend_from_slice(args);
    run(&v)
}

fn all_lists() -> Vec<String> {
    ["un_small.xml", "eu_small.xml", "uk_small.xml", "ofac_sdn.xml", "ofac_csv", "ftm_small.jsonl"]
        .iter()
        .map(|f| fx(f))
        .collect()
}

fn with_lists<'a>(lists: &'a [String], args: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = args.to_vec();
    v.push("--lists");
    v.extend(lists.iter().map(String::as_str));
    v
}

/// Screens, writing JSON to a file with `-o`; returns (exit code, JSON).
fn screen_json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = tempfile::NamedTempFile::new().unwrap();
    let o = s(out.path());
    let mut v = args.to_vec();
    v.extend(["--format", "json", "--output", &o]);
    let r = screen(&v);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.err);
    assert!(r.out.is_empty(), "-o FILE leaves stdout empty: {}", r.out);
    let text = std::fs::read_to_string(out.path()).unwrap();
    (r.code, serde_json::from_str(&text).unwrap())
}

/// A list folder with one good list in it.
fn list_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fx("un_small.xml"), d.path().join("un.xml")).unwrap();
    d
}

// ---- Names, inputs, exit codes ------------------------------------------------------------------------------

#[test]
fn names_hit_and_miss_exit_codes() {
    let l = all_lists();
    assert_eq!(code(&with_lists(&l, &["Ri Pyong-chol"])), 1);
    assert_eq!(code(&with_lists(&l, &["리병철"])), 1);
    assert_eq!(code(&with_lists(&l, &["Ромашка Трейдинг ООО"])), 1);
    assert_eq!(code(&with_lists(&l, &["Hans Gruber Bakery"])), 0);
    // A weak alias alone never produces a hit.
    assert_eq!(code(&with_lists(&l, &["Comrade Ri", "--type", "person"])), 0);
    // Identifier-only screening.
    assert_eq!(code(&with_lists(&l, &["--id", "imo=IMO 9123456"])), 1);
}

#[test]
fn table_output_bytes() {
    let l = all_lists();
    let r = screen(&with_lists(&l, &["Ri Pyong-chol", "Hans Gruber Bakery", "--all-rows"]));
    assert_eq!(r.code, 1);
    let expected_head = "\"Ri Pyong-chol\"\n  1.00  un:9000001         Person RI PYONG CHOL  [DPRK]\n        \
                         name 'Ri Pyong-chol' vs 'RI PYONG CHOL': ri, pyong, chol\n        matched name\n\
                         \"Hans Gruber Bakery\": no match\n--\n";
    assert!(r.out.starts_with(expected_head), "{}", r.out);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        r.out.contains(&format!(
            "screened by entente-screen {version} at 2026-12-01T00:00:00Z — threshold 0.75, algorithm entente\nlists (6):\n  un        3 entities, published 2026-11-01, UN Security Council\n            {}  sha256 ",
            fx("un_small.xml")
        )),
        "{}",
        r.out
    );
    assert!(r.out.contains("country policy: built-in sha256 "), "{}", r.out);
    // Warnings go to stderr before the results, and in the footer.
    assert!(r.err.contains("warning: ftm (") && r.out.contains("\nwarning: ftm ("), "{}", r.err);
    let miss = screen(&with_lists(&l, &["Hans Gruber Bakery"]));
    assert!(miss.out.starts_with("no matches at or above the threshold\n--\n"), "{}", miss.out);
}

#[test]
fn csv_and_iso20022_inputs() {
    let l = all_lists();
    for f in ["parties.csv", "pacs008.xml"] {
        let p = fx(f);
        assert_eq!(code(&with_lists(&l, &["--input", &p, "--format", "json"])), 1, "{f}");
    }
    let clean = fx("pain001_clean.xml");
    assert_eq!(code(&with_lists(&l, &["--input", &clean])), 0);
    let csv = fx("parties.csv");
    let args = [
        "--input",
        &csv,
        "--format",
        "csv",
        "--name-column",
        "counterparty",
        "--country-column",
        "country",
        "--id-column",
        "imo=imo",
    ];
    assert_eq!(code(&with_lists(&l, &args)), 1);
    let e = error(&with_lists(&l, &["--input", &csv, "--name-column", "nope"]));
    assert!(e.contains(&format!("error: {csv}: no column \"nope\" (columns: id, counterparty, country, imo)")), "{e}");
}

#[test]
fn flag_errors_name_the_flag() {
    let l = all_lists();
    let un = fx("un_small.xml");
    for (args, msg) in [
        (vec!["x", "--threshold", "1.5"], "error: --threshold must be between 0 and 1\n"),
        (vec!["Ri", "--dob", "notadate"], "error: --dob \"notadate\" is not a date\n"),
        (vec!["Ri", "--id", "foo"], "error: identifier \"foo\" must be KIND=VALUE, e.g. imo=9339301\n"),
        (vec!["--input", &un, "--delimiter", "ab"], "error: --delimiter must be one character, got \"ab\"\n"),
        (vec!["--input", &un, "--id-column", "x"], "error: --id-column \"x\" must be KIND=COLUMN\n"),
        (vec!["Ri", "--country-policy", "/nonexistent.toml"], "error: /nonexistent.toml: cannot read country policy"),
        (vec!["--input", "/nonexistent.csv"], "error: /nonexistent.csv: cannot open"),
    ] {
        let e = error(&with_lists(&l, &args));
        assert!(e.contains(msg), "{args:?}: {e}");
    }
    let e = error(&with_lists(&l, &[]));
    assert_eq!(e, "error: nothing to screen: give NAMES, --id KIND=VALUE or --input FILE\n");
    let r = run(&["screen", "Ri", "--now", "yesterday", "--lists", &l[0]]);
    assert_eq!(r.code, 2);
    assert_eq!(r.err, "error: --now \"yesterday\" is not an RFC 3339 time or YYYY-MM-DD date: unparseable time\n");
    let e = error(&["--lists", "/nonexistent/x"]);
    assert!(e.contains("--lists got \"/nonexistent/x\", which does not exist: put NAMES before --lists"), "{e}");
}

#[test]
fn ofac_mode_and_threshold() {
    let l = all_lists();
    assert_eq!(code(&with_lists(&l, &["DEMOVA Olga", "--algorithm", "ofac", "--threshold", "0.95"])), 1);
    let (_, v) = screen_json(&with_lists(&l, &["DEMOVA Olga", "--algorithm", "ofac", "--threshold", "0.95"]));
    assert_eq!(v["audit"]["algorithm"], "ofac");
    // The threshold is an f32: JSON carries its exact value (0.949999988…), as it always has.
    assert!((v["audit"]["threshold"].as_f64().unwrap() - 0.95).abs() < 1e-6, "{}", v["audit"]["threshold"]);
}

#[test]
fn bad_list_is_an_error_not_a_partial_screen() {
    let bad = fx("bad/truncated.xml");
    let e = error(&["Ri Pyong Chol", "--lists", &bad]);
    assert!(e.contains("truncated.xml:16:63: unexpected end of file"), "{e}");
}

// ---- No silent gaps --------------------------------------------------------------------------------------------

#[test]
fn empty_file_in_list_folder_is_an_error_naming_it() {
    let d = list_dir();
    std::fs::write(d.path().join("eu.xml"), b"").unwrap();
    let e = error(&["Ri Pyong Chol", "--lists", &s(d.path())]);
    assert!(e.contains("eu.xml: empty file"), "{e}");
}

#[test]
fn html_page_named_like_a_list_is_an_error() {
    let d = list_dir();
    std::fs::write(d.path().join("ofac_sdn.xml"), b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>")
        .unwrap();
    let e = error(&["Ri Pyong Chol", "--lists", &s(d.path())]);
    assert!(e.contains("ofac_sdn.xml: an HTML page, not a list"), "{e}");
    assert!(e.contains("--skip-unrecognised"), "{e}");
}

#[test]
fn skip_flag_names_every_skipped_file_in_the_result() {
    let d = list_dir();
    std::fs::write(d.path().join("eu.xml"), b"").unwrap();
    std::fs::write(d.path().join("notes.csv"), b"name,comment\nx,y\n").unwrap();
    std::fs::write(d.path().join("README.md"), b"# lists\n").unwrap();
    let dir = s(d.path());
    let (code, v) = screen_json(&["Ri Pyong Chol", "--lists", &dir, "--skip-unrecognised"]);
    assert_eq!(code, 1);
    let skipped: Vec<String> =
        v["audit"]["skipped"].as_array().unwrap().iter().map(|x| x["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    for f in ["README.md", "eu.xml", "notes.csv"] {
        assert!(skipped.iter().any(|p| p.ends_with(f)), "{f} not named in {skipped:?}");
    }
    // Each skipped file is also named on stderr.
    let r = screen(&["Ri Pyong Chol", "--lists", &dir, "--skip-unrecognised"]);
    assert_eq!(r.err.matches("skipped: ").count(), 3, "{}", r.err);
    // Skipping never covers a list that fails to parse.
    std::fs::write(d.path().join("uk.xml"), b"<Designations><Designation><UniqueID>X").unwrap();
    error(&["Ri Pyong Chol", "--lists", &dir, "--skip-unrecognised"]);
}

#[test]
fn incomplete_ofac_csv_set_is_refused_unless_allowed() {
    let d = tempfile::tempdir().unwrap();
    for f in ["sdn.csv", "add.csv", "sdn_comments.csv"] {
        std::fs::copy(fx(&format!("ofac_csv/{f}")), d.path().join(f)).unwrap();
    }
    let dir = s(d.path());
    let e = error(&["AEROCARIBBEAN AIRLINES", "--lists", &dir]);
    assert!(e.contains("--allow-incomplete-ofac alt"), "{e}");
    let (code, v) = screen_json(&["AEROCARIBBEAN AIRLINES", "--lists", &dir, "--allow-incomplete-ofac", "alt"]);
    assert_eq!(code, 1);
    let warnings = v["audit"]["warnings"].to_string();
    assert!(warnings.contains("alt.csv not found"), "{warnings}");
    // An unknown part is refused by the flag parser.
    let r = screen(&["X", "--lists", &dir, "--allow-incomplete-ofac", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("possible values: add, alt, comments"), "{}", r.err);
}

#[test]
fn stale_lists_are_warned_about() {
    let d = list_dir();
    let dir = s(d.path());
    // un_small.xml is dated 2026-11-01.
    let (_, v) = screen_json(&["Ri Pyong Chol", "--lists", &dir, "--max-list-age", "10"]);
    assert!(v["audit"]["warnings"].to_string().contains("30 days before this run"), "{}", v["audit"]);
    let (_, v) = screen_json(&["Ri Pyong Chol", "--lists", &dir, "--max-list-age", "60"]);
    assert!(v["audit"]["warnings"].as_array().unwrap().is_empty(), "{}", v["audit"]);
}

// ---- Output files, formats, audit log -----------------------------------------------------------------------------

fn payment_args() -> Vec<String> {
    ["--input", &fx("payments/pacs008_whole.xml"), "--lists", &fx("ofac_advanced_small.xml"), &fx("un_small.xml")]
        .iter()
        .map(|x| x.to_string())
        .collect()
}

#[test]
fn json_is_deterministic_with_a_fixed_run_time_and_the_same_on_stdout_and_in_a_file() {
    let a = payment_args();
    let args: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, v) = screen_json(&args);
    assert_eq!(code, 1);
    let mut stdout_args = args.clone();
    stdout_args.extend(["--format", "json"]);
    let one = screen(&stdout_args);
    let two = screen(&stdout_args);
    assert_eq!(one.out, two.out);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&one.out).unwrap(), v);
    // Keys sorted at every level, two-space indentation, one final newline.
    assert!(
        one.out.starts_with("{\n  \"audit\": {\n    \"algorithm\": \"entente\",\n    \"inputs\": ["),
        "{}",
        one.out
    );
    assert!(one.out.ends_with("}\n") && !one.out.ends_with("}\n\n"));
    assert_eq!(v["audit"]["run_at"], "2026-12-01T00:00:00Z");
}

#[test]
fn csv_and_table_carry_the_audit_trail() {
    let d = tempfile::tempdir().unwrap();
    let p = fx("payments/pacs008_whole.xml");
    for (fmt, needle) in [("csv", "audit,list"), ("table", "sha256 ")] {
        let out = s(&d.path().join(format!("out.{fmt}")));
        let r = screen(&["--input", &p, "--lists", &fx("un_small.xml"), "--format", fmt, "--output", &out]);
        assert_eq!(r.code, 1, "{}", r.err);
        let text = std::fs::read_to_string(&out).unwrap();
        let sha = entente_sha256(&fx("un_small.xml"));
        assert!(text.contains(needle) && text.contains(&sha) && text.contains("2026-12-01T00:00:00Z"), "{fmt}: {text}");
        if fmt == "csv" {
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let header = r.headers().unwrap().clone();
            assert_eq!(
                header.iter().collect::<Vec<_>>().join(","),
                "row,role,query,score,entity_id,list,schema,matched_name,caption,programs,explanation,field,amount,\
                 currency,list_source,list_published,list_sha256,threshold,algorithm,version,run_at"
            );
            assert!(r.records().all(|x| x.unwrap().len() == header.len()), "uniform CSV");
            assert!(text.contains(",policy:KP,country-policy,Jurisdiction,"), "{text}");
        }
    }
}

/// SHA-256 of a list file, as `entente lists show --format json` reports it.
fn entente_sha256(path: &str) -> String {
    let r = lists(&["show", "--lists", path, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    v["lists"][0]["files"][0]["sha256"].as_str().unwrap().to_string()
}

#[test]
fn output_file_that_cannot_be_written_is_an_error() {
    let l = all_lists();
    let e = error(&with_lists(&l, &["Ri Pyong-chol", "-o", "/nonexistent/dir/o.txt"]));
    assert!(e.contains("error: /nonexistent/dir/o.txt: cannot write results"), "{e}");
}

#[test]
fn audit_log_appends_one_json_line_per_run() {
    let d = tempfile::tempdir().unwrap();
    let log = s(&d.path().join("audit.jsonl"));
    let p = fx("payments/pacs008_whole.xml");
    for _ in 0..2 {
        let o = s(&d.path().join("out.txt"));
        let r = screen(&["--input", &p, "--lists", &fx("un_small.xml"), "--audit-log", &log, "--output", &o]);
        assert_eq!(r.code, 1, "{}", r.err);
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["exit_code"], 1);
    assert!(lines[0]["alerts"].to_string().contains("\"KP\""));
    assert_eq!(lines[1]["audit"]["lists"][0]["list"], "un");
    assert!(text.starts_with("{\"alerts\":[{\"amount\":{"), "keys sorted: {text}");
    // A run without alerts logs exit code 0 and no alerts.
    let r = screen(&["Hans Gruber Bakery", "--lists", &fx("un_small.xml"), "--audit-log", &log]);
    assert_eq!(r.code, 0);
    let last: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!((last["exit_code"].as_i64(), last["parties"].as_i64()), (Some(0), Some(1)));
    assert!(last["alerts"].as_array().unwrap().is_empty());
}

#[test]
fn verbose_prints_lists_and_timings_to_stderr() {
    let r = screen(&["Ri Pyong Chol", "--lists", &fx("un_small.xml"), "-v"]);
    assert!(r.err.contains("lists: un 3 (2026-11-01T00:00:00.000Z)\n"), "{}", r.err);
    assert!(r.err.contains(" entities, ") && r.err.contains("screen 1 parties"), "{}", r.err);
    assert!(!r.out.contains(" names; inputs "), "timings stay off stdout: {}", r.out);
}

// ---- Safe output -------------------------------------------------------------------------------------------------

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let d = tempfile::tempdir().unwrap();
    // Escape sequences in a list's programme field and in a query.
    let xml = std::fs::read_to_string(fx("un_small.xml")).unwrap().replace(
        "<UN_LIST_TYPE>DPRK</UN_LIST_TYPE>",
        "<UN_LIST_TYPE>DPRK\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}</UN_LIST_TYPE>",
    );
    std::fs::write(d.path().join("un.xml"), xml).unwrap();
    let list = s(&d.path().join("un.xml"));
    for fmt in ["table", "csv", "json"] {
        let out = s(&d.path().join(format!("o.{fmt}")));
        let args = ["CHON MA SAN", "\u{1b}[31mred", "--all-rows", "--lists", &list, "--format", fmt, "--output", &out];
        assert_eq!(code(&args), 1);
        let text = std::fs::read_to_string(&out).unwrap();
        // And the same bytes on stdout.
        let stdout = screen(&args[..args.len() - 2]).out;
        assert_eq!(stdout, text, "{fmt}");
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(!text.contains(bad), "{fmt} output contains raw {:?}", bad);
        }
        if fmt == "json" {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let hit = v["results"].as_array().unwrap().iter().find_map(|r| r["hits"].get(0)).unwrap();
            assert!(hit["programs"][0].as_str().unwrap().contains('\u{9b}'), "JSON escapes keep the value intact");
        } else {
            assert!(text.contains("DPRK\\u{1b}") && text.contains("\\u{1b}[31mred"), "{fmt}: {text}");
        }
    }
}

#[test]
fn agents_are_shown_by_bic_and_name() {
    let r = screen(&["--input", &fx("pacs008.xml"), "--lists", &fx("ofac_sdn.xml")]);
    assert!(r.out.contains("[creditor agent] BIC EXMPRUMMXXX \"Example Bank\""), "{}", r.out);
}

#[test]
fn error_messages_quoting_list_text_are_terminal_safe() {
    let d = tempfile::tempdir().unwrap();
    // A mismatched closing tag whose name carries an escape sequence: the XML error quotes it.
    std::fs::write(
        d.path().join("un.xml"),
        "<CONSOLIDATED_LIST><INDIVIDUALS></X\u{1b}]0;pwned\u{7}></CONSOLIDATED_LIST>",
    )
    .unwrap();
    let e = error(&["x", "--lists", &s(&d.path().join("un.xml"))]);
    assert!(e.contains("un.xml:1:"), "{e:?}");
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}') && e.contains("\\u{1b}"), "{e:?}");
}

// ---- lists -------------------------------------------------------------------------------------------------------

#[test]
fn lists_show_and_diff() {
    let l = all_lists();
    let mut a = vec!["show", "--lists"];
    a.extend(l.iter().map(String::as_str));
    let r = lists(&a);
    assert_eq!(r.code, 0, "{}", r.err);
    let head =
        "6 lists, 15 entities\n\nun — UN Security Council (un-xml), generated 2026-11-01T00:00:00.000Z\n  file: ";
    assert!(r.out.starts_with(head), "{}", r.out);
    assert!(
        r.out.contains("\n  3 entities: Person 2, Vessel 1\n  programmes: DPRK 2, Al-Qaida 1\n\neu — "),
        "{}",
        r.out
    );
    let r = lists(&["show", "--lists", &fx("un_small.xml"), "--top", "1"]);
    assert!(r.out.contains("\n  programmes: DPRK 2 (+1 more)\n"), "{}", r.out);
    let r = lists(&["show", "--lists", &fx("uk_conlist_small.csv")]);
    assert_eq!(r.code, 0, "{}", r.err);
    let r = lists(&["show", "--lists", &fx("un_small.xml"), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!((v["fetched_at"].is_null(), v["lists"][0]["entities"].as_u64()), (true, Some(3)));
    assert!(r.out.starts_with("{\n  \"fetched_at\": null,\n  \"lists\": [\n    {\n      \"authority\""), "{}", r.out);

    let r = lists(&["diff", &fx("un_small.xml"), &fx("lists_v2/un_small.xml")]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.starts_with(
            "1 added, 1 removed, 1 changed\n+ un:9000004           KIM SU IL\n- un:9000002           SERGEI"
        ),
        "{}",
        r.out
    );
    assert!(r.out.contains("\n~ ") && r.out.contains("Ri Pyong-chol"), "{}", r.out);
    let r = lists(&["diff", &fx("un_small.xml"), &fx("lists_v2/un_small.xml"), "--format", "json"]);
    assert!(r.out.starts_with("{\n  \"added\": [\n"), "declaration order: {}", r.out);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["changed"].as_array().unwrap().len(), 1);

    let r = lists(&["show", "--dir", "/nonexistent"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("no lists have been fetched into /nonexistent — run `entente lists fetch`"), "{}", r.err);
}

#[test]
fn lists_sources_names_every_source_and_its_url() {
    let r = lists(&["sources"]);
    assert_eq!(r.code, 0);
    assert!(r.out.starts_with(
        "un             UN Security Council Consolidated List (XML)\n               https://scsanctions.un.org/"
    ));
    assert!(r.out.contains("[not fetched by default]"));
}

/// Serves files from a map of path → (status, body) until `count` requests.
fn serve(routes: Vec<(&'static str, u16, Vec<u8>)>, count: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = routes
                .iter()
                .find(|(p, _, _)| *p == path)
                .map(|(_, s, b)| (*s, b.clone()))
                .unwrap_or((404, b"not found".to_vec()));
            let _ = write!(s, "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(&body);
        }
    });
    (addr, h)
}

/// `lists fetch` of the UN and UK sources from the given URLs into the store folder `dir`, without retries.
fn fetch_un_and_uk(dir: &str, un_url: &str, uk_url: &str) -> Run {
    lists(&[
        "fetch",
        "--dir",
        dir,
        "--source",
        "un",
        "--source",
        "uk",
        "--url",
        un_url,
        "--url",
        uk_url,
        "--retries",
        "0",
    ])
}

#[test]
fn fetch_from_local_server_then_screen_from_store() {
    let un = std::fs::read(fx("un_small.xml")).unwrap();
    let uk = std::fs::read(fx("uk_small.xml")).unwrap();
    let (base, h) = serve(vec![("/un.xml", 200, un.clone()), ("/uk.xml", 200, uk)], 2);
    let dir = tempfile::tempdir().unwrap();
    let d = s(dir.path());
    let (un_url, uk_url) = (format!("un={base}/un.xml"), format!("uk={base}/uk.xml"));
    let r = fetch_un_and_uk(&d, &un_url, &uk_url);
    h.join().unwrap();
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with("fetched 2 lists into "), "{}", r.out);
    assert!(r.out.contains("\n  un               3 entities  "), "{}", r.out);
    let current = std::fs::read_to_string(dir.path().join("current")).unwrap();
    let snap = dir.path().join(current.trim());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snap.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["files"][0]["sha256"], entente_sha256(&fx("un_small.xml")));
    assert_eq!(manifest["files"][0]["entities"], 3);

    // Shown and screened from the store: the snapshot is named in the results.
    let r = lists(&["show", "--dir", &d, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["lists"].as_array().unwrap().len(), 2);
    assert_eq!(v["fetched_at"], manifest["fetched_at"]);
    let o = Command::cargo_bin("entente")
        .unwrap()
        .args(["screen", "Ri Pyong Chol", "--now", "2026-12-01", "--format", "json"])
        .env("ENTENTE_LISTS_DIR", &d)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["audit"]["snapshot"]["id"], current.trim());

    // A failing source fails the whole fetch and leaves `current` alone.
    let (base2, h2) = serve(vec![("/un.xml", 200, un)], 2);
    let (un_url, uk_url) = (format!("un={base2}/un.xml"), format!("uk={base2}/missing.xml"));
    let r = fetch_un_and_uk(&d, &un_url, &uk_url);
    h2.join().unwrap();
    assert_eq!(r.code, 2);
    assert!(r.err.contains("uk") && r.err.contains("404") && r.err.contains("nothing was changed"), "{}", r.err);
    assert_eq!(std::fs::read_to_string(dir.path().join("current")).unwrap(), current);

    // A corrupted store file is detected by its checksum.
    std::fs::write(snap.join("un_consolidated.xml"), b"<CONSOLIDATED_LIST/>").unwrap();
    let r = lists(&["show", "--dir", &d]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("checksum mismatch"), "{}", r.err);
}

#[test]
fn fetch_rejects_non_list_content_and_bad_flags() {
    let (base, h) = serve(vec![("/un.xml", 200, b"<html>maintenance</html>".to_vec())], 1);
    let dir = tempfile::tempdir().unwrap();
    let d = s(dir.path());
    let url = format!("un={base}/un.xml");
    let r = lists(&["fetch", "--dir", &d, "--source", "un", "--url", &url, "--retries", "0"]);
    h.join().unwrap();
    assert_eq!(r.code, 2);
    assert!(r.err.contains("an HTML page, not a list"), "{}", r.err);
    assert!(!dir.path().join("current").exists());
    for (args, msg) in [
        (
            vec!["--source", "nope"],
            "error: unknown source \"nope\" (known: un, ofac-sdn, ofac-cons, eu, uk, opensanctions)\n",
        ),
        (
            vec!["--source", "un", "--url", "uk=http://127.0.0.1:1/x"],
            "error: --url given for \"uk\", which is not being fetched\n",
        ),
        (vec!["--url", "nonsense"], "error: --url \"nonsense\" must be NAME=URL\n"),
    ] {
        let mut a = vec!["fetch", "--dir", &d];
        a.extend(args);
        let r = lists(&a);
        assert_eq!((r.code, r.err.as_str()), (2, msg));
    }
}
