//! Auditing every mutating call, in one place around the routes rather than in
//! each handler, so that none is forgotten and refusals are recorded too: who
//! (the principal the authentication found), what (the OpenAPI operation), on
//! which cluster and targets (read from the path, the query and the JSON
//! body), and the result (the status, the error, how many nodes succeeded).
//! `GET /api/v1/audit` reads the newest events back (operator).

use std::collections::HashMap;

use chrono::Utc;
use poem::http::Method;
use poem::web::Data;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, OperationId};
use serde_json::Value;

use super::{Tag, error::Result};
use crate::app::App;
use crate::app::audit::AuditEvent;
use crate::auth::Principal;

/// Bodies larger than this are passed on unread: no mutating call sends or answers one.
const READ_LIMIT: usize = 1 << 20;

#[derive(Debug, Object)]
pub struct AuditEvents {
    /// Newest first.
    pub events: Vec<AuditEvent>,
}

#[derive(Default)]
pub struct AuditApi;

#[OpenApi(tag = "Tag::Operations")]
impl AuditApi {
    /// Read the audit log (operator)
    ///
    /// The newest mutating calls, newest first (the last 1000 are kept; every
    /// one is also logged under the target `nodecast::audit`).
    #[oai(path = "/api/v1/audit", method = "get", operation_id = "listAudit")]
    async fn list(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        /// Events to return, 1 to 1000; 100 when left out.
        limit: Query<Option<u32>>,
    ) -> Result<Json<AuditEvents>> {
        principal.may_operate(None)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(super::Error::bad_request(format!("limit: 1 to 1000, got {limit}")));
        }
        Ok(Json(AuditEvents { events: app.audit().recent(limit as usize) }))
    }
}

/// Calls `endpoint`, and records the call in the app's audit log when it is mutating.
pub async fn around<E: Endpoint>(endpoint: std::sync::Arc<E>, mut request: Request) -> poem::Result<Response> {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return endpoint.call(request).await.map(IntoResponse::into_response);
    }
    let principal = request.extensions().get::<Principal>().map_or("unauthenticated", Principal::name).to_owned();
    let app = request.data::<App>().cloned();
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let query: HashMap<String, String> = request.params().unwrap_or_default();
    let body = request.take_body().into_bytes().await.unwrap_or_default();
    let request_json: Value = serde_json::from_slice(&body).unwrap_or_default();
    request.set_body(body);

    let (mut response, action) = match endpoint.call(request).await {
        Ok(response) => {
            let response = response.into_response();
            let action = response.data::<OperationId>().map(|id| id.0.to_owned());
            (response, action)
        }
        Err(error) => {
            let action = error.data::<OperationId>().map(|id| id.0.to_owned());
            (super::error::from_framework(error), action)
        }
    };
    let Some(app) = app else { return Ok(response) };
    let status = response.status();
    let readable = response.headers().get("content-encoding").is_none();
    let answer: Value = if readable {
        let bytes = response.take_body().into_bytes().await.unwrap_or_default();
        let answer =
            if bytes.len() <= READ_LIMIT { serde_json::from_slice(&bytes).unwrap_or_default() } else { Value::Null };
        response.set_body(bytes);
        answer
    } else {
        Value::Null
    };
    let (cluster, targets) = subjects(&path, &query, &request_json, &answer);
    let (ok, result) = outcome(status.as_u16(), &answer);
    app.audit().record(AuditEvent {
        at: Utc::now(),
        principal,
        action: action.unwrap_or_else(|| format!("{method} {path}")),
        cluster,
        targets,
        status: status.as_u16(),
        ok,
        result,
    });
    Ok(response)
}

/// Records a mutating call that presented no valid token, refused before any
/// handler ran (a public path let through is audited by [`around`] instead).
pub fn unauthenticated(app: &App, request: &Request, error: &super::Error) {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return;
    }
    let query: HashMap<String, String> = request.params().unwrap_or_default();
    let (cluster, targets) = subjects(request.uri().path(), &query, &Value::Null, &Value::Null);
    app.audit().record(AuditEvent {
        at: Utc::now(),
        principal: "unauthenticated".to_owned(),
        action: format!("{} {}", request.method(), request.uri().path()),
        cluster,
        targets,
        status: 401,
        ok: false,
        result: format!("unauthorized: {}", error.message()),
    });
}

/// The cluster and targets of a call, wherever the API puts them.
fn subjects(
    path: &str,
    query: &HashMap<String, String>,
    request: &Value,
    answer: &Value,
) -> (Option<String>, Vec<String>) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let (mut cluster, mut targets) = match segments.as_slice() {
        ["api", "v1", "nodes", cluster, node, _action] => (Some((*cluster).to_owned()), vec![(*node).to_owned()]),
        ["api", "v1", "clusters", name] => (Some((*name).to_owned()), Vec::new()),
        ["api", "v1", "operations", id] => (text(&answer["cluster_name"]), vec![format!("operation {id}")]),
        _ => (None, Vec::new()),
    };
    cluster = cluster
        .or_else(|| text(&request["cluster_name"]))
        .or_else(|| text(&request["name"]))
        .or_else(|| query.get("cluster").cloned())
        .or_else(|| text(&answer["cluster_name"]));
    if let Some(nodes) = request["node_names"].as_array() {
        targets.extend(nodes.iter().filter_map(text));
    }
    (cluster, targets)
}

/// Whether the call did all it was asked, and what came of it, in words.
fn outcome(status: u16, answer: &Value) -> (bool, String) {
    if let Some(message) = answer["message"].as_str().filter(|_| status >= 400) {
        return (false, format!("{}: {message}", answer["code"].as_str().unwrap_or("error")));
    }
    if let Some(results) = answer["results"].as_array() {
        let failed: Vec<String> = results
            .iter()
            .filter(|result| result["ok"] != true)
            .map(|result| {
                format!("{} {}", result["node"].as_str().unwrap_or("?"), result["code"].as_str().unwrap_or("failed"))
            })
            .collect();
        let dry = if answer["dry_run"] == true { " (dry run)" } else { "" };
        let summary = format!("{} of {} nodes changed{dry}", results.len() - failed.len(), results.len());
        return match failed.is_empty() {
            true => (true, summary),
            false => (false, format!("{summary}; failed: {}", failed.join(", "))),
        };
    }
    if let (Some(id), Some(state)) = (answer["id"].as_str(), answer["state"].as_str()) {
        return (true, format!("operation {id}: {state}"));
    }
    (status < 400, format!("HTTP {status}"))
}
