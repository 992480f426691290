//! Administration (admin role): dashboard users (add with a role and a first password, change a role) and the
//! server's API keys (list, create — the key is shown once —, revoke) through the same key store as
//! `entente keys`. User changes are audited by the store; the running server re-reads the key store at once.

use super::layout::{self, Field};
use super::session::{UserRole, Visitor, Who};
use crate::keys::{KeyStore, Role};
use crate::state::State;
use axum::extract::{Form, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/dash/admin", get(page))
        .route("/dash/admin/users", post(add_user))
        .route("/dash/admin/users/role", post(set_role))
        .route("/dash/admin/keys", post(create_key))
        .route("/dash/admin/keys/revoke", post(revoke_key))
}

const ROLES: &str = "select:viewer=viewer|analyst=analyst|reviewer=reviewer|admin=admin";
const KEY_ROLES: &str = "select:read=read|screen=screen|write=write|admin=admin";

/// What the page shows besides the lists: a notice, form errors (by field) and the form's values.
#[derive(Default)]
struct Extra {
    notice: Option<Markup>,
    errors: BTreeMap<&'static str, String>,
    values: BTreeMap<&'static str, String>,
}

async fn render(state: &State, who: &Who, status: StatusCode, x: Extra) -> Result<Response, Response> {
    let store = super::store(state, Some(who))?;
    let users = store.users().await.map_err(|e| super::store_error(e, Some(who)))?;
    let keys =
        KeyStore::load(&state.cfg.keys).map_err(|e| super::store_error(format!("key store: {e:#}"), Some(who)))?;
    let err = |k: &str| x.errors.get(k).map(String::as_str);
    let val = |k: &str| x.values.get(k).cloned().unwrap_or_default();
    let main = html! {
        @if let Some(n) = &x.notice { (n) }
        h2 { "Users" }
        div.scroll role="region" aria-label="Users" tabindex="0" {
            table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Created" } th scope="col" { "Locked until" } th scope="col" { "Change role" } } }
                tbody { @for u in &users {
                    tr {
                        th scope="row" { (u.name) }
                        td { (u.role.as_str()) }
                        td { (u.created) }
                        td { (u.locked_until.clone().unwrap_or_default()) }
                        td {
                            form.actions method="post" action="/dash/admin/users/role" {
                                (layout::csrf_field(who))
                                input type="hidden" name="name" value=(u.name);
                                label.muted for={"role-" (u.name)} { "Role of " (u.name) }
                                select id={"role-" (u.name)} name="role" {
                                    @for r in UserRole::ALL { option value=(r.as_str()) selected[r == u.role] { (r.as_str()) } }
                                }
                                button.secondary type="submit" { "Set" }
                            }
                        }
                    }
                } }
            }
        }
        h3 { "Add a user" }
        form.stack method="post" action="/dash/admin/users" {
            (layout::csrf_field(who))
            (Field { name: "name", label: "User name", value: &val("name"), hint: None, error: err("name"), kind: "text", required: true }.markup())
            (Field { name: "password", label: "First password", value: "", hint: Some("At least 10 characters; the user can be given a new one with entente users"), error: err("password"), kind: "password", required: true }.markup())
            (Field { name: "role", label: "Role", value: &val("role"), hint: None, error: err("role"), kind: ROLES, required: true }.markup())
            div.actions { button type="submit" { "Add user" } }
        }
        h2 { "API keys" }
        p.muted { "Keys of the JSON API (" code { (state.cfg.keys.display()) } "), the same store as " code { "entente keys" } "." }
        div.scroll role="region" aria-label="API keys" tabindex="0" {
            table {
                thead { tr { th scope="col" { "Id" } th scope="col" { "Role" } th scope="col" { "Name" } th scope="col" { "Created" } th scope="col" { "Revoke" } } }
                tbody { @for k in &keys.keys {
                    tr {
                        th scope="row" { code { (k.id) } }
                        td { (k.role.as_str()) } td { (k.name.clone().unwrap_or_default()) } td { (k.created) }
                        td {
                            form method="post" action="/dash/admin/keys/revoke" {
                                (layout::csrf_field(who))
                                input type="hidden" name="id" value=(k.id);
                                button.danger type="submit" aria-label={"Revoke key " (k.id)} { "Revoke" }
                            }
                        }
                    }
                } }
            }
        }
        h3 { "Create a key" }
        form.stack method="post" action="/dash/admin/keys" {
            (layout::csrf_field(who))
            (Field { name: "key_name", label: "Name", value: &val("key_name"), hint: Some("To recognise the key by"), error: err("key_name"), kind: "text", required: false }.markup())
            (Field { name: "key_role", label: "Role", value: &val("key_role"), hint: None, error: err("key_role"), kind: KEY_ROLES, required: true }.markup())
            div.actions { button type="submit" { "Create key" } }
        }
    };
    Ok(layout::respond(status, layout::Page { title: "Admin", nav: "/dash/admin", who: Some(who), main }.markup()))
}

async fn page(S(state): S<Arc<State>>, v: Visitor) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Admin, "Administration")?;
    render(&state, who, StatusCode::OK, Extra::default()).await
}

#[derive(serde::Deserialize)]
struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

/// Shortest password the dashboard accepts for a new user.
pub const MIN_PASSWORD: usize = 10;

async fn add_user(S(state): S<Arc<State>>, v: Visitor, Form(f): Form<UserForm>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Admin, "Adding a user")?;
    let store = super::store(&state, Some(who))?;
    let mut x = Extra::default();
    let name = f.name.trim();
    x.values.insert("name", name.to_string());
    x.values.insert("role", f.role.clone());
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
        x.errors.insert("name", "1 to 64 letters, digits, dots, hyphens, underscores or @".into());
    }
    if f.password.chars().count() < MIN_PASSWORD {
        x.errors.insert("password", format!("at least {MIN_PASSWORD} characters"));
    }
    let role = f.role.parse::<UserRole>();
    if let Err(e) = &role {
        x.errors.insert("role", e.to_string());
    }
    if x.errors.is_empty() {
        match store.add_user(name, &f.password, role.expect("checked"), &who.name).await {
            Ok(()) => {
                x.values.clear();
                x.notice =
                    Some(html! { p.notice role="status" { "Added user " strong { (name) } " (" (f.role) ")." } });
                return render(&state, who, StatusCode::OK, x).await;
            }
            Err(entente_store::Error::BadInput(m)) => {
                x.errors.insert("name", m);
            }
            Err(e) => return Err(super::store_error(e, Some(who))),
        }
    }
    render(&state, who, StatusCode::UNPROCESSABLE_ENTITY, x).await
}

#[derive(serde::Deserialize)]
struct RoleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

async fn set_role(S(state): S<Arc<State>>, v: Visitor, Form(f): Form<RoleForm>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Admin, "Changing a role")?;
    let store = super::store(&state, Some(who))?;
    let role = f
        .role
        .parse::<UserRole>()
        .map_err(|e| layout::error_page(StatusCode::BAD_REQUEST, "Bad role", &format!("role: {e}"), Some(who)))?;
    match store.set_role(&f.name, role, &who.name).await {
        Ok(()) => Ok(Redirect::to("/dash/admin").into_response()),
        Err(entente_store::Error::NotFound(m) | entente_store::Error::BadInput(m)) => {
            Err(layout::error_page(StatusCode::BAD_REQUEST, "Role not changed", &format!("name: {m}"), Some(who)))
        }
        Err(e) => Err(super::store_error(e, Some(who))),
    }
}

#[derive(serde::Deserialize)]
struct KeyForm {
    #[serde(default)]
    key_name: String,
    #[serde(default)]
    key_role: String,
}

async fn create_key(S(state): S<Arc<State>>, v: Visitor, Form(f): Form<KeyForm>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Admin, "Creating an API key")?;
    let Some(role) = Role::parse(&f.key_role) else {
        let mut x = Extra::default();
        x.errors.insert("key_role", format!("`{}` is not read, screen, write or admin", f.key_role));
        return render(&state, who, StatusCode::UNPROCESSABLE_ENTITY, x).await;
    };
    let path = state.cfg.keys.clone();
    let name = Some(f.key_name.trim().to_string()).filter(|s| !s.is_empty());
    let label = name.clone();
    let made = tokio::task::spawn_blocking(move || -> anyhow::Result<(String, String)> {
        let mut ks = KeyStore::load(&path)?;
        let (rec, key) = ks.create(role, name)?;
        ks.save(&path)?;
        Ok((rec.id, key))
    })
    .await
    .map_err(|e| super::store_error(e, Some(who)))?
    .map_err(|e| super::store_error(format!("key store: {e:#}"), Some(who)))?;
    state.refresh_keys();
    crate::log::event("keys", &format!("key {} (role {role}) created by dashboard user {}", made.0, who.name));
    // audited with its id, role and label; never the key itself
    let store = super::store(&state, Some(who))?;
    store
        .record_audit(
            &who.name,
            "key-create",
            &format!("api key {}", made.0),
            None,
            Some(&key_summary(role, label.as_deref())),
        )
        .await
        .map_err(|e| super::store_error(e, Some(who)))?;
    let x = Extra {
        notice: Some(html! {
            div.notice role="status" {
                p { "Created key " code { (made.0) } " with role " (role.as_str()) ". It is shown only now: copy it." }
                p { label for="new-key" { "The key" } " " input #new-key type="text" readonly value=(made.1) size="60"; }
            }
        }),
        ..Extra::default()
    };
    render(&state, who, StatusCode::OK, x).await
}

#[derive(serde::Deserialize)]
struct RevokeForm {
    #[serde(default)]
    id: String,
}

async fn revoke_key(S(state): S<Arc<State>>, v: Visitor, Form(f): Form<RevokeForm>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Admin, "Revoking an API key")?;
    let path = state.cfg.keys.clone();
    let id = f.id.clone();
    let found = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<String>> {
        let mut ks = KeyStore::load(&path)?;
        let Some(rec) = ks.keys.iter().find(|k| k.id == id) else { return Ok(None) };
        let before = key_summary(rec.role, rec.name.as_deref());
        ks.revoke(&id);
        ks.save(&path)?;
        Ok(Some(before))
    })
    .await
    .map_err(|e| super::store_error(e, Some(who)))?
    .map_err(|e| super::store_error(format!("key store: {e:#}"), Some(who)))?;
    let Some(before) = found else {
        return Err(layout::error_page(
            StatusCode::NOT_FOUND,
            "No such key",
            &format!("id: no key `{}`", f.id),
            Some(who),
        ));
    };
    state.refresh_keys();
    crate::log::event("keys", &format!("key {} revoked by dashboard user {}", f.id, who.name));
    let store = super::store(&state, Some(who))?;
    store
        .record_audit(&who.name, "key-revoke", &format!("api key {}", f.id), Some(&before), None)
        .await
        .map_err(|e| super::store_error(e, Some(who)))?;
    Ok(Redirect::to("/dash/admin").into_response())
}

/// What the audit log says of an API key: its role and label (never the key).
fn key_summary(role: Role, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("role {}, label {l}", role.as_str()),
        None => format!("role {}, no label", role.as_str()),
    }
}
