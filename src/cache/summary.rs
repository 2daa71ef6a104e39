//! The node summary: what REST clients and dashboards see of a node by default.
//! It is built and serialized once per committed change, by its first reader, so that reads
//! only copy bytes. It leaves out heartbeat times on purpose: a summary changes
//! exactly when the node's `seq` does.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use crate::detect::{ChangeSet, NodeCore, Sym};

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
    /// Null when the API server gave no creation time.
    #[oai(nullable)]
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

/// Where each top-level member of a summary's JSON ends: at the comma after
/// it, or at the closing brace. serde_json writes the members in field order,
/// with no whitespace.
pub(super) fn member_ends(json: &str) -> [u32; NodeSummary::FIELDS.len()] {
    let mut ends = [0; NodeSummary::FIELDS.len()];
    let mut found = 0;
    let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
    for (at, byte) in json.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        let ends_member = match byte {
            b'"' => {
                in_string = true;
                false
            }
            b'{' | b'[' => {
                depth += 1;
                false
            }
            b'}' | b']' => {
                depth -= 1;
                depth == 0
            }
            b',' => depth == 1,
            _ => false,
        };
        if ends_member {
            ends[found] = at as u32;
            found += 1;
        }
    }
    assert_eq!(found, ends.len(), "a summary's JSON has one member per field");
    ends
}

impl NodeSummary {
    /// The fields, in the order they are serialized: what a `fields=` projection may name.
    pub const FIELDS: [&'static str; 15] = [
        "name",
        "ready",
        "schedulable",
        "roles",
        "labels",
        "taints",
        "capacity",
        "allocatable",
        "conditions",
        "addresses",
        "node_info",
        "last_change",
        "last_change_time",
        "seq",
        "created",
    ];

    pub fn new(node: &NodeCore, changed: &ChangeTimes, seq: u64) -> Self {
        let text = |sym: &Sym| sym.to_string();
        let map = |pairs: &[(Sym, Sym)]| pairs.iter().map(|(k, v)| (text(k), text(v))).collect();
        let info = &node.node_info;
        Self {
            name: text(&node.name),
            ready: node.ready() == "True",
            schedulable: !node.unschedulable,
            // The labels are sorted by key, so the roles come out sorted.
            roles: node
                .labels
                .iter()
                .filter_map(|(key, _)| key.strip_prefix("node-role.kubernetes.io/"))
                .map(str::to_owned)
                .collect(),
            labels: map(&node.labels),
            taints: node
                .taints
                .iter()
                .map(|t| TaintView { key: text(&t.key), value: t.value.as_ref().map(text), effect: text(&t.effect) })
                .collect(),
            capacity: map(&node.capacity),
            allocatable: map(&node.allocatable),
            conditions: node
                .conditions
                .iter()
                .map(|c| ConditionView {
                    kind: text(&c.kind),
                    status: text(&c.status),
                    reason: c.reason.as_ref().map(text),
                    message: c.message.as_ref().map(text),
                    last_transition_time: c.last_transition,
                })
                .collect(),
            addresses: node
                .addresses
                .iter()
                .map(|(kind, address)| AddressView { kind: text(kind), address: text(address) })
                .collect(),
            node_info: NodeInfoView {
                kubelet_version: text(&info.kubelet_version),
                os_image: text(&info.os_image),
                kernel_version: text(&info.kernel_version),
                container_runtime_version: text(&info.container_runtime_version),
                operating_system: text(&info.operating_system),
                architecture: text(&info.architecture),
            },
            last_change: ChangeSet::GROUPS
                .iter()
                .zip(changed)
                .map(|((_, name), at)| ((*name).to_owned(), *at))
                .collect(),
            last_change_time: changed.iter().max().copied().unwrap_or_default(),
            seq,
            created: node.created,
        }
    }
}
