//! Decides which field groups of a Kubernetes `Node` changed between two
//! versions of it, as a [`ChangeSet`]. It compares the typed fields directly and
//! never touches the cache, the clock or any I/O: it is a pure function that runs
//! once per watch event, so it has to stay well under a microsecond.
//!
//! What counts as a change is the design's section 3: bookkeeping the API server
//! or the kubelet rewrites on every update (conditions' `lastHeartbeatTime`,
//! `resourceVersion`, `managedFields`, `generation`, taints' `timeAdded`) never
//! does, so a heartbeat-only update yields an empty set and goes no further than
//! the cache.

mod core;

use std::sync::Arc;

use bitflags::Flags;

pub use self::core::{ConditionCore, Interner, NodeCore, NodeInfoCore, Pairs, Sym, TaintCore, to_chrono};

bitflags::bitflags! {
    /// The field groups of a node that changed, one flag per group.
    ///
    /// Each flag's bitflags name is its wire name (`Status` is the Ready
    /// condition, `Resources` is capacity, as in the seeds, so that their
    /// clients keep working): [`from_name`](Self::from_name), `iter_names` and
    /// `Debug` speak the wire, not the Rust constant names.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
    pub struct ChangeSet: u16 {
        /// `spec.unschedulable` (absent counts as `false`).
        #[bitflags(flag_name = "Schedulable")]
        const SCHEDULABLE = 1 << 0;
        /// `metadata.labels`.
        #[bitflags(flag_name = "Labels")]
        const LABELS = 1 << 1;
        /// `metadata.annotations`.
        #[bitflags(flag_name = "Annotations")]
        const ANNOTATIONS = 1 << 2;
        /// `spec.taints` (key, value, effect).
        #[bitflags(flag_name = "Taints")]
        const TAINTS = 1 << 3;
        /// The status of the `Ready` condition (missing counts as `Unknown`).
        #[bitflags(flag_name = "Status")]
        const READY = 1 << 4;
        /// Any condition's type, status, reason, message or last transition time, or
        /// a condition added or removed.
        #[bitflags(flag_name = "Conditions")]
        const CONDITIONS = 1 << 5;
        /// `status.capacity` or `status.allocatable`.
        #[bitflags(flag_name = "Resources")]
        const CAPACITY = 1 << 6;
        /// `status.addresses`.
        #[bitflags(flag_name = "Addresses")]
        const ADDRESSES = 1 << 7;
        /// `status.nodeInfo` (kubelet, OS, kernel, runtime versions).
        #[bitflags(flag_name = "NodeInfo")]
        const NODE_INFO = 1 << 8;
        /// `status.images`.
        #[bitflags(flag_name = "Images")]
        const IMAGES = 1 << 9;
    }
}

impl ChangeSet {
    /// All groups, in declaration (and bit) order, with their wire names.
    ///
    /// An array rather than bitflags' `FLAGS` slice so that its length can size
    /// per-group arrays such as "when did this group last change".
    pub const GROUPS: [(ChangeSet, &'static str); ChangeSet::FLAGS.len()] = {
        let mut groups = [(ChangeSet::empty(), ""); ChangeSet::FLAGS.len()];
        // A `while`, as const evaluation has no iterators.
        let mut i = 0;
        while i < groups.len() {
            groups[i] = (*Self::FLAGS[i].value(), Self::FLAGS[i].name());
            i += 1;
        }
        groups
    };

    /// Wire names of the set flags, in [`GROUPS`](Self::GROUPS) order.
    ///
    /// ```
    /// use nodecast::detect::ChangeSet;
    ///
    /// let set = ChangeSet::TAINTS | ChangeSet::SCHEDULABLE;
    /// assert_eq!(set.names(), ["Schedulable", "Taints"]);
    /// ```
    pub fn names(self) -> Vec<&'static str> {
        self.iter_names().map(|(name, _)| name).collect()
    }

    /// Position of a single flag in [`GROUPS`](Self::GROUPS) (`0..10`), to index
    /// per-group arrays.
    ///
    /// `None` for the empty set and for sets of more than one flag: they have no
    /// single slot, and callers split them with [`iter`](Self::iter) first.
    pub fn index(self) -> Option<usize> {
        Self::GROUPS.iter().position(|(flag, _)| *flag == self)
    }
}

/// Every group, for a node seen for the first time: all of its fields are new.
pub fn all() -> ChangeSet {
    ChangeSet::all()
}

/// Which groups differ between two versions of the same node, in their
/// compact forms ([`Interner::core`]).
///
/// Heartbeat-only differences (conditions' `lastHeartbeatTime`), taints'
/// `timeAdded`, `resourceVersion`, `managedFields`, `generation` and any other
/// metadata besides labels and annotations produce an empty set: the compact
/// form leaves them out. An absent map or list equals an empty one, since
/// patches produce either.
///
/// ```
/// use k8s_openapi::api::core::v1::Node;
/// use nodecast::detect::{ChangeSet, Interner, changes};
///
/// let before: Node = serde_json::from_value(serde_json::json!({"metadata": {"name": "worker-1"}})).unwrap();
/// let mut after = before.clone();
/// after.spec.get_or_insert_default().unschedulable = Some(true);
/// let mut interner = Interner::default();
/// let (before, after) = (interner.core(&before), interner.core(&after));
/// assert_eq!(changes(&before, &after), ChangeSet::SCHEDULABLE);
/// assert_eq!(changes(&before, &before), ChangeSet::empty());
/// ```
pub fn changes(before: &NodeCore, after: &NodeCore) -> ChangeSet {
    [
        (ChangeSet::SCHEDULABLE, before.unschedulable != after.unschedulable),
        (ChangeSet::LABELS, before.labels != after.labels),
        (ChangeSet::ANNOTATIONS, before.annotations != after.annotations),
        // Order counts, as the API server keeps the list as written and nobody
        // reorders it in practice; a reorder costs one spurious event, never a missed one.
        (ChangeSet::TAINTS, before.taints != after.taints),
        (ChangeSet::READY, before.ready() != after.ready()),
        // Positional: the kubelet always writes its conditions in the same order.
        (ChangeSet::CONDITIONS, before.conditions != after.conditions),
        (
            ChangeSet::CAPACITY,
            !same(&before.capacity, &after.capacity) || !same(&before.allocatable, &after.allocatable),
        ),
        (ChangeSet::ADDRESSES, before.addresses != after.addresses),
        (ChangeSet::NODE_INFO, !same(&before.node_info, &after.node_info)),
        (ChangeSet::IMAGES, before.images != after.images),
    ]
    .into_iter()
    .filter_map(|(flag, changed)| changed.then_some(flag))
    .collect()
}

/// Interned values are equal when they are the same allocation, which is the
/// common case; the comparison of contents is the fallback.
fn same<T: PartialEq + ?Sized>(before: &Arc<T>, after: &Arc<T>) -> bool {
    Arc::ptr_eq(before, after) || before == after
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// A node as a kubelet on a cloud VM reports it.
    fn kubelet_node() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": "worker-a-1",
                "uid": "6f1c0f38-2b7e-4c1a-9d55-0a0c6a1f7e21",
                "resourceVersion": "48213",
                "creationTimestamp": "2025-05-30T08:13:40Z",
                "labels": {
                    "beta.kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": "worker-a-1",
                    "kubernetes.io/os": "linux",
                    "node.kubernetes.io/instance-type": "m6i.xlarge",
                    "topology.kubernetes.io/region": "eu-west-1",
                    "topology.kubernetes.io/zone": "eu-west-1a",
                    "node-role.kubernetes.io/worker": "",
                    "pool": "general",
                },
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {
                "podCIDR": "10.244.1.0/24",
                "providerID": "aws:///eu-west-1a/i-0a1b2c3d4e5f60718",
                "taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}],
            },
            "status": {
                "capacity": {"cpu": "4", "memory": "16069032Ki", "pods": "110", "ephemeral-storage": "101430960Ki"},
                "allocatable": {"cpu": "3920m", "memory": "15264104Ki", "pods": "110", "ephemeral-storage": "93478772582"},
                "conditions": crate::sim::objects::kubelet_conditions("2025-06-01T12:00:00Z", "2025-05-30T08:14:02Z"),
                "addresses": [
                    {"type": "InternalIP", "address": "10.0.1.17"},
                    {"type": "Hostname", "address": "worker-a-1"},
                ],
                "nodeInfo": {
                    "machineID": "ec2a9f0c4b1d4f7e8a3b2c1d0e9f8a7b",
                    "systemUUID": "ec2a9f0c-4b1d-4f7e-8a3b-2c1d0e9f8a7b",
                    "bootID": "1d2c3b4a-5e6f-4a8b-9c0d-e1f2a3b4c5d6",
                    "kernelVersion": "6.1.0-21-cloud-amd64",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "containerRuntimeVersion": "containerd://1.7.20",
                    "kubeletVersion": "v1.33.1",
                    "kubeProxyVersion": "",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
                "images": [
                    {"names": ["registry.k8s.io/kube-proxy@sha256:4bd1", "registry.k8s.io/kube-proxy:v1.33.1"], "sizeBytes": 30_512_640},
                    {"names": ["registry.k8s.io/pause@sha256:7031", "registry.k8s.io/pause:3.10"], "sizeBytes": 320_368},
                ],
            },
        })
    }

    /// The compact form, each through an interner of its own, so that the
    /// comparisons never lean on shared allocations.
    fn node(value: Value) -> NodeCore {
        Interner::default().core(&serde_json::from_value(value).unwrap())
    }

    /// The set between the kubelet node and a copy of it that `edit` changed.
    fn changes_after(edit: impl FnOnce(&mut Value)) -> ChangeSet {
        let before = kubelet_node();
        let mut after = before.clone();
        edit(&mut after);
        changes(&node(before), &node(after))
    }

    #[test]
    fn identical_nodes_change_nothing() {
        assert_eq!(changes_after(|_| {}), ChangeSet::empty());
    }

    #[test]
    fn heartbeat_only_update_changes_nothing() {
        let set = changes_after(|n| {
            for condition in n["status"]["conditions"].as_array_mut().unwrap() {
                condition["lastHeartbeatTime"] = json!("2025-06-01T12:00:10Z");
            }
            n["metadata"]["resourceVersion"] = json!("48214");
        });
        assert_eq!(set, ChangeSet::empty());
    }

    #[test]
    fn metadata_bookkeeping_changes_nothing() {
        let set = changes_after(|n| {
            n["metadata"]["generation"] = json!(7);
            n["metadata"]["managedFields"] = json!([{
                "manager": "kubelet",
                "operation": "Update",
                "apiVersion": "v1",
                "time": "2025-06-01T12:00:10Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:status": {"f:conditions": {}}},
            }]);
            n["metadata"]["finalizers"] = json!(["example.com/protect"]);
        });
        assert_eq!(set, ChangeSet::empty());
    }

    #[test]
    fn cordon_sets_schedulable() {
        assert_eq!(changes_after(|n| n["spec"]["unschedulable"] = json!(true)), ChangeSet::SCHEDULABLE);
    }

    #[test]
    fn explicit_false_unschedulable_equals_absent() {
        assert_eq!(changes_after(|n| n["spec"]["unschedulable"] = json!(false)), ChangeSet::empty());
    }

    #[test]
    fn label_edit_sets_labels() {
        assert_eq!(changes_after(|n| n["metadata"]["labels"]["pool"] = json!("gpu")), ChangeSet::LABELS);
    }

    #[test]
    fn annotation_added_sets_annotations() {
        let set = changes_after(|n| n["metadata"]["annotations"]["example.com/owner"] = json!("team-a"));
        assert_eq!(set, ChangeSet::ANNOTATIONS);
    }

    #[test]
    fn empty_labels_equal_absent_labels() {
        let mut without = kubelet_node();
        without["metadata"].as_object_mut().unwrap().remove("labels");
        let mut empty = without.clone();
        empty["metadata"]["labels"] = json!({});
        assert_eq!(changes(&node(without), &node(empty)), ChangeSet::empty());
    }

    #[test]
    fn taint_added_sets_taints() {
        let set = changes_after(|n| {
            n["spec"]["taints"].as_array_mut().unwrap().push(json!({"key": "gpu", "effect": "NoExecute"}));
        });
        assert_eq!(set, ChangeSet::TAINTS);
    }

    #[test]
    fn taint_effect_change_sets_taints() {
        assert_eq!(changes_after(|n| n["spec"]["taints"][0]["effect"] = json!("PreferNoSchedule")), ChangeSet::TAINTS);
    }

    #[test]
    fn taint_time_added_is_ignored() {
        let set = changes_after(|n| n["spec"]["taints"][0]["timeAdded"] = json!("2025-06-01T12:00:00Z"));
        assert_eq!(set, ChangeSet::empty());
    }

    #[test]
    fn ready_flip_sets_ready_and_conditions() {
        let set = changes_after(|n| {
            let ready = &mut n["status"]["conditions"][3];
            ready["status"] = json!("False");
            ready["reason"] = json!("KubeletNotReady");
            ready["lastTransitionTime"] = json!("2025-06-01T12:00:10Z");
        });
        assert_eq!(set, ChangeSet::READY | ChangeSet::CONDITIONS);
    }

    #[test]
    fn pressure_condition_sets_only_conditions() {
        let set = changes_after(|n| {
            let disk = &mut n["status"]["conditions"][1];
            disk["status"] = json!("True");
            disk["reason"] = json!("KubeletHasDiskPressure");
        });
        assert_eq!(set, ChangeSet::CONDITIONS);
    }

    #[test]
    fn condition_message_change_sets_conditions() {
        let set = changes_after(|n| n["status"]["conditions"][0]["message"] = json!("memory is getting low"));
        assert_eq!(set, ChangeSet::CONDITIONS);
    }

    #[test]
    fn condition_added_sets_conditions() {
        let set = changes_after(|n| {
            n["status"]["conditions"].as_array_mut().unwrap().push(json!({
                "type": "NetworkUnavailable",
                "status": "False",
                "reason": "RouteCreated",
                "lastTransitionTime": "2025-06-01T12:00:10Z",
            }));
        });
        assert_eq!(set, ChangeSet::CONDITIONS);
    }

    #[test]
    fn missing_ready_condition_counts_as_unknown() {
        let mut unknown = kubelet_node();
        unknown["status"]["conditions"][3]["status"] = json!("Unknown");
        let mut missing = unknown.clone();
        missing["status"]["conditions"].as_array_mut().unwrap().pop();
        assert_eq!(changes(&node(unknown), &node(missing)), ChangeSet::CONDITIONS);
    }

    #[test]
    fn capacity_or_allocatable_sets_capacity() {
        assert_eq!(changes_after(|n| n["status"]["capacity"]["pods"] = json!("250")), ChangeSet::CAPACITY);
        assert_eq!(changes_after(|n| n["status"]["allocatable"]["cpu"] = json!("3800m")), ChangeSet::CAPACITY);
    }

    #[test]
    fn status_fields_set_their_own_group() {
        let address = changes_after(|n| n["status"]["addresses"][0]["address"] = json!("10.0.1.18"));
        assert_eq!(address, ChangeSet::ADDRESSES);
        let info = changes_after(|n| n["status"]["nodeInfo"]["kubeletVersion"] = json!("v1.33.2"));
        assert_eq!(info, ChangeSet::NODE_INFO);
        let images = changes_after(|n| n["status"]["images"].as_array_mut().unwrap().truncate(1));
        assert_eq!(images, ChangeSet::IMAGES);
    }

    #[test]
    fn node_without_spec_or_status_compares_like_empty_ones() {
        let bare = node(json!({"metadata": {"name": "worker-a-1"}}));
        let empty = node(json!({"metadata": {"name": "worker-a-1"}, "spec": {}, "status": {}}));
        assert_eq!(changes(&bare, &empty), ChangeSet::empty());
        assert_eq!(changes(&bare, &node(kubelet_node())), ChangeSet::all() - ChangeSet::SCHEDULABLE);
    }

    #[test]
    fn groups_follow_bit_order() {
        for (i, (flag, _)) in ChangeSet::GROUPS.iter().enumerate() {
            assert_eq!(flag.bits(), 1 << i);
        }
        let union = ChangeSet::GROUPS.iter().fold(ChangeSet::empty(), |set, (flag, _)| set | *flag);
        assert_eq!(union, all());
    }

    #[test]
    fn names_follow_group_order() {
        assert_eq!(
            (ChangeSet::IMAGES | ChangeSet::READY | ChangeSet::SCHEDULABLE).names(),
            ["Schedulable", "Status", "Images"]
        );
        assert!(ChangeSet::empty().names().is_empty());
        assert_eq!(all().names().len(), ChangeSet::GROUPS.len());
    }

    #[test]
    fn every_wire_name_parses_back_to_its_flag() {
        let wire = [
            "Schedulable",
            "Labels",
            "Annotations",
            "Taints",
            "Status",
            "Conditions",
            "Resources",
            "Addresses",
            "NodeInfo",
            "Images",
        ];
        assert_eq!(ChangeSet::GROUPS.map(|(_, name)| name), wire);
        for (flag, name) in ChangeSet::GROUPS {
            assert_eq!(ChangeSet::from_name(name), Some(flag));
        }
    }

    #[test]
    fn unknown_or_rust_constant_name_is_none() {
        assert_eq!(ChangeSet::from_name("Ready"), None);
        assert_eq!(ChangeSet::from_name("READY"), None);
        assert_eq!(ChangeSet::from_name("labels"), None);
        assert_eq!(ChangeSet::from_name(""), None);
    }

    #[test]
    fn index_is_the_position_in_groups() {
        for (i, (flag, _)) in ChangeSet::GROUPS.iter().enumerate() {
            assert_eq!(flag.index(), Some(i));
        }
    }

    #[test]
    fn debug_shows_wire_names() {
        assert_eq!(format!("{:?}", ChangeSet::READY | ChangeSet::CONDITIONS), "ChangeSet(Status | Conditions)");
    }

    #[test]
    fn index_of_empty_or_several_flags_is_none() {
        assert_eq!(ChangeSet::empty().index(), None);
        assert_eq!((ChangeSet::LABELS | ChangeSet::TAINTS).index(), None);
    }
}
