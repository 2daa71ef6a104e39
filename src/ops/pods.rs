//! Pods, read from the API server when asked and never watched (the seeds'
//! resource strategy: there are many, they churn, and each is large). A node's
//! pods come from a list with the field selector `spec.nodeName`; the pod
//! counts of every node from one paged list of the cluster's unfinished pods.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{Api, ListParams};
use poem_openapi::Object;
use serde::Serialize;

use super::{Failure, timed};

/// Pods asked for per page of the cluster-wide count.
const COUNT_PAGE: u32 = 500;

/// What a dashboard shows of one pod.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct PodSummary {
    pub namespace: String,
    pub name: String,
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    pub phase: String,
    /// Containers ready, of `containers`.
    pub ready_containers: u32,
    pub containers: u32,
    /// Container restarts, summed.
    pub restarts: u32,
    #[oai(nullable)]
    pub pod_ip: Option<String>,
    /// The kind and name of its controller: `ReplicaSet/web-7d4b9`, `DaemonSet/agent`.
    #[oai(nullable)]
    pub controller: Option<String>,
    #[oai(nullable)]
    pub created_at: Option<DateTime<Utc>>,
    /// It is being deleted (its containers are stopping).
    pub terminating: bool,
}

impl PodSummary {
    pub fn of(pod: &Pod) -> Self {
        let status = pod.status.as_ref();
        let container_statuses = status.and_then(|status| status.container_statuses.as_deref()).unwrap_or_default();
        Self {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            phase: status.and_then(|status| status.phase.clone()).unwrap_or_else(|| "Unknown".to_owned()),
            ready_containers: container_statuses.iter().filter(|container| container.ready).count() as u32,
            containers: pod.spec.as_ref().map_or(0, |spec| spec.containers.len() as u32),
            restarts: container_statuses.iter().map(|container| container.restart_count.max(0) as u32).sum(),
            pod_ip: status.and_then(|status| status.pod_ip.clone()),
            controller: controller(pod).map(|owner| format!("{}/{}", owner.kind, owner.name)),
            created_at: pod.metadata.creation_timestamp.as_ref().and_then(|time| {
                DateTime::from_timestamp(time.0.as_second(), time.0.subsec_nanosecond().max(0) as u32)
            }),
            terminating: pod.metadata.deletion_timestamp.is_some(),
        }
    }
}

/// The owner that controls `pod` (a ReplicaSet, a DaemonSet...), if any.
pub fn controller(pod: &Pod) -> Option<&OwnerReference> {
    pod.metadata.owner_references.iter().flatten().find(|owner| owner.controller == Some(true))
}

/// One page of `node`'s pods, and the token of the next.
pub async fn node_pods_page(
    client: &kube::Client,
    node: &str,
    limit: u32,
    continue_token: Option<&str>,
) -> Result<(Vec<Pod>, Option<String>), Failure> {
    let api: Api<Pod> = Api::all(client.clone());
    let mut params = ListParams::default().fields(&format!("spec.nodeName={node}")).limit(limit);
    if let Some(token) = continue_token {
        params = params.continue_token(token);
    }
    let page = timed(&format!("pods of node {node:?}"), api.list(&params)).await?;
    Ok((page.items, page.metadata.continue_.filter(|token| !token.is_empty())))
}

/// Every pod of `node`, page after page.
pub async fn node_pods(client: &kube::Client, node: &str) -> Result<Vec<Pod>, Failure> {
    let mut pods = Vec::new();
    let mut token = None;
    loop {
        let (page, next) = node_pods_page(client, node, COUNT_PAGE, token.as_deref()).await?;
        pods.extend(page);
        match next {
            Some(next) => token = Some(next),
            None => return Ok(pods),
        }
    }
}

/// The pods on each node that have not finished (`Succeeded` and `Failed`
/// excluded), as counted at `counted_at`.
#[derive(Debug, Clone, Object, Serialize)]
pub struct PodCounts {
    pub counted_at: DateTime<Utc>,
    /// Per node name; a node with no pod is left out.
    pub counts: BTreeMap<String, u32>,
}

/// Counts the pods of every node with one paged list of the cluster.
pub async fn count_by_node(client: &kube::Client) -> Result<PodCounts, Failure> {
    let api: Api<Pod> = Api::all(client.clone());
    let unfinished = ListParams::default().fields("status.phase!=Succeeded,status.phase!=Failed").limit(COUNT_PAGE);
    let mut params = unfinished.clone();
    let mut counts = BTreeMap::new();
    loop {
        let page = timed("the cluster's pods", api.list(&params)).await?;
        for node in page.items.iter().filter_map(|pod| pod.spec.as_ref()?.node_name.as_deref()) {
            *counts.entry(node.to_owned()).or_insert(0) += 1;
        }
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = unfinished.clone().continue_token(&token),
            None => return Ok(PodCounts { counted_at: Utc::now(), counts }),
        }
    }
}
