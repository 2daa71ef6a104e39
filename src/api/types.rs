//! Request and response types of the REST API, apart from the handlers.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::cache::query::{InvalidParameter, SummaryFields};
use crate::cache::{CachedNode, Expander, NodeSummary};
use crate::ops::pods::PodCounts;

/// Which view of a node to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[oai(rename_all = "lowercase")]
pub enum View {
    /// nodecast's node summary.
    #[default]
    Summary,
    /// The Kubernetes Node object (without `managedFields`).
    Full,
}

/// One node in a response: its summary, embedded as the JSON serialized at
/// its first read, or with `view=full` the Kubernetes Node.
#[derive(Debug, Clone)]
pub enum NodeView {
    Summary(Arc<CachedNode>),
    Full(Arc<CachedNode>),
    /// The summary with only the fields a `fields=` projection names.
    Projected(Arc<CachedNode>, Arc<SummaryFields>),
}

impl NodeView {
    pub fn new(node: Arc<CachedNode>, view: View) -> Self {
        match view {
            View::Summary => NodeView::Summary(node),
            View::Full => NodeView::Full(node),
        }
    }

    /// The view a read asks for: `fields` projects the summary, so it cannot go with `view=full`.
    pub fn for_request(view: View, fields: Option<&str>) -> Result<impl Fn(Arc<CachedNode>) -> Self, InvalidParameter> {
        let fields = fields.map(SummaryFields::parse).transpose()?.map(Arc::new);
        if fields.is_some() && view == View::Full {
            return Err(InvalidParameter {
                parameter: "fields",
                message: "selects summary fields, so it cannot be combined with view=full".into(),
            });
        }
        Ok(move |node| match &fields {
            Some(fields) => NodeView::Projected(node, fields.clone()),
            None => NodeView::new(node, view),
        })
    }
}

impl Serialize for NodeView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            NodeView::Summary(node) => node.summary_json().serialize(serializer),
            NodeView::Projected(node, fields) => fields.project(node).serialize(serializer),
            NodeView::Full(node) => {
                // Through serde only for single nodes: lists splice the bytes in
                // (`NodeList::into_body`) without checking them again.
                let mut json = Vec::with_capacity(node.full_json().json_len());
                node.full_json().write_to(&mut json);
                let json = String::from_utf8(json).map_err(serde::ser::Error::custom)?;
                RawValue::from_string(json).map_err(serde::ser::Error::custom)?.serialize(serializer)
            }
        }
    }
}

impl Type for NodeView {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "NodeView".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(Self::name().into_owned())
    }

    fn register(registry: &mut Registry) {
        NodeSummary::register(registry);
        registry.create_schema::<Self, _>(Self::name().into_owned(), |registry| {
            // The three forms are named components: generators name types by
            // component, and some drop inline members of a union used twice.
            let full = MetaSchema {
                title: Some("KubernetesNode".to_owned()),
                description: Some("The Kubernetes Node (core/v1), without `metadata.managedFields`."),
                required: vec!["metadata"],
                properties: vec![
                    ("apiVersion", MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))),
                    ("kind", MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))),
                    ("metadata", MetaSchemaRef::Inline(Box::new(MetaSchema::new("object")))),
                    ("spec", MetaSchemaRef::Inline(Box::new(MetaSchema::new("object")))),
                    ("status", MetaSchemaRef::Inline(Box::new(MetaSchema::new("object")))),
                ],
                ..MetaSchema::new("object")
            };
            registry.schemas.insert("KubernetesNode".to_owned(), full);
            let projected = MetaSchema {
                title: Some("NodeFields".to_owned()),
                description: Some("The summary with only the fields named in `fields`."),
                required: Vec::new(),
                ..registry.schemas.get(&*NodeSummary::name()).expect("the summary is registered first").clone()
            };
            registry.schemas.insert("NodeFields".to_owned(), projected);
            MetaSchema {
                description: Some(
                    "One node: its summary, the Kubernetes object with `view=full`, or with `fields` the summary's named fields.",
                ),
                any_of: vec![
                    NodeSummary::schema_ref(),
                    MetaSchemaRef::Reference("KubernetesNode".to_owned()),
                    MetaSchemaRef::Reference("NodeFields".to_owned()),
                ],
                ..MetaSchema::new("object")
            }
        });
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for NodeView {
    fn to_json(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self).ok()
    }
}

impl ParseFromJSON for NodeView {
    fn parse_from_json(_: Option<serde_json::Value>) -> ParseResult<Self> {
        Err(ParseError::custom("a node view is only ever sent, never received"))
    }
}

/// A page of a cluster's nodes, sorted by name.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct NodeList {
    pub cluster_name: String,
    /// The server's epoch; with `seq`, a position in the cluster's event stream.
    pub epoch: String,
    /// The snapshot's seq: open the WebSocket with `since=seq` to miss nothing after this list.
    pub seq: u64,
    /// Nodes in the cluster, before filters.
    pub total: u64,
    /// The cluster's watch is down: the list may be out of date.
    pub stale: bool,
    pub items: Vec<NodeView>,
    /// With `include=pod_counts`: the unfinished pods of each listed node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_counts: Option<PodCounts>,
    /// Pass as `continue` for the next page; absent on the last page.
    #[oai(rename = "continue", skip_serializing_if_is_none)]
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_token: Option<String>,
}

/// One node of a cluster.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct NodeItem {
    pub cluster_name: String,
    pub epoch: String,
    pub seq: u64,
    /// The cluster's watch is down: the node may be out of date.
    pub stale: bool,
    pub node: NodeView,
    /// With `include=pod_counts`: the node's unfinished pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_counts: Option<PodCounts>,
}

/// What a node read may add from outside the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Include {
    /// Pods per node, `Succeeded` and `Failed` excluded: counted with one list
    /// of the cluster's pods, and served for up to 15 s (`counted_at` says when).
    PodCounts,
}

/// A JSON response body written by serde, documented with the schema of `T`:
/// the embedded summaries are copied, not parsed and written again.
pub struct SerdeJson<T>(pub T);

/// A response body that can tell about how large its JSON is, so that a
/// body of many megabytes is written into one buffer instead of growing one.
pub trait SizedBody: Serialize + Sized {
    fn size_hint(&self) -> usize;

    /// The response body: the JSON `serde_json` makes of it, perhaps made faster.
    fn into_body(self) -> poem::Body {
        serialized(&self)
    }
}

/// `body`'s JSON, written into one buffer of its hinted size.
fn serialized(body: &impl SizedBody) -> poem::Body {
    let mut json = Vec::with_capacity(body.size_hint());
    serde_json::to_writer(&mut json, body).expect("a response body always serializes");
    json.into()
}

impl NodeView {
    fn size_hint(&self) -> usize {
        match self {
            NodeView::Summary(node) => node.summary_json().get().len(),
            NodeView::Projected(node, fields) => fields.json_len(node),
            NodeView::Full(node) => node.full_json().json_len(),
        }
    }
}

/// Full nodes a streamed list decompresses per chunk of its body.
const NODES_PER_CHUNK: usize = 64;

impl NodeList {
    /// The body's JSON before its first item and after its last.
    fn framing(&self) -> (Vec<u8>, Vec<u8>) {
        let shell = NodeList { items: Vec::new(), ..self.clone() };
        let mut framed = Vec::with_capacity(256);
        serde_json::to_writer(&mut framed, &shell).expect("a response body always serializes");
        // The fields before `items` are numbers, booleans and escaped strings,
        // none of which can hold this text unescaped.
        const EMPTY_ITEMS: &[u8] = b"\"items\":[]";
        let at = framed.windows(EMPTY_ITEMS.len()).position(|w| w == EMPTY_ITEMS).expect("items is always written");
        let suffix = framed.split_off(at + EMPTY_ITEMS.len() - 1);
        (framed, suffix)
    }
}

impl SizedBody for NodeList {
    fn size_hint(&self) -> usize {
        256 + self.items.iter().map(|item| item.size_hint() + 1).sum::<usize>()
    }

    /// Full nodes stream: their stored bytes are decompressed into the body a
    /// chunk at a time, with one zstd context for the whole list, as the
    /// connection takes them. A list of tens of megabytes never sits whole in
    /// memory, however many clients ask for one at once.
    fn into_body(self) -> poem::Body {
        if !self.items.iter().any(|item| matches!(item, NodeView::Full(_))) {
            return serialized(&self);
        }
        let (prefix, suffix) = self.framing();
        let items = self.items;
        let mut expander = Expander::default();
        let mut next = 0;
        let chunks = std::iter::from_fn(move || {
            let batch = items.get(next..(next + NODES_PER_CHUNK).min(items.len())).filter(|b| !b.is_empty())?;
            let mut out = Vec::with_capacity(batch.iter().map(|item| item.size_hint() + 1).sum());
            for item in batch {
                if next > 0 {
                    out.push(b',');
                }
                next += 1;
                match item {
                    NodeView::Full(node) => expander.write(node.full_json(), &mut out),
                    NodeView::Summary(node) => out.extend_from_slice(node.summary_json().get().as_bytes()),
                    NodeView::Projected(node, fields) => fields.write(node, &mut out),
                }
            }
            Some(bytes::Bytes::from(out))
        });
        let body = std::iter::once(prefix.into()).chain(chunks).chain(std::iter::once(suffix.into()));
        poem::Body::from_bytes_stream(futures::stream::iter(body.map(Ok::<_, std::io::Error>)))
    }
}

impl SizedBody for NodeItem {
    fn size_hint(&self) -> usize {
        256 + self.node.size_hint()
    }
}

impl<T: Type> poem_openapi::payload::Payload for SerdeJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("application/json")
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: SizedBody + Send> poem::IntoResponse for SerdeJson<T> {
    fn into_response(self) -> poem::Response {
        poem::Response::builder().content_type("application/json; charset=utf-8").body(self.0.into_body())
    }
}

/// How a cluster came to be watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ClusterOrigin {
    /// `[[clusters]]` in the configuration.
    Config,
    /// Registered through `POST /api/v1/clusters`.
    Api,
    /// The embedded simulator.
    Simulator,
}

/// Where a cluster's watch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum WatchState {
    /// Listing the cluster's nodes (at start, or again after a failure).
    Listing,
    /// Listed, and following the watch.
    Watching,
    /// The watch failed and is retried with backoff: the data may be stale.
    Reconnecting,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClusterInfo {
    pub name: String,
    pub origin: ClusterOrigin,
    /// The first list has completed (what `/readyz` waits for).
    pub ready: bool,
    /// The watch is down: the cluster's data may be out of date.
    pub stale: bool,
    pub nodes: u64,
    pub seq: u64,
}

/// A cluster to register: kubeconfig content, not a path.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RegisterCluster {
    /// 1 to 63 letters, digits, `-`, `_` or `.`.
    pub name: String,
    /// The kubeconfig, as YAML or JSON text. Credentials must be inline: exec
    /// plugins, auth providers and file references are refused.
    pub kubeconfig: String,
    /// The context to use (default: the kubeconfig's current context).
    pub context: Option<String>,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RealtimeStatus {
    pub epoch: String,
    pub clusters: Vec<ClusterStatus>,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClusterStatus {
    #[oai(flatten)]
    pub cluster: ClusterInfo,
    pub last_event_time: Option<DateTime<Utc>>,
    pub watch_state: WatchState,
    /// When `watch_state` began.
    pub watch_state_since: DateTime<Utc>,
    /// Failed attempts since the watch last worked.
    pub reconnect_attempts: u64,
    /// The last time the API server answered: an event, a list, or a probe.
    pub last_contact_time: Option<DateTime<Utc>>,
    pub watcher_restarts: u64,
    pub relists: u64,
    /// Why the watch is down; absent once it works again.
    pub last_error: Option<String>,
    pub last_error_time: Option<DateTime<Utc>>,
    /// The most recent failure, kept after recovery.
    pub last_failure: Option<String>,
    pub last_failure_time: Option<DateTime<Utc>>,
    /// Consumers of the change stream.
    pub subscribers: u64,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RefreshAccepted {
    pub cluster: String,
    /// Complete lists so far; the forced one adds one when it starts.
    pub relists: u64,
}

/// The seeds' cache statistics, for nodes: one informer per cluster.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase")]
pub struct CacheStats {
    pub active_informers: u64,
    pub total_objects: u64,
    /// Keyed `<cluster>/v1/nodes`.
    pub resource_stats: std::collections::BTreeMap<String, ResourceStats>,
    /// Null until a cluster has completed a list: the seeds' shape keeps the key.
    #[oai(nullable)]
    pub last_update: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase")]
pub struct ResourceStats {
    pub object_count: u64,
    /// Nodes are cluster-scoped: always 0.
    pub namespace_count: u64,
    #[oai(nullable)]
    pub last_sync: Option<DateTime<Utc>>,
    /// How long the latest complete list took, as `2.5s`.
    #[oai(nullable)]
    pub sync_duration: Option<String>,
    pub ready: bool,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Health {
    /// `ok`, or `not ready`.
    pub status: String,
    /// Clusters that have not completed their first list.
    pub waiting_for: Vec<String>,
}
