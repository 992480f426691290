//! The dashboard end to end: an in-process server with a temporary SQLite store, driven over HTTP with a cookie
//! like a browser (no redirects followed, so each step's status, cookie and location are checked).

use entente_server::{Config, Running};
use entente_store::UserRole;
use scraper::{Html, Selector};
use std::time::Duration;

struct Server {
    rt: tokio::runtime::Runtime,
    running: Option<Running>,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(tweak: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::new();
        cfg.addr = "127.0.0.1:0".parse().unwrap();
        cfg.keys = dir.path().join("keys.json");
        cfg.store = dir.path().join("lists"); // no lists: screening is not tested here
        cfg.db = Some(dir.path().join("entente.db").display().to_string());
        tweak(&mut cfg);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let running = rt.block_on(entente_server::start(cfg)).unwrap();
        let base = format!("http://{}", running.addr);
        Server { rt, running: Some(running), base, _dir: dir }
    }

    fn store(&self) -> entente_store::Store {
        self.running.as_ref().unwrap().state.store.clone().expect("a store")
    }

    fn add_user(&self, name: &str, role: UserRole) {
        let st = self.store();
        self.rt.block_on(st.add_user(name, &format!("{name}-password-1"), role, "test")).unwrap();
    }

    fn client(&self) -> Client {
        Client { base: self.base.clone(), cookie: None }
    }

    /// A client signed in as `name` (a user made with [`Server::add_user`]).
    fn signed_in(&self, name: &str) -> Client {
        let mut c = self.client();
        let r = c.login(name, &format!("{name}-password-1"));
        assert_eq!(r.status, 303, "{}", r.body);
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = self.rt.block_on(r.stop());
        }
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    location: Option<String>,
    set_cookie: Vec<String>,
    body: String,
}

struct Client {
    base: String,
    cookie: Option<String>,
}

impl Client {
    fn send(&self, method: &str, path: &str, form: Option<&[(String, String)]>, headers: &[(&str, &str)]) -> Resp {
        let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(300)).build();
        let mut req = agent.request(method, &format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let r = match form {
            Some(f) => {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                req.send_form(&pairs)
            }
            None => req.call(),
        };
        let resp = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        Resp {
            status: resp.status(),
            location: resp.header("location").map(str::to_string),
            set_cookie: resp.all("set-cookie").into_iter().map(str::to_string).collect(),
            body: resp.into_string().unwrap(),
        }
    }

    fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[])
    }

    fn post(&self, path: &str, form: &[(String, String)]) -> Resp {
        self.send("POST", path, Some(form), &[])
    }

    fn login(&mut self, name: &str, password: &str) -> Resp {
        let r = self.post("/login", &pairs(&[("name", name), ("password", password), ("next", "/dash")]));
        if let Some(c) = r.set_cookie.iter().find(|c| c.starts_with("entente_session=")) {
            self.cookie = Some(c.split(';').next().unwrap().to_string());
        }
        r
    }

    /// The fields of the form posting to `action` on the page at `path`, as a browser would send them.
    fn form(&self, path: &str, action: &str) -> Vec<(String, String)> {
        let r = self.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        form_fields(&r.body, action)
    }
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn set(form: &mut Vec<(String, String)>, k: &str, v: &str) {
    form.retain(|(n, _)| n != k);
    form.push((k.into(), v.into()));
}

fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("form[action=\"{action}\"]")).unwrap();
    let form = doc.select(&sel).next().unwrap_or_else(|| panic!("no form posting to {action}:\n{html}"));
    let mut out = Vec::new();
    for el in form.select(&Selector::parse("input, select, textarea").unwrap()) {
        let Some(name) = el.value().attr("name") else { continue };
        let v = match el.value().name() {
            "select" => {
                let opts: Vec<_> = el.select(&Selector::parse("option").unwrap()).collect();
                let chosen = opts.iter().find(|o| o.value().attr("selected").is_some()).or(opts.first());
                chosen.and_then(|o| o.value().attr("value")).unwrap_or("").to_string()
            }
            "textarea" => el.text().collect(),
            _ => el.value().attr("value").unwrap_or("").to_string(),
        };
        out.push((name.to_string(), v));
    }
    out
}

/// The text of the first element matching `css`.
fn text_of(html: &str, css: &str) -> String {
    let doc = Html::parse_document(html);
    let el = doc.select(&Selector::parse(css).unwrap()).next().unwrap_or_else(|| panic!("no {css} in:\n{html}"));
    el.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn count(html: &str, css: &str) -> usize {
    Html::parse_document(html).select(&Selector::parse(css).unwrap()).count()
}

const CLAIM: &str = "munition-share-reuters-2025-04";

#[test]
fn the_first_page_shows_the_headline_on_a_small_screen() {
    let s = Server::start(|_| {});
    let c = s.client();
    let r = c.get("/");
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/dash")));
    assert_eq!(c.get("/docs").status, 200, "the API docs stay");
    let r = c.get("/dash");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
    assert_eq!(count(&r.body, "h1"), 1);
    for landmark in ["header", "nav", "main", "a.skip[href=\"#main\"]"] {
        assert!(count(&r.body, landmark) >= 1, "{landmark}");
    }
    // The headline is the model's: the same median as the JSON API on the same ledger.
    let api = c.get("/api/assess?format=json");
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let total = v["figures"].as_array().unwrap().iter().find(|f| f["id"] == "flow:KP->RU").unwrap();
    let p50 = total["quantiles"].as_array().unwrap().iter().find(|q| q[0] == 0.5).unwrap()[1].as_f64().unwrap();
    assert_eq!(text_of(&r.body, "[data-figure=\"flow:KP->RU\"]"), entente_report::num::usd(p50));
    // ... and it names the basis it rests on, as the API's plan does (never a bare dollar figure)
    let basis = text_of(&r.body, "[data-basis]");
    for b in v["basis"].as_array().expect("the API names the basis") {
        let (title, option) = (b["title"].as_str().unwrap(), b["option"].as_str().unwrap());
        assert!(basis.contains(&title.to_lowercase()) && basis.contains(option), "{title}={option} in {basis}");
    }
    assert!(basis.contains("price basis of munitions"), "{basis}");
    for chart in ["categories", "balance", "timeline"] {
        assert_eq!(count(&r.body, &format!("figure#chart-{chart} svg")), 1, "the report's {chart} chart");
    }
    assert!(count(&r.body, "th[scope=col]") >= 4, "tables have column headers");
    // the as-of stepper steps back to the previous evidence date
    let prev = Html::parse_document(&r.body)
        .select(&Selector::parse("a[rel=prev]").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("a previous evidence date");
    let earlier = c.get(&prev);
    assert_eq!(earlier.status, 200);
    let date = prev.rsplit('=').next().unwrap();
    assert!(text_of(&earlier.body, "#headline-h + p").contains(&format!("evidence as of {date}")));
    assert_eq!(c.get("/dash?as_of=2024-13-40").status, 400);
}

#[test]
fn without_a_store_nothing_changes_and_a_closed_server_asks_to_sign_in() {
    let s = Server::start(|c| c.db = None);
    let r = s.client().get("/");
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/docs")), "the index as before");
    assert_eq!(s.client().get("/dash").status, 404);
    let s = Server::start(|c| c.require_key = true);
    let r = s.client().get("/dash/evidence");
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/login?next=%2Fdash%2Fevidence"));
}

#[test]
fn sign_in_with_good_and_bad_passwords_and_lock_out() {
    let s = Server::start(|_| {});
    s.add_user("ana", UserRole::Analyst);
    let mut c = s.client();
    let r = c.login("ana", "wrong");
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Wrong user name or password"), "{}", r.body);
    assert!(r.set_cookie.is_empty());
    let r = c.login("ana", "ana-password-1");
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/dash")));
    let cookie = r.set_cookie.iter().find(|c| c.starts_with("entente_session=")).expect("a session cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let page = c.get("/dash/evidence");
    assert!(text_of(&page.body, ".who").contains("Signed in as ana (analyst)"));
    // sign out: the session ends on the server too
    let old = c.cookie.clone();
    let csrf = form_fields(&page.body, "/logout");
    assert_eq!(c.post("/logout", &csrf).status, 303);
    let stale = Client { base: c.base.clone(), cookie: old };
    assert!(!stale.get("/dash/evidence").body.contains("Signed in as"));
    // five wrong passwords lock the account; then even the right one is refused with the time to retry
    s.add_user("vic", UserRole::Viewer);
    let mut v = s.client();
    for _ in 0..4 {
        assert_eq!(v.login("vic", "nope").status, 401);
    }
    assert_eq!(v.login("vic", "nope").status, 429, "the fifth failure locks");
    let r = v.login("vic", "vic-password-1");
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("Try again after"), "{}", r.body);
    assert!(v.cookie.is_none());
}

#[test]
fn posts_without_the_csrf_token_are_refused_and_store_nothing() {
    let s = Server::start(|_| {});
    s.add_user("ana", UserRole::Analyst);
    let c = s.signed_in("ana");
    let path = format!("/dash/edit/claim/{CLAIM}");
    let mut form = c.form(&path, &path);
    set(&mut form, "credibility", "6");
    set(&mut form, "change_note", "test");
    set(&mut form, "action", "submit");
    let without: Vec<_> = form.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    let r = c.post(&path, &without);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("security token"), "{}", r.body);
    let mut wrong = without.clone();
    set(&mut wrong, "csrf", "0000");
    assert_eq!(c.post(&path, &wrong).status, 403);
    let r = c.send("POST", &path, Some(&form), &[("Origin", "https://evil.example")]);
    assert_eq!(r.status, 403, "another site's form");
    assert!(s.rt.block_on(s.store().changes(None)).unwrap().is_empty(), "nothing proposed");
    // the same form with its token goes through
    let r = c.post(&path, &form);
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn a_viewer_reads_but_cannot_propose() {
    let s = Server::start(|_| {});
    s.add_user("vic", UserRole::Viewer);
    s.add_user("ana", UserRole::Analyst);
    let v = s.signed_in("vic");
    assert_eq!(v.get("/dash/evidence").status, 200);
    assert_eq!(v.get(&format!("/dash/claims/{CLAIM}")).status, 200);
    let path = format!("/dash/edit/claim/{CLAIM}");
    let r = v.get(&path);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("needs the role `analyst`"), "{}", r.body);
    // a forged POST with the viewer's own valid token: still 403
    let a = s.signed_in("ana");
    let mut form = a.form(&path, &path);
    let csrf = form_fields(&v.get("/dash").body, "/logout");
    set(&mut form, "csrf", &csrf.iter().find(|(k, _)| k == "csrf").unwrap().1);
    set(&mut form, "change_note", "x");
    set(&mut form, "action", "submit");
    assert_eq!(v.post(&path, &form).status, 403);
    assert_eq!(v.get("/dash/admin").status, 403);
    assert!(s.rt.block_on(s.store().changes(None)).unwrap().is_empty());
}

#[test]
fn a_claim_change_moves_the_headline_after_approval_and_revert_restores_it() {
    let s = Server::start(|_| {});
    s.add_user("ana", UserRole::Analyst);
    s.add_user("rev", UserRole::Reviewer);
    let ana = s.signed_in("ana");
    let rev = s.signed_in("rev");
    let headline = || text_of(&ana.get("/dash").body, "[data-grade-mix]");
    let before = headline();

    // A bad date is refused beside its field, and nothing is stored.
    let path = format!("/dash/edit/claim/{CLAIM}");
    let mut form = ana.form(&path, &path);
    set(&mut form, "public", "2025-02-30");
    set(&mut form, "change_note", "grade the Reuters share as improbable");
    set(&mut form, "action", "submit");
    let r = ana.post(&path, &form);
    assert_eq!(r.status, 422);
    assert!(text_of(&r.body, "#f-public-error").contains("`2025-02-30` is not a date"), "{}", r.body);
    // The dataset validator's errors, too: a claim made public after the estimates that rest on it.
    set(&mut form, "public", "2099-01-01");
    let r = ana.post(&path, &form);
    assert_eq!(r.status, 422);
    let e = text_of(&r.body, "#f-public-error");
    assert!(e.contains("variables.toml munition_share") && e.contains("2099-01-01"), "{e}");
    assert!(s.rt.block_on(s.store().changes(None)).unwrap().is_empty());

    // Preview, then submit: credibility 6 (improbable) for a claim the munition share rests on.
    let mut form = ana.form(&path, &path);
    set(&mut form, "credibility", "6");
    set(&mut form, "change_note", "grade the Reuters share as improbable");
    set(&mut form, "action", "preview");
    let r = ana.post(&path, &form);
    assert_eq!(r.status, 200, "{}", r.body);
    let rows: Vec<String> = Html::parse_document(&r.body)
        .select(&Selector::parse("#preview tbody tr").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].replace("Now", ""), rows[1].replace("With this change", ""), "the preview moves");
    set(&mut form, "action", "submit");
    let r = ana.post(&path, &form);
    assert_eq!(r.status, 303, "{}", r.body);
    let change = r.location.unwrap();
    assert!(change.starts_with("/dash/changes/"));
    assert_eq!(headline(), before, "a proposal alone changes nothing");
    // the analyst cannot approve; the reviewer sees the diff and approves
    let approve = format!("{change}/approve");
    let mut aform = form_fields(&ana.get("/dash").body, "/logout");
    aform.retain(|(k, _)| k == "csrf");
    assert_eq!(ana.post(&approve, &aform).status, 403);
    let page = rev.get(&change);
    assert_eq!(text_of(&page.body, "pre.diff.lines ins"), "+ credibility = 6", "the diff shows the added line");
    let r = rev.post(&approve, &form_fields(&page.body, &approve));
    assert_eq!(r.status, 303, "{}", r.body);
    let after = headline();
    assert_ne!(after, before, "approved: the headline moved");
    // revert restores it
    let page = rev.get(&change);
    let revert = format!("{change}/revert");
    let r = rev.post(&revert, &form_fields(&page.body, &revert));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(headline(), before, "reverted");
    // the audit log has all of it, with who did it
    let audit = rev.get("/dash/audit");
    assert_eq!(audit.status, 200);
    let rows: Vec<String> = Html::parse_document(&audit.body)
        .select(&Selector::parse("tbody tr").unwrap())
        .map(|e| e.text().collect::<Vec<_>>().join(" "))
        .collect();
    for (who, what) in
        [("ana", "propose"), ("rev", "approve"), ("rev", "revert"), ("ana", "login"), ("test", "user-add")]
    {
        assert!(
            rows.iter().any(|r| r.contains(who) && r.contains(what)),
            "no {what} by {who} in:\n{}",
            rows.join("\n")
        );
    }
    let changes = rev.get("/dash/changes");
    assert!(changes.body.contains("reverted"), "{}", changes.body);
}

#[test]
fn an_admin_adds_users_and_creates_and_revokes_keys() {
    let s = Server::start(|_| {});
    s.add_user("adm", UserRole::Admin);
    let a = s.signed_in("adm");
    let mut form = a.form("/dash/admin", "/dash/admin/users");
    set(&mut form, "name", "new user!");
    set(&mut form, "password", "short");
    set(&mut form, "role", "reviewer");
    let r = a.post("/dash/admin/users", &form);
    assert_eq!(r.status, 422);
    assert!(text_of(&r.body, "#f-name-error").contains("letters"), "{}", r.body);
    assert!(text_of(&r.body, "#f-password-error").contains("at least 10"));
    set(&mut form, "name", "rita");
    set(&mut form, "password", "rita-password-1");
    let r = a.post("/dash/admin/users", &form);
    assert_eq!(r.status, 200, "{}", r.body);
    let users = s.rt.block_on(s.store().users()).unwrap();
    assert!(users.iter().any(|u| u.name == "rita" && u.role == UserRole::Reviewer));
    // a key: shown once, works on the API, then revoked
    let mut kform = a.form("/dash/admin", "/dash/admin/keys");
    set(&mut kform, "key_name", "ci");
    set(&mut kform, "key_role", "admin");
    let r = a.post("/dash/admin/keys", &kform);
    assert_eq!(r.status, 200, "{}", r.body);
    let doc = Html::parse_document(&r.body);
    let key =
        doc.select(&Selector::parse("#new-key").unwrap()).next().unwrap().value().attr("value").unwrap().to_string();
    let api = s.client().send("GET", "/api/keys", None, &[("X-API-Key", &key)]);
    assert_eq!(api.status, 200, "{}", api.body);
    let id = key.strip_prefix("ent_").unwrap()[..16].to_string();
    let mut rform = form_fields(&a.get("/dash/admin").body, "/dash/admin/keys/revoke");
    set(&mut rform, "id", &id);
    assert_eq!(a.post("/dash/admin/keys/revoke", &rform).status, 303);
    let api = s.client().send("GET", "/api/keys", None, &[("X-API-Key", &key)]);
    assert_eq!(api.status, 401, "revoked: {}", api.body);
    // both are in the audit log with the key's id, role and label, never the key itself
    let audit = s.rt.block_on(s.store().audit(1000, None)).unwrap();
    let target = format!("api key {id}");
    let made = audit.iter().find(|a| a.action == "key-create").expect("key creation audited");
    assert_eq!((made.actor.as_str(), made.target.as_str()), ("adm", target.as_str()));
    assert_eq!(made.after.as_deref(), Some("role admin, label ci"));
    let gone = audit.iter().find(|a| a.action == "key-revoke").expect("key revocation audited");
    assert_eq!((gone.actor.as_str(), gone.target.as_str()), ("adm", target.as_str()));
    assert_eq!((gone.before.as_deref(), gone.after.as_deref()), (Some("role admin, label ci"), None));
    let secret = key.rsplit('_').next().unwrap();
    for a in &audit {
        let all = format!("{} {} {:?} {:?}", a.action, a.target, a.before, a.after);
        assert!(!all.contains(&key) && !all.contains(secret), "the key leaked into the audit log: {all}");
    }
    assert!(a.get("/dash/audit").body.contains("key-revoke"));
}

#[test]
fn screening_results_alerts_jobs_and_the_audit_log_need_a_session_even_on_loopback() {
    let s = Server::start(|_| {});
    s.add_user("vic", UserRole::Viewer);
    let anon = s.client();
    for page in ["/dash", "/dash/evidence", &format!("/dash/claims/{CLAIM}"), "/dash/lists", "/dash/changes"] {
        assert_eq!(anon.get(page).status, 200, "{page} stays readable anonymously on loopback");
    }
    for page in ["/dash/alerts", "/dash/audit", "/dash/jobs/0123456789abcdef", "/dash/jobs/0123456789abcdef/result.csv"]
    {
        let r = anon.get(page);
        assert_eq!(r.status, 303, "{page}: {}", r.body);
        assert!(r.location.as_deref().unwrap_or("").starts_with("/login?next="), "{page}: {:?}", r.location);
    }
    let r = anon.post("/dash/screen", &pairs(&[("name", "Kim Jong Un")]));
    assert_eq!(r.status, 401, "screening a name needs a session: {}", r.body);
    assert!(!r.body.contains("Kim Jong Un"));
    let v = s.signed_in("vic");
    assert_eq!(v.get("/dash/alerts").status, 200);
    assert_eq!(v.get("/dash/audit").status, 200);
}

/// A figure as the dashboard prints it (`USD 12.3 bn`, `456 M`, `7.8 k`) as a number.
fn parse_scaled(text: &str) -> f64 {
    let t = text.trim().trim_start_matches("USD").trim();
    let (num, mult) = match t.rsplit_once(' ') {
        Some((n, "bn")) => (n, 1e9),
        Some((n, "M")) => (n, 1e6),
        Some((n, "k")) => (n, 1e3),
        _ => (t, 1.0),
    };
    num.replace(',', "").parse::<f64>().unwrap_or_else(|e| panic!("`{text}` is not a figure: {e}")) * mult
}

/// The overview's headline section as served (raw bytes), up to the ledger revision it names (which every
/// approved change and revert bumps).
fn headline_bytes(html: &str) -> String {
    let start = html.find("<section class=\"headline\"").unwrap_or_else(|| panic!("no headline in:\n{html}"));
    let rest = &html[start..];
    let end = rest.find("ledger revision").unwrap_or_else(|| panic!("the headline names no revision:\n{rest}"));
    rest[..end].to_string()
}

#[test]
fn a_new_claim_with_an_estimate_moves_the_headline_median_after_approval_and_revert_restores_it() {
    let s = Server::start(|_| {});
    s.add_user("ana", UserRole::Analyst);
    s.add_user("rev", UserRole::Reviewer);
    let ana = s.signed_in("ana");
    let rev = s.signed_in("rev");
    let median = |c: &Client| parse_scaled(&text_of(&c.get("/dash").body, "[data-figure=\"flow:KP->RU\"]"));
    let headline = |c: &Client| headline_bytes(&c.get("/dash").body);
    let (before, before_html) = (median(&ana), headline(&ana));

    // The form says in words that a claim alone moves nothing, and offers the variables with dated estimates.
    let page = ana.get("/dash/edit/claim");
    assert_eq!(page.status, 200);
    assert!(text_of(&page.body, "#claim-effect").contains("on its own it moves no figure"), "{}", page.body);
    assert!(page.body.contains("<option value=\"containers\">containers — Containers shipped"), "{}", page.body);
    // An existing claim's form names the variables whose estimates cite it.
    let cited = ana.get("/dash/edit/claim/containers-dia-2025-07");
    assert!(text_of(&cited.body, "#claim-effect").contains("Estimates of containers cite this claim today"));

    let mut form = ana.form("/dash/edit/claim", "/dash/edit/claim");
    for (k, v) in [
        ("id", "containers-test-2025-09"),
        ("sources", "newspim-2025-07-13"),
        ("measure", "containers shipped KP->RU, cumulative"),
        ("value_kind", "point"),
        ("value_a", "80000"),
        ("unit", "container"),
        ("as_of", "2025-09-01"),
        ("public", "2025-09-01"),
        ("change_note", "a much larger container count"),
        ("est_variable", "containers"),
        ("est_dist", "pert"),
        ("est_low", "90000"),
        ("est_mode", "70000"),
        ("est_high", "60000"),
        ("est_note", "test: far more containers"),
        ("action", "preview"),
    ] {
        set(&mut form, k, v);
    }
    // low > high: the dataset validator's error, beside the estimate's field
    let r = ana.post("/dash/edit/claim", &form);
    assert_eq!(r.status, 422, "{}", r.body);
    let doc = Html::parse_document(&r.body);
    let errs: Vec<String> = ["#f-est_low-error", "#f-est_high-error", "#f-est_mode-error"]
        .iter()
        .flat_map(|css| {
            doc.select(&Selector::parse(css).unwrap()).map(|e| e.text().collect::<String>()).collect::<Vec<_>>()
        })
        .collect();
    assert!(errs.iter().any(|e| e.contains("the new estimate of containers")), "{errs:?}\n{}", r.body);
    // a parameter the distribution lacks is named too
    set(&mut form, "est_sd", "5");
    let r = ana.post("/dash/edit/claim", &form);
    assert!(text_of(&r.body, "#f-est_sd-error").contains("a pert has no `sd`"));
    set(&mut form, "est_sd", "");
    assert!(s.rt.block_on(s.store().changes(None)).unwrap().is_empty(), "nothing stored");

    // Preview: the headline median moves up.
    set(&mut form, "est_low", "60000");
    set(&mut form, "est_high", "90000");
    let r = ana.post("/dash/edit/claim", &form);
    assert_eq!(r.status, 200, "{}", r.body);
    let medians: Vec<f64> = Html::parse_document(&r.body)
        .select(&Selector::parse("#preview tbody tr td.num:first-of-type").unwrap())
        .take(2) // the headline's table: now, with this change (the figures the change moves follow)
        .map(|e| parse_scaled(&e.text().collect::<String>()))
        .collect();
    assert_eq!(medians.len(), 2, "{}", r.body);
    assert!(medians[1] > medians[0] * 1.2, "the preview's median moves up: {medians:?}");
    assert!((medians[0] - before).abs() <= before * 0.01, "'Now' is the overview's median: {medians:?} vs {before}");

    // Submit: one change with two edits; the overview does not move until a reviewer approves.
    set(&mut form, "action", "submit");
    let r = ana.post("/dash/edit/claim", &form);
    assert_eq!(r.status, 303, "{}", r.body);
    let change = r.location.unwrap();
    let changes = s.rt.block_on(s.store().changes(None)).unwrap();
    assert_eq!(changes.len(), 1);
    let files: Vec<&str> = changes[0].edits.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(files, ["claims.toml", "variables.toml"]);
    let var_after = changes[0].edits[1].after.as_deref().unwrap();
    let var_before = changes[0].edits[1].before.as_deref().unwrap();
    assert!(var_after.starts_with(var_before.trim_end()), "the variable's record is kept, the estimate appended");
    assert!(var_after.contains("public = 2025-09-01\ndist = \"pert\"\nlow = 60000\nmode = 70000\nhigh = 90000\nclaims = [\"containers-test-2025-09\"]"), "{var_after}");
    assert_eq!(headline(&ana), before_html, "a proposal alone changes nothing");

    // The reviewer approves: the overview's median moves.
    let approve = format!("{change}/approve");
    let r = rev.post(&approve, &form_fields(&rev.get(&change).body, &approve));
    assert_eq!(r.status, 303, "{}", r.body);
    let after = median(&ana);
    assert!(after > before * 1.2, "approved: the headline median moved from {before} to {after}");
    assert!((after - medians[1]).abs() <= after * 0.01, "as the preview said: {after} vs {medians:?}");

    // Revert restores the headline byte for byte.
    let revert = format!("{change}/revert");
    let r = rev.post(&revert, &form_fields(&rev.get(&change).body, &revert));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(headline(&ana), before_html, "reverted");
}

#[test]
fn a_claim_can_carry_an_estimate_of_a_variable_with_one_undated_distribution_and_an_expression_takes_none() {
    let s = Server::start(|_| {});
    s.add_user("ana", UserRole::Analyst);
    let ana = s.signed_in("ana");
    let page = ana.get("/dash/edit/claim");
    // price_kn23 has one undated distribution; price_122_shell is an expression of other variables
    assert!(page.body.contains("<option value=\"price_kn23\">price_kn23 — "), "{}", page.body);
    assert!(!page.body.contains("<option value=\"price_122_shell\">"), "an expression is offered");

    let mut form = ana.form("/dash/edit/claim", "/dash/edit/claim");
    for (k, v) in [
        ("id", "price-kn23-test-2025-10"),
        ("sources", "newspim-2025-07-13"),
        ("measure", "price of a KN-23 missile"),
        ("value_kind", "point"),
        ("value_a", "20000000"),
        ("unit", "USD"),
        ("as_of", "2025-10-01"),
        ("public", "2025-10-01"),
        ("change_note", "a far higher missile price"),
        ("est_variable", "price_kn23"),
        ("est_dist", "pert"),
        ("est_low", "15e6"),
        ("est_mode", "20e6"),
        ("est_high", "30e6"),
        ("action", "preview"),
    ] {
        set(&mut form, k, v);
    }
    let r = ana.post("/dash/edit/claim", &form);
    assert_eq!(r.status, 200, "{}", r.body);
    let medians: Vec<f64> = Html::parse_document(&r.body)
        .select(&Selector::parse("#preview tbody tr td.num:first-of-type").unwrap())
        .take(2)
        .map(|e| parse_scaled(&e.text().collect::<String>()))
        .collect();
    assert_eq!(medians.len(), 2, "{}", r.body);
    assert!(medians[1] > medians[0], "a five-fold missile price moves the median up: {medians:?}");
    set(&mut form, "action", "submit");
    let r = ana.post("/dash/edit/claim", &form);
    assert_eq!(r.status, 303, "{}", r.body);
    let changes = s.rt.block_on(s.store().changes(None)).unwrap();
    let c = &changes[0];
    let var = c.edits.iter().find(|e| e.file == "variables.toml").expect("the variable's edit");
    let text = var.after.as_deref().unwrap();
    // the old distribution is now the first dated estimate, dated by its latest claim (value-bloomberg-2023)
    assert!(text.contains("[[variable.estimate]]\npublic = 2023-11-30\ndist = \"pert\"\nlow = 2e6"), "{text}");
    assert!(text.contains("[[variable.estimate]]\npublic = 2025-10-01\ndist = \"pert\"\nlow = 15000000"), "{text}");
}

#[test]
fn evidence_filters_and_each_claim_links_its_figures_to_their_explanation() {
    let s = Server::start(|_| {});
    let c = s.client();
    let all = c.get("/dash/evidence");
    assert_eq!(all.status, 200, "{}", all.body);
    let n = |body: &str| count(body, "tbody tr");
    let total = n(&all.body);
    // full text
    let r = c.get("/dash/evidence?q=reuters");
    assert_eq!(r.status, 200);
    assert!(n(&r.body) > 0 && n(&r.body) < total);
    assert!(r.body.contains(&format!("/dash/claims/{CLAIM}")));
    // grade: only claims at least this good
    let r = c.get("/dash/evidence?grade=A1");
    assert!(n(&r.body) < total);
    // a date range and a bad date named by its field
    let r = c.get("/dash/evidence?from=2025-01-01&to=2025-12-31");
    assert!(n(&r.body) < total && !r.body.contains("2023-10-13</td>"));
    let r = c.get("/dash/evidence?from=2025-02-30&grade=Z9");
    assert_eq!(r.status, 400);
    assert!(text_of(&r.body, "#f-from-error").contains("not a date"));
    assert!(text_of(&r.body, "#f-grade-error").contains("not a grade"));
    // category: the claims behind a figure of that category
    let r = c.get("/dash/evidence?category=artillery-shells");
    assert!(n(&r.body) > 0 && n(&r.body) < total);
    // a claim's figures link to their explanation, which explains the item
    let claim = c.get(&format!("/dash/claims/{CLAIM}"));
    assert_eq!(claim.status, 200);
    let href = Html::parse_document(&claim.body)
        .select(&Selector::parse("a[href^=\"/dash/explain/\"]").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("an item that rests on the claim");
    let e = c.get(&href);
    assert_eq!(e.status, 200, "{}", e.body);
    assert!(text_of(&e.body, "h1").starts_with("Explain: "));
    assert_eq!(c.get("/dash/explain/no-such-item").status, 404);
    assert_eq!(c.get("/dash/claims/no-such-claim").status, 404);
}

#[test]
fn an_analyst_adds_a_source_and_a_duplicate_id_is_refused_beside_its_field() {
    let s = Server::start(|_| {});
    s.add_user("ana", UserRole::Analyst);
    let a = s.signed_in("ana");
    let mut form = a.form("/dash/edit/source", "/dash/edit/source");
    for (k, v) in [
        ("id", "presseportal-2024-10-28"),
        ("title", "A new report"),
        ("publisher", "Somebody"),
        ("url", "https://example.org/report"),
        ("published", "2025-01-31"),
        ("reliability", "B"),
        ("credibility", "2"),
        ("change_note", "a new source"),
        ("action", "submit"),
    ] {
        set(&mut form, k, v);
    }
    let r = a.post("/dash/edit/source", &form);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(text_of(&r.body, "#f-id-error").contains("presseportal-2024-10-28"), "{}", r.body);
    set(&mut form, "id", "dash-test-2025-01");
    set(&mut form, "title", "");
    let r = a.post("/dash/edit/source", &form);
    assert_eq!(r.status, 422);
    assert!(text_of(&r.body, "#f-title-error").contains("required"));
    assert!(s.rt.block_on(s.store().changes(None)).unwrap().is_empty(), "nothing stored");
    set(&mut form, "title", "A new report");
    let r = a.post("/dash/edit/source", &form);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = a.get(r.location.as_deref().unwrap());
    assert!(page.body.contains("id = &quot;dash-test-2025-01&quot;"), "{}", page.body);
    assert!(page.body.contains("reliability = &quot;B&quot;"));
}
