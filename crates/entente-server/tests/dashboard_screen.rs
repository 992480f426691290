//! Dashboard screening end to end: an in-process server with a temporary SQLite store and the UN fixture list,
//! exercised over HTTP with sessions made in the store — name screening with explanations, recording alerts,
//! deciding them (CSRF and roles checked), the allow-list in later screens (dashboard and `/api/screen`), batch
//! jobs whose downloads are the CLI's bytes, bad uploads, and the list status page.

use entente_server::{Config, Running};
use entente_store::{Store, UserRole, Verdict};
use scraper::{Html, Selector};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../entente-screen/tests/fixtures")
}

struct Dash {
    rt: tokio::runtime::Runtime,
    running: Option<Running>,
    base: String,
    _dir: tempfile::TempDir,
}

struct Resp {
    status: u16,
    location: Option<String>,
    refresh: Option<String>,
    ctype: String,
    body: String,
}

/// A signed-in user: the cookie header and the session's CSRF token.
struct User {
    cookie: String,
    csrf: String,
}

impl Dash {
    fn start() -> Dash {
        Dash::start_with(|_| {})
    }

    fn start_with(tweak: impl FnOnce(&mut Config)) -> Dash {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Dash::config(dir.path());
        tweak(&mut cfg);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let running = rt.block_on(entente_server::start(cfg)).unwrap();
        let base = format!("http://{}", running.addr);
        Dash { rt, running: Some(running), base, _dir: dir }
    }

    fn config(dir: &Path) -> Config {
        let mut cfg = Config::new();
        cfg.addr = "127.0.0.1:0".parse().unwrap();
        cfg.lists = vec![fixtures().join("un_small.xml")];
        cfg.keys = dir.join("keys.json");
        cfg.store = dir.join("store");
        cfg.db = Some(dir.join("entente.db").display().to_string());
        cfg
    }

    /// Stops the server and starts a new one on the same store (a new port, nothing kept in memory).
    fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.stop()).unwrap();
        }
        let running = self.rt.block_on(entente_server::start(Dash::config(self._dir.path()))).unwrap();
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
    }

    fn store(&self) -> Store {
        self.running.as_ref().unwrap().state.store.clone().expect("the server has a store")
    }

    fn user(&self, name: &str, role: UserRole) -> User {
        let st = self.store();
        self.rt.block_on(st.add_user(name, "a long enough password 1", role, "test")).unwrap();
        let s = self.rt.block_on(st.create_session(name)).unwrap();
        User { cookie: format!("entente_session={}", s.token), csrf: s.csrf }
    }

    fn alerts(&self, open_only: bool) -> Vec<entente_store::Alert> {
        self.rt.block_on(self.store().alerts(open_only)).unwrap()
    }

    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).redirects(0).build();
        let mut req = agent.request(method, &format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let r = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        Resp {
            status: r.status(),
            location: r.header("location").map(str::to_string),
            refresh: r.header("refresh").map(str::to_string),
            ctype: r.header("content-type").unwrap_or("").to_string(),
            body: r.into_string().unwrap(),
        }
    }

    fn get(&self, path: &str, user: Option<&User>) -> Resp {
        let h: Vec<(&str, &str)> = user.map(|u| vec![("cookie", u.cookie.as_str())]).unwrap_or_default();
        self.send("GET", path, &h, None)
    }

    fn post_form(&self, path: &str, user: Option<&User>, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let mut h = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(u) = user {
            h.push(("cookie", u.cookie.as_str()));
        }
        self.send("POST", path, &h, Some(body.as_bytes()))
    }

    /// A multipart upload of `file` (named `name`) with the form's other fields.
    fn upload(&self, user: &User, csrf: &str, name: &str, file: &[u8], fields: &[(&str, &str)]) -> Resp {
        let boundary = "----entente-test-boundary-7d1f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ctype = format!("multipart/form-data; boundary={boundary}");
        let path = format!("/dash/screen/batch?csrf={csrf}");
        self.send("POST", &path, &[("content-type", &ctype), ("cookie", &user.cookie)], Some(&body))
    }

    /// Follows a batch upload's redirect to its job and waits until the job page no longer refreshes.
    fn wait_job(&self, user: &User, upload: &Resp) -> (String, Resp) {
        assert_eq!(upload.status, 303, "{}", upload.body);
        let job = upload.location.clone().expect("a job location");
        assert!(job.starts_with("/dash/jobs/"), "{job}");
        let t0 = Instant::now();
        loop {
            let r = self.get(&job, Some(user));
            assert_eq!(r.status, 200, "{}", r.body);
            if r.refresh.is_none() {
                return (job, r);
            }
            assert!(r.body.contains("<progress"), "a running job shows its progress: {}", r.body);
            assert!(t0.elapsed() < Duration::from_secs(120), "the job did not finish");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Dash {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = self.rt.block_on(r.stop());
        }
    }
}

fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// One h1, every input labelled, every table header scoped.
fn assert_accessible(html: &str) {
    let doc = Html::parse_document(html);
    let sel = |s: &str| Selector::parse(s).unwrap();
    assert_eq!(doc.select(&sel("h1")).count(), 1, "one h1");
    for input in doc.select(&sel("input:not([type=hidden]), select, textarea")) {
        let id = input.value().attr("id");
        let labelled = id.is_some_and(|id| doc.select(&sel(&format!("label[for=\"{id}\"]"))).next().is_some())
            || input.ancestors().any(|a| a.value().as_element().is_some_and(|e| e.name() == "label"));
        assert!(labelled, "unlabelled control {:?}", input.value());
    }
    for th in doc.select(&sel("th")) {
        assert!(th.value().attr("scope").is_some(), "th without scope: {:?}", th.text().collect::<String>());
    }
}

const RI: &[(&str, &str)] = &[("name", "Ri Pyong-chol"), ("country", "KP")];

fn with_csrf<'a>(u: &'a User, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![("csrf", u.csrf.as_str())];
    f.extend_from_slice(fields);
    f
}

#[test]
fn screen_record_decide_and_the_allow_list_in_later_screens() {
    let d = Dash::start();
    let ana = d.user("ana", UserRole::Analyst);
    let vic = d.user("vic", UserRole::Viewer);

    // The name form: a listed name gives its hit with the explanation the JSON API gives.
    let page = d.get("/dash/screen", Some(&ana));
    assert_eq!(page.status, 200);
    assert_accessible(&page.body);
    let r = d.post_form("/dash/screen", Some(&ana), &with_csrf(&ana, RI));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_accessible(&r.body);
    let api = d.send(
        "POST",
        "/api/screen",
        &[("content-type", "application/json")],
        Some(br#"{"queries": [{"name": "Ri Pyong-chol", "country": "KP"}]}"#),
    );
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let hit = &api["results"][0]["hits"][0];
    assert_eq!(hit["entity_id"], "un:9000001");
    assert!(hit.get("allowed").is_none(), "nothing is allowed yet: {hit}");
    let rows = texts(&r.body, "table tbody tr");
    let row = rows.iter().find(|t| t.contains("un:9000001")).unwrap_or_else(|| panic!("no hit row: {rows:?}"));
    let explanation = hit["explanation"].as_str().unwrap();
    assert!(!explanation.is_empty());
    assert!(row.contains(explanation.split_whitespace().collect::<Vec<_>>().join(" ").as_str()), "{row}");
    assert!(row.contains("Alert") && !row.contains("Allowed"), "{row}");
    // Field errors name the field; a viewer may screen but sees no record button.
    let bad = d.post_form("/dash/screen", Some(&ana), &with_csrf(&ana, &[("name", ""), ("dob", "yesterday")]));
    assert_eq!(bad.status, 422);
    assert!(texts(&bad.body, "#f-dob-error")[0].contains("yesterday"), "{}", bad.body);
    assert!(!texts(&bad.body, "#f-name-error").is_empty());
    let as_viewer = d.post_form("/dash/screen", Some(&vic), &with_csrf(&vic, RI));
    assert_eq!(as_viewer.status, 200);
    assert!(!as_viewer.body.contains("/dash/screen/record"));

    // Recording: a viewer may not, an analyst records the hit.
    assert_eq!(d.post_form("/dash/screen/record", Some(&vic), &with_csrf(&vic, RI)).status, 403);
    assert!(d.alerts(false).is_empty());
    let rec = d.post_form("/dash/screen/record", Some(&ana), &with_csrf(&ana, RI));
    assert_eq!(rec.status, 200, "{}", rec.body);
    let alerts = d.alerts(true);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!((a.entity_id.as_str(), a.query.as_str(), a.actor.as_str()), ("un:9000001", "Ri Pyong-chol", "ana"));
    // Recording the same name again (spelled otherwise) adds no second open alert.
    let twice = d.post_form("/dash/screen/record", Some(&ana), &with_csrf(&ana, &[("name", "RI PYONG CHOL")]));
    assert!(twice.body.contains("1 hit open as alerts already"), "{}", twice.body);
    assert_eq!(d.alerts(false).len(), 1);
    let kept: serde_json::Value = serde_json::from_str(&a.explanation_json).unwrap();
    assert_eq!(kept["explanation"], hit["explanation"]);
    let list = d.get("/dash/alerts", Some(&ana));
    assert_eq!(list.status, 200);
    assert_accessible(&list.body);
    assert!(list.body.contains(&format!("/dash/alerts/{}/decide", a.id)));

    // Deciding: CSRF, role and field checks; nothing is decided by a refused request.
    let decide = format!("/dash/alerts/{}/decide", a.id);
    let fp = [("verdict", "false-positive"), ("note", "born 1961, the listed person 1971"), ("allow_days", "30")];
    let no_token = d.post_form(&decide, Some(&ana), &fp);
    assert_eq!(no_token.status, 403, "{}", no_token.body);
    assert!(no_token.body.contains("csrf"));
    let wrong_token = d.post_form(&decide, Some(&ana), &with_csrf(&vic, &fp));
    assert_eq!(wrong_token.status, 403);
    let viewer = d.post_form(&decide, Some(&vic), &with_csrf(&vic, &fp));
    assert_eq!(viewer.status, 403);
    assert!(viewer.body.contains("analyst"), "{}", viewer.body);
    assert_eq!(d.post_form(&decide, None, &fp).status, 401);
    let no_note = d.post_form(&decide, Some(&ana), &with_csrf(&ana, &[("verdict", "false-positive"), ("note", " ")]));
    assert_eq!(no_note.status, 422);
    assert!(texts(&no_note.body, "[role=alert]").iter().any(|t| t.contains("note")), "{}", no_note.body);
    assert_eq!(d.alerts(true).len(), 1, "still open");
    let ok = d.post_form(&decide, Some(&ana), &with_csrf(&ana, &fp));
    assert_eq!(ok.status, 303, "{}", ok.body);
    let after = d.get(ok.location.as_deref().unwrap(), Some(&ana));
    assert!(after.body.contains("false positive"), "{}", after.body);
    assert!(d.alerts(true).is_empty());
    let decided = d.alerts(false);
    let dec = decided[0].decision.as_ref().expect("decided");
    assert_eq!((dec.verdict, dec.decided_by.as_str()), (Verdict::FalsePositive, "ana"));
    let expires = chrono::DateTime::parse_from_rfc3339(dec.allow_expires.as_deref().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.1).contains(&days), "allowed for {days} days");
    assert_eq!(d.post_form(&decide, Some(&ana), &with_csrf(&ana, &fp)).status, 409, "decided once");
    let audit = d.rt.block_on(d.store().audit(50, None)).unwrap();
    assert!(audit.iter().any(|e| e.action == "decide" && e.actor == "ana"), "{audit:?}");
    assert!(audit.iter().any(|e| e.action == "alert" && e.actor == "ana"), "{audit:?}");

    // Later screens, spelled otherwise: the hit is kept, shown as allowed with the decision, and not recorded.
    let again = d.post_form("/dash/screen", Some(&ana), &with_csrf(&ana, &[("name", "RI PYONG CHOL")]));
    assert_eq!(again.status, 200);
    let rows = texts(&again.body, "table tbody tr");
    let row = rows.iter().find(|t| t.contains("un:9000001")).expect("the allowed hit is still shown");
    assert!(row.contains("Allowed") && row.contains(&format!("decision {}", dec.id)), "{row}");
    assert!(row.contains("born 1961"), "{row}");
    assert!(!again.body.contains("/dash/screen/record"), "nothing left to record");
    let rec = d.post_form("/dash/screen/record", Some(&ana), &with_csrf(&ana, &[("name", "RI PYONG CHOL")]));
    assert!(rec.body.contains("Nothing recorded"), "{}", rec.body);
    assert_eq!(d.alerts(false).len(), 1);
    // The JSON API applies the same allow-list.
    let api = d.send(
        "POST",
        "/api/screen",
        &[("content-type", "application/json")],
        Some(br#"{"queries": [{"name": "ri pyong chol"}]}"#),
    );
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(api["results"][0]["hits"][0]["allowed"]["decision_id"], dec.id);
    let csv = d.send(
        "POST",
        "/api/screen?format=csv",
        &[("content-type", "application/json")],
        Some(br#"{"queries": [{"name": "ri pyong chol"}]}"#),
    );
    assert!(csv.body.contains(&format!("ALLOWED decision {} by ana", dec.id)), "{}", csv.body);

    // A batch with the allowed name: the hit is marked in the download, the other hits become alerts.
    let file = std::fs::read(fixtures().join("parties.csv")).unwrap();
    let up = d.upload(&ana, &ana.csrf, "parties.csv", &file, &[]);
    let (job, page) = d.wait_job(&ana, &up);
    assert!(page.body.contains("result.csv"), "{}", page.body);
    let json: serde_json::Value = serde_json::from_str(&d.get(&format!("{job}/result.json"), Some(&ana)).body).unwrap();
    let results = json["results"].as_array().unwrap();
    let ri = results.iter().find(|p| p["query"]["name"] == "Ri Pyong-chol").unwrap();
    assert_eq!(ri["hits"][0]["allowed"]["decision_id"], dec.id);
    let other_hits: usize =
        results.iter().flat_map(|p| p["hits"].as_array().unwrap()).filter(|h| h.get("allowed").is_none()).count();
    assert_eq!(d.alerts(true).len(), other_hits, "every hit but the allowed one recorded");
    let batch = d.send("POST", "/api/screen/batch", &[("content-type", "text/csv")], Some(&file));
    let last: serde_json::Value = serde_json::from_str(batch.body.lines().last().unwrap()).unwrap();
    assert_eq!(last["summary"]["allowed"], 1, "{}", batch.body);
}

use entente_report::views::screen::{render, Format};

/// What `entente screen --input NAME --lists un_small.xml --now RUN_AT` computes (the CLI's request, run by the
/// same application function; the CLI reads the file into the same bytes under its path).
fn cli_screen(name: &str, data: &[u8], run_at: &str) -> entente_app::screen::ScreenOutcome {
    let req = entente_app::screen::ScreenRequest {
        inputs: vec![entente_app::screen::Input::Bytes {
            name: name.into(),
            data: data.to_vec(),
            format: entente_app::screen::InputFormat::Auto,
        }],
        lists: entente_app::screen::ListsRequest { paths: vec![fixtures().join("un_small.xml")], ..Default::default() },
        now: Some(run_at.parse().unwrap()),
        ..Default::default()
    };
    entente_app::screen::screen(&req, &entente_app::Silent).unwrap()
}

#[test]
fn a_batch_job_gives_the_clis_bytes_and_records_its_hits() {
    let d = Dash::start();
    let ana = d.user("ana", UserRole::Analyst);
    let vic = d.user("vic", UserRole::Viewer);
    let file = std::fs::read(fixtures().join("parties.csv")).unwrap();

    let up = d.upload(&ana, &ana.csrf, "parties.csv", &file, &[("input", "auto"), ("threshold", "0.75")]);
    let (job, page) = d.wait_job(&ana, &up);
    assert_accessible(&page.body);
    let csv = d.get(&format!("{job}/result.csv"), Some(&ana));
    assert_eq!(csv.status, 200);
    assert!(csv.ctype.starts_with("text/csv"), "{}", csv.ctype);
    let json = d.get(&format!("{job}/result.json"), Some(&ana));
    assert!(json.ctype.starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();

    // `entente screen --input parties.csv --lists un_small.xml --format csv --now RUN_AT`, run the CLI's way.
    let cli = cli_screen("parties.csv", &file, v["audit"]["run_at"].as_str().unwrap());
    assert_eq!(csv.body, render(Format::Csv, &cli.results, &cli.audit, false));
    assert_eq!(json.body, render(Format::Json, &cli.results, &cli.audit, false));
    assert!(csv.body.contains("un:9000001"));

    // Its hits are the open alerts, recorded by the uploader.
    let hits: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["hits"].as_array().unwrap().iter().map(|h| h["entity_id"].as_str().unwrap().to_string()))
        .collect();
    assert!(!hits.is_empty());
    let alerts = d.alerts(true);
    assert_eq!(alerts.iter().map(|a| a.entity_id.clone()).collect::<Vec<_>>(), hits);
    assert!(alerts.iter().all(|a| a.actor == "ana"));
    let scores: Vec<f64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["hits"].as_array().unwrap().iter().map(|h| h["score"].as_f64().unwrap()))
        .collect();
    assert_eq!(alerts.iter().map(|a| a.score).collect::<Vec<_>>(), scores, "the scores as the download gives them");
    let recorded =
        if hits.len() == 1 { "1 alert recorded".to_string() } else { format!("{} alerts recorded", hits.len()) };
    assert!(page.body.contains(&recorded), "{}", page.body);

    // The screening page lists the uploader's jobs.
    let screen = d.get("/dash/screen", Some(&ana));
    assert!(screen.body.contains(&format!("href=\"{job}\"")), "{}", screen.body);
    assert!(!d.get("/dash/screen", Some(&vic)).body.contains(&job), "not another user's");

    // Another user does not see the job; a viewer's upload records nothing.
    assert_eq!(d.get(&job, Some(&vic)).status, 404);
    assert_eq!(d.get(&format!("{job}/result.csv"), Some(&vic)).status, 404);
    let up = d.upload(&vic, &vic.csrf, "parties.csv", &file, &[]);
    let (_, page) = d.wait_job(&vic, &up);
    assert!(page.body.contains("analyst role"), "{}", page.body);
    assert_eq!(d.alerts(false).len(), hits.len());

    // ISO 20022 payments too: pacs.008 and pain.001, the CLI's bytes.
    for name in ["pacs008.xml", "pain001_clean.xml"] {
        let xml = std::fs::read(fixtures().join(name)).unwrap();
        let up = d.upload(&ana, &ana.csrf, name, &xml, &[]);
        let (job, _) = d.wait_job(&ana, &up);
        let json = d.get(&format!("{job}/result.json"), Some(&ana)).body;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(!v["results"].as_array().unwrap().is_empty(), "{name}: {json}");
        let cli = cli_screen(name, &xml, v["audit"]["run_at"].as_str().unwrap());
        assert_eq!(json, render(Format::Json, &cli.results, &cli.audit, false), "{name}");
        assert_eq!(
            d.get(&format!("{job}/result.csv"), Some(&ana)).body,
            render(Format::Csv, &cli.results, &cli.audit, false)
        );
    }

    // An upload without the session's token is refused.
    let r = d.upload(&vic, "not-the-token", "parties.csv", &file, &[]);
    assert_eq!(r.status, 403);
}

#[test]
fn a_finished_job_survives_a_restart_with_its_page_and_downloads() {
    let mut d = Dash::start();
    let ana = d.user("ana", UserRole::Analyst);
    let vic = d.user("vic", UserRole::Viewer);
    let file = std::fs::read(fixtures().join("parties.csv")).unwrap();
    let up = d.upload(&ana, &ana.csrf, "parties.csv", &file, &[]);
    let (job, page) = d.wait_job(&ana, &up);
    let csv = d.get(&format!("{job}/result.csv"), Some(&ana)).body;
    let json = d.get(&format!("{job}/result.json"), Some(&ana)).body;
    let done = texts(&page.body, "p.notice.good");
    // another user's job (a viewer's: done, no alerts recorded)
    let other = d.upload(&vic, &vic.csrf, "parties.csv", &file, &[]);
    let (vic_job, _) = d.wait_job(&vic, &other);

    d.restart();
    let page = d.get(&job, Some(&ana));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.refresh.is_none());
    assert_eq!(texts(&page.body, "p.notice.good"), done, "the same counts after the restart");
    assert_accessible(&page.body);
    assert_eq!(d.get(&format!("{job}/result.csv"), Some(&ana)).body, csv, "the same bytes");
    assert_eq!(d.get(&format!("{job}/result.json"), Some(&ana)).body, json);
    // still the owner's (and admins') only; listed on the owner's screening page
    assert_eq!(d.get(&job, Some(&vic)).status, 404);
    assert_eq!(d.get(&format!("{job}/result.csv"), Some(&vic)).status, 404);
    let screen = d.get("/dash/screen", Some(&ana)).body;
    assert!(screen.contains(&format!("href=\"{job}\"")), "{screen}");
    assert!(!screen.contains(&vic_job), "another user's job is listed: {screen}");
    assert!(d.get("/dash/screen", Some(&vic)).body.contains(&format!("href=\"{vic_job}\"")));
    let adm = d.user("adm", UserRole::Admin);
    assert_eq!(d.get(&job, Some(&adm)).status, 200);
    assert_eq!(d.get("/dash/jobs/0123456789abcdef", Some(&ana)).status, 404);
    // a stored job the store cannot read back is a store error (500), not "no such job"
    let id = job.rsplit('/').next().unwrap();
    let q = entente_store::sqlx::query("UPDATE screen_job SET parties = -1 WHERE id = $1").bind(id);
    d.rt.block_on(q.execute(d.store().pool())).unwrap();
    let r = d.get(&job, Some(&ana));
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(r.body.contains("negative count"), "{}", r.body);
}

#[test]
fn a_bad_upload_names_the_line_and_records_nothing() {
    let d = Dash::start();
    let ana = d.user("ana", UserRole::Analyst);
    let broken = b"name,country\nAcme Ltd,GB\n\"unterminated,KP\n";
    let r = d.upload(&ana, &ana.csrf, "broken.csv", broken, &[("input", "csv")]);
    assert_eq!(r.status, 422, "{}", r.body);
    let msg = texts(&r.body, "#batch-error").join(" ");
    assert!(msg.contains("broken.csv") && msg.contains("line"), "{msg}");
    assert!(msg.contains("file"), "names the form field: {msg}");
    let r = d.upload(&ana, &ana.csrf, "empty.csv", b"", &[]);
    assert_eq!(r.status, 422);
    assert!(texts(&r.body, "#batch-error").join(" ").contains("empty.csv is empty"));
    let r = d.upload(&ana, &ana.csrf, "parties.csv", b"name\nx\n", &[("threshold", "2")]);
    assert_eq!(r.status, 422);
    assert!(texts(&r.body, "#batch-error").join(" ").contains("threshold"));
    let r = d.upload(&ana, &ana.csrf, "nonames.csv", b"id,country\n1,KP\n", &[]);
    assert_eq!(r.status, 422);
    assert!(texts(&r.body, "#batch-error").join(" ").contains("nonames.csv"), "{}", r.body);
    assert!(d.alerts(false).is_empty(), "nothing recorded");
}

#[test]
fn the_list_page_shows_names_dates_hashes_and_counts() {
    let d = Dash::start();
    let page = d.get("/dash/lists", None);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_accessible(&page.body);
    let file = std::fs::read(fixtures().join("un_small.xml")).unwrap();
    let sha = entente_screen::store::sha256_hex(&file);
    let rows = texts(&page.body, "table tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let state = &d.running.as_ref().unwrap().state;
    let lists = state.lists.load_full().unwrap();
    let la = &lists.audit().lists[0];
    assert!(rows[0].starts_with("un "), "{}", rows[0]);
    assert!(rows[0].contains(&sha), "{}", rows[0]);
    assert!(rows[0].contains(&la.entities.to_string()), "{}", rows[0]);
    let published = la.published_iso.clone().or(la.published.clone()).expect("the fixture has a date");
    assert!(rows[0].contains(&published), "{}", rows[0]);
    let loaded = lists.loaded_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(page.body.contains(&loaded));
}

#[test]
fn a_running_job_shows_its_progress_and_refreshes_and_uploads_keep_the_batch_limit() {
    use entente_app::Progress;
    let d = Dash::start_with(|cfg| cfg.batch_limit = 1000);
    let ana = d.user("ana", UserRole::Analyst);
    // A job in progress (registered as the upload handler does, its progress reported through the app's trait).
    let job = entente_server::dashboard::jobs::start(&d.running.as_ref().unwrap().state, "ana", "big.csv");
    job.start(1000, "screening");
    job.inc(250);
    let path = format!("/dash/jobs/{}", job.id);
    let r = d.get(&path, Some(&ana));
    assert_eq!(r.status, 200);
    assert_eq!(r.refresh.as_deref(), Some("1"), "the page reloads itself without script");
    assert_accessible(&r.body);
    let doc = Html::parse_document(&r.body);
    let bar = doc.select(&Selector::parse("progress").unwrap()).next().expect("a progress bar");
    assert_eq!((bar.value().attr("value"), bar.value().attr("max")), (Some("250"), Some("1000")));
    assert!(texts(&r.body, "label[for=job-progress]")[0].contains("250 of 1000"));
    assert!(!r.body.contains("result.csv"), "no download before the end");
    assert_eq!(d.get(&format!("{path}/result.csv"), Some(&ana)).status, 409);
    // Done: no refresh, the downloads.
    job.inc(750);
    job.set_state(entente_server::dashboard::jobs::JobState::Failed("stopped by the test".into()));
    let r = d.get(&path, Some(&ana));
    assert!(r.refresh.is_none() && r.body.contains("stopped by the test"), "{}", r.body);

    // The upload limit is the server's batch limit, with a page that names it; nothing runs.
    let big = format!("name\n{}", "Ri Pyong-chol\n".repeat(100));
    let r = d.upload(&ana, &ana.csrf, "big.csv", big.as_bytes(), &[]);
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(texts(&r.body, "#batch-error").join(" ").contains("1000 bytes"), "{}", r.body);
    assert!(d.alerts(false).is_empty());
}
