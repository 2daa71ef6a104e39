//! Node operations (operator role): cordon and uncordon, per node and in
//! batches, and batches of label and taint edits, through the cluster's own client. A batch answers 200 with an
//! outcome per node; a single node's failure is the request's error.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::Utc;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::nodes::pick_cluster;
use super::{Error, Tag, error::Result};
use crate::app::App;
use crate::auth::Principal;
use crate::ops::{self, Audit, Failure, FailureKind, Outcome, Write};

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
    /// Check every node's change with the API server (`dryRun=All`) without making it.
    #[oai(default)]
    pub dry_run: bool,
}

#[derive(Debug, Object)]
pub struct BatchUncordon {
    /// The cluster; may be left out when only one is watched.
    pub cluster_name: Option<String>,
    /// The nodes, each named once; 1 to 1000.
    pub node_names: Vec<String>,
    /// Check every node's change with the API server (`dryRun=All`) without making it.
    #[oai(default)]
    pub dry_run: bool,
}

#[derive(Debug, Object)]
pub struct BatchLabels {
    /// The cluster; may be left out when only one is watched.
    pub cluster_name: Option<String>,
    /// The nodes, each named once; 1 to 1000.
    pub node_names: Vec<String>,
    #[oai(flatten)]
    pub edit: LabelEdit,
}

/// Label changes, for one node or each of a batch.
#[derive(Debug, Object)]
pub struct LabelEdit {
    /// Labels to set (added, or changed to this value).
    #[oai(default)]
    pub set: BTreeMap<String, String>,
    /// Label keys to remove.
    #[oai(default)]
    pub remove: Vec<String>,
    /// Check every node's change with the API server (`dryRun=All`) without making it.
    #[oai(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Debug, Object)]
pub struct TaintSpec {
    pub key: String,
    pub value: Option<String>,
    pub effect: TaintEffect,
}

#[derive(Debug, Object)]
pub struct TaintRemoval {
    pub key: String,
    /// Only the taint with this effect; every taint of the key when left out.
    pub effect: Option<TaintEffect>,
}

#[derive(Debug, Object)]
pub struct BatchTaints {
    /// The cluster; may be left out when only one is watched.
    pub cluster_name: Option<String>,
    /// The nodes, each named once; 1 to 1000.
    pub node_names: Vec<String>,
    #[oai(flatten)]
    pub edit: TaintEdit,
}

/// Taint changes, for one node or each of a batch.
#[derive(Debug, Object)]
pub struct TaintEdit {
    /// Taints to add; one with the same key and effect is replaced.
    #[oai(default)]
    pub add: Vec<TaintSpec>,
    /// Taints to remove, by key and effect.
    #[oai(default)]
    pub remove: Vec<TaintRemoval>,
    /// Check every node's change with the API server (`dryRun=All`) without making it.
    #[oai(default)]
    pub dry_run: bool,
}

/// What happened to one node.
#[derive(Debug, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct NodeResult {
    pub node: String,
    pub ok: bool,
    /// On failure: `not_found`, `forbidden`, `conflict`, `blocked`, `timeout`, `invalid` or `failed`.
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
    /// The changes were only checked, not made.
    pub dry_run: bool,
    /// One per requested node, in the request's order.
    pub results: Vec<NodeResult>,
}

#[derive(Default)]
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
        let BatchCordon { cluster_name, node_names, reason, dry_run } = body.0;
        let audit = Audit { reason, principal: principal.name().to_owned(), at: Utc::now() };
        let write = Write::from_dry_run(dry_run);
        batch(&app, &principal, cluster_name.as_deref(), node_names, Ok(()), write, move |client, node| {
            let audit = audit.clone();
            async move { ops::set_cordon(&client, &node, Some(&audit), write).await }
        })
        .await
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
        let BatchUncordon { cluster_name, node_names, dry_run } = body.0;
        let write = Write::from_dry_run(dry_run);
        batch(&app, &principal, cluster_name.as_deref(), node_names, Ok(()), write, move |client, node| async move {
            ops::set_cordon(&client, &node, None, write).await
        })
        .await
    }

    /// Set and remove labels
    ///
    /// One merge patch of `metadata.labels` per node. Keys and values are
    /// checked as Kubernetes checks them, before any node is written.
    #[oai(path = "/api/v1/nodes/batch-labels", method = "post", operation_id = "batchLabels")]
    async fn batch_labels(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        body: Json<BatchLabels>,
    ) -> Result<Json<BatchResult>> {
        let BatchLabels { cluster_name, node_names, edit } = body.0;
        let (valid, labels) = Labels::prepare(edit);
        batch(&app, &principal, cluster_name.as_deref(), node_names, valid, labels.write, move |client, node| {
            let labels = labels.clone();
            async move { labels.apply(&client, &node).await }
        })
        .await
    }

    /// Add and remove taints
    ///
    /// Per node, the taint list is read, edited and written back with the
    /// resourceVersion it was read at as a precondition; when someone else
    /// wrote the node in between, the edit starts over (up to 10 times), so no
    /// concurrent change is lost.
    #[oai(path = "/api/v1/nodes/batch-taints", method = "post", operation_id = "batchTaints")]
    async fn batch_taints(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        body: Json<BatchTaints>,
    ) -> Result<Json<BatchResult>> {
        let BatchTaints { cluster_name, node_names, edit } = body.0;
        let (valid, taints) = Taints::prepare(edit);
        batch(&app, &principal, cluster_name.as_deref(), node_names, valid, taints.write, move |client, node| {
            let taints = taints.clone();
            async move { taints.apply(&client, &node).await }
        })
        .await
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
        /// Only check the change with the API server (`dryRun=All`).
        #[oai(default)]
        dry_run: Query<bool>,
    ) -> Result<Json<NodeResult>> {
        let audit = Audit { reason: reason.0, principal: principal.name().to_owned(), at: Utc::now() };
        let write = Write::from_dry_run(dry_run.0);
        single(&app, &principal, &cluster.0, node.0, Ok(()), async move |client, node| {
            ops::set_cordon(&client, &node, Some(&audit), write).await
        })
        .await
    }

    /// Uncordon one node
    #[oai(path = "/api/v1/nodes/:cluster/:node/uncordon", method = "post", operation_id = "uncordonNode")]
    async fn uncordon(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        /// Only check the change with the API server (`dryRun=All`).
        #[oai(default)]
        dry_run: Query<bool>,
    ) -> Result<Json<NodeResult>> {
        let write = Write::from_dry_run(dry_run.0);
        single(&app, &principal, &cluster.0, node.0, Ok(()), async move |client, node| {
            ops::set_cordon(&client, &node, None, write).await
        })
        .await
    }

    /// Set and remove one node's labels
    #[oai(path = "/api/v1/nodes/:cluster/:node/labels", method = "post", operation_id = "editNodeLabels")]
    async fn labels(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        body: Json<LabelEdit>,
    ) -> Result<Json<NodeResult>> {
        let (valid, labels) = Labels::prepare(body.0);
        single(&app, &principal, &cluster.0, node.0, valid, async move |client, node| {
            labels.apply(&client, &node).await
        })
        .await
    }

    /// Add and remove one node's taints
    ///
    /// Read, edited and written back with its resourceVersion as a
    /// precondition, started over when someone else wrote the node in between.
    #[oai(path = "/api/v1/nodes/:cluster/:node/taints", method = "post", operation_id = "editNodeTaints")]
    async fn taints(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Path<String>,
        node: Path<String>,
        body: Json<TaintEdit>,
    ) -> Result<Json<NodeResult>> {
        let (valid, taints) = Taints::prepare(body.0);
        single(&app, &principal, &cluster.0, node.0, valid, async move |client, node| {
            taints.apply(&client, &node).await
        })
        .await
    }
}

/// A label edit checked and ready to apply to any number of nodes.
#[derive(Clone)]
struct Labels {
    set: Arc<BTreeMap<String, String>>,
    remove: Arc<Vec<String>>,
    write: Write,
}

impl Labels {
    /// The edit, and whether it is valid: keys and values as Kubernetes checks them.
    fn prepare(edit: LabelEdit) -> (Result<()>, Self) {
        let LabelEdit { set, remove, dry_run } = edit;
        let valid = check_edits(
            "set, remove: name at least one label",
            set.iter()
                .map(|(key, value)| ops::key_problem("label", key, Some(value)))
                .chain(remove.iter().map(|key| ops::key_problem("label", key, None))),
        )
        .and_then(|()| match remove.iter().find(|key| set.contains_key(*key)) {
            Some(both) => Err(Error::bad_request(format!("label {both:?} is both set and removed"))),
            None => Ok(()),
        });
        (valid, Self { set: Arc::new(set), remove: Arc::new(remove), write: Write::from_dry_run(dry_run) })
    }

    async fn apply(&self, client: &kube::Client, node: &str) -> Outcome {
        ops::set_labels(client, node, &self.set, &self.remove, self.write).await
    }
}

/// A taint edit checked and ready to apply to any number of nodes.
#[derive(Clone)]
struct Taints {
    add: Arc<Vec<ops::NewTaint>>,
    remove: Arc<Vec<ops::TaintMatch>>,
    write: Write,
}

impl Taints {
    fn prepare(edit: TaintEdit) -> (Result<()>, Self) {
        let TaintEdit { add, remove, dry_run } = edit;
        let valid = check_edits(
            "add, remove: name at least one taint",
            add.iter()
                .map(|taint| ops::key_problem("taint", &taint.key, taint.value.as_deref()))
                .chain(remove.iter().map(|taint| ops::key_problem("taint", &taint.key, None))),
        );
        let add = add
            .into_iter()
            .map(|taint| ops::NewTaint { key: taint.key, value: taint.value, effect: effect(taint.effect) })
            .collect();
        let remove = remove
            .into_iter()
            .map(|taint| ops::TaintMatch { key: taint.key, effect: taint.effect.map(effect) })
            .collect();
        (valid, Self { add: Arc::new(add), remove: Arc::new(remove), write: Write::from_dry_run(dry_run) })
    }

    async fn apply(&self, client: &kube::Client, node: &str) -> Outcome {
        ops::edit_taints(client, node, &self.add, &self.remove, self.write).await
    }
}

fn effect(effect: TaintEffect) -> String {
    match effect {
        TaintEffect::NoSchedule => "NoSchedule",
        TaintEffect::PreferNoSchedule => "PreferNoSchedule",
        TaintEffect::NoExecute => "NoExecute",
    }
    .to_owned()
}

/// `operation` on each of `nodes` through the cluster's client. The caller
/// may act on the cluster is checked first, so that a viewer learns nothing
/// from an invalid request; then `valid`, the caller's own checks of the
/// request, and those every batch shares.
async fn batch<F, Fut>(
    app: &App,
    principal: &Principal,
    cluster_name: Option<&str>,
    nodes: Vec<String>,
    valid: Result<()>,
    write: Write,
    operation: F,
) -> Result<Json<BatchResult>>
where
    F: Fn(kube::Client, String) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let cluster = pick_cluster(app, principal, cluster_name)?;
    principal.may_operate(Some(&cluster.name))?;
    valid?;
    check_batch(&nodes, MAX_BATCH)?;
    let client = cluster.client().clone();
    let outcomes = ops::for_each_node(nodes.clone(), |node| operation(client.clone(), node)).await;
    let results = nodes.iter().zip(outcomes).map(|(node, outcome)| NodeResult::new(node, outcome)).collect();
    Ok(Json(BatchResult { cluster_name: cluster.name.clone(), dry_run: write == Write::DryRun, results }))
}

/// `operation` on one node; the caller may act on the cluster is checked
/// before `valid`, as a batch checks it, and a failure is the request's error.
async fn single<F, Fut>(
    app: &App,
    principal: &Principal,
    cluster: &str,
    node: String,
    valid: Result<()>,
    operation: F,
) -> Result<Json<NodeResult>>
where
    F: FnOnce(kube::Client, String) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let cluster = pick_cluster(app, principal, Some(cluster))?;
    principal.may_operate(Some(&cluster.name))?;
    valid?;
    match operation(cluster.client().clone(), node.clone()).await {
        Ok(version) => Ok(Json(NodeResult::new(&node, Ok(version)))),
        Err(failure) => Err(failure.into()),
    }
}

/// One problem per requested edit (`None` for a good one): none at all, or any
/// problem, is a 400.
fn check_edits(when_none: &str, problems: impl Iterator<Item = Option<String>>) -> Result<()> {
    let mut problems = problems.peekable();
    if problems.peek().is_none() {
        return Err(Error::bad_request(when_none));
    }
    match problems.flatten().next() {
        Some(problem) => Err(Error::bad_request(problem)),
        None => Ok(()),
    }
}

/// A batch names 1 to `max` nodes, each once.
pub(super) fn check_batch(nodes: &[String], max: usize) -> Result<()> {
    if nodes.is_empty() || nodes.len() > max {
        return Err(Error::bad_request(format!("node_names: 1 to {max} names, got {}", nodes.len())));
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
            FailureKind::Conflict | FailureKind::Blocked => Error::conflict(failure.message),
            FailureKind::Invalid => Error::bad_request(failure.message),
            FailureKind::Timeout => Error::gateway_timeout(failure.message),
            FailureKind::Failed => Error::bad_gateway(failure.message),
        }
    }
}
