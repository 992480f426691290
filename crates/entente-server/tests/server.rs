//! The server end to end: started in-process on a free loopback port, exercised over HTTP.

use entente_server::keys::{KeyStore, Role};
use entente_server::{Config, Running};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../entente-screen/tests/fixtures")
}

struct Server {
    rt: tokio::runtime::Runtime,
    running: Option<Running>,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A server on 127.0.0.1:0 with the UN fixture list, a key store in a temporary folder, and `tweak` applied.
    fn start(tweak: impl FnOnce(&mut Config, &Path)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::new();
        cfg.addr = "127.0.0.1:0".parse().unwrap();
        cfg.lists = vec![fixtures().join("un_small.xml")];
        cfg.keys = dir.path().join("keys.json");
        cfg.store = dir.path().join("store");
        cfg.poll = Duration::from_millis(100);
        tweak(&mut cfg, dir.path());
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let running = rt.block_on(entente_server::start(cfg)).unwrap();
        let base = format!("http://{}", running.addr);
        Server { rt, running: Some(running), base, _dir: dir }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = self.rt.block_on(r.stop());
        }
    }
}

/// (status, content type, body) of a request; `headers` as (name, value).
fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> (u16, String, String) {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).build();
    let mut req = agent.request(method, url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let r = match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = resp.status();
    let ctype = resp.header("content-type").unwrap_or("").to_string();
    (status, ctype, resp.into_string().unwrap())
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// An error response: JSON `{"error", "status"}` with this status.
fn assert_error(r: &(u16, String, String), status: u16) {
    assert_eq!(r.0, status, "{}", r.2);
    assert!(r.1.starts_with("application/json"), "{}", r.1);
    let v = json(&r.2);
    assert_eq!(v["status"], status);
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
}

#[test]
fn health_ready_and_unknown_routes() {
    let s = Server::start(|_, _| {});
    let h = call("GET", &s.url("/health"), &[], None);
    assert_eq!(h.0, 200);
    assert_eq!(json(&h.2)["status"], "ok");
    let r = call("GET", &s.url("/ready"), &[], None);
    assert_eq!((r.0, json(&r.2)["lists"].as_bool()), (200, Some(true)));
    assert_error(&call("GET", &s.url("/no/such/route"), &[], None), 404);
    assert_error(&call("DELETE", &s.url("/health"), &[], None), 405);
}

#[test]
fn openapi_is_3_1_and_lists_every_endpoint() {
    let s = Server::start(|_, _| {});
    let (status, ctype, body) = call("GET", &s.url("/openapi.json"), &[], None);
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/json"));
    let doc = json(&body);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/assess", "get"),
        ("/api/explain/{item}", "get"),
        ("/api/compare", "get"),
        ("/api/sensitivity", "get"),
        ("/api/history", "get"),
        ("/api/timeline", "get"),
        ("/api/trade", "get"),
        ("/api/meetings", "get"),
        ("/api/report", "get"),
        ("/api/lists", "get"),
        ("/api/lists/reload", "post"),
        ("/api/screen", "post"),
        ("/api/screen/batch", "post"),
        ("/match/{dataset}", "post"),
        ("/search/{dataset}", "get"),
        ("/entities/{id}", "get"),
        ("/reconcile/{dataset}", "get"),
        ("/reconcile/{dataset}", "post"),
        ("/health", "get"),
        ("/ready", "get"),
    ] {
        let op = &paths.get(path).unwrap_or_else(|| panic!("{path} missing"))[method];
        assert!(op["responses"]["200"].is_object(), "{method} {path}: no 200 response");
    }
    // every query parameter of assess is declared
    let names: Vec<&str> = paths["/api/assess"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in
        ["samples", "seed", "scenario", "as_of", "min_grade", "hypothesis", "format", "quantiles", "items", "compare"]
    {
        assert!(names.contains(&p), "assess: {p} not declared ({names:?})");
    }
    // the docs page lists the operations and loads nothing from elsewhere
    let (status, _, page) = call("GET", &s.url("/docs"), &[], None);
    assert_eq!(status, 200);
    assert!(page.contains("/match/{dataset}") && page.contains("/api/assess"));
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("<script"),
        "docs page loads something"
    );
}

#[test]
fn match_default_puts_the_un_listed_person_first() {
    let s = Server::start(|_, _| {});
    let q = br#"{"queries": {"q1": {"schema": "Person", "properties": {"name": ["Ri Pyong-chol"], "nationality": ["kp"]}},
                              "q2": {"schema": "Person", "properties": {"firstName": ["Olga"], "lastName": ["Demova"]}}}}"#;
    let (status, _, body) = call("POST", &s.url("/match/default"), &[("content-type", "application/json")], Some(q));
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    let r1 = &v["responses"]["q1"];
    assert_eq!(r1["status"], 200);
    let first = &r1["results"][0];
    assert_eq!(first["id"], "un:9000001", "{r1}");
    assert_eq!(first["schema"], "Person");
    assert_eq!(first["match"], true);
    assert!(first["score"].as_f64().unwrap() >= 0.9);
    assert!(first["properties"]["name"].as_array().unwrap().iter().any(|n| n == "RI PYONG CHOL"));
    assert_eq!(first["datasets"][0], "un");
    assert!(first["features"]["name"].as_f64().unwrap() > 0.9);
    assert_eq!(r1["total"]["value"], r1["results"].as_array().unwrap().len());
    assert_eq!(r1["query"]["properties"]["name"][0], "Ri Pyong-chol");
    assert_eq!(v["responses"]["q2"]["results"].as_array().unwrap().len(), 0, "an unlisted name matched");
    assert_eq!(v["limit"], 5);
    // one list by name, an unknown one, a bad query
    let (status, _, body) = call("POST", &s.url("/match/un"), &[("content-type", "application/json")], Some(q));
    assert_eq!((status, json(&body)["responses"]["q1"]["results"][0]["id"].as_str()), (200, Some("un:9000001")));
    assert_error(&call("POST", &s.url("/match/nope"), &[("content-type", "application/json")], Some(q)), 404);
    let bad = br#"{"queries": {"q": {"schema": "Spaceship", "properties": {"name": "X"}}}}"#;
    assert_error(&call("POST", &s.url("/match/default"), &[("content-type", "application/json")], Some(bad)), 400);
    assert_error(&call("POST", &s.url("/match/default"), &[("content-type", "application/json")], Some(b"{")), 400);
    assert_error(
        &call("POST", &s.url("/match/default?threshold=2"), &[("content-type", "application/json")], Some(q)),
        400,
    );
}

#[test]
fn search_entities_and_reconcile() {
    let s = Server::start(|_, _| {});
    let v = json(&call("GET", &s.url("/search/default?q=Ri%20Pyong%20Chol"), &[], None).2);
    assert_eq!(v["results"][0]["id"], "un:9000001", "{v}");
    let (status, _, body) = call("GET", &s.url("/entities/un:9000001"), &[], None);
    assert_eq!(status, 200);
    assert_eq!(json(&body)["caption"], "RI PYONG CHOL");
    assert_error(&call("GET", &s.url("/entities/un:0"), &[], None), 404);
    let m = json(&call("GET", &s.url("/reconcile/default"), &[], None).2);
    assert_eq!(m["versions"][0], "0.2");
    assert!(m["defaultTypes"].as_array().unwrap().iter().any(|t| t["id"] == "Person"));
    let form = b"queries=%7B%22q0%22%3A%7B%22query%22%3A%22Ri%20Pyong%20Chol%22%2C%22type%22%3A%22Person%22%7D%7D";
    let (status, _, body) = call(
        "POST",
        &s.url("/reconcile/default"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form),
    );
    assert_eq!(status, 200, "{body}");
    let r = json(&body);
    assert_eq!(r["q0"]["result"][0]["id"], "un:9000001", "{r}");
    assert_eq!(r["q0"]["result"][0]["match"], true);
}

#[test]
fn assess_is_the_clis_bytes() {
    let s = Server::start(|_, _| {});
    let (status, ctype, body) = call("GET", &s.url("/api/assess?samples=2000&seed=7&format=json"), &[], None);
    assert_eq!(status, 200, "{body}");
    assert!(ctype.starts_with("application/json"));
    // what `entente assess --samples 2000 --seed 7 --format json` prints: the same app function and view
    let ds = entente_app::DataSource::Embedded.load().unwrap();
    let req = entente_app::model::AssessRequest {
        run: entente_app::RunSpec { samples: 2000, seed: 7, ..Default::default() },
        ..Default::default()
    };
    let a = entente_app::model::assess(&ds, &req, &entente_app::Silent).unwrap();
    let cli = entente_report::views::assess::render(entente_report::OutputFormat::Json, &a, false);
    assert_eq!(body, cli);
    // the binary itself, when it has been built beside this test
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/entente");
    if let Ok(out) = std::process::Command::new(&bin)
        .args(["assess", "--samples", "2000", "--seed", "7", "--format", "json"])
        .output()
    {
        if out.status.success() {
            assert_eq!(String::from_utf8(out.stdout).unwrap(), body, "the binary's bytes differ");
        }
    }
    // another seed gives other bytes; bad parameters are 400 with a message
    let other = call("GET", &s.url("/api/assess?samples=2000&seed=8&format=json"), &[], None);
    assert_ne!(other.2, body);
    assert_error(&call("GET", &s.url("/api/assess?samples=abc"), &[], None), 400);
    assert_error(&call("GET", &s.url("/api/assess?samples=50"), &[], None), 400);
    assert_error(&call("GET", &s.url("/api/assess?samples=2000000"), &[], None), 400);
    assert_error(&call("GET", &s.url("/api/assess?sample=2000"), &[], None), 400);
    assert_error(&call("GET", &s.url("/api/assess?samples=2000&hypothesis=nonsense"), &[], None), 400);
    assert_error(&call("GET", &s.url("/api/explain/no-such-item?samples=2000"), &[], None), 404);
    let csv = call("GET", &s.url("/api/assess?samples=2000&seed=7&format=csv"), &[], None);
    assert_eq!(csv.0, 200);
    assert!(csv.1.starts_with("text/csv"));
}

/// Waits (at most 30 s) until the server knows a key created after it started.
fn wait_for_key(s: &Server, key: &str) {
    for _ in 0..300 {
        if call("GET", &s.url("/api/lists"), &[("x-api-key", key)], None).0 != 401 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not pick up the new key");
}

#[test]
fn writes_need_a_key_with_the_role() {
    let s = Server::start(|_, _| {});
    // loopback without a key: reading and screening are open, a write is refused
    let r = call("POST", &s.url("/api/lists/reload"), &[], None);
    assert_error(&r, 401);
    assert!(r.2.contains("write"));
    assert_error(&call("GET", &s.url("/api/keys"), &[], None), 401);
    // keys created while the server runs are picked up (the key store is polled)
    let path = s.running.as_ref().unwrap().state.cfg.keys.clone();
    let mut store = KeyStore::load(&path).unwrap();
    let (_, write) = store.create(Role::Write, Some("ops".into())).unwrap();
    let (_, admin) = store.create(Role::Admin, None).unwrap();
    store.save(&path).unwrap();
    let bearer = format!("Bearer {write}");
    wait_for_key(&s, &write);
    let r = call("POST", &s.url("/api/lists/reload"), &[("authorization", &bearer)], None);
    assert_eq!(r.0, 200, "{}", r.2);
    assert_eq!(json(&r.2)["entities"], 3);
    assert_error(&call("GET", &s.url("/api/keys"), &[("x-api-key", &write)], None), 403);
    let keys = call("GET", &s.url("/api/keys"), &[("x-api-key", &admin)], None);
    assert_eq!(keys.0, 200);
    assert_eq!(json(&keys.2).as_array().unwrap().len(), 2);
    assert!(!keys.2.contains(&write[21..]) && !keys.2.contains("argon2"), "a secret or hash leaked: {}", keys.2);
    // a wrong key is 401 even where no key is needed
    let mut wrong = write.clone();
    wrong.replace_range(30..31, if &write[30..31] == "0" { "1" } else { "0" });
    assert_error(&call("GET", &s.url("/api/lists"), &[("x-api-key", &wrong)], None), 401);
    assert_error(&call("GET", &s.url("/api/lists"), &[("authorization", "Bearer nonsense")], None), 401);
    // two different keys in one request: refused, even when both are valid
    let two = [("x-api-key", write.as_str()), ("authorization", bearer.as_str())];
    assert_eq!(call("GET", &s.url("/api/lists"), &two, None).0, 200, "the same key twice is fine");
    let admin_bearer = format!("Bearer {admin}");
    let two = [("x-api-key", write.as_str()), ("authorization", admin_bearer.as_str())];
    assert_error(&call("GET", &s.url("/api/keys"), &two, None), 401);
}

#[test]
fn without_loopback_trust_every_request_needs_a_key() {
    let s = Server::start(|cfg, _| cfg.require_key = true);
    let r = call("POST", &s.url("/match/default"), &[("content-type", "application/json")], Some(b"{\"queries\": {}}"));
    assert_error(&r, 401);
    assert_error(&call("GET", &s.url("/api/lists"), &[], None), 401);
    assert_eq!(call("GET", &s.url("/health"), &[], None).0, 200, "health stays open");
    let path = s.running.as_ref().unwrap().state.cfg.keys.clone();
    let mut store = KeyStore::load(&path).unwrap();
    let (_, read) = store.create(Role::Read, None).unwrap();
    store.save(&path).unwrap();
    wait_for_key(&s, &read);
    assert_eq!(call("GET", &s.url("/api/lists"), &[("x-api-key", &read)], None).0, 200);
    let r = call(
        "POST",
        &s.url("/match/default"),
        &[("content-type", "application/json"), ("x-api-key", &read)],
        Some(b"{\"queries\": {}}"),
    );
    assert_error(&r, 403);
}

#[test]
fn body_limit_is_413() {
    let s = Server::start(|cfg, _| cfg.body_limit = 4096);
    let big = vec![b' '; 10_000];
    assert_error(&call("POST", &s.url("/api/screen"), &[("content-type", "application/json")], Some(&big)), 413);
    assert_error(&call("POST", &s.url("/match/default"), &[("content-type", "application/json")], Some(&big)), 413);
}

#[test]
fn screen_and_streamed_batch() {
    let s = Server::start(|_, _| {});
    let q = br#"{"queries": [{"name": "Ri Pyong-chol", "country": "KP"}, {"name": "Olga Demova"}]}"#;
    let (status, _, body) = call("POST", &s.url("/api/screen"), &[("content-type", "application/json")], Some(q));
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["results"][0]["hits"][0]["entity_id"], "un:9000001");
    assert_eq!(v["results"][1]["hits"].as_array().unwrap().len(), 0);
    assert_eq!(v["audit"]["lists"][0]["list"], "un");
    assert_error(
        &call("POST", &s.url("/api/screen"), &[("content-type", "application/json")], Some(b"{\"queries\": []}")),
        400,
    );

    let csv = std::fs::read(fixtures().join("parties.csv")).unwrap();
    let (status, ctype, body) = call("POST", &s.url("/api/screen/batch"), &[("content-type", "text/csv")], Some(&csv));
    assert_eq!(status, 200, "{body}");
    assert_eq!(ctype, "application/x-ndjson");
    let lines: Vec<serde_json::Value> = body.lines().map(json).collect();
    assert!(lines[0]["audit"]["inputs"][0]["sha256"].is_string());
    let parties = &lines[1..lines.len() - 1];
    assert_eq!(parties.len(), 4);
    let ri = parties.iter().find(|p| p["query"]["name"] == "Ri Pyong-chol").unwrap();
    assert_eq!(ri["hits"][0]["entity_id"], "un:9000001");
    assert_eq!(lines.last().unwrap()["summary"]["parties"], 4);
    let xml = std::fs::read(fixtures().join("pacs008.xml")).unwrap();
    let (status, _, body) =
        call("POST", &s.url("/api/screen/batch"), &[("content-type", "application/xml")], Some(&xml));
    assert_eq!(status, 200, "{body}");
    assert!(body.lines().count() > 2);
    let broken = b"name,country\n\"unterminated,KP\n";
    assert_error(&call("POST", &s.url("/api/screen/batch?input=csv"), &[], Some(broken)), 422);
}

/// A list store snapshot with the UN fixture, as `entente lists fetch` writes it.
fn write_snapshot(store: &Path, name: &str, list: &[u8]) {
    let snap = store.join(name);
    std::fs::create_dir_all(&snap).unwrap();
    std::fs::write(snap.join("un.xml"), list).unwrap();
    let manifest = serde_json::json!({
        "fetched_at": "2026-12-01T00:00:00Z",
        "files": [{"source": "un", "url": "file://un.xml", "file": "un.xml",
                   "sha256": entente_screen::store::sha256_hex(list), "bytes": list.len(), "entities": 3, "generated": null}],
    });
    std::fs::write(snap.join("manifest.json"), serde_json::to_vec(&manifest).unwrap()).unwrap();
    std::fs::write(store.join(".current.tmp"), format!("{name}\n")).unwrap();
    std::fs::rename(store.join(".current.tmp"), store.join("current")).unwrap();
}

#[test]
fn lists_reload_when_the_store_snapshot_changes_and_a_failed_reload_keeps_them() {
    let un = std::fs::read(fixtures().join("un_small.xml")).unwrap();
    let s = Server::start(|cfg, dir| {
        cfg.lists = Vec::new();
        write_snapshot(&dir.join("store"), "20261201T000000Z", &un);
    });
    let status = |s: &Server| json(&call("GET", &s.url("/api/lists"), &[], None).2);
    assert_eq!(status(&s)["snapshot"], "20261201T000000Z");
    let store = s.running.as_ref().unwrap().state.cfg.store.clone();
    write_snapshot(&store, "20261202T000000Z", &un);
    let mut seen = false;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        if status(&s)["snapshot"] == "20261202T000000Z" {
            seen = true;
            break;
        }
    }
    assert!(seen, "the new snapshot was not picked up: {}", status(&s));
    // a broken snapshot: the reload fails, the lists in force stay and still answer
    std::fs::create_dir_all(store.join("20261203T000000Z")).unwrap();
    std::fs::write(store.join("20261203T000000Z").join("manifest.json"), "{ not json").unwrap();
    std::fs::write(store.join("current"), "20261203T000000Z\n").unwrap();
    let mut failed = false;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        if status(&s)["last_reload"]["error"].is_string() {
            failed = true;
            break;
        }
    }
    let st = status(&s);
    assert!(failed, "the failed reload is not reported: {st}");
    assert_eq!(st["snapshot"], "20261202T000000Z");
    let q = br#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Ri Pyong Chol"]}}}}"#;
    let r = call("POST", &s.url("/match/default"), &[("content-type", "application/json")], Some(q));
    assert_eq!(json(&r.2)["responses"]["q"]["results"][0]["id"], "un:9000001");
}

#[test]
fn without_lists_the_server_starts_but_is_not_ready() {
    let s = Server::start(|cfg, _| cfg.lists = Vec::new());
    let r = call("GET", &s.url("/ready"), &[], None);
    assert_eq!(r.0, 503);
    assert_eq!(json(&r.2)["lists"], false);
    let q = br#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["X"]}}}}"#;
    assert_error(&call("POST", &s.url("/match/default"), &[("content-type", "application/json")], Some(q)), 503);
    assert_eq!(call("GET", &s.url("/health"), &[], None).0, 200);
}

#[test]
fn sighup_reloads_the_named_lists() {
    let s = Server::start(|cfg, dir| {
        let list = dir.join("lists");
        std::fs::create_dir_all(&list).unwrap();
        std::fs::copy(fixtures().join("un_small.xml"), list.join("un.xml")).unwrap();
        cfg.lists = vec![list];
    });
    let lists = |s: &Server| json(&call("GET", &s.url("/api/lists"), &[], None).2);
    assert_eq!(lists(&s)["lists"].as_array().unwrap().len(), 1);
    let dir = s.running.as_ref().unwrap().state.cfg.lists[0].clone();
    std::fs::copy(fixtures().join("eu_small.xml"), dir.join("eu.xml")).unwrap();
    // SIGHUP to this process: the server's handler reloads (other servers of this test run reload too, harmlessly)
    unsafe {
        libc::kill(libc::getpid(), libc::SIGHUP);
    }
    let mut n = 1;
    for _ in 0..200 {
        n = lists(&s)["lists"].as_array().unwrap().len();
        if n == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(n, 2, "SIGHUP did not reload: {}", lists(&s));
    let v = json(&call("GET", &s.url("/search/eu?q=x"), &[], None).2);
    assert!(v["results"].is_array(), "{v}");
}

#[test]
fn stopping_lets_a_request_in_flight_finish() {
    let mut s = Server::start(|_, _| {});
    let url = s.url("/api/assess?samples=20000&seed=3");
    let inflight = std::thread::spawn(move || call("GET", &url, &[], None));
    // wait until the model run holds its permit: the request is in flight
    let state = s.running.as_ref().unwrap().state.clone();
    for _ in 0..600 {
        if state.model_runs.available_permits() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(state.model_runs.available_permits(), 0, "the request never started");
    let running = s.running.take().unwrap();
    s.rt.block_on(running.stop()).unwrap();
    let (status, _, body) = inflight.join().unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(json(&body)["samples"] == 20000);
}

/// The batch endpoint screens through the application's run, as the CLI, `/api/screen` and the dashboard do: a hit on
/// a company that listed owners hold 50 % of carries the ownership flag there too.
#[test]
fn the_streamed_batch_carries_ownership_flags_as_api_screen_does() {
    let company =
        |id: &str, name: &str| format!(r#"{{"id":"{id}","schema":"Company","properties":{{"name":["{name}"]}}}}"#);
    let sanction = |e: &str| {
        format!(
            r#"{{"id":"s-{e}","schema":"Sanction","properties":{{"entity":["{e}"],"authority":["Office of Foreign Assets Control"],"startDate":["2022-05-08"]}}}}"#
        )
    };
    let own = |o: &str, a: &str| {
        format!(
            r#"{{"id":"o-{o}-{a}","schema":"Ownership","properties":{{"owner":["{o}"],"asset":["{a}"],"percentage":["25"]}}}}"#
        )
    };
    let lines = [
        company("alpha", "ALPHA MARITIME HOLDING"),
        company("beta", "BETA FREIGHT TRADING"),
        company("target", "ZVEZDA NORTHERN LOGISTICS"),
        sanction("alpha"),
        sanction("beta"),
        own("alpha", "target"),
        own("beta", "target"),
    ];
    let s = Server::start(|cfg, dir| {
        let f = dir.join("owners.ftm.jsonl");
        std::fs::write(&f, lines.join("\n") + "\n").unwrap();
        cfg.lists = vec![f];
    });
    let q = br#"{"queries": [{"name": "Zvezda Northern Logistics"}], "policy": "none"}"#;
    let (status, _, body) = call("POST", &s.url("/api/screen"), &[("content-type", "application/json")], Some(q));
    assert_eq!(status, 200, "{body}");
    let one = json(&body)["results"][0]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["entity_id"] == "ftm:target")
        .cloned()
        .expect("a hit on the target");
    assert_eq!(one["ownership"][0]["known_percentage"], 50.0, "{one}");

    let csv = b"name\nZvezda Northern Logistics\n";
    let (status, _, body) =
        call("POST", &s.url("/api/screen/batch?policy=none"), &[("content-type", "text/csv")], Some(csv));
    assert_eq!(status, 200, "{body}");
    let lines: Vec<serde_json::Value> = body.lines().map(json).collect();
    let hit = lines[1]["hits"].as_array().unwrap().iter().find(|h| h["entity_id"] == "ftm:target").cloned();
    let hit = hit.unwrap_or_else(|| panic!("no hit on the target: {body}"));
    assert_eq!(hit["ownership"], one["ownership"], "{body}");
    assert_eq!(hit["score"], one["score"]);
}
