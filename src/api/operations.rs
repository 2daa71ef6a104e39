//! Drains, as long-running operations: started with `202 Accepted` and a
//! `Location`, read and cancelled at `/api/v1/operations/{id}`, and followed
//! live on the WebSocket as `operation` messages.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::node_ops::check_batch;
use super::nodes::pick_cluster;
use super::{Error, Tag, error::Result};
use crate::app::{App, Cluster};
use crate::auth::Principal;
use crate::ops::Audit;
use crate::ops::operation::{DrainOptions, Operation, Tracked};

/// Nodes one batch drain may name.
const MAX_DRAIN_BATCH: usize = 100;
/// Nodes a batch drain may drain at once.
const MAX_DRAIN_CONCURRENCY: u32 = 16;

#[derive(Debug, Object)]
pub struct BatchDrain {
    /// The cluster; may be left out when only one is watched.
    pub cluster_name: Option<String>,
    /// The nodes, each named once; 1 to 100.
    pub node_names: Vec<String>,
    /// Nodes drained at once, 1 to 16.
    #[oai(default = "default_concurrency")]
    pub concurrency: u32,
    /// The cordon's reason, recorded on each node.
    pub reason: Option<String>,
    #[oai(default)]
    pub options: DrainOptions,
}

fn default_concurrency() -> u32 {
    1
}

#[derive(Debug, Object)]
pub struct OperationList {
    /// Running operations and the last 100 finished ones, oldest first.
    pub operations: Vec<Operation>,
}

#[derive(ApiResponse)]
enum Started {
    /// The operation is running; follow it at `Location` or on the WebSocket.
    #[oai(status = 202)]
    Accepted(Json<Operation>, #[oai(header = "Location")] String),
}

#[derive(Default)]
pub struct OperationsApi;

#[OpenApi(tag = "Tag::Nodes")]
impl OperationsApi {
    /// Drain a node
    ///
    /// Cordons the node (recording who and why, as a cordon does), then
    /// evicts its pods through `policy/v1` Eviction as `kubectl drain` does,
    /// with its options and defaults: nothing is evicted when a pod could not
    /// be (a DaemonSet's without `ignore_daemonsets`, one with `emptyDir`
    /// without `delete_emptydir_data`, one with no controller without
    /// `force`); an eviction a disruption budget refuses (429) is asked
    /// again with a backoff (0.5 s doubling to 5 s) until `timeout_seconds`;
    /// then it waits until each pod is gone. The operation runs on the
    /// server, whatever happens to the client; a server restart stops it.
    #[oai(path = "/api/v1/nodes/:cluster/:node/drain", method = "post", operation_id = "drainNode")]
    async fn drain(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        /// The cordon's reason, recorded on the node as `nodecast.io/cordon-reason`.
        reason: Query<Option<String>>,
        options: Json<DrainOptions>,
    ) -> Result<Started> {
        let cluster = pick_cluster(&app, &principal, Some(&cluster.0))?;
        principal.may_operate(Some(&cluster.name))?;
        start(&app, &principal, &cluster, vec![node.0], options.0, 1, reason.0)
    }

    /// Drain nodes
    ///
    /// One operation that drains each node as `drainNode` does, `concurrency`
    /// nodes at a time.
    #[oai(path = "/api/v1/nodes/batch-drain", method = "post", operation_id = "batchDrain")]
    async fn batch_drain(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        body: Json<BatchDrain>,
    ) -> Result<Started> {
        let BatchDrain { cluster_name, node_names, concurrency, reason, options } = body.0;
        let cluster = pick_cluster(&app, &principal, cluster_name.as_deref())?;
        principal.may_operate(Some(&cluster.name))?;
        check_batch(&node_names, MAX_DRAIN_BATCH)?;
        if !(1..=MAX_DRAIN_CONCURRENCY).contains(&concurrency) {
            return Err(Error::bad_request(format!("concurrency: 1 to {MAX_DRAIN_CONCURRENCY}, got {concurrency}")));
        }
        start(&app, &principal, &cluster, node_names, options, concurrency, reason)
    }

    /// List operations
    ///
    /// The running operations and the last 100 finished ones, of the clusters the token may read.
    #[oai(path = "/api/v1/operations", method = "get", operation_id = "listOperations")]
    async fn list(&self, app: Data<&App>, principal: Data<&Principal>) -> Json<OperationList> {
        let operations = app
            .operations()
            .list()
            .into_iter()
            .filter(|operation| principal.may_view(&operation.cluster_name).is_ok())
            .collect();
        Json(OperationList { operations })
    }

    /// Get an operation
    ///
    /// Its state, and each node's and pod's progress.
    #[oai(path = "/api/v1/operations/:id", method = "get", operation_id = "getOperation")]
    async fn get(&self, app: Data<&App>, principal: Data<&Principal>, id: Path<String>) -> Result<Json<Operation>> {
        Ok(Json(visible(&app, &principal, &id.0)?.get()))
    }

    /// Cancel an operation
    ///
    /// Stops evicting: pods already evicted finish terminating, the nodes stay
    /// cordoned, and the operation ends `cancelled`, naming who cancelled it.
    /// Answers once it has stopped (or after 10 s, still `running`, when the
    /// API server is slow to answer the calls in flight). 409 when it had already finished.
    #[oai(path = "/api/v1/operations/:id", method = "delete", operation_id = "cancelOperation")]
    async fn cancel(&self, app: Data<&App>, principal: Data<&Principal>, id: Path<String>) -> Result<Json<Operation>> {
        let tracked = visible(&app, &principal, &id.0)?;
        principal.may_operate(Some(&tracked.read(|operation| operation.cluster_name.clone())))?;
        if !tracked.cancel(principal.name()) {
            return Err(Error::conflict(format!("operation {:?} has already finished", id.0)));
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), tracked.finished()).await;
        Ok(Json(tracked.get()))
    }
}

fn visible(app: &App, principal: &Principal, id: &str) -> Result<Arc<Tracked>> {
    let unknown = || Error::not_found(format!("no operation {id:?}"));
    let tracked = app.operations().get(id).ok_or_else(unknown)?;
    // An operation on a cluster the token may not read does not exist for it.
    principal.may_view(&tracked.read(|operation| operation.cluster_name.clone())).map_err(|_| unknown())?;
    Ok(tracked)
}

fn start(
    app: &App,
    principal: &Principal,
    cluster: &Arc<Cluster>,
    nodes: Vec<String>,
    options: DrainOptions,
    concurrency: u32,
    reason: Option<String>,
) -> Result<Started> {
    let snapshot = cluster.snapshot();
    if let Some(unknown) = nodes.iter().find(|node| !snapshot.nodes.contains_key(node.as_str())) {
        return Err(Error::unknown_node(&cluster.name, unknown));
    }
    let audit = Audit { reason, principal: principal.name().to_owned(), at: Utc::now() };
    let tracked = app
        .drain(cluster, nodes, options, concurrency, audit)
        .map_err(|busy| Error::conflict(format!("a node is already being drained by operation {busy:?}")))?;
    let operation = tracked.get();
    let location = format!("/api/v1/operations/{}", operation.id);
    Ok(Started::Accepted(Json(operation), location))
}
