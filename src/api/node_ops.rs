//! Node operations (operator role): cordon and uncordon, per node and in
//! batches, through the cluster's own client. A batch answers 200 with an
//! outcome per node; a single node's failure is the request's error.

use std::collections::BTreeSet;

use chrono::Utc;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::nodes::pick_cluster;
use super::{Error, Tag, error::Result};
use crate::app::App;
use crate::auth::Principal;
use crate::ops::{self, Audit, Failure, FailureKind, Outcome};

/// At most this many nodes per batch.
const MAX_BATCH: usize = 1000;

#[derive(Debug, Object)]
pub struct BatchCordon {
    /// The cluster; may be left out when only one is watched.
    pub cluster_name: Option<String>,
    /// The nodes, each named once; 1 to 1000.
    pub node_names: Vec<String>,
    /// Why, recorded on each node as `nodecast.io/cordon-reason`.
    pub reason: Option<String>,
}

#[derive(Debug, Object)]
pub struct BatchUncordon {
    /// The cluster; may be left out when only one is watched.
    pub cluster_name: Option<String>,
    /// The nodes, each named once; 1 to 1000.
    pub node_names: Vec<String>,
}

/// What happened to one node.
#[derive(Debug, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct NodeResult {
    pub node: String,
    pub ok: bool,
    /// On failure: `not_found`, `forbidden`, `conflict`, `timeout`, `invalid` or `failed`.
    pub code: Option<String>,
    pub message: Option<String>,
    /// The node's resourceVersion after the change.
    pub resource_version: Option<String>,
}

impl NodeResult {
    fn new(node: &str, outcome: Outcome) -> Self {
        let node = node.to_owned();
        match outcome {
            Ok(version) => Self { node, ok: true, code: None, message: None, resource_version: Some(version) },
            Err(failure) => Self {
                node,
                ok: false,
                code: Some(failure.kind.code().to_owned()),
                message: Some(failure.message),
                resource_version: None,
            },
        }
    }
}

#[derive(Debug, Object, serde::Serialize)]
pub struct BatchResult {
    pub cluster_name: String,
    /// One per requested node, in the request's order.
    pub results: Vec<NodeResult>,
}

pub struct NodeOpsApi;

#[OpenApi(tag = "Tag::Nodes")]
impl NodeOpsApi {
    /// Cordon nodes
    ///
    /// Marks each node unschedulable and records the reason, the token's name
    /// and the time in its annotations (`nodecast.io/cordon-reason`,
    /// `nodecast.io/cordoned-by`, `nodecast.io/cordoned-at`). Up to 8 nodes
    /// are patched at once, each call limited to 15 s. The change reaches
    /// WebSocket subscribers as one `node_update` per node.
    #[oai(path = "/api/v1/nodes/batch-cordon", method = "post", operation_id = "batchCordon")]
    async fn batch_cordon(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        body: Json<BatchCordon>,
    ) -> Result<Json<BatchResult>> {
        let audit = Audit { reason: body.0.reason, principal: principal.name().to_owned(), at: Utc::now() };
        batch(&app, &principal, body.0.cluster_name.as_deref(), body.0.node_names, Some(audit)).await
    }

    /// Uncordon nodes
    ///
    /// Makes each node schedulable again and removes the cordon's annotations.
    #[oai(path = "/api/v1/nodes/batch-uncordon", method = "post", operation_id = "batchUncordon")]
    async fn batch_uncordon(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        body: Json<BatchUncordon>,
    ) -> Result<Json<BatchResult>> {
        batch(&app, &principal, body.0.cluster_name.as_deref(), body.0.node_names, None).await
    }

    /// Cordon one node
    #[oai(path = "/api/v1/nodes/:cluster/:node/cordon", method = "post", operation_id = "cordonNode")]
    async fn cordon(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        /// Why, recorded on the node as `nodecast.io/cordon-reason`.
        reason: Query<Option<String>>,
    ) -> Result<Json<NodeResult>> {
        let audit = Audit { reason: reason.0, principal: principal.name().to_owned(), at: Utc::now() };
        single(&app, &principal, &cluster.0, &node.0, Some(&audit)).await
    }

    /// Uncordon one node
    #[oai(path = "/api/v1/nodes/:cluster/:node/uncordon", method = "post", operation_id = "uncordonNode")]
    async fn uncordon(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
    ) -> Result<Json<NodeResult>> {
        single(&app, &principal, &cluster.0, &node.0, None).await
    }
}

async fn batch(
    app: &App,
    principal: &Principal,
    cluster_name: Option<&str>,
    nodes: Vec<String>,
    audit: Option<Audit>,
) -> Result<Json<BatchResult>> {
    let cluster = pick_cluster(app, principal, cluster_name)?;
    principal.may_operate(Some(&cluster.name))?;
    check_batch(&nodes)?;
    let outcomes = ops::set_cordon_batch(cluster.client().clone(), nodes.clone(), audit).await;
    let results = nodes.iter().zip(outcomes).map(|(node, outcome)| NodeResult::new(node, outcome)).collect();
    Ok(Json(BatchResult { cluster_name: cluster.name.clone(), results }))
}

async fn single(
    app: &App,
    principal: &Principal,
    cluster: &str,
    node: &str,
    audit: Option<&Audit>,
) -> Result<Json<NodeResult>> {
    let cluster = pick_cluster(app, principal, Some(cluster))?;
    principal.may_operate(Some(&cluster.name))?;
    match ops::set_cordon(cluster.client(), node, audit).await {
        Ok(version) => Ok(Json(NodeResult::new(node, Ok(version)))),
        Err(failure) => Err(failure.into()),
    }
}

fn check_batch(nodes: &[String]) -> Result<()> {
    if nodes.is_empty() || nodes.len() > MAX_BATCH {
        return Err(Error::bad_request(format!("node_names: 1 to {MAX_BATCH} names, got {}", nodes.len())));
    }
    let mut seen = BTreeSet::new();
    if let Some(twice) = nodes.iter().find(|node| !seen.insert(node.as_str())) {
        return Err(Error::bad_request(format!("node_names: {twice:?} is named twice")));
    }
    Ok(())
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        match failure.kind {
            FailureKind::NotFound => Error::not_found(failure.message),
            FailureKind::Forbidden => Error::forbidden(failure.message),
            FailureKind::Conflict => Error::conflict(failure.message),
            FailureKind::Invalid => Error::bad_request(failure.message),
            FailureKind::Timeout => Error::gateway_timeout(failure.message),
            FailureKind::Failed => Error::bad_gateway(failure.message),
        }
    }
}
