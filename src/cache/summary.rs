//! The node summary: what REST clients and dashboards see of a node by default.
//! It is built and serialized once per committed change, by its first reader, so that reads
//! only copy bytes. It leaves out heartbeat times on purpose: a summary changes
//! exactly when the node's `seq` does.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Node;
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use crate::detect::ChangeSet;

/// A node as nodecast summarizes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Object)]
#[oai(rename_all = "snake_case")]
pub struct NodeSummary {
    pub name: String,
    /// The status of the `Ready` condition is `True`.
    pub ready: bool,
    /// `spec.unschedulable` is not set (the node is not cordoned).
    pub schedulable: bool,
    /// From the `node-role.kubernetes.io/<role>` labels.
    pub roles: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<TaintView>,
    pub capacity: BTreeMap<String, String>,
    pub allocatable: BTreeMap<String, String>,
    pub conditions: Vec<ConditionView>,
    pub addresses: Vec<AddressView>,
    pub node_info: NodeInfoView,
    /// When each field group last changed (keys are change names: `Labels`, `Taints`, …).
    pub last_change: BTreeMap<String, DateTime<Utc>>,
    /// The latest of `last_change`.
    pub last_change_time: DateTime<Utc>,
    /// The cluster's `seq` at this node's last significant change.
    pub seq: u64,
    pub created: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Object)]
#[oai(rename_all = "snake_case")]
pub struct TaintView {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub effect: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Object)]
#[oai(rename_all = "snake_case")]
pub struct ConditionView {
    #[serde(rename = "type")]
    #[oai(rename = "type")]
    pub kind: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Object)]
#[oai(rename_all = "snake_case")]
pub struct AddressView {
    #[serde(rename = "type")]
    #[oai(rename = "type")]
    pub kind: String,
    pub address: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Object)]
#[oai(rename_all = "snake_case")]
pub struct NodeInfoView {
    pub kubelet_version: String,
    pub os_image: String,
    pub kernel_version: String,
    pub container_runtime_version: String,
    pub operating_system: String,
    pub architecture: String,
}

/// When each field group last changed, indexed as [`ChangeSet::GROUPS`].
pub type ChangeTimes = [DateTime<Utc>; ChangeSet::GROUPS.len()];

impl NodeSummary {
    pub fn new(node: &Node, changed: &ChangeTimes, seq: u64) -> Self {
        let metadata = &node.metadata;
        let spec = node.spec.as_ref();
        let status = node.status.as_ref();
        let labels = metadata.labels.clone().unwrap_or_default();
        let conditions = status.and_then(|s| s.conditions.as_ref());
        let mut roles: Vec<String> =
            labels.keys().filter_map(|key| key.strip_prefix("node-role.kubernetes.io/")).map(str::to_owned).collect();
        roles.sort();
        let info = status.and_then(|s| s.node_info.as_ref());
        let quantities = |map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
            map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect()).unwrap_or_default()
        };
        Self {
            name: metadata.name.clone().unwrap_or_default(),
            ready: conditions.is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
            schedulable: !spec.and_then(|s| s.unschedulable).unwrap_or(false),
            roles,
            labels,
            taints: spec
                .and_then(|s| s.taints.as_ref())
                .map(|taints| {
                    taints
                        .iter()
                        .map(|t| TaintView { key: t.key.clone(), value: t.value.clone(), effect: t.effect.clone() })
                        .collect()
                })
                .unwrap_or_default(),
            capacity: quantities(status.and_then(|s| s.capacity.as_ref())),
            allocatable: quantities(status.and_then(|s| s.allocatable.as_ref())),
            conditions: conditions
                .map(|conditions| {
                    conditions
                        .iter()
                        .map(|c| ConditionView {
                            kind: c.type_.clone(),
                            status: c.status.clone(),
                            reason: c.reason.clone(),
                            message: c.message.clone(),
                            last_transition_time: c.last_transition_time.as_ref().map(to_chrono),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            addresses: status
                .and_then(|s| s.addresses.as_ref())
                .map(|a| a.iter().map(|a| AddressView { kind: a.type_.clone(), address: a.address.clone() }).collect())
                .unwrap_or_default(),
            node_info: info
                .map(|i| NodeInfoView {
                    kubelet_version: i.kubelet_version.clone(),
                    os_image: i.os_image.clone(),
                    kernel_version: i.kernel_version.clone(),
                    container_runtime_version: i.container_runtime_version.clone(),
                    operating_system: i.operating_system.clone(),
                    architecture: i.architecture.clone(),
                })
                .unwrap_or_default(),
            last_change: ChangeSet::GROUPS
                .iter()
                .zip(changed)
                .map(|((_, name), at)| ((*name).to_owned(), *at))
                .collect(),
            last_change_time: changed.iter().max().copied().unwrap_or_default(),
            seq,
            created: metadata.creation_timestamp.as_ref().map(to_chrono),
        }
    }
}

/// k8s-openapi's times are jiff timestamps; the API speaks chrono.
pub fn to_chrono(time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> DateTime<Utc> {
    DateTime::from_timestamp(time.0.as_second(), time.0.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}
