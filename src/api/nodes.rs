//! Node reads, served from the latest snapshot through the pure queries of
//! [`cache::query`]: summaries are embedded as the bytes serialized at their
//! first read, so a list costs a filter and a copy per node.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use super::types::{NodeItem, NodeList, NodeView, SerdeJson, View};
use super::{Error, Tag, error::Result};
use crate::app::{App, Cluster};
use crate::auth::Principal;
use crate::cache::Snapshot;
use crate::cache::query::{self, NodeQuery, Representation};

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
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeListResponse> {
        let cluster = pick_cluster(&app, &principal, cluster_name.0.as_deref())?;
        let view = view.0.unwrap_or_default();
        let node_view = NodeView::for_request(view, fields.0.as_deref())?;
        let snapshot = ready_snapshot(&cluster)?;
        let etag = query::list_etag(app.epoch(), &snapshot, representation(view));
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
        let list = NodeList {
            cluster_name: cluster.name.clone(),
            epoch: app.epoch().to_owned(),
            seq: snapshot.seq,
            total: snapshot.nodes.len() as u64,
            stale: snapshot.stale,
            items: page.nodes.into_iter().map(node_view).collect(),
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
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeResponse> {
        let cluster = pick_cluster(&app, &principal, Some(&cluster.0))?;
        one_node(&app, &cluster, &node.0, view.0.unwrap_or_default(), fields.0.as_deref(), if_none_match.0)
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
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeResponse> {
        let cluster = pick_cluster(&app, &principal, cluster_name.0.as_deref())?;
        one_node(&app, &cluster, &node.0, view.0.unwrap_or_default(), fields.0.as_deref(), if_none_match.0)
    }
}

fn one_node(
    app: &App,
    cluster: &Cluster,
    name: &str,
    view: View,
    fields: Option<&str>,
    if_none_match: Option<String>,
) -> Result<NodeResponse> {
    let node_view = NodeView::for_request(view, fields)?;
    let snapshot = ready_snapshot(cluster)?;
    let node = snapshot
        .nodes
        .get(name)
        .ok_or_else(|| Error::not_found(format!("no node {name:?} in cluster {:?}", cluster.name)))?;
    let etag = query::node_etag(app.epoch(), node, representation(view));
    if if_none_match.is_some_and(|tags| query::etag_matches(&tags, &etag)) {
        return Ok(NodeResponse::NotModified(etag));
    }
    let item = NodeItem {
        cluster_name: cluster.name.clone(),
        epoch: app.epoch().to_owned(),
        seq: snapshot.seq,
        stale: snapshot.stale,
        node: node_view(node.clone()),
    };
    Ok(NodeResponse::Ok(SerdeJson(item), etag))
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
