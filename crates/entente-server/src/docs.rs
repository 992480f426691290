//! The docs page: one self-contained HTML page (no script, no font, nothing loaded from elsewhere) listing every
//! operation of the OpenAPI document with its parameters, request body and responses.

use axum::response::{Html, Redirect};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page, built once from the OpenAPI document.
pub fn html() -> String {
    let doc: serde_json::Value = serde_json::from_str(&crate::openapi_json()).unwrap_or_default();
    let mut out = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>entente API</title>\
         <style>body{font:15px/1.45 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}\
         code,pre{font:13px ui-monospace,monospace;background:#f4f4f4;padding:0 .2em}\
         h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin:1.4em 0 .3em}\
         .m{display:inline-block;min-width:3.5em;font-weight:bold}.get{color:#06c}.post{color:#090}\
         table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #ddd;padding:.15em .5em;text-align:left;vertical-align:top}</style>\
         </head><body>",
    );
    let info = &doc["info"];
    out.push_str(&format!(
        "<h1>{} {}</h1><p>{}</p><p>The machine-readable document: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI {}).</p>",
        esc(info["title"].as_str().unwrap_or("entente")),
        esc(info["version"].as_str().unwrap_or("")),
        esc(info["description"].as_str().unwrap_or("")),
        esc(doc["openapi"].as_str().unwrap_or(""))
    ));
    let empty = serde_json::Map::new();
    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    (t["name"].as_str().unwrap_or("").to_string(), t["description"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    for (tag, about) in &tags {
        out.push_str(&format!("<h2>{}</h2><p>{}</p>", esc(tag), esc(about)));
        for (path, item) in paths {
            for method in ["get", "post", "put", "delete"] {
                let Some(op) = item.get(method) else { continue };
                if !op["tags"].as_array().is_some_and(|t| t.iter().any(|x| x.as_str() == Some(tag))) {
                    continue;
                }
                out.push_str(&format!(
                    "<h3><span class=\"m {method}\">{}</span> <code>{}</code></h3>",
                    method.to_uppercase(),
                    esc(path)
                ));
                for k in ["summary", "description"] {
                    if let Some(s) = op[k].as_str() {
                        out.push_str(&format!("<p>{}</p>", esc(s)));
                    }
                }
                if let Some(ps) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                    out.push_str("<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>");
                    for p in ps {
                        out.push_str(&format!(
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(p["name"].as_str().unwrap_or("")),
                            esc(p["in"].as_str().unwrap_or("")),
                            if p["required"].as_bool().unwrap_or(false) { "yes" } else { "" },
                            esc(p["description"].as_str().unwrap_or(""))
                        ));
                    }
                    out.push_str("</table>");
                }
                if let Some(b) = op["requestBody"]["content"].as_object() {
                    let types: Vec<&str> = b.keys().map(String::as_str).collect();
                    out.push_str(&format!("<p>Request body: {}</p>", esc(&types.join(", "))));
                }
                if let Some(rs) = op["responses"].as_object() {
                    out.push_str("<table><tr><th>status</th><th>meaning</th></tr>");
                    for (code, r) in rs {
                        out.push_str(&format!(
                            "<tr><td>{}</td><td>{}</td></tr>",
                            esc(code),
                            esc(r["description"].as_str().unwrap_or(""))
                        ));
                    }
                    out.push_str("</table>");
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// `GET /docs`.
pub async fn page() -> Html<String> {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    Html(PAGE.get_or_init(html).clone())
}

/// `GET /`: to the docs.
pub async fn index() -> Redirect {
    Redirect::to("/docs")
}
