//! Store behaviour on SQLite, and on PostgreSQL when `ENTENTE_TEST_POSTGRES` names an empty database (each test
//! uses a fresh schema). With `CI` set and no `ENTENTE_TEST_POSTGRES`, the PostgreSQL tests fail.

use entente_store::ledger::set_fields;
use entente_store::{
    embedded_files, open, ChangeSet, Edit, Error, Files, LoginError, NewAlert, Op, Status, Store, UserRole, Verdict,
};
use sqlx::Connection;

/// A PostgreSQL URL with a fresh schema, or None when PostgreSQL is not configured (an error under CI).
async fn pg_url() -> Option<String> {
    let base = match std::env::var("ENTENTE_TEST_POSTGRES") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but ENTENTE_TEST_POSTGRES is not: the PostgreSQL store tests must run in CI"
            );
            eprintln!("ENTENTE_TEST_POSTGRES not set: PostgreSQL store tests not run");
            return None;
        }
    };
    sqlx::any::install_default_drivers();
    let schema = format!(
        "t_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    let mut conn = sqlx::AnyConnection::connect(&base).await.expect("connect to ENTENTE_TEST_POSTGRES");
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options[search_path]={schema}"))
}

/// A fresh store on every configured backend (SQLite always).
async fn stores() -> Vec<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(open(dir.path().join("s.db").to_str().unwrap()).await.unwrap(), dir)];
    if let Some(url) = pg_url().await {
        out.push((open(&url).await.unwrap(), tempfile::tempdir().unwrap()));
    }
    out
}

fn claim_text(s: &Files, id: &str) -> String {
    entente_store::ledger::split("claims.toml", &s.files["claims.toml"])
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("claim {id}"))
        .text
}

fn update(id: &str, text: String) -> ChangeSet {
    ChangeSet {
        note: format!("edit {id}"),
        edits: vec![Edit { file: "claims.toml".into(), id: id.into(), op: Op::Update, text: Some(text) }],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_open_seeds_the_embedded_dataset_once() {
    for (store, dir) in stores().await {
        let files = store.files().await.unwrap();
        assert_eq!(files.files, embedded_files().files, "{:?}", store.backend());
        assert_eq!(store.revision().await.unwrap(), 1);
        let audit = store.audit(10, None).await.unwrap();
        assert_eq!(audit.iter().filter(|a| a.action == "seed").count(), 1);
        let claims = store.records("claims.toml").await.unwrap();
        assert_eq!(claims.iter().filter(|r| r.kind == "claim").count(), 229);
        assert_eq!(claims[1].id, "fnf-2024-total");
        if store.backend() == entente_store::Backend::Sqlite {
            store.close().await;
            let again = open(dir.path().join("s.db").to_str().unwrap()).await.unwrap();
            assert_eq!(again.revision().await.unwrap(), 1, "a second open does not seed again");
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(again.pool()).await.unwrap();
            assert_eq!(mode, "wal");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_import_stores_nothing_and_names_every_error() {
    for (store, _dir) in stores().await {
        let mut files = embedded_files();
        let c = files.files.get_mut("claims.toml").unwrap();
        *c = c.replacen("public = 2024-10-28", "public = \"yesterday\"", 1);
        let s = files.files.get_mut("sources.toml").unwrap();
        *s = s.replacen("reliability = \"B\"", "reliability = \"Q\"", 1);
        let err = store.import(&files, "tester").await.unwrap_err();
        let Error::Dataset(errs) = err else { panic!("{err}") };
        assert!(errs.0.iter().any(|e| e.file == "claims.toml" && e.field == "public" && e.line.is_some()), "{errs}");
        assert!(errs.0.iter().any(|e| e.file == "sources.toml" && e.field == "reliability"), "{errs}");
        assert_eq!(store.revision().await.unwrap(), 1);
        assert_eq!(store.files().await.unwrap().files, embedded_files().files);
        assert!(store.audit(100, None).await.unwrap().iter().all(|a| a.action != "import"));
        // a valid changed dataset replaces the ledger in one revision, audited with both hashes
        let mut files = embedded_files();
        let c = files.files.get_mut("claims.toml").unwrap();
        *c = c.replacen("'about USD 23 bn'.", "'about USD 23 bn' (re-read).", 1);
        assert_eq!(store.import(&files, "tester").await.unwrap(), 2);
        assert_eq!(store.files().await.unwrap().files, files.files);
        let a = &store.audit(1, None).await.unwrap()[0];
        assert_eq!((a.action.as_str(), a.actor.as_str()), ("import", "tester"));
        assert_ne!(a.before, a.after);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propose_approve_conflict_revert() {
    for (store, _dir) in stores().await {
        let base = store.files().await.unwrap();
        let rec = claim_text(&base, "dpa-2024-gdp");
        // invalid proposal: per-field errors on the record, nothing stored
        let bad = set_fields(&rec, &[("public", toml_edit::value("soon"))]).unwrap();
        let Err(Error::Invalid(errs)) = store.propose("ana", &update("dpa-2024-gdp", bad)).await else {
            panic!("an invalid proposal is refused")
        };
        assert!(errs.iter().any(|e| e.id == "dpa-2024-gdp" && e.field == "public"), "{errs:?}");
        assert!(store.changes(None).await.unwrap().is_empty());

        let a_text = set_fields(&rec, &[("note", toml_edit::value("first edit"))]).unwrap();
        let b_text = set_fields(&rec, &[("note", toml_edit::value("second edit"))]).unwrap();
        let a = store.propose("ana", &update("dpa-2024-gdp", a_text.clone())).await.unwrap();
        let b = store.propose("bob", &update("dpa-2024-gdp", b_text)).await.unwrap();
        assert_eq!(store.change(a).await.unwrap().edits[0].before.as_deref(), Some(rec.as_str()));
        assert_eq!(store.changes(Some(Status::Proposed)).await.unwrap().len(), 2);

        // the author may not approve their own change
        assert!(matches!(store.approve(a, "ana").await, Err(Error::Forbidden(_))));
        let rev = store.approve(a, "rev").await.unwrap();
        assert_eq!(rev, 2);
        assert_eq!(claim_text(&store.files().await.unwrap(), "dpa-2024-gdp"), a_text);
        // b was proposed on the record before a moved it on: a conflict, not an overwrite
        match store.approve(b, "rev").await {
            Err(Error::Conflict { id, records }) => {
                assert_eq!(id, b);
                assert_eq!(records, vec!["claims.toml dpa-2024-gdp".to_string()]);
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(store.change(b).await.unwrap().status, Status::Proposed);
        assert_eq!(claim_text(&store.files().await.unwrap(), "dpa-2024-gdp"), a_text);
        store.reject(b, "rev", "superseded").await.unwrap();
        assert_eq!(store.change(b).await.unwrap().status, Status::Rejected);

        // revert: the inverse as a new approved change; the ledger is the original byte for byte
        let rev = store.revert(a, "rev").await.unwrap();
        assert_eq!(rev, 3);
        assert_eq!(store.files().await.unwrap().files, base.files);
        assert_eq!(store.change(a).await.unwrap().status, Status::Reverted);
        let newest = &store.changes(None).await.unwrap()[0];
        assert_eq!((newest.reverts, newest.status), (Some(a), Status::Approved));
        let actions: Vec<String> = store.audit(100, None).await.unwrap().into_iter().map(|a| a.action).collect();
        for want in ["propose", "approve", "reject", "revert"] {
            assert!(actions.iter().any(|a| a == want), "{want} audited: {actions:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_and_delete_records() {
    for (store, _dir) in stores().await {
        let base = store.files().await.unwrap();
        let new_claim = "# added in a test\n[[claim]]\nid = \"test-added\"\nsources = [\"watson-dpa-2024-10-28\"]\n\
                         measure = \"a test figure\"\nvalue = { point = 1 }\nunit = \"USD\"\nas_of = 2024-10-28\npublic = 2024-10-28\n\n";
        let add = ChangeSet {
            note: "add".into(),
            edits: vec![Edit {
                file: "claims.toml".into(),
                id: String::new(),
                op: Op::Add,
                text: Some(new_claim.into()),
            }],
        };
        let id = store.propose("ana", &add).await.unwrap();
        assert_eq!(store.change(id).await.unwrap().edits[0].id, "test-added");
        store.approve(id, "rev").await.unwrap();
        assert_eq!(claim_text(&store.files().await.unwrap(), "test-added"), new_claim);
        // deleting a claim a variable rests on is refused with the error on the referencing record
        let del = ChangeSet {
            note: "del".into(),
            edits: vec![Edit {
                file: "claims.toml".into(),
                id: "containers-kirby-2023-10".into(),
                op: Op::Delete,
                text: None,
            }],
        };
        let Err(Error::Invalid(errs)) = store.propose("ana", &del).await else { panic!("delete of a used claim") };
        assert!(errs.iter().any(|e| e.file == "variables.toml" && e.id == "containers"), "{errs:?}");
        store.revert(id, "rev").await.unwrap();
        assert_eq!(store.files().await.unwrap().files, base.files);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_is_append_only() {
    for (store, _dir) in stores().await {
        let n = store.audit(1000, None).await.unwrap().len();
        assert!(n >= 1);
        let upd = sqlx::query("UPDATE audit SET actor = 'mallory'").execute(store.pool()).await;
        assert!(upd.is_err(), "UPDATE on audit must fail ({:?})", store.backend());
        assert!(upd.unwrap_err().to_string().contains("append-only"));
        assert!(sqlx::query("DELETE FROM audit").execute(store.pool()).await.is_err());
        let after = store.audit(1000, None).await.unwrap();
        assert_eq!(after.len(), n);
        assert!(after.iter().all(|a| a.actor != "mallory"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_outside_the_store_are_audited() {
    for (store, _dir) in stores().await {
        let id = store
            .record_audit("adm", "key-create", "api key abc123", None, Some("role admin, label ci"))
            .await
            .unwrap();
        let last = &store.audit(1, None).await.unwrap()[0];
        assert_eq!(last.id, id);
        assert_eq!(
            (last.actor.as_str(), last.action.as_str(), last.target.as_str()),
            ("adm", "key-create", "api key abc123")
        );
        assert_eq!((last.before.as_deref(), last.after.as_deref()), (None, Some("role admin, label ci")));
        assert!(matches!(
            store.record_audit("adm", " ", "x", None, None).await,
            Err(entente_store::Error::BadInput(_))
        ));
        assert_eq!(store.audit(1, None).await.unwrap()[0].id, id, "a refused entry writes nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_lockout_and_sessions() {
    for (store, _dir) in stores().await {
        store.add_user("ana", "correct horse", UserRole::Analyst, "admin").await.unwrap();
        assert!(matches!(
            store.add_user("ana", "another one", UserRole::Viewer, "admin").await,
            Err(Error::BadInput(_))
        ));
        assert!(matches!(store.add_user("bob", "short", UserRole::Viewer, "admin").await, Err(Error::BadInput(_))));
        let u = store.login("ana", "correct horse").await.unwrap();
        assert_eq!(u.role, UserRole::Analyst);
        // unknown user and wrong password: the same message
        let unknown = store.login("nobody", "correct horse").await.unwrap_err().to_string();
        let wrong = store.login("ana", "wrong horse").await.unwrap_err();
        assert!(matches!(wrong, LoginError::Invalid));
        assert_eq!(unknown, wrong.to_string());
        for _ in 0..3 {
            assert!(matches!(store.login("ana", "wrong horse").await, Err(LoginError::Invalid)));
        }
        // the fifth failure in a row locks; then even the right password is refused
        assert!(matches!(store.login("ana", "wrong horse").await, Err(LoginError::Locked { .. })));
        match store.login("ana", "correct horse").await {
            Err(LoginError::Locked { until }) => assert!(until > entente_store::now()),
            other => panic!("locked account logged in: {other:?}"),
        }
        assert!(store.user("ana").await.unwrap().locked_until.is_some());
        // an admin resetting the password unlocks
        store.set_password("ana", "battery staple", "admin").await.unwrap();
        store.login("ana", "battery staple").await.unwrap();

        let s1 = store.create_session("ana").await.unwrap();
        let s2 = store.create_session("ana").await.unwrap();
        assert_ne!(s1.token, s2.token);
        assert_ne!(s1.csrf, s2.csrf);
        assert_ne!(s1.csrf, s1.token);
        assert_eq!(s1.token.len(), 64);
        let live = store.session(&s1.token).await.unwrap().unwrap();
        assert_eq!((live.user.as_str(), live.role, live.csrf.as_str()), ("ana", UserRole::Analyst, s1.csrf.as_str()));
        // only a hash of the token is stored
        let stored: Vec<String> =
            sqlx::query_scalar("SELECT token_sha256 FROM session").fetch_all(store.pool()).await.unwrap();
        assert!(!stored.is_empty() && stored.iter().all(|t| *t != s1.token && *t != s2.token));
        store.set_role("ana", UserRole::Reviewer, "admin").await.unwrap();
        assert_eq!(store.session(&s1.token).await.unwrap().unwrap().role, UserRole::Reviewer);
        store.end_session(&s1.token).await.unwrap();
        assert!(store.session(&s1.token).await.unwrap().is_none());
        assert!(store.session(&s2.token).await.unwrap().is_some());
        assert!(store.session("not a token").await.unwrap().is_none());
        assert_eq!("reviewer".parse::<UserRole>().unwrap(), UserRole::Reviewer);
        assert!("root".parse::<UserRole>().is_err());
        assert!(UserRole::Admin > UserRole::Reviewer && UserRole::Analyst > UserRole::Viewer);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_decisions_allow_list() {
    for (store, _dir) in stores().await {
        let alert = |q: &str, e: &str| NewAlert {
            query: q.into(),
            entity_id: e.into(),
            entity_name: "Some Entity".into(),
            list: "un".into(),
            score: 0.91,
            explanation_json: "{}".into(),
        };
        let ids = store.record_alerts("ana", &[alert("Ivan  PETROV", "un-1"), alert("Kim", "un-2")]).await.unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(store.alerts(true).await.unwrap().len(), 2);
        let d = store.decide(ids[0], Verdict::FalsePositive, "other person", "ana", Some(30)).await.unwrap();
        assert!(d.allow_expires.is_some());
        store.decide(ids[1], Verdict::TrueMatch, "it is him", "ana", None).await.unwrap();
        assert!(matches!(
            store.decide(ids[1], Verdict::FalsePositive, "again", "ana", None).await,
            Err(Error::BadInput(_))
        ));
        let allow = store.allow_list().await.unwrap();
        assert_eq!(allow.len(), 1);
        assert_eq!((allow[0].query_key.as_str(), allow[0].entity_id.as_str()), ("ivan petrov", "un-1"));
        assert_eq!(allow[0].query_key, entente_store::query_key(" ivan Petrov "));
        assert!(store.alerts(true).await.unwrap().is_empty());
        let all = store.alerts(false).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].decision.as_ref().unwrap().verdict, Verdict::TrueMatch);
        assert!((all[1].score - 0.91).abs() < 1e-12);
        assert!(matches!(store.decide(999_999, Verdict::TrueMatch, "", "ana", None).await, Err(Error::NotFound(_))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_approvals_of_the_same_record_give_one_winner() {
    for (store, _dir) in stores().await {
        let base = store.files().await.unwrap();
        let rec = claim_text(&base, "dpa-2024-gdp");
        let mut ids = Vec::new();
        for i in 0..4 {
            let text = set_fields(&rec, &[("note", toml_edit::value(format!("racer {i}")))]).unwrap();
            ids.push(store.propose("ana", &update("dpa-2024-gdp", text)).await.unwrap());
        }
        let tasks: Vec<_> = ids
            .iter()
            .map(|&id| {
                let s = store.clone();
                tokio::spawn(async move { s.approve(id, "rev").await })
            })
            .collect();
        let mut won = Vec::new();
        for (t, id) in tasks.into_iter().zip(&ids) {
            match t.await.unwrap() {
                Ok(_) => won.push(*id),
                Err(Error::Conflict { .. }) => {}
                Err(e) => panic!("{:?}: {e}", store.backend()),
            }
        }
        assert_eq!(won.len(), 1, "{:?}: exactly one approval wins", store.backend());
        assert_eq!(store.revision().await.unwrap(), 2);
        let winner = store.change(won[0]).await.unwrap();
        assert_eq!(claim_text(&store.files().await.unwrap(), "dpa-2024-gdp"), winner.edits[0].after.clone().unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_row_whose_key_changes_is_approved_and_reverted() {
    for (store, _dir) in stores().await {
        let base = store.files().await.unwrap();
        let rows = store.records("trade.csv").await.unwrap();
        let row = rows.iter().find(|r| r.kind == "row").unwrap();
        assert_eq!(row.id, "2012-01-01|2012-06-30|total|yonhap-2012-09-22");
        let edited = row.text.replace("2012-06-30", "2012-07-31");
        let change = ChangeSet {
            note: "period end".into(),
            edits: vec![Edit {
                file: "trade.csv".into(),
                id: row.id.clone(),
                op: Op::Update,
                text: Some(edited.clone()),
            }],
        };
        let id = store.propose("ana", &change).await.unwrap();
        store.approve(id, "rev").await.unwrap();
        let now = store.records("trade.csv").await.unwrap();
        assert!(now.iter().any(|r| r.id == "2012-01-01|2012-07-31|total|yonhap-2012-09-22" && r.text == edited));
        store.revert(id, "rev").await.unwrap();
        assert_eq!(store.files().await.unwrap().files, base.files, "{:?}", store.backend());
    }
}

fn finished_job(id: &str, owner: &str, created: &str, outcome: entente_store::JobOutcome) -> entente_store::StoredJob {
    entente_store::StoredJob {
        id: id.into(),
        owner: owner.into(),
        name: format!("{id}.csv"),
        created: created.into(),
        finished: created.into(),
        outcome,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_are_kept_across_a_reopen_and_the_oldest_forgotten() {
    use entente_store::{JobCounts, JobOutcome};
    for (store, dir) in stores().await {
        let done = |recorded: Result<Vec<i64>, String>| {
            JobOutcome::Done(JobCounts {
                parties: 3,
                alerting: 1,
                hits: 2,
                allowed: 1,
                already_open: 0,
                recorded,
                csv: "query,score\nIvan,0.9\n".into(),
                json: "{\"results\":[]}\n".into(),
            })
        };
        let a = finished_job("a1", "ana", "2026-12-01T10:00:00.000Z", done(Ok(vec![4, 7])));
        let b = finished_job("b2", "bob", "2026-12-01T11:00:00.000Z", JobOutcome::Failed("lists gone".into()));
        let c = finished_job("c3", "ana", "2026-12-01T12:00:00.000Z", done(Err("needs the analyst role".into())));
        for j in [&a, &b, &c] {
            store.save_job(j, 2).await.unwrap();
        }
        // keep 2: the oldest is forgotten; the others read back whole
        assert_eq!(store.job("a1").await.unwrap(), None);
        assert_eq!(store.job("b2").await.unwrap().as_ref(), Some(&b));
        assert_eq!(store.job("c3").await.unwrap().as_ref(), Some(&c));
        let all: Vec<String> = store.jobs(None, 10).await.unwrap().into_iter().map(|j| j.id).collect();
        assert_eq!(all, ["c3", "b2"], "newest first");
        let ana = store.jobs(Some("ana"), 10).await.unwrap();
        assert_eq!(ana.len(), 1);
        assert_eq!((ana[0].parties, ana[0].alerting, ana[0].error.as_deref()), (3, 1, None));
        assert_eq!(store.jobs(Some("bob"), 10).await.unwrap()[0].error.as_deref(), Some("lists gone"));
        // a job is stored once
        assert!(store.save_job(&c, 2).await.is_err());
        let d = finished_job("d4", "ana", "2026-12-01T13:00:00.000Z", done(Ok(vec![9])));
        store.save_job(&d, 2).await.unwrap();
        if store.backend() == entente_store::Backend::Sqlite {
            store.close().await;
            let again = open(dir.path().join("s.db").to_str().unwrap()).await.unwrap();
            assert_eq!(again.job("d4").await.unwrap().as_ref(), Some(&d), "a reopen keeps finished jobs");
        }
    }
}
