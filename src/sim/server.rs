//! The simulator's HTTP front: routing, bearer-token checks, and the API's
//! discovery, list, watch, get, create, update, patch, delete and eviction
//! semantics over the [`Store`]. Every error leaves as a `Status` object.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use chrono::Utc;
use poem::http::{Method, StatusCode, header};
use poem::{Body, Endpoint, Request, Response};
use serde::Deserialize as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Config;
use super::objects::{table_columns, table_row};
use super::patch::{self, PatchType};
use super::status::{self, Status};
use super::store::{self, EventType, Resource, Store};
use crate::selector::{FieldSelector, LabelSelector};

/// Bodies larger than this are refused, as the API server refuses them (3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;
/// Events a watch takes from the history per wake-up; they leave as one chunk.
const WATCH_BATCH: usize = 512;
/// After sending a partial batch a watch waits this long before reading again,
/// so that a burst of writes leaves as a few chunks rather than one wake-up and
/// one socket write per event; a lone event still leaves at once.
const WATCH_COALESCE: Duration = Duration::from_millis(1);

pub async fn serve(listener: TcpListener, store: Arc<Store>, config: Arc<Config>, stop: CancellationToken) {
    let address = listener.local_addr().ok();
    let acceptor = match poem::listener::TcpAcceptor::from_tokio(listener) {
        Ok(acceptor) => acceptor,
        Err(error) => {
            tracing::error!(?address, %error, "simulator cannot accept connections");
            return;
        }
    };
    let api = Api { store, config, stop: stop.clone() };
    let shutdown = stop.cancelled_owned();
    if let Err(error) = poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(api, shutdown, Some(Duration::from_secs(2)))
        .await
    {
        tracing::error!(?address, %error, "simulator stopped serving");
    }
}

struct Api {
    store: Arc<Store>,
    config: Arc<Config>,
    stop: CancellationToken,
}

/// What a caller's token lets it do.
#[derive(Clone, Copy, PartialEq)]
enum Access {
    ReadWrite,
    ReadOnly,
}

impl Endpoint for Api {
    type Output = Response;

    async fn call(&self, mut request: Request) -> poem::Result<Response> {
        let body = match request.take_body().into_bytes_limit(MAX_BODY).await {
            Ok(body) => body,
            Err(error) => {
                return Ok(status_response(&Status::bad_request(format!("cannot read the request body: {error}"))));
            }
        };
        let started = std::time::Instant::now();
        let response = self.handle(&request, body).unwrap_or_else(|status| status_response(&status));
        tracing::debug!(method = %request.method(), uri = %request.uri(), status = response.status().as_u16(),
                        elapsed_us = started.elapsed().as_micros() as u64, "simulator request");
        Ok(response)
    }
}

/// The parts of a request every handler reads.
struct Call<'a> {
    method: &'a Method,
    query: HashMap<String, String>,
    table: bool,
    content_type: &'a str,
    body: Bytes,
    access: Access,
}

impl Api {
    fn handle(&self, request: &Request, body: Bytes) -> Result<Response, Status> {
        let path = request.uri().path().trim_end_matches('/');
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let public = matches!(segments.as_slice(), ["version"] | ["healthz"]);
        let access = match self.authenticate(request) {
            Ok(access) => access,
            Err(_) if public => Access::ReadOnly,
            Err(unauthorized) => return Err(unauthorized),
        };
        let call = Call {
            method: request.method(),
            query: request.params().map_err(|e| Status::bad_request(format!("malformed query string: {e}")))?,
            table: request.header(header::ACCEPT).is_some_and(|accept| accept.contains("as=Table")),
            content_type: request.content_type().unwrap_or_default(),
            body,
            access,
        };
        let get_only = |value: Value| {
            if call.method == Method::GET {
                Ok(json_response(StatusCode::OK, &value))
            } else {
                Err(Status::method_not_allowed(call.method.as_str()))
            }
        };
        match segments.as_slice() {
            ["healthz"] => Ok(Response::builder().body("ok")),
            ["version"] => get_only(version()),
            ["api"] => get_only(json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": request.local_addr().to_string()}]})),
            ["api", "v1"] => get_only(core_resources()),
            ["apis"] => get_only(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})),
            ["api", "v1", "nodes"] => self.collection(&call, Resource::Nodes, None),
            ["api", "v1", "nodes", name] => self.item(&call, Resource::Nodes, None, name),
            ["api", "v1", "pods"] => self.collection(&call, Resource::Pods, None),
            ["api", "v1", "namespaces"] => self.collection(&call, Resource::Namespaces, None),
            ["api", "v1", "namespaces", name] => self.item(&call, Resource::Namespaces, None, name),
            ["api", "v1", "namespaces", namespace, "pods"] => self.collection(&call, Resource::Pods, Some(namespace)),
            ["api", "v1", "namespaces", namespace, "pods", name] => {
                self.item(&call, Resource::Pods, Some(namespace), name)
            }
            ["api", "v1", "namespaces", namespace, "pods", name, "eviction"] if call.method == Method::POST => {
                self.writable(&call, "create", "pods/eviction", name)?;
                self.evict(namespace, name, &call.body)
            }
            _ => Err(Status::no_route()),
        }
    }

    fn authenticate(&self, request: &Request) -> Result<Access, Status> {
        let Some(token) = &self.config.token else {
            return Ok(Access::ReadWrite);
        };
        let presented =
            request.header(header::AUTHORIZATION).and_then(|value| value.strip_prefix("Bearer ")).map(str::trim);
        match presented {
            Some(presented) if presented == token => Ok(Access::ReadWrite),
            Some(presented) if self.config.read_only_token.as_deref() == Some(presented) => Ok(Access::ReadOnly),
            _ => Err(Status::unauthorized()),
        }
    }

    fn writable(&self, call: &Call, verb: &str, resource: &str, name: &str) -> Result<(), Status> {
        match call.access {
            Access::ReadWrite => Ok(()),
            Access::ReadOnly => Err(Status::forbidden(format!(
                "{resource} \"{name}\" is forbidden: User \"read-only\" cannot {verb} resource \"{resource}\" in API group \"\""
            ))),
        }
    }

    fn collection(&self, call: &Call, resource: Resource, namespace: Option<&str>) -> Result<Response, Status> {
        match *call.method {
            Method::GET => {
                let selection = Selection::parse(resource, namespace, &call.query)?;
                if flag(&call.query, "watch")? { self.watch(call, selection) } else { self.list(call, selection) }
            }
            Method::POST => {
                self.writable(call, "create", resource.plural(), "")?;
                let mut object = decode_object(resource, &call.body)?;
                if let Some(namespace) = namespace {
                    object["metadata"]["namespace"] = json!(namespace);
                }
                validate(resource, &object)?;
                Ok(json_response(StatusCode::CREATED, &*self.store.create(resource, object)?))
            }
            _ => Err(Status::method_not_allowed(call.method.as_str())),
        }
    }

    fn item(&self, call: &Call, resource: Resource, namespace: Option<&str>, name: &str) -> Result<Response, Status> {
        let key = store::key(namespace, name);
        match *call.method {
            Method::GET => {
                let object =
                    self.store.get(resource, &key).ok_or_else(|| Status::not_found(resource.plural(), name))?;
                Ok(if call.table {
                    table_response(resource, self.store.resource_version(), None, [&object])
                } else {
                    json_response(StatusCode::OK, &object)
                })
            }
            Method::PUT => {
                self.writable(call, "update", resource.plural(), name)?;
                let object = decode_object(resource, &call.body)?;
                if store::object_name(&object).as_deref() != Some(name) {
                    return Err(Status::bad_request(format!(
                        "the name of the object ({}) does not match the name on the URL ({name})",
                        store::object_name(&object).unwrap_or_default()
                    )));
                }
                validate(resource, &object)?;
                let expected = store::object_resource_version(&object);
                Ok(json_response(StatusCode::OK, &*self.store.update(resource, &key, expected, |_| Ok(object))?))
            }
            Method::PATCH => {
                self.writable(call, "patch", resource.plural(), name)?;
                let patch_type = PatchType::from_content_type(call.content_type)?;
                let updated = self.store.update(resource, &key, None, |mut object| {
                    let seen = object["metadata"]["resourceVersion"].clone();
                    patch::apply(patch_type, &mut object, &call.body)?;
                    if !object["metadata"]["resourceVersion"].is_null() && object["metadata"]["resourceVersion"] != seen
                    {
                        return Err(Status::conflict(resource.plural(), name));
                    }
                    validate(resource, &object)?;
                    Ok(object)
                })?;
                Ok(json_response(StatusCode::OK, &updated))
            }
            Method::DELETE => {
                self.writable(call, "delete", resource.plural(), name)?;
                let expected = delete_precondition(&call.body)?;
                let deleted = self.store.delete(resource, &key, expected)?;
                if resource == Resource::Namespaces {
                    let (_, pods) = self.store.list(Resource::Pods);
                    for pod_key in pods.keys().filter(|pod_key| pod_key.starts_with(&format!("{name}/"))) {
                        let _ = self.store.delete(Resource::Pods, pod_key, None);
                    }
                }
                Ok(json_response(StatusCode::OK, &deleted))
            }
            _ => Err(Status::method_not_allowed(call.method.as_str())),
        }
    }

    fn list(&self, call: &Call, selection: Selection) -> Result<Response, Status> {
        let limit = number(&call.query, "limit")?.filter(|&limit| limit > 0);
        let requested_version = call.query.get("resourceVersion").filter(|v| !v.is_empty());
        let (resource_version, objects, start) = match call.query.get("continue").filter(|c| !c.is_empty()) {
            Some(token) => {
                if requested_version.is_some() {
                    return Err(Status::bad_request("specifying resource version is not allowed when using continue"));
                }
                let (resource_version, start) = decode_continue(token)?;
                (resource_version, self.store.list_at(selection.resource, resource_version)?, Some(start))
            }
            None => {
                let (current, objects) = self.store.list(selection.resource);
                match requested_version.map(|v| v.parse::<u64>()) {
                    Some(Err(_)) => {
                        return Err(Status::bad_request(format!(
                            "invalid resource version: {}",
                            requested_version.unwrap()
                        )));
                    }
                    Some(Ok(exact)) if call.query.get("resourceVersionMatch").map(String::as_str) == Some("Exact") => {
                        (exact, self.store.list_at(selection.resource, exact)?, None)
                    }
                    Some(Ok(at_least)) if at_least > current => {
                        return Err(Status {
                            code: 504,
                            reason: "Timeout",
                            message: format!("Too large resource version: {at_least}, current: {current}"),
                            details: None,
                        });
                    }
                    _ => (current, objects, None),
                }
            }
        };
        let lower = match &start {
            Some(start) => Bound::Included(start.clone()),
            None => Bound::Unbounded,
        };
        let mut matching = objects.range((lower, Bound::Unbounded)).filter(|(_, object)| selection.selects(object));
        let page: Vec<(&String, &Arc<Value>)> = matching.by_ref().take(limit.unwrap_or(usize::MAX)).collect();
        let more = matching.next().is_some();
        let continue_token = match page.last() {
            Some((last, _)) if more => Some(encode_continue(resource_version, last)),
            _ => None,
        };
        let items = page.into_iter().map(|(_, object)| object);
        if call.table {
            return Ok(table_response(selection.resource, resource_version, continue_token, items));
        }
        let mut metadata = json!({"resourceVersion": resource_version.to_string()});
        if let Some(token) = continue_token {
            metadata["continue"] = json!(token);
        }
        let mut body = Vec::with_capacity(64 * 1024);
        body.extend_from_slice(
            format!("{{\"kind\":\"{}List\",\"apiVersion\":\"v1\",\"metadata\":", selection.resource.kind()).as_bytes(),
        );
        serde_json::to_writer(&mut body, &metadata).expect("metadata serializes");
        body.extend_from_slice(b",\"items\":[");
        for (index, item) in items.enumerate() {
            if index > 0 {
                body.push(b',');
            }
            serde_json::to_writer(&mut body, &**item).expect("stored objects serialize");
        }
        body.extend_from_slice(b"]}");
        Ok(Response::builder().status(StatusCode::OK).content_type("application/json").body(body))
    }

    fn watch(&self, call: &Call, selection: Selection) -> Result<Response, Status> {
        let requested = call.query.get("resourceVersion").filter(|v| !v.is_empty() && *v != "0");
        let start = match requested {
            Some(version) => Start::After(
                version.parse().map_err(|_| Status::bad_request(format!("invalid resource version: {version}")))?,
            ),
            None => Start::Snapshot,
        };
        let timeout = number(&call.query, "timeoutSeconds")?.map(|s| Duration::from_secs(s as u64));
        let watch = Watch {
            store: self.store.clone(),
            selection,
            bookmarks: flag(&call.query, "allowWatchBookmarks")?,
            initial_events_end: flag(&call.query, "sendInitialEvents")?,
            bookmark_every: Duration::from_secs_f64(self.config.bookmark_secs),
            table: call.table,
        };
        let (sender, mut receiver) = mpsc::channel::<Bytes>(16);
        tokio::spawn(watch.run(start, timeout, sender, self.stop.clone()));
        let stream =
            futures::stream::poll_fn(move |cx| receiver.poll_recv(cx).map(|chunk| chunk.map(Ok::<_, std::io::Error>)));
        Ok(Response::builder()
            .status(StatusCode::OK)
            .content_type("application/json")
            .header(header::CACHE_CONTROL, "no-cache, private")
            .body(Body::from_bytes_stream(stream)))
    }

    fn evict(&self, namespace: &str, name: &str, body: &[u8]) -> Result<Response, Status> {
        let eviction: Value =
            serde_json::from_slice(body).map_err(|e| Status::bad_request(format!("error decoding eviction: {e}")))?;
        let named = eviction["metadata"]["name"].as_str().unwrap_or_default();
        if named != name {
            return Err(Status::bad_request(format!(
                "name in URL does not match name in Eviction object ({named:?} != {name:?})"
            )));
        }
        let key = store::key(Some(namespace), name);
        let pod = self.store.get(Resource::Pods, &key).ok_or_else(|| Status::not_found("pods", name))?;
        let (_, pods) = self.store.list(Resource::Pods);
        for budget in self.config.disruption_budgets.iter().filter(|budget| budget.namespace == namespace) {
            let selector = LabelSelector::parse(&budget.selector)?;
            if !selector.matches(&pod["metadata"]["labels"]) {
                continue;
            }
            let healthy = pods
                .values()
                .filter(|p| {
                    store::object_namespace(p) == Some(namespace)
                        && selector.matches(&p["metadata"]["labels"])
                        && pod_healthy(p)
                })
                .count();
            let after = healthy - usize::from(pod_healthy(&pod));
            if after < budget.min_available {
                return Err(Status::disruption_budget(&budget.name, budget.min_available, healthy));
            }
        }
        self.store.delete(Resource::Pods, &key, None)?;
        Ok(json_response(StatusCode::CREATED, &status::success(201)))
    }
}

/// What a list or watch selects: one resource, maybe one namespace, and selectors.
struct Selection {
    resource: Resource,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Selection {
    fn parse(resource: Resource, namespace: Option<&str>, query: &HashMap<String, String>) -> Result<Self, Status> {
        Ok(Self {
            resource,
            namespace: namespace.map(str::to_owned),
            labels: LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or_default())?,
            fields: FieldSelector::parse(
                query.get("fieldSelector").map(String::as_str).unwrap_or_default(),
                resource.plural(),
                resource.selectable_fields(),
            )?,
        })
    }

    fn selects(&self, object: &Value) -> bool {
        self.namespace.as_deref().is_none_or(|namespace| store::object_namespace(object) == Some(namespace))
            && self.labels.matches(&object["metadata"]["labels"])
            && self.fields.matches(object)
    }

    fn selects_everything(&self) -> bool {
        self.namespace.is_none() && self.labels == LabelSelector::default() && self.fields == FieldSelector::default()
    }
}

enum Start {
    /// Every current object as ADDED, then changes (`resourceVersion` unset or "0").
    Snapshot,
    /// Changes after this version.
    After(u64),
}

struct Watch {
    store: Arc<Store>,
    selection: Selection,
    bookmarks: bool,
    initial_events_end: bool,
    bookmark_every: Duration,
    table: bool,
}

impl Watch {
    async fn run(self, start: Start, timeout: Option<Duration>, sender: mpsc::Sender<Bytes>, stop: CancellationToken) {
        let mut latest = self.store.subscribe();
        let mut cursor = match start {
            Start::After(version) => version,
            Start::Snapshot => {
                let (version, objects) = self.store.list(self.selection.resource);
                let mut chunk = Vec::new();
                for object in objects.values().filter(|object| self.selection.selects(object)) {
                    chunk.extend_from_slice(&self.line(EventType::Added.as_str(), object));
                }
                if self.initial_events_end && self.bookmarks {
                    chunk.extend_from_slice(&self.bookmark(version, true));
                }
                if !chunk.is_empty() && sender.send(Bytes::from(chunk)).await.is_err() {
                    return;
                }
                version
            }
        };
        let deadline = tokio::time::sleep(timeout.unwrap_or(Duration::from_secs(30 * 60)));
        tokio::pin!(deadline);
        let mut bookmark =
            tokio::time::interval_at(tokio::time::Instant::now() + self.bookmark_every, self.bookmark_every);
        loop {
            let events = match self.store.events_after(cursor, WATCH_BATCH) {
                Ok(events) => events,
                Err(expired) => {
                    let _ = sender.send(store::watch_line("ERROR", &expired.to_json())).await;
                    return;
                }
            };
            if let Some(last) = events.last() {
                cursor = last.resource_version;
                let chunk = self.render(&events);
                if !chunk.is_empty() && sender.send(chunk).await.is_err() {
                    return;
                }
                if events.len() < WATCH_BATCH {
                    tokio::time::sleep(WATCH_COALESCE).await;
                }
                continue;
            }
            tokio::select! {
                changed = latest.changed() => if changed.is_err() { return },
                _ = bookmark.tick() => if self.bookmarks && sender.send(self.bookmark(cursor, false)).await.is_err() { return },
                () = &mut deadline => return,
                () = stop.cancelled() => return,
                () = sender.closed() => return,
            }
        }
    }

    /// The watch lines for a batch of events, with selector semantics: an object
    /// that stops matching leaves as DELETED, one that starts matching arrives as ADDED.
    fn render(&self, events: &[Arc<store::Event>]) -> Bytes {
        let mut chunk = Vec::new();
        for event in events.iter().filter(|event| event.resource == self.selection.resource) {
            if self.selection.selects_everything() && !self.table {
                chunk.extend_from_slice(&event.line);
                continue;
            }
            let now = self.selection.selects(&event.object);
            let before = event.previous.as_deref().is_some_and(|previous| self.selection.selects(previous));
            let event_type = match (event.kind, before, now) {
                (EventType::Modified, true, true) => EventType::Modified,
                (EventType::Modified, false, true) | (EventType::Added, _, true) => EventType::Added,
                (EventType::Modified, true, false) | (EventType::Deleted, _, true) => EventType::Deleted,
                _ => continue,
            };
            if event_type == event.kind && !self.table {
                chunk.extend_from_slice(&event.line);
            } else {
                chunk.extend_from_slice(&self.line(event_type.as_str(), &event.object));
            }
        }
        Bytes::from(chunk)
    }

    fn line(&self, event_type: &str, object: &Value) -> Bytes {
        if self.table {
            let version = store::object_resource_version(object).unwrap_or_default();
            store::watch_line(event_type, &table(self.selection.resource, version, None, [object]))
        } else {
            store::watch_line(event_type, object)
        }
    }

    fn bookmark(&self, version: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": version.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        store::watch_line(
            "BOOKMARK",
            &json!({"kind": self.selection.resource.kind(), "apiVersion": "v1", "metadata": metadata}),
        )
    }
}

fn table<'a>(
    resource: Resource,
    version: u64,
    continue_token: Option<String>,
    objects: impl IntoIterator<Item = &'a Value>,
) -> Value {
    let now = Utc::now();
    let mut metadata = json!({"resourceVersion": version.to_string()});
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": table_columns(resource.kind()),
        "rows": objects.into_iter().map(|object| table_row(object, now)).collect::<Vec<_>>(),
    })
}

fn table_response<'a>(
    resource: Resource,
    version: u64,
    continue_token: Option<String>,
    objects: impl IntoIterator<Item = &'a Arc<Value>>,
) -> Response {
    json_response(
        StatusCode::OK,
        &table(resource, version, continue_token, objects.into_iter().map(|object| &**object)),
    )
}

fn json_response(code: StatusCode, value: &Value) -> Response {
    Response::builder()
        .status(code)
        .content_type("application/json")
        .body(serde_json::to_vec(value).expect("JSON values serialize"))
}

fn status_response(status: &Status) -> Response {
    json_response(StatusCode::from_u16(status.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), &status.to_json())
}

fn version() -> Value {
    json!({
        "major": "1", "minor": "33", "gitVersion": "v1.33.1-nodecast-sim", "gitCommit": "", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": concat!("nodecast ", env!("CARGO_PKG_VERSION")),
        "compiler": "rustc", "platform": "linux/amd64",
    })
}

fn core_resources() -> Value {
    json!({
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {"name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
             "verbs": ["create", "delete", "get", "list", "watch"], "shortNames": ["ns"]},
            {"name": "nodes", "singularName": "node", "namespaced": false, "kind": "Node",
             "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"], "shortNames": ["no"]},
            {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
             "verbs": ["create", "delete", "get", "list", "watch"], "shortNames": ["po"], "categories": ["all"]},
            {"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy", "version": "v1",
             "kind": "Eviction", "verbs": ["create"]},
        ],
    })
}

/// Decodes a request body as an object of `resource`'s kind.
fn decode_object(resource: Resource, body: &[u8]) -> Result<Value, Status> {
    let object: Value =
        serde_json::from_slice(body).map_err(|e| Status::bad_request(format!("error decoding request body: {e}")))?;
    if object["kind"] != resource.kind() || object["apiVersion"] != "v1" {
        return Err(Status::bad_request(format!(
            "the body of the request has kind {} apiVersion {}, expected {} v1",
            object["kind"],
            object["apiVersion"],
            resource.kind()
        )));
    }
    Ok(object)
}

/// Checks an object against the Kubernetes type of its resource: a field of the
/// wrong type makes it unprocessable (422), as schema validation would.
fn validate(resource: Resource, object: &Value) -> Result<(), Status> {
    use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
    let name = store::object_name(object).unwrap_or_default();
    let result = match resource {
        Resource::Nodes => Node::deserialize(object).map(drop),
        Resource::Pods => Pod::deserialize(object).map(drop),
        Resource::Namespaces => Namespace::deserialize(object).map(drop),
    };
    result.map_err(|e| Status::invalid(resource.kind(), &name, "body", e.to_string()))?;
    if object["kind"] != resource.kind() {
        return Err(Status::invalid(resource.kind(), &name, "kind", "field is immutable"));
    }
    Ok(())
}

fn delete_precondition(body: &[u8]) -> Result<Option<u64>, Status> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let options: Value =
        serde_json::from_slice(body).map_err(|e| Status::bad_request(format!("error decoding DeleteOptions: {e}")))?;
    Ok(options["preconditions"]["resourceVersion"].as_str().and_then(|v| v.parse().ok()))
}

fn pod_healthy(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
        && pod["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

fn flag(query: &HashMap<String, String>, name: &str) -> Result<bool, Status> {
    match query.get(name).map(String::as_str) {
        None | Some("false" | "0" | "") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(Status::bad_request(format!("{name}: invalid boolean value {other:?}"))),
    }
}

fn number(query: &HashMap<String, String>, name: &str) -> Result<Option<usize>, Status> {
    query
        .get(name)
        .map(|value| {
            value.parse().map_err(|_| {
                Status::bad_request(format!("{name}: invalid value {value:?}, expected a non-negative integer"))
            })
        })
        .transpose()
}

/// A continue token as the API makes them: base64 of the list's version and the
/// key to resume at (the last key returned, followed by NUL, so that it sorts just after).
fn encode_continue(resource_version: u64, last_key: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": resource_version, "start": format!("{last_key}\u{0}")});
    BASE64.encode(token.to_string())
}

fn decode_continue(token: &str) -> Result<(u64, String), Status> {
    let invalid = || Status::bad_request("continue key is not valid: the token is not one this server issued");
    let decoded: Value =
        BASE64.decode(token).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).ok_or_else(invalid)?;
    match (decoded["rv"].as_u64(), decoded["start"].as_str()) {
        (Some(resource_version), Some(start)) if decoded["v"] == "meta.k8s.io/v1" => {
            Ok((resource_version, start.to_owned()))
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::objects;

    #[test]
    fn continue_token_round_trips_and_rejects_forgeries() {
        let token = encode_continue(42, "node-0007");
        assert_eq!(decode_continue(&token).unwrap(), (42, "node-0007\u{0}".to_owned()));
        assert_eq!(decode_continue("bm9wZQ==").unwrap_err().code, 400);
    }

    #[test]
    fn pod_budget_counts_only_running_ready_pods() {
        let now = objects::timestamp_now();
        let mut pod = objects::pod("demo", "web", 1, "n1", &now);
        assert!(pod_healthy(&pod));
        pod["status"]["phase"] = json!("Pending");
        assert!(!pod_healthy(&pod));
    }
}
