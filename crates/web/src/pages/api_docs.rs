//! A readable page of the API, rendered from the same OpenAPI document the
//! API serves: no JavaScript, no third-party viewer, in the page's language
//! for its frame (the operations' texts are the developers' English).

use askama::Template;
use askama_web::WebTemplate;
use serde_json::Value;

use super::{Chrome, Page};

pub struct Operation {
    method: String,
    path: String,
    anchor: String,
    summary: String,
    description: String,
    tag: String,
    secured: bool,
    /// (name, location, required, description)
    params: Vec<(String, String, bool, String)>,
    body: Option<String>,
    /// (status, description, schema)
    responses: Vec<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_docs.html")]
pub struct ApiDocs {
    chrome: Chrome,
    title: String,
    version: String,
    description: String,
    operations: Vec<Operation>,
    schemas: Vec<(String, String)>,
}

fn schema_name(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if let Some(items) = v.get("items") {
        return format!("[{}]", schema_name(items));
    }
    v.get("type").map(|t| t.to_string().trim_matches('"').to_owned()).unwrap_or_default()
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

pub async fn show(page: Page) -> ApiDocs {
    let doc = serde_json::to_value(crate::api::openapi_document()).unwrap_or_default();
    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let params = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                (
                                    text(p, "name"),
                                    text(p, "in"),
                                    p.get("required").and_then(Value::as_bool).unwrap_or(false),
                                    text(p, "description"),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let body = op.pointer("/requestBody/content/application~1json/schema").map(schema_name);
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|rs| {
                        rs.iter()
                            .map(|(code, r)| {
                                let schema =
                                    r.pointer("/content/application~1json/schema").map(schema_name).unwrap_or_default();
                                (code.clone(), text(r, "description"), schema)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(Operation {
                    anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-")),
                    method: method.to_owned(),
                    path: path.clone(),
                    summary: text(op, "summary"),
                    description: text(op, "description"),
                    tag: op.pointer("/tags/0").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    secured: op.get("security").is_some(),
                    params,
                    body,
                    responses,
                });
            }
        }
    }
    operations.sort_by(|a, b| (&a.tag, &a.path).cmp(&(&b.tag, &b.path)));
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.iter().map(|(k, v)| (k.clone(), serde_json::to_string_pretty(v).unwrap_or_default())).collect())
        .unwrap_or_default();
    ApiDocs {
        title: doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("API").to_owned(),
        version: doc.pointer("/info/version").and_then(Value::as_str).unwrap_or_default().to_owned(),
        description: doc.pointer("/info/description").and_then(Value::as_str).unwrap_or_default().to_owned(),
        operations,
        schemas,
        chrome: page.chrome,
    }
}
