//! Node reads, served from the latest snapshot through the pure queries of
//! [`cache::query`]: summaries are embedded as the bytes serialized at their
//! first read, so a list costs a filter and a copy per node.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use super::types::{Include, NodeItem, NodeList, NodeView, SerdeJson, View};
use super::{Error, Tag, error::Result};
use crate::app::{App, Cluster};
use crate::auth::Principal;
use crate::cache::Snapshot;
use crate::cache::query::{self, NodeQuery, Representation};
use crate::ops::pods::PodCounts;

#[derive(ApiResponse)]
pub enum NodeListResponse {
    #[oai(status = 200)]
    Ok(
        SerdeJson<NodeList>,
        /// Changes when the listed data does; send it back in `If-None-Match`.
        #[oai(header = "ETag")]
        String,
    ),
    /// The `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum NodeResponse {
    #[oai(status = 200)]
    Ok(SerdeJson<NodeItem>, #[oai(header = "ETag")] String),
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String),
}

#[derive(Default)]
pub struct NodesApi;

#[OpenApi(tag = "Tag::Nodes")]
impl NodesApi {
    /// List a cluster's nodes
    ///
    /// Sorted by name, from the cache (no call to Kubernetes). Filters apply in
    /// order: labels, readiness, schedulability; then `limit` and `continue`
    /// page through the result. A walk with `continue` returns every node that
    /// exists throughout exactly once, even while nodes change.
    #[oai(path = "/api/v1/nodes", method = "get", operation_id = "listNodes")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        /// The cluster; may be left out when only one is watched.
        cluster_name: Query<Option<String>>,
        /// A Kubernetes label selector: `pool=blue,zone in (a,b),!spot`.
        label_selector: Query<Option<String>>,
        /// Only nodes whose Ready condition is (or is not) `True`.
        ready: Query<Option<bool>>,
        /// Only nodes that are (or are not) cordoned.
        schedulable: Query<Option<bool>>,
        /// Page size, 1 to 10000; all nodes when left out.
        limit: Query<Option<u32>>,
        /// The `continue` of the previous page.
        #[oai(name = "continue")]
        continue_token: Query<Option<String>>,
        view: Query<Option<View>>,
        /// Only these summary fields of each node, comma-separated: `name,ready,schedulable,roles`.
        fields: Query<Option<String>>,
        /// `pod_counts`: add each listed node's pod count, read from the API server.
        include: Query<Option<Include>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeListResponse> {
        let cluster = pick_cluster(&app, &principal, cluster_name.0.as_deref())?;
        let view = view.0.unwrap_or_default();
        let node_view = NodeView::for_request(view, fields.0.as_deref())?;
        let snapshot = ready_snapshot(&cluster)?;
        let counts = pod_counts(&cluster, include.0).await?;
        let etag = with_counts(query::list_etag(app.epoch(), &snapshot, representation(view)), counts.as_deref());
        if if_none_match.0.is_some_and(|tags| query::etag_matches(&tags, &etag)) {
            return Ok(NodeListResponse::NotModified(etag));
        }
        let page = NodeQuery::parse(
            label_selector.0.as_deref(),
            ready.0,
            schedulable.0,
            limit.0,
            continue_token.0.as_deref(),
        )?
        .run(&snapshot);
        let pod_counts = counts.map(|counts| counts_of(&counts, page.nodes.iter().map(|node| node.name())));
        let list = NodeList {
            cluster_name: cluster.name.clone(),
            epoch: app.epoch().to_owned(),
            seq: snapshot.seq,
            total: snapshot.nodes.len() as u64,
            stale: snapshot.stale,
            items: page.nodes.into_iter().map(node_view).collect(),
            pod_counts,
            continue_token: page.continue_token,
        };
        Ok(NodeListResponse::Ok(SerdeJson(list), etag))
    }

    /// Get one node
    #[oai(path = "/api/v1/nodes/:cluster/:node", method = "get", operation_id = "getClusterNode")]
    #[allow(clippy::too_many_arguments)]
    async fn get(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        view: Query<Option<View>>,
        /// Only these summary fields, comma-separated: `name,ready,schedulable,roles`.
        fields: Query<Option<String>>,
        /// `pod_counts`: add the node's pod count, read from the API server.
        include: Query<Option<Include>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeResponse> {
        let cluster = pick_cluster(&app, &principal, Some(&cluster.0))?;
        let read = NodeRead { view: view.0.unwrap_or_default(), fields: fields.0, include: include.0 };
        one_node(&app, &cluster, &node.0, read, if_none_match.0).await
    }

    /// Get one node, the cluster as a query parameter
    #[oai(path = "/api/v1/nodes/:node", method = "get", operation_id = "getNode")]
    #[allow(clippy::too_many_arguments)]
    async fn get_by_query(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        node: Path<String>,
        /// The cluster; may be left out when only one is watched.
        cluster_name: Query<Option<String>>,
        view: Query<Option<View>>,
        /// Only these summary fields, comma-separated: `name,ready,schedulable,roles`.
        fields: Query<Option<String>>,
        /// `pod_counts`: add the node's pod count, read from the API server.
        include: Query<Option<Include>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeResponse> {
        let cluster = pick_cluster(&app, &principal, cluster_name.0.as_deref())?;
        let read = NodeRead { view: view.0.unwrap_or_default(), fields: fields.0, include: include.0 };
        one_node(&app, &cluster, &node.0, read, if_none_match.0).await
    }
}

/// How one node is to be read.
struct NodeRead {
    view: View,
    fields: Option<String>,
    include: Option<Include>,
}

async fn one_node(
    app: &App,
    cluster: &Cluster,
    name: &str,
    read: NodeRead,
    if_none_match: Option<String>,
) -> Result<NodeResponse> {
    let node_view = NodeView::for_request(read.view, read.fields.as_deref())?;
    let snapshot = ready_snapshot(cluster)?;
    let node = snapshot.nodes.get(name).ok_or_else(|| Error::unknown_node(&cluster.name, name))?;
    let counts = pod_counts(cluster, read.include).await?;
    let etag = with_counts(query::node_etag(app.epoch(), node, representation(read.view)), counts.as_deref());
    if if_none_match.is_some_and(|tags| query::etag_matches(&tags, &etag)) {
        return Ok(NodeResponse::NotModified(etag));
    }
    let item = NodeItem {
        cluster_name: cluster.name.clone(),
        epoch: app.epoch().to_owned(),
        seq: snapshot.seq,
        stale: snapshot.stale,
        node: node_view(node.clone()),
        pod_counts: counts.map(|counts| counts_of(&counts, [name])),
    };
    Ok(NodeResponse::Ok(SerdeJson(item), etag))
}

async fn pod_counts(cluster: &Cluster, include: Option<Include>) -> Result<Option<Arc<PodCounts>>> {
    match include {
        Some(Include::PodCounts) => Ok(Some(cluster.pod_counts().await?)),
        None => Ok(None),
    }
}

/// The counts of `nodes` alone, 0 for a node with no pod.
fn counts_of<'a>(counts: &PodCounts, nodes: impl IntoIterator<Item = &'a str>) -> PodCounts {
    PodCounts {
        counted_at: counts.counted_at,
        counts: nodes
            .into_iter()
            .map(|node| (node.to_owned(), counts.counts.get(node).copied().unwrap_or(0)))
            .collect(),
    }
}

/// An entity tag that also changes when the pods are counted again.
fn with_counts(etag: String, counts: Option<&PodCounts>) -> String {
    match counts {
        Some(counts) => format!("{}-{}\"", etag.trim_end_matches('"'), counts.counted_at.timestamp_millis()),
        None => etag,
    }
}

fn representation(view: View) -> Representation {
    match view {
        View::Summary => Representation::Summary,
        View::Full => Representation::Full,
    }
}

/// The cluster a request means: the one named, or the only one there is.
pub(super) fn pick_cluster(app: &App, principal: &Principal, name: Option<&str>) -> Result<Arc<Cluster>> {
    let cluster = match name {
        Some(name) => app.cluster(name).ok_or_else(|| Error::unknown_cluster(name))?,
        None => match app.clusters().as_slice() {
            [only] => only.clone(),
            [] => return Err(Error::not_found("no cluster is watched")),
            _ => return Err(Error::bad_request("cluster_name: required when more than one cluster is watched")),
        },
    };
    principal.may_view(&cluster.name)?;
    Ok(cluster)
}

fn ready_snapshot(cluster: &Cluster) -> Result<Arc<Snapshot>> {
    let snapshot = cluster.snapshot();
    if snapshot.ready { Ok(snapshot) } else { Err(Error::not_ready(&cluster.name)) }
}
