//! A node's pods, read from the cluster's API server on each request (pods are
//! never cached): a page of them with the field selector `spec.nodeName`.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::nodes::pick_cluster;
use super::{Error, Tag, error::Result};
use crate::app::App;
use crate::auth::Principal;
use crate::ops::pods::{self, PodSummary};

/// Pods per page when `limit` is left out, and at most.
const DEFAULT_PAGE: u32 = 500;
const MAX_PAGE: u32 = 1000;

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NodePods {
    pub cluster_name: String,
    pub node_name: String,
    pub items: Vec<PodSummary>,
    /// Pass as `continue` for the next page; absent on the last page.
    #[oai(rename = "continue")]
    pub continue_token: Option<String>,
}

#[derive(Default)]
pub struct PodsApi;

#[OpenApi(tag = "Tag::Nodes")]
impl PodsApi {
    /// List a node's pods
    ///
    /// Straight from the cluster's API server (a list with the field selector
    /// `spec.nodeName`, within 15 s), never from the cache. Paged by `limit`
    /// and `continue` as Kubernetes pages it. An API server that refuses,
    /// fails or does not answer in time is a 403, 502 or 504.
    #[oai(path = "/api/v1/nodes/:cluster/:node/pods", method = "get", operation_id = "listNodePods")]
    async fn list(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        /// Page size, 1 to 1000; 500 when left out.
        limit: Query<Option<u32>>,
        /// The `continue` of the previous page.
        #[oai(name = "continue")]
        continue_token: Query<Option<String>>,
    ) -> Result<Json<NodePods>> {
        let cluster = pick_cluster(&app, &principal, Some(&cluster.0))?;
        let limit = limit.0.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Error::bad_request(format!("limit: 1 to {MAX_PAGE}, got {limit}")));
        }
        if !cluster.snapshot().nodes.contains_key(node.0.as_str()) {
            return Err(Error::unknown_node(&cluster.name, &node.0));
        }
        let (page, next) = pods::node_pods_page(cluster.client(), &node.0, limit, continue_token.0.as_deref()).await?;
        Ok(Json(NodePods {
            cluster_name: cluster.name.clone(),
            node_name: node.0,
            items: page.iter().map(PodSummary::of).collect(),
            continue_token: next,
        }))
    }
}
