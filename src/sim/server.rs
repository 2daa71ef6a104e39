//! The simulator's HTTP front: who is asking and whether they may, which
//! resource or subresource a path names, discovery, and the list and watch
//! semantics (paging, `resourceVersion` and `resourceVersionMatch`,
//! bookmarks, selectors, `Table` output). Writes go through the [`Registry`];
//! every error leaves as a `Status` object.

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
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Config;
use super::auth::{self, Attributes, User};
use super::discovery;
use super::patch::PatchType;
use super::protobuf;
use super::registry::{self, DeleteOptions, Deleted, Part, Registry};
use super::status::{self, FieldError, Status};
use super::store::{self, EventType, Resource, Store, Write};
use super::table::{table_columns, table_row};
use crate::selector::{FieldSelector, LabelSelector};

/// Bodies larger than this are refused, as the API server refuses them (3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;
/// Events a watch takes from the history per wake-up; they leave as one chunk.
const WATCH_BATCH: usize = 512;
/// After sending a partial batch a watch waits this long before reading again,
/// so that a burst of writes leaves as a few chunks rather than one wake-up and
/// one socket write per event; a lone event still leaves at once.
const WATCH_COALESCE: Duration = Duration::from_millis(1);
/// A watch without `timeoutSeconds` ends after this long (kube-apiserver's `--min-request-timeout`).
const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The last bookmark of a watch goes this long before its timeout, so that the
/// client resumes from a version as close to the end as possible.
const BOOKMARK_BEFORE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn serve(listener: TcpListener, registry: Arc<Registry>, config: Arc<Config>, stop: CancellationToken) {
    let address = listener.local_addr().ok();
    let acceptor = match poem::listener::TcpAcceptor::from_tokio(listener) {
        Ok(acceptor) => acceptor,
        Err(error) => {
            tracing::error!(?address, %error, "simulator cannot accept connections");
            return;
        }
    };
    let api = Api { registry, config, stop: stop.clone() };
    let shutdown = stop.cancelled_owned();
    if let Err(error) = poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(api, shutdown, Some(Duration::from_secs(2)))
        .await
    {
        tracing::error!(?address, %error, "simulator stopped serving");
    }
}

struct Api {
    registry: Arc<Registry>,
    config: Arc<Config>,
    stop: CancellationToken,
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
    user: User,
}

impl Call<'_> {
    /// Whether to keep the write, from its `dryRun` parameter; `options_kind`
    /// names the options in the error, as kube-apiserver does.
    fn write(&self, options_kind: &str) -> Result<Write, Status> {
        let values: Vec<&str> = self.query.get("dryRun").map(String::as_str).into_iter().collect();
        registry::dry_run_write(options_kind, &values)
    }

    fn delete_options(&self) -> Result<DeleteOptions, Status> {
        let grace_period = self.query.get("gracePeriodSeconds").map(String::as_str);
        DeleteOptions::parse(&self.body, grace_period, self.write("DeleteOptions")?)
    }
}

/// A path under `/api/v1` or `/apis/GROUP/v1`, as kube-apiserver's request info splits it.
struct Route<'a> {
    group: &'a str,
    plural: &'a str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    subresource: Option<&'a str>,
}

impl<'a> Route<'a> {
    fn parse(segments: &[&'a str]) -> Option<Self> {
        let (group, rest) = match segments {
            ["api", "v1", rest @ ..] if !rest.is_empty() => ("", rest),
            ["apis", group, "v1", rest @ ..] if !rest.is_empty() => (*group, rest),
            _ => return None,
        };
        // `namespaces/NAME/status` is the namespace's own subresource, not a resource inside it.
        let (namespace, rest) = match rest {
            ["namespaces", namespace, tail @ ..] if !tail.is_empty() && !matches!(tail[0], "status" | "finalize") => {
                (Some(*namespace), tail)
            }
            _ => (None, rest),
        };
        let (plural, name, subresource) = match rest {
            [plural] => (*plural, None, None),
            [plural, name] => (*plural, Some(*name), None),
            [plural, name, subresource] => (*plural, Some(*name), Some(*subresource)),
            _ => return None,
        };
        Some(Self { group, plural, namespace, name, subresource })
    }

    fn verb(&self, method: &Method, watch: bool) -> String {
        match (method.as_str(), self.name) {
            ("GET", Some(_)) => "get",
            ("GET", None) if watch => "watch",
            ("GET", None) => "list",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", Some(_)) => "delete",
            ("DELETE", None) => "deletecollection",
            (other, _) => return other.to_ascii_lowercase(),
        }
        .to_owned()
    }
}

impl Api {
    fn store(&self) -> &Arc<Store> {
        self.registry.store()
    }

    fn handle(&self, request: &Request, body: Bytes) -> Result<Response, Status> {
        let path = request.uri().path();
        let trimmed = path.trim_end_matches('/');
        let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
        let user = auth::authenticate(
            self.config.token.as_deref(),
            self.config.read_only_token.as_deref(),
            request.header(header::AUTHORIZATION),
        )?;
        let query: HashMap<String, String> =
            request.params().map_err(|e| Status::bad_request(format!("malformed query string: {e}")))?;
        let route = Route::parse(&segments);
        let attributes = match &route {
            Some(route) => Attributes::Resource {
                verb: route.verb(request.method(), flag(&query, "watch")?),
                group: route.group.to_owned(),
                resource: route.plural.to_owned(),
                subresource: route.subresource.unwrap_or_default().to_owned(),
                namespace: route.namespace.unwrap_or_default().to_owned(),
                name: route.name.unwrap_or_default().to_owned(),
            },
            None => {
                Attributes::NonResource { verb: request.method().as_str().to_ascii_lowercase(), path: path.to_owned() }
            }
        };
        if !auth::allowed(&user, &attributes) {
            return Err(auth::forbidden(&user, &attributes));
        }
        let call = Call {
            method: request.method(),
            query,
            table: request.header(header::ACCEPT).is_some_and(|accept| accept.contains("as=Table")),
            content_type: request.content_type().unwrap_or_default(),
            body,
            user,
        };
        match route {
            Some(route) => self.resource(&call, &route),
            None => self.non_resource(&call, &segments, request),
        }
    }

    fn non_resource(&self, call: &Call, segments: &[&str], request: &Request) -> Result<Response, Status> {
        let document = match segments {
            ["healthz" | "livez" | "readyz"] if call.method == Method::GET => {
                return Ok(Response::builder().content_type("text/plain").body("ok"));
            }
            ["version"] => Some(version()),
            ["api"] => Some(discovery::versions(&request.local_addr().to_string())),
            ["api", "v1"] => discovery::resources(""),
            ["apis"] => Some(discovery::group_list()),
            ["apis", group] => discovery::api_group(group),
            ["apis", group, "v1"] => discovery::resources(group),
            _ => None,
        };
        let document = document.ok_or_else(Status::no_route)?;
        if call.method != Method::GET {
            return Err(Status::method_not_allowed(call.method.as_str()));
        }
        Ok(json_response(StatusCode::OK, &document))
    }

    fn resource(&self, call: &Call, route: &Route) -> Result<Response, Status> {
        match (route.group, route.plural, route.name) {
            ("authorization.k8s.io", "selfsubjectaccessreviews", None) if call.method == Method::POST => {
                let review = decode(call)?;
                return Ok(json_response(StatusCode::CREATED, &auth::review_access(&call.user, &review)?));
            }
            ("authorization.k8s.io", "selfsubjectrulesreviews", None) if call.method == Method::POST => {
                let review = decode(call)?;
                return Ok(json_response(StatusCode::CREATED, &auth::review_rules(&call.user, &review)));
            }
            ("authentication.k8s.io", "selfsubjectreviews", None) if call.method == Method::POST => {
                return Ok(json_response(StatusCode::CREATED, &auth::review_self(&call.user)));
            }
            _ => {}
        }
        let resource = Resource::find(route.group, route.plural).ok_or_else(Status::no_route)?;
        // Namespaced resources are also listed and watched across all namespaces.
        let cluster_wide_read = route.name.is_none() && call.method == Method::GET;
        if !resource.namespaced() && route.namespace.is_some()
            || resource.namespaced() && route.namespace.is_none() && !cluster_wide_read
        {
            return Err(Status::no_route());
        }
        let namespace = route.namespace;
        match (route.name, route.subresource) {
            (None, None) => self.collection(call, resource, namespace),
            (Some(name), None) => self.item(call, resource, namespace, name, Part::Main),
            (Some(name), Some("status")) if resource.has_status() => {
                if call.method == Method::DELETE {
                    return Err(Status::method_not_allowed(call.method.as_str()));
                }
                self.item(call, resource, namespace, name, Part::Status)
            }
            (Some(name), Some("eviction")) if resource == Resource::Pods => {
                if call.method != Method::POST {
                    return Err(Status::method_not_allowed(call.method.as_str()));
                }
                let eviction = decode(call)?;
                self.registry.evict(namespace.unwrap_or_default(), name, &eviction, call.write("CreateOptions")?)?;
                Ok(json_response(StatusCode::CREATED, &status::success(201)))
            }
            _ => Err(Status::no_route()),
        }
    }

    fn collection(&self, call: &Call, resource: Resource, namespace: Option<&str>) -> Result<Response, Status> {
        match *call.method {
            Method::GET => {
                let selection = Selection::parse(resource, namespace, &call.query)?;
                if flag(&call.query, "watch")? { self.watch(call, selection) } else { self.list(call, selection) }
            }
            Method::POST => {
                let object = decode(call)?;
                let created = self.registry.create(resource, namespace, object, call.write("CreateOptions")?)?;
                Ok(json_response(StatusCode::CREATED, &created))
            }
            Method::DELETE if resource != Resource::Namespaces => {
                let selection = Selection::parse(resource, namespace, &call.query)?;
                let options = call.delete_options()?;
                let (version, objects) = self.store().list(resource);
                let mut deleted = Vec::new();
                for (key, _) in objects.iter().filter(|(_, object)| selection.selects(object)) {
                    match self.registry.delete(resource, key, &options) {
                        Ok(outcome) => deleted.push(outcome.object().clone()),
                        Err(status) if status.code == 404 => {}
                        Err(status) => return Err(status),
                    }
                }
                Ok(list_response(resource, json!({"resourceVersion": version.to_string()}), deleted.iter()))
            }
            _ => Err(Status::method_not_allowed(call.method.as_str())),
        }
    }

    fn item(
        &self,
        call: &Call,
        resource: Resource,
        namespace: Option<&str>,
        name: &str,
        part: Part,
    ) -> Result<Response, Status> {
        let key = store::key(namespace, name);
        match *call.method {
            Method::GET => {
                let object =
                    self.store().get(resource, &key).ok_or_else(|| Status::not_found(&resource.qualified(), name))?;
                Ok(if call.table {
                    json_response(StatusCode::OK, &table(resource, self.store().resource_version(), None, [&*object]))
                } else {
                    json_response(StatusCode::OK, &object)
                })
            }
            Method::PUT => {
                let object = decode(call)?;
                let named = store::object_name(&object).unwrap_or_default();
                if named != name {
                    return Err(Status::bad_request(format!(
                        "the name of the object ({named}) does not match the name on the URL ({name})"
                    )));
                }
                let updated = self.registry.update(resource, &key, part, object, call.write("UpdateOptions")?)?;
                Ok(json_response(StatusCode::OK, &updated))
            }
            Method::PATCH => {
                let patch_type = PatchType::from_content_type(call.content_type)?;
                let write = call.write("PatchOptions")?;
                let patched = self.registry.patch(resource, &key, part, patch_type, &call.body, write)?;
                Ok(json_response(StatusCode::OK, &patched))
            }
            Method::DELETE => {
                let options = call.delete_options()?;
                let deleted = self.registry.delete(resource, &key, &options)?;
                // Pods answer with the object, and so does whatever is still on its way out
                // (a namespace being emptied); what is gone at once answers with a Status.
                Ok(match (resource, deleted) {
                    (Resource::Pods, deleted) => json_response(StatusCode::OK, deleted.object()),
                    (_, Deleted::Terminating(object)) => json_response(StatusCode::OK, &object),
                    (_, Deleted::Gone(object)) => {
                        json_response(StatusCode::OK, &status::deleted(resource.group(), resource.plural(), &object))
                    }
                })
            }
            _ => Err(Status::method_not_allowed(call.method.as_str())),
        }
    }

    /// A list, served as kube-apiserver serves it: `resourceVersion` unset is a
    /// consistent read of the newest state, paged by `limit`/`continue`; "0" is
    /// the watch cache (any state, `limit` ignored); a version with
    /// `resourceVersionMatch=Exact` (or, the legacy way, with a `limit`) is the
    /// state at exactly that version; otherwise one not older than it.
    fn list(&self, call: &Call, selection: Selection) -> Result<Response, Status> {
        let text = |name: &str| call.query.get(name).map(String::as_str).filter(|value| !value.is_empty());
        let (requested, matching, continued) =
            (text("resourceVersion"), text("resourceVersionMatch"), text("continue"));
        validate_list_options(requested, matching, continued)?;
        let limit = number(&call.query, "limit")?.filter(|&limit| limit > 0);
        let parse_version = |version: &str| {
            version.parse::<u64>().map_err(|_| Status::bad_request(format!("invalid resource version: {version}")))
        };
        let resource = selection.resource;
        let current = self.store().resource_version();
        let too_large =
            |version: u64| Status::timeout(format!("Too large resource version: {version}, current: {current}"));
        let (version, objects, start, limit) = match (continued, requested) {
            (Some(_), Some(version)) if version != "0" => {
                return Err(Status::bad_request("specifying resource version is not allowed when using continue"));
            }
            (Some(token), _) => {
                let (version, start) = decode_continue(token)?;
                (version, self.store().list_at(resource, version)?, Some(start), limit)
            }
            (None, Some("0")) => {
                let (version, objects) = self.store().list(resource);
                (version, objects, None, None)
            }
            (None, Some(version)) => {
                let version = parse_version(version)?;
                let exact = matching == Some("Exact") || (matching.is_none() && limit.is_some());
                if version > current {
                    return Err(too_large(version));
                }
                if exact {
                    (version, self.store().list_at(resource, version)?, None, limit)
                } else {
                    let (version, objects) = self.store().list(resource);
                    (version, objects, None, limit)
                }
            }
            (None, None) => {
                let (version, objects) = self.store().list(resource);
                (version, objects, None, limit)
            }
        };
        let lower = match &start {
            Some(start) => Bound::Included(start.clone()),
            None => Bound::Unbounded,
        };
        let mut matching = objects.range((lower, Bound::Unbounded)).filter(|(_, object)| selection.selects(object));
        let page: Vec<(&String, &Arc<Value>)> = matching.by_ref().take(limit.unwrap_or(usize::MAX)).collect();
        let remaining = matching.count();
        let mut metadata = json!({"resourceVersion": version.to_string()});
        if let (Some((last, _)), true) = (page.last(), remaining > 0) {
            metadata["continue"] = json!(encode_continue(version, last));
            // Only a list without selectors knows how many objects the rest of the pages hold.
            if selection.has_no_selectors() {
                metadata["remainingItemCount"] = json!(remaining);
            }
        }
        let items = page.into_iter().map(|(_, object)| object);
        if call.table {
            return Ok(json_response(StatusCode::OK, &table(resource, version, Some(metadata), items.map(|o| &**o))));
        }
        Ok(list_response(resource, metadata, items))
    }

    fn watch(&self, call: &Call, selection: Selection) -> Result<Response, Status> {
        let requested = call.query.get("resourceVersion").filter(|v| !v.is_empty() && *v != "0");
        let start = match requested {
            Some(version) => Start::After(
                version.parse().map_err(|_| Status::bad_request(format!("invalid resource version: {version}")))?,
            ),
            None => Start::Snapshot,
        };
        let timeout =
            number(&call.query, "timeoutSeconds")?.map_or(DEFAULT_WATCH_TIMEOUT, |s| Duration::from_secs(s as u64));
        let watch = Watch {
            store: self.store().clone(),
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
}

/// `ValidateListOptions`: a `resourceVersionMatch` needs a version, excludes
/// `continue`, is `Exact` or `NotOlderThan`, and `Exact` never with "0".
fn validate_list_options(
    requested: Option<&str>,
    matching: Option<&str>,
    continued: Option<&str>,
) -> Result<(), Status> {
    let Some(matching) = matching else { return Ok(()) };
    let field = "resourceVersionMatch";
    let mut errors = Vec::new();
    if requested.is_none() {
        errors
            .push(FieldError::forbidden(field, "resourceVersionMatch is forbidden unless resourceVersion is provided"));
    }
    if continued.is_some() {
        errors.push(FieldError::forbidden(field, "resourceVersionMatch is forbidden when continue is provided"));
    }
    if !matches!(matching, "Exact" | "NotOlderThan") {
        errors.push(FieldError::not_supported(field, matching, vec!["Exact", "NotOlderThan", ""]));
    }
    if matching == "Exact" && requested == Some("0") {
        errors.push(FieldError::forbidden(
            field,
            "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(Status::invalid_fields("ListOptions.meta.k8s.io", "", &errors)) }
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

    fn has_no_selectors(&self) -> bool {
        self.labels == LabelSelector::default() && self.fields == FieldSelector::default()
    }

    fn selects_everything(&self) -> bool {
        self.namespace.is_none() && self.has_no_selectors()
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
    async fn run(self, start: Start, timeout: Duration, sender: mpsc::Sender<Bytes>, stop: CancellationToken) {
        let deadline = Instant::now() + timeout;
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
        let mut next_bookmark = self.next_bookmark(Instant::now(), deadline);
        loop {
            // A watch that is never idle must still end on time and still get its bookmarks.
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            if next_bookmark.is_some_and(|at| at <= now) {
                if sender.send(self.bookmark(cursor, false)).await.is_err() {
                    return;
                }
                next_bookmark = self.next_bookmark(now, deadline);
            }
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
            let bookmark_due = async {
                match next_bookmark {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                changed = latest.changed() => if changed.is_err() { return },
                () = bookmark_due => {}
                () = tokio::time::sleep_until(deadline) => return,
                () = stop.cancelled() => return,
                () = sender.closed() => return,
            }
        }
    }

    /// When the next BOOKMARK goes, as the watch cache schedules them: every
    /// `bookmark_every`, and once just before the timeout; none when bookmarks
    /// were not asked for or the last one has been sent.
    fn next_bookmark(&self, now: Instant, deadline: Instant) -> Option<Instant> {
        if !self.bookmarks {
            return None;
        }
        let periodic = now + self.bookmark_every;
        let before_timeout = deadline.checked_sub(BOOKMARK_BEFORE_TIMEOUT).unwrap_or(deadline);
        let at = periodic.min(before_timeout);
        (at > now).then_some(at)
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
            let object = event.object();
            let now = self.selection.selects(&object);
            let before = event.previous().is_some_and(|previous| self.selection.selects(&previous));
            let event_type = match (event.kind, before, now) {
                (EventType::Modified, true, true) => EventType::Modified,
                (EventType::Modified, false, true) | (EventType::Added, _, true) => EventType::Added,
                (EventType::Modified, true, false) | (EventType::Deleted, _, true) => EventType::Deleted,
                _ => continue,
            };
            if event_type == event.kind && !self.table {
                chunk.extend_from_slice(&event.line);
            } else {
                chunk.extend_from_slice(&self.line(event_type.as_str(), &object));
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

    /// A BOOKMARK: an object of the watched kind carrying only the version the watch has reached.
    fn bookmark(&self, version: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": version.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let resource = self.selection.resource;
        store::watch_line(
            "BOOKMARK",
            &json!({"kind": resource.kind(), "apiVersion": resource.api_version(), "metadata": metadata}),
        )
    }
}

/// A `Table` of `objects`; `metadata` carries the list's version and paging, when it is a list.
fn table<'a>(
    resource: Resource,
    version: u64,
    metadata: Option<Value>,
    objects: impl IntoIterator<Item = &'a Value>,
) -> Value {
    let now = Utc::now();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata.unwrap_or_else(|| json!({"resourceVersion": version.to_string()})),
        "columnDefinitions": table_columns(resource),
        "rows": objects.into_iter().map(|object| table_row(resource, object, now)).collect::<Vec<_>>(),
    })
}

/// A `…List` of `items`, written without building it as one JSON value first.
fn list_response<'a>(resource: Resource, metadata: Value, items: impl Iterator<Item = &'a Arc<Value>>) -> Response {
    let mut body = Vec::with_capacity(64 * 1024);
    body.extend_from_slice(
        format!("{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":", resource.kind(), resource.api_version())
            .as_bytes(),
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
    Response::builder().status(StatusCode::OK).content_type("application/json").body(body)
}

/// The request's object, from JSON or, as kubectl's typed clients send it, protobuf.
fn decode(call: &Call) -> Result<Value, Status> {
    if call.content_type.starts_with(protobuf::CONTENT_TYPE) {
        return protobuf::decode(&call.body);
    }
    serde_json::from_slice(&call.body).map_err(|e| Status::bad_request(format!("error decoding request body: {e}")))
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

    #[test]
    fn continue_token_round_trips_and_rejects_forgeries() {
        let token = encode_continue(42, "node-0007");
        assert_eq!(decode_continue(&token).unwrap(), (42, "node-0007\u{0}".to_owned()));
        assert_eq!(decode_continue("bm9wZQ==").unwrap_err().code, 400);
    }

    #[test]
    fn paths_split_into_group_namespace_resource_name_and_subresource() {
        /// The route as "group namespace plural name subresource", "-" for what is absent.
        fn route(path: &str) -> Option<String> {
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let part = |value: Option<&str>| value.unwrap_or("-").to_owned();
            Route::parse(&segments).map(|r| {
                [
                    part(Some(r.group).filter(|g| !g.is_empty())),
                    part(r.namespace),
                    r.plural.to_owned(),
                    part(r.name),
                    part(r.subresource),
                ]
                .join(" ")
            })
        }
        assert_eq!(route("/api/v1/nodes/n1/status").unwrap(), "- - nodes n1 status");
        assert_eq!(
            route("/apis/policy/v1/namespaces/demo/poddisruptionbudgets").unwrap(),
            "policy demo poddisruptionbudgets - -"
        );
        assert_eq!(route("/api/v1/namespaces/demo/status").unwrap(), "- - namespaces demo status");
        assert_eq!(route("/api/v1/namespaces/demo").unwrap(), "- - namespaces demo -");
        assert!(route("/apis").is_none());
    }

    #[test]
    fn list_options_follow_the_resource_version_match_rules() {
        assert!(validate_list_options(Some("5"), Some("Exact"), None).is_ok());
        assert!(validate_list_options(None, None, Some("token")).is_ok());
        let status = validate_list_options(None, Some("Exact"), None).unwrap_err();
        assert_eq!(status.code, 422);
        assert_eq!(
            status.message,
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
        );
        assert!(
            validate_list_options(Some("0"), Some("Exact"), None)
                .unwrap_err()
                .message
                .contains("\"exact\" is forbidden")
        );
        assert!(
            validate_list_options(Some("3"), Some("Newest"), None).unwrap_err().message.contains("Unsupported value")
        );
    }
}
