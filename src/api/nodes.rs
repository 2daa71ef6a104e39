//! Node reads, served from the latest snapshot: summaries are copied as the
//! bytes serialized at commit, so a list costs a filter and a memcpy per node.

use std::ops::Bound;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as TOKEN;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use super::types::{NodeItem, NodeList, PreSerialized, View};
use super::{Error, Principal, Tag, error::Result};
use crate::app::{App, Cluster};
use crate::cache::{CachedNode, Snapshot};
use crate::selector::LabelSelector;

/// At most this many nodes per page.
const MAX_LIMIT: u32 = 10_000;

#[derive(ApiResponse)]
pub enum NodeListResponse {
    #[oai(status = 200)]
    Ok(
        PreSerialized<NodeList>,
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
    Ok(PreSerialized<NodeItem>, #[oai(header = "ETag")] String),
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
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeListResponse> {
        let cluster = pick_cluster(&app, &principal, cluster_name.0.as_deref())?;
        let snapshot = ready_snapshot(&cluster)?;
        let view = view.0.unwrap_or_default();
        let etag = etag(app.epoch(), &snapshot, view);
        if if_none_match.0.is_some_and(|tags| matches_etag(&tags, &etag)) {
            return Ok(NodeListResponse::NotModified(etag));
        }
        let selector = match label_selector.0.as_deref() {
            Some(text) => Some(
                LabelSelector::parse(text)
                    .map_err(|error| Error::bad_request(format!("label_selector: {error}")))?,
            ),
            None => None,
        };
        let limit = match limit.0 {
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => limit as usize,
            Some(limit) => {
                return Err(Error::bad_request(format!("limit: must be between 1 and {MAX_LIMIT}, got {limit}")));
            }
            None => usize::MAX,
        };
        let after = match continue_token.0.as_deref() {
            Some(token) => Bound::Excluded(decode_continue(token)?),
            None => Bound::Unbounded,
        };
        let selects = |node: &CachedNode| {
            let summary = node.summary();
            selector.as_ref().is_none_or(|s| s.matches_map(&summary.labels))
                && ready.0.is_none_or(|want| summary.ready == want)
                && schedulable.0.is_none_or(|want| summary.schedulable == want)
        };
        let mut matching = snapshot.nodes.range((after, Bound::Unbounded)).map(|(_, node)| node).filter(|n| selects(n));
        let page: Vec<&Arc<CachedNode>> = matching.by_ref().take(limit).collect();
        let next = match page.last() {
            Some(last) if matching.next().is_some() => Some(TOKEN.encode(last.name())),
            _ => None,
        };

        let mut body = Vec::with_capacity(page.iter().map(|n| n.summary_json().len() + 1).sum::<usize>() + 256);
        body.extend_from_slice(b"{\"cluster_name\":");
        serde_json::to_writer(&mut body, &cluster.name).expect("a string serializes");
        body.extend_from_slice(
            format!(",\"epoch\":\"{}\",\"seq\":{},\"total\":{}", app.epoch(), snapshot.seq, snapshot.nodes.len())
                .as_bytes(),
        );
        if let Some(next) = next {
            body.extend_from_slice(format!(",\"continue\":\"{next}\"").as_bytes());
        }
        body.extend_from_slice(b",\"items\":[");
        for (index, node) in page.iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            write_node(&mut body, node, view);
        }
        body.extend_from_slice(b"]}");
        Ok(NodeListResponse::Ok(PreSerialized::new(body), etag))
    }

    /// Get one node
    #[oai(path = "/api/v1/nodes/:cluster/:node", method = "get", operation_id = "getClusterNode")]
    async fn get(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        view: Query<Option<View>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeResponse> {
        let cluster = pick_cluster(&app, &principal, Some(&cluster.0))?;
        one_node(&app, &cluster, &node.0, view.0.unwrap_or_default(), if_none_match.0)
    }

    /// Get one node, the cluster as a query parameter
    #[oai(path = "/api/v1/nodes/:node", method = "get", operation_id = "getNode")]
    async fn get_by_query(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        node: Path<String>,
        /// The cluster; may be left out when only one is watched.
        cluster_name: Query<Option<String>>,
        view: Query<Option<View>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<NodeResponse> {
        let cluster = pick_cluster(&app, &principal, cluster_name.0.as_deref())?;
        one_node(&app, &cluster, &node.0, view.0.unwrap_or_default(), if_none_match.0)
    }
}

fn one_node(
    app: &App,
    cluster: &Cluster,
    name: &str,
    view: View,
    if_none_match: Option<String>,
) -> Result<NodeResponse> {
    let snapshot = ready_snapshot(cluster)?;
    let node = snapshot
        .nodes
        .get(name)
        .ok_or_else(|| Error::not_found(format!("no node {name:?} in cluster {:?}", cluster.name)))?;
    let version = if view == View::Full { node_revision(node) } else { node.seq.to_string() };
    let etag = format!("\"{}-{}-{}-{}\"", app.epoch(), name, view_tag(view), version);
    if if_none_match.is_some_and(|tags| matches_etag(&tags, &etag)) {
        return Ok(NodeResponse::NotModified(etag));
    }
    let mut body = Vec::with_capacity(node.summary_json().len() + 128);
    body.extend_from_slice(b"{\"cluster_name\":");
    serde_json::to_writer(&mut body, &cluster.name).expect("a string serializes");
    body.extend_from_slice(format!(",\"epoch\":\"{}\",\"seq\":{},\"node\":", app.epoch(), snapshot.seq).as_bytes());
    write_node(&mut body, node, view);
    body.push(b'}');
    Ok(NodeResponse::Ok(PreSerialized::new(body), etag))
}

fn write_node(body: &mut Vec<u8>, node: &CachedNode, view: View) {
    match view {
        View::Summary => body.extend_from_slice(node.summary_json()),
        View::Full => serde_json::to_writer(body, &node.node).expect("a Node serializes"),
    }
}

/// The Kubernetes resourceVersion of a node: its full view changes with it.
fn node_revision(node: &CachedNode) -> String {
    node.node.metadata.resource_version.clone().unwrap_or_default()
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

fn view_tag(view: View) -> &'static str {
    match view {
        View::Summary => "s",
        View::Full => "f",
    }
}

/// Summaries change with `seq`, full objects with every commit (heartbeats too).
fn etag(epoch: &str, snapshot: &Snapshot, view: View) -> String {
    let version = if view == View::Full { snapshot.revision } else { snapshot.seq };
    format!("\"{epoch}-{}-{version}\"", view_tag(view))
}

fn matches_etag(header: &str, etag: &str) -> bool {
    header.split(',').map(|tag| tag.trim().trim_start_matches("W/")).any(|tag| tag == etag || tag == "*")
}

fn decode_continue(token: &str) -> Result<String> {
    TOKEN
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| Error::bad_request("continue: not a token this server issued"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_matching_accepts_lists_weak_tags_and_star() {
        assert!(matches_etag("\"a\"", "\"a\""));
        assert!(matches_etag("\"x\", W/\"a\"", "\"a\""));
        assert!(matches_etag("*", "\"a\""));
        assert!(!matches_etag("\"b\"", "\"a\""));
    }

    #[test]
    fn continue_tokens_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_continue(&TOKEN.encode("node-0042")).unwrap(), "node-0042");
        assert!(decode_continue("%%%").is_err());
    }
}
