//! End-to-end tests of `screen` and `lists` through the public entry points,
//! on committed fixtures, including `lists fetch` against a local HTTP server.

use clap::Parser;
use entente_screen::cli::{run_lists, run_screen, ListsArgs, ScreenArgs};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

fn fx(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(p).display().to_string()
}

#[derive(Parser)]
struct S {
    #[command(flatten)]
    a: ScreenArgs,
}

#[derive(Parser)]
struct L {
    #[command(flatten)]
    a: ListsArgs,
}

fn screen(args: &[&str]) -> anyhow::Result<i32> {
    let mut v = vec!["screen"];
    v.extend_from_slice(args);
    run_screen(S::try_parse_from(v)?.a)
}

fn lists(args: &[&str]) -> anyhow::Result<i32> {
    let mut v = vec!["lists"];
    v.extend_from_slice(args);
    run_lists(L::try_parse_from(v)?.a)
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

#[test]
fn names_hit_and_miss_exit_codes() {
    let l = all_lists();
    assert_eq!(screen(&with_lists(&l, &["Ri Pyong-chol"])).unwrap(), 1);
    assert_eq!(screen(&with_lists(&l, &["리병철"])).unwrap(), 1);
    assert_eq!(screen(&with_lists(&l, &["Ромашка Трейдинг ООО"])).unwrap(), 1);
    assert_eq!(screen(&with_lists(&l, &["Hans Gruber Bakery"])).unwrap(), 0);
    // A weak alias alone never produces a hit.
    assert_eq!(screen(&with_lists(&l, &["Comrade Ri", "--type", "person"])).unwrap(), 0);
    // Identifier-only screening.
    assert_eq!(screen(&with_lists(&l, &["--id", "imo=IMO 9123456"])).unwrap(), 1);
}

#[test]
fn csv_and_iso20022_inputs() {
    let l = all_lists();
    for f in ["parties.csv", "pacs008.xml"] {
        let p = fx(f);
        assert_eq!(screen(&with_lists(&l, &["--input", &p, "--format", "json"])).unwrap(), 1, "{f}");
    }
    let clean = fx("pain001_clean.xml");
    assert_eq!(screen(&with_lists(&l, &["--input", &clean])).unwrap(), 0);
    let csv = fx("parties.csv");
    assert_eq!(
        screen(&with_lists(
            &l,
            &[
                "--input",
                &csv,
                "--format",
                "csv",
                "--name-column",
                "counterparty",
                "--country-column",
                "country",
                "--id-column",
                "imo=imo"
            ]
        ))
        .unwrap(),
        1
    );
    let err = screen(&with_lists(&l, &["--input", &csv, "--name-column", "nope"])).unwrap_err();
    assert!(format!("{err:#}").contains("no column"));
}

#[test]
fn ofac_mode_and_threshold() {
    let l = all_lists();
    assert_eq!(screen(&with_lists(&l, &["DEMOVA Olga", "--algorithm", "ofac", "--threshold", "0.95"])).unwrap(), 1);
    assert!(screen(&with_lists(&l, &["x", "--threshold", "1.5"])).is_err());
}

#[test]
fn bad_list_is_an_error_not_a_partial_screen() {
    let bad = fx("bad/truncated.xml");
    let e = screen(&["Ri Pyong Chol", "--lists", &bad]).unwrap_err();
    assert!(format!("{e:#}").contains("truncated.xml:"), "{e:#}");
}

#[test]
fn lists_show_and_diff() {
    let l = all_lists();
    let mut a = vec!["show"];
    a.push("--lists");
    a.extend(l.iter().map(String::as_str));
    assert_eq!(lists(&a).unwrap(), 0);
    assert_eq!(lists(&["diff", &fx("un_small.xml"), &fx("lists_v2/un_small.xml"), "--format", "json"]).unwrap(), 0);
    let old = entente_screen::lists::parse_file(Path::new(&fx("un_small.xml"))).unwrap().entities;
    let new = entente_screen::lists::parse_file(Path::new(&fx("lists_v2/un_small.xml"))).unwrap().entities;
    let d = entente_screen::store::diff(&old, &new);
    assert_eq!(d.added.len(), 1);
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.changed.len(), 1);
    assert!(d.changed[0].changes.iter().any(|c| c.contains("Ri Pyong-chol")));
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

#[test]
fn fetch_from_local_server_then_screen_from_store() {
    let un = std::fs::read(fx("un_small.xml")).unwrap();
    let uk = std::fs::read(fx("uk_small.xml")).unwrap();
    let (base, h) = serve(vec![("/un.xml", 200, un.clone()), ("/uk.xml", 200, uk)], 2);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let code = lists(&[
        "fetch",
        "--dir",
        &d,
        "--source",
        "un",
        "--source",
        "uk",
        "--url",
        &format!("un={base}/un.xml"),
        "--url",
        &format!("uk={base}/uk.xml"),
        "--retries",
        "0",
    ])
    .unwrap();
    assert_eq!(code, 0);
    h.join().unwrap();
    let (snap, m) = entente_screen::store::current(dir.path()).unwrap();
    assert_eq!(m.files.len(), 2);
    assert_eq!(m.files[0].sha256, entente_screen::store::sha256_hex(&un));
    assert_eq!(m.files[0].entities, 3);
    assert_eq!(lists(&["show", "--dir", &d, "--format", "json"]).unwrap(), 0);
    let (loaded, _) = entente_screen::store::load_current(dir.path()).unwrap();
    assert_eq!(loaded.len(), 2);

    // A failing source fails the whole fetch and leaves `current` alone.
    let (base2, h2) = serve(vec![("/un.xml", 200, un)], 2);
    let e = lists(&[
        "fetch",
        "--dir",
        &d,
        "--source",
        "un",
        "--source",
        "uk",
        "--url",
        &format!("un={base2}/un.xml"),
        "--url",
        &format!("uk={base2}/missing.xml"),
        "--retries",
        "0",
    ])
    .unwrap_err();
    h2.join().unwrap();
    let msg = format!("{e:#}");
    assert!(msg.contains("uk") && msg.contains("404") && msg.contains("nothing was changed"), "{msg}");
    assert_eq!(entente_screen::store::current(dir.path()).unwrap().0, snap);

    // A corrupted store file is detected by its checksum.
    std::fs::write(snap.join("un_consolidated.xml"), b"<CONSOLIDATED_LIST/>").unwrap();
    let e = entente_screen::store::load_current(dir.path()).unwrap_err();
    assert!(format!("{e:#}").contains("checksum mismatch"));
}

#[test]
fn fetch_rejects_non_list_content() {
    let (base, h) = serve(vec![("/un.xml", 200, b"<html>maintenance</html>".to_vec())], 1);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let e = lists(&["fetch", "--dir", &d, "--source", "un", "--url", &format!("un={base}/un.xml"), "--retries", "0"])
        .unwrap_err();
    h.join().unwrap();
    assert!(format!("{e:#}").contains("an HTML page, not a list"), "{e:#}");
    assert!(entente_screen::store::current(dir.path()).is_err());
}

#[test]
fn payment_screening_explains_each_party() {
    use entente_screen::index::{Index, SearchOptions};
    use entente_screen::screen::{render, screen_all, OutputFormat};
    let paths = all_lists().iter().map(PathBuf::from).collect::<Vec<_>>();
    let loaded = entente_screen::lists::load_paths_with(&paths, &Default::default()).unwrap();
    let now = entente_screen::audit::run_time(Some("2026-12-01")).unwrap();
    let audit = entente_screen::audit::Audit::new(&loaded, now, 0.75, "entente");
    let index = Index::build(loaded.lists);
    let data = std::fs::read(fx("pacs008.xml")).unwrap();
    let parties = entente_screen::iso20022::parse("pacs008.xml", &data).unwrap();
    let results = screen_all(&index, parties, &SearchOptions { threshold: 0.75, ..Default::default() });
    let mut out = Vec::new();
    render(&index, &results, OutputFormat::Json, false, &audit, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["audit"]["lists"].as_array().unwrap().len(), 6);
    let by_role = |role: &str| v["results"].as_array().unwrap().iter().find(|r| r["role"] == role).unwrap().clone();
    let creditor = by_role("creditor");
    assert_eq!(creditor["hits"][0]["entity_id"], "eu:90002", "{creditor}");
    assert!(creditor["hits"][0]["explanation"].as_str().unwrap().contains("romashka"));
    let agent = by_role("creditor agent");
    assert_eq!(agent["hits"][0]["entity_id"], "ofac-sdn:99001");
    assert!(agent["hits"][0]["explanation"].as_str().unwrap().contains("BIC"), "{agent}");
    let fields = agent["hits"][0]["matched_fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f == "CdtTrfTxInf/CdtrAgt/FinInstnId/BICFI"), "{agent}");
    assert_eq!(agent["amount"]["currency"], "EUR");
    assert_eq!(creditor["hits"][0]["matched_fields"][0], "CdtTrfTxInf/Cdtr/Nm", "{creditor}");
    let rmt = by_role("remittance");
    assert_eq!(rmt["hits"][0]["entity_id"], "ofac-sdn:47371");
    assert!(by_role("debtor")["hits"].as_array().unwrap().is_empty());
}
