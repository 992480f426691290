//! The screening and list functions of the application layer, on entente-screen's fixtures, asserting on the typed
//! results: whole payments (country policy, BIK, amounts, matched sub-fields, notes), the audit trail, one index
//! shared by many requests, in-memory uploads, and `lists show` / `lists diff` / `lists fetch`.
//! The CLI's bytes and exit codes are tested through the binary in crates/entente/tests/screen_cli.rs.

use chrono::{TimeZone, Utc};
use entente_app::lists::{lists_diff, lists_fetch, lists_show, lists_sources, DiffRequest, FetchRequest};
use entente_app::screen::{
    load_index, screen, screen_with, Input, InputFormat, ListsRequest, PolicyChoice, ScreenOutcome, ScreenRequest,
};
use entente_app::{Error, Silent};
use entente_screen::index::Query;
use entente_screen::model::{IdKind, Identifier};
use entente_screen::screen::ScreenedParty;
use std::io::{Read, Write};
use std::path::PathBuf;

fn fx(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../entente-screen/tests/fixtures").join(p)
}

fn lists(files: &[&str]) -> ListsRequest {
    ListsRequest { paths: files.iter().map(|f| fx(f)).collect(), ..Default::default() }
}

fn request(files: &[&str]) -> ScreenRequest {
    ScreenRequest {
        lists: lists(files),
        now: Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()),
        ..Default::default()
    }
}

fn name(n: &str) -> Query {
    Query { name: n.into(), ..Default::default() }
}

fn payment() -> ScreenOutcome {
    let mut req = request(&["ofac_advanced_small.xml", "un_small.xml"]);
    req.inputs.push(Input::File { path: fx("payments/pacs008_whole.xml"), format: InputFormat::Auto });
    screen(&req, &Silent).unwrap()
}

fn find<'a>(o: &'a ScreenOutcome, reference: &str, role: &str) -> &'a ScreenedParty {
    o.results
        .iter()
        .find(|r| r.reference.ends_with(reference) && r.role == role)
        .unwrap_or_else(|| panic!("no {role} in {reference}: {:?}", o.results))
}

#[test]
fn debtor_in_north_korea_raises_an_alert() {
    let o = payment();
    assert!(o.any_alert);
    let debtor = find(&o, "tx E2E-KP", "debtor");
    assert!(debtor.jurisdiction.iter().any(|h| h.jurisdiction == "KP" && h.field == "CdtTrfTxInf/Dbtr/PstlAdr/Ctry"));
    assert!(
        debtor.jurisdiction.iter().any(|h| h.field == "CdtTrfTxInf/Dbtr/PstlAdr/TwnNm"),
        "town name Pyongyang also alerts: {debtor:?}"
    );
    let amount = debtor.amount.as_ref().unwrap();
    assert_eq!((amount.value.as_str(), amount.currency.as_str()), ("12500.50", "USD"));
    // The German creditor of the same payment raises nothing.
    assert!(find(&o, "tx E2E-KP", "creditor").jurisdiction.is_empty());
}

#[test]
fn crimea_address_in_cyrillic_raises_an_alert() {
    let o = payment();
    let creditor = find(&o, "tx E2E-CRIMEA", "creditor");
    assert!(creditor
        .jurisdiction
        .iter()
        .any(|h| h.jurisdiction == "UA-CRIMEA" && h.field == "CdtTrfTxInf/Cdtr/PstlAdr/AdrLine[2]"));
    assert_eq!(creditor.amount.as_ref().unwrap().currency, "RUB");
}

#[test]
fn clearing_member_id_bik_matches_the_listed_bank() {
    let o = payment();
    let agent = find(&o, "tx E2E-CRIMEA", "creditor agent");
    let hit = &agent.hits[0];
    assert_eq!(hit.entity_id, "ofac-sdn:80003");
    assert_eq!(hit.matched_fields[0], "CdtTrfTxInf/CdtrAgt/FinInstnId/ClrSysMmbId/MmbId");
    assert_eq!(hit.list_published.as_deref(), Some("2026-11-20"));
    // The hit points at its entity in the index and its list in the audit.
    let index = load_index(&lists(&["ofac_advanced_small.xml", "un_small.xml"])).unwrap();
    assert_eq!(index.index.entities[hit.entity].id, "ofac-sdn:80003");
    assert_eq!(o.audit.lists[hit.list_index.unwrap()].format, "ofac-advanced-xml");
}

#[test]
fn purpose_reporting_and_instructions_are_screened() {
    let o = payment();
    let has = |r: &ScreenedParty, text: &str| r.fields.iter().any(|f| f.value.contains(text));
    assert!(has(find(&o, "tx E2E-CRIMEA", "regulatory reporting"), "Contract 77/2026 timber"));
    assert!(has(find(&o, "tx E2E-CRIMEA", "instruction for creditor agent"), "Call beneficiary"));
    assert!(has(find(&o, "tx E2E-KP", "purpose"), "GDDS"));
}

#[test]
fn payment_with_no_screenable_party_says_so() {
    let o = payment();
    let t = find(&o, "tx E2E-EMPTY", "transaction");
    assert!(t.note.as_deref().unwrap().contains("no screenable party"), "{t:?}");
    assert!(t.alerts());
    assert_eq!(t.amount.as_ref().unwrap().value, "10.00");
}

#[test]
fn custom_country_policy_is_used_and_invalid_policy_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let pol = d.path().join("policy.toml");
    std::fs::write(
        &pol,
        "[[jurisdiction]]\nid = \"EE\"\nname = \"Estonia (test)\"\nreason = \"test\"\ncountry_codes = [\"EE\"]\n",
    )
    .unwrap();
    let mut req = request(&["un_small.xml"]);
    req.inputs.push(Input::File { path: fx("payments/pacs008_whole.xml"), format: InputFormat::Iso20022 });
    req.policy = PolicyChoice::File(pol.clone());
    let o = screen(&req, &Silent).unwrap();
    assert_eq!(find(&o, "tx E2E-CRIMEA", "debtor").jurisdiction[0].jurisdiction, "EE");
    assert!(find(&o, "tx E2E-KP", "debtor").jurisdiction.is_empty());
    assert_eq!(o.audit.policy.as_ref().unwrap().source, pol.display().to_string());
    // No policy: no jurisdiction alerts at all, and none in the audit.
    req.policy = PolicyChoice::None;
    let o = screen(&req, &Silent).unwrap();
    assert!(o.results.iter().all(|r| r.jurisdiction.is_empty()) && o.audit.policy.is_none());
    std::fs::write(&pol, "[[jurisdiction]]\nid = \"X\"\n").unwrap();
    req.policy = PolicyChoice::File(pol);
    match screen(&req, &Silent) {
        Err(Error::Input(e)) => assert!(e.contains("policy.toml") && e.contains("invalid country policy"), "{e}"),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn audit_names_list_hashes_dates_inputs_and_run_parameters() {
    let o = payment();
    let a = &o.audit;
    assert_eq!(
        (a.tool, a.run_at.as_str(), a.threshold, a.algorithm.as_str()),
        ("entente-screen", "2026-12-01T00:00:00Z", 0.75, "entente")
    );
    assert_eq!(a.lists.len(), 2);
    let adv = a.lists.iter().find(|x| x.format == "ofac-advanced-xml").unwrap();
    assert_eq!(adv.published_iso.as_deref(), Some("2026-11-20"));
    let sha = |p: &str| entente_screen::store::sha256_hex(&std::fs::read(fx(p)).unwrap());
    assert_eq!(adv.files[0].sha256, sha("ofac_advanced_small.xml"));
    assert_eq!(a.inputs[0].sha256, sha("payments/pacs008_whole.xml"));
    assert_eq!(a.policy.as_ref().unwrap().sha256.len(), 64);
    // The audit-log record: alerting parties only, with the CLI's exit code.
    let rec = o.audit_record();
    assert_eq!(rec["exit_code"], 1);
    assert_eq!(rec["parties"], o.stats.parties);
    assert_eq!(rec["alerts"].as_array().unwrap().len(), o.results.iter().filter(|r| r.alerts()).count());
}

#[test]
fn stale_lists_are_warned_about_relative_to_the_run_time() {
    let mut req = request(&["un_small.xml"]);
    req.queries.push(name("Ri Pyong Chol"));
    req.max_list_age_days = 10;
    let o = screen(&req, &Silent).unwrap();
    assert!(o.audit.warnings.iter().any(|w| w.contains("30 days before this run")), "{:?}", o.audit.warnings);
    req.max_list_age_days = 60;
    assert!(screen(&req, &Silent).unwrap().audit.warnings.is_empty());
}

#[test]
fn payment_screening_explains_each_party() {
    let mut req =
        request(&["un_small.xml", "eu_small.xml", "uk_small.xml", "ofac_sdn.xml", "ofac_csv", "ftm_small.jsonl"]);
    req.inputs.push(Input::File { path: fx("pacs008.xml"), format: InputFormat::Auto });
    let o = screen(&req, &Silent).unwrap();
    assert_eq!(o.audit.lists.len(), 6);
    let by_role = |role: &str| o.results.iter().find(|r| r.role == role).unwrap();
    let creditor = by_role("creditor");
    assert_eq!(creditor.hits[0].entity_id, "eu:90002");
    assert!(creditor.hits[0].explanation.contains("romashka"));
    assert_eq!(creditor.hits[0].matched_fields[0], "CdtTrfTxInf/Cdtr/Nm");
    let agent = by_role("creditor agent");
    assert_eq!(agent.hits[0].entity_id, "ofac-sdn:99001");
    assert!(agent.hits[0].explanation.contains("BIC"));
    assert!(agent.hits[0].matched_fields.iter().any(|f| f == "CdtTrfTxInf/CdtrAgt/FinInstnId/BICFI"));
    assert_eq!(agent.amount.as_ref().unwrap().currency, "EUR");
    assert_eq!(by_role("remittance").hits[0].entity_id, "ofac-sdn:47371");
    assert!(by_role("debtor").hits.is_empty());
}

#[test]
fn one_index_serves_many_requests_with_the_same_results_as_a_single_run() {
    let files = ["un_small.xml", "eu_small.xml", "ofac_sdn.xml"];
    let index = load_index(&lists(&files)).unwrap();
    let mut req = request(&files);
    req.queries = vec![name("Ri Pyong-chol"), name("Hans Gruber Bakery")];
    let single = screen(&req, &Silent).unwrap();
    // The request's lists are not read by screen_with: point them somewhere that does not exist.
    req.lists = ListsRequest { paths: vec![PathBuf::from("/nonexistent")], ..Default::default() };
    for _ in 0..2 {
        let shared = screen_with(&index, &req, &Silent).unwrap();
        assert_eq!(serde_json::to_value(&shared.results).unwrap(), serde_json::to_value(&single.results).unwrap());
        assert_eq!(serde_json::to_value(&shared.audit).unwrap(), serde_json::to_value(&single.audit).unwrap());
        assert_eq!(shared.stats.load_time, std::time::Duration::ZERO);
    }
    assert!(single.any_alert);
    assert_eq!(single.results[0].hits[0].entity_id, "un:9000001");
    assert!(single.results[1].hits.is_empty() && !single.results[1].alerts());
    // A threshold above every score leaves nothing.
    req.threshold = 1.0;
    req.queries = vec![name("Ri Pyong")];
    assert!(!screen_with(&index, &req, &Silent).unwrap().any_alert);
}

#[test]
fn uploads_in_memory_are_screened_and_audited_like_files() {
    let index = load_index(&lists(&["un_small.xml"])).unwrap();
    let data = b"id,name,country\n1,RI PYONG CHOL,KP\n2,Hans Gruber,DE\n".to_vec();
    let mut req = request(&[]);
    req.inputs = vec![
        Input::Bytes { name: "upload.csv".into(), data: data.clone(), format: InputFormat::Csv },
        Input::Bytes { name: "second.csv".into(), data: data.clone(), format: InputFormat::Auto },
    ];
    let o = screen_with(&index, &req, &Silent).unwrap();
    assert_eq!(o.results.len(), 4);
    // With several inputs, each reference names its input.
    assert_eq!(o.results[0].reference, "upload.csv:1");
    assert_eq!(o.results[3].reference, "second.csv:2");
    assert_eq!(o.results[0].hits[0].entity_id, "un:9000001");
    assert!(o.results[0].jurisdiction.iter().any(|j| j.jurisdiction == "KP"));
    assert!(!o.results[1].alerts());
    assert_eq!(o.audit.inputs[0].path, "upload.csv");
    assert_eq!(o.audit.inputs[0].sha256, entente_screen::store::sha256_hex(&data));
    // A malformed upload is an input error naming it and the line.
    req.inputs =
        vec![Input::Bytes { name: "bad.csv".into(), data: b"name,x\na,b,c\n".to_vec(), format: InputFormat::Csv }];
    match screen_with(&index, &req, &Silent) {
        Err(Error::Input(e)) => assert!(e.contains("bad.csv:2"), "{e}"),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn identifiers_alone_are_screened() {
    let mut req = request(&["uk_small.xml"]);
    req.queries =
        vec![Query { identifiers: vec![Identifier::new(IdKind::Imo, "IMO 9123456", None)], ..Default::default() }];
    let o = screen(&req, &Silent).unwrap();
    assert_eq!(o.results[0].hits[0].entity_id, "uk:RUS9002");
}

#[test]
fn bad_requests_and_bad_lists_are_typed_errors() {
    let mut req = request(&["un_small.xml"]);
    assert!(matches!(screen(&req, &Silent), Err(Error::Invalid(_))));
    req.queries.push(name("x"));
    req.threshold = -0.1;
    assert!(matches!(screen(&req, &Silent), Err(Error::Invalid(_))));
    let mut req = request(&["bad/truncated.xml"]);
    req.queries.push(name("x"));
    match screen(&req, &Silent) {
        Err(Error::Input(e)) => assert!(e.contains("truncated.xml:16:63"), "{e}"),
        other => panic!("expected an input error, got {other:?}"),
    }
    let store = ListsRequest { store_dir: Some(PathBuf::from("/nonexistent")), ..Default::default() };
    assert!(matches!(load_index(&store), Err(Error::Input(e)) if e.contains("no lists have been fetched")));
}

#[test]
fn lists_show_and_diff_are_typed() {
    let s = lists_show(&lists(&["un_small.xml", "uk_conlist_small.csv"])).unwrap();
    assert!(s.fetched_at.is_none() && s.skipped.is_empty());
    assert_eq!(s.lists.len(), 2);
    assert_eq!((s.lists[0].info.list.as_str(), s.lists[0].info.entities), ("un", 3));
    assert_eq!(s.lists[0].by_type.get("Person"), Some(&2));
    assert_eq!(s.lists[0].by_programme.get("DPRK"), Some(&2));
    assert!(s.lists[0].modified.is_some());
    let d = lists_diff(&DiffRequest {
        old: fx("un_small.xml"),
        new: fx("lists_v2/un_small.xml"),
        load: Default::default(),
    })
    .unwrap();
    assert_eq!((d.added.len(), d.removed.len(), d.changed.len()), (1, 1, 1));
    assert!(d.changed[0].changes.iter().any(|c| c.contains("Ri Pyong-chol")));
    assert!(lists_sources().iter().any(|s| s.name == "un" && s.default));
}

/// Answers `count` requests with `body` (status 200).
fn serve_once(body: Vec<u8>, count: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(&body);
        }
    });
    (addr, h)
}

#[test]
fn fetch_makes_a_snapshot_that_load_index_reads() {
    let (base, h) = serve_once(std::fs::read(fx("un_small.xml")).unwrap(), 1);
    let dir = tempfile::tempdir().unwrap();
    let req = FetchRequest {
        dir: Some(dir.path().to_path_buf()),
        sources: vec!["un".into()],
        urls: [("un".to_string(), format!("{base}/un.xml"))].into_iter().collect(),
        retries: 0,
        ..Default::default()
    };
    let f = lists_fetch(&req).unwrap();
    h.join().unwrap();
    assert_eq!(f.manifest.files.len(), 1);
    assert_eq!(f.manifest.files[0].entities, 3);
    let index = load_index(&ListsRequest { store_dir: Some(dir.path().to_path_buf()), ..Default::default() }).unwrap();
    let snap = index.snapshot.as_ref().unwrap();
    assert_eq!(dir.path().join(&snap.id), f.snapshot);
    assert_eq!(index.lists_audit().snapshot.as_ref().unwrap().fetched_at, f.manifest.fetched_at);
    // Bad requests are refused before any download.
    let bad = FetchRequest { sources: vec!["nope".into()], ..req };
    assert!(matches!(lists_fetch(&bad), Err(Error::Invalid(e)) if e.contains("unknown source \"nope\"")));
}

#[test]
fn a_prepared_run_screens_in_steps_as_screen_with_does_at_once() {
    use entente_app::screen::{input_audit, parse_input, ScreenRun};
    let index = load_index(&lists(&["un_small.xml", "eu_small.xml", "ofac_sdn.xml"])).unwrap();
    let data = std::fs::read(fx("pacs008.xml")).unwrap();
    let mut req = request(&[]);
    req.inputs = vec![Input::Bytes { name: "p.xml".into(), data: data.clone(), format: InputFormat::Auto }];
    let whole = screen_with(&index, &req, &Silent).unwrap();
    let run = ScreenRun::new(&index, &req, vec![input_audit("p.xml", &data)]).unwrap();
    let parties = parse_input("p.xml", &data, InputFormat::Auto, &req.csv).unwrap();
    assert!(parties.len() > 2);
    let stepped: Vec<ScreenedParty> = parties.chunks(2).flat_map(|c| run.screen(&index, c.to_vec())).collect();
    assert_eq!(serde_json::to_value(&stepped).unwrap(), serde_json::to_value(&whole.results).unwrap());
    assert_eq!(serde_json::to_value(&run.audit).unwrap(), serde_json::to_value(&whole.audit).unwrap());
    req.threshold = 2.0;
    assert!(matches!(ScreenRun::new(&index, &req, Vec::new()), Err(Error::Invalid(_))));
}
