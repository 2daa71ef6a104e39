//! The compact form of a node: what detection compares, summaries are made of
//! and plugins read, and nothing else. Real kubelet nodes are 10–12 KB of JSON,
//! two thirds of it container images, and a cluster's nodes repeat the same
//! label keys, zones, instance types, condition reasons and versions; so every
//! string is interned per cluster ([`Interner`]) and the images are kept only as
//! a digest. The full object lives elsewhere, as bytes (`cache`'s stored JSON).

use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Node, NodeSpec, NodeStatus};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// An interned string: equal strings of one cluster share one allocation.
pub type Sym = Arc<str>;

/// A map as sorted (key, value) pairs: half the size of a `BTreeMap` of strings.
pub type Pairs = Box<[(Sym, Sym)]>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaintCore {
    pub key: Sym,
    pub value: Option<Sym>,
    pub effect: Sym,
}

/// A condition without `lastHeartbeatTime`, which changes on every status report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionCore {
    pub kind: Sym,
    pub status: Sym,
    pub reason: Option<Sym>,
    pub message: Option<Sym>,
    pub last_transition: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NodeInfoCore {
    pub kubelet_version: Sym,
    pub os_image: Sym,
    pub kernel_version: Sym,
    pub container_runtime_version: Sym,
    pub operating_system: Sym,
    pub architecture: Sym,
    /// Machine, system and boot ids and the kube-proxy version: compared (a new
    /// boot id is a reboot), never shown.
    pub identity: u64,
}

/// What nodecast keeps of a node besides its stored JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCore {
    pub name: Sym,
    pub created: Option<DateTime<Utc>>,
    pub labels: Pairs,
    pub annotations: Pairs,
    pub unschedulable: bool,
    pub taints: Box<[TaintCore]>,
    pub conditions: Box<[ConditionCore]>,
    /// Shared by every node of the same instance type.
    pub capacity: Arc<[(Sym, Sym)]>,
    pub allocatable: Arc<[(Sym, Sym)]>,
    pub addresses: Pairs,
    /// Shared by every node of the same build.
    pub node_info: Arc<NodeInfoCore>,
    /// xxh3 of every image's names and size, in order.
    pub images: u64,
}

impl NodeCore {
    pub fn label(&self, key: &str) -> Option<&Sym> {
        lookup(&self.labels, key)
    }

    pub fn annotation(&self, key: &str) -> Option<&Sym> {
        lookup(&self.annotations, key)
    }

    /// The status of the `Ready` condition; a node that has not reported one is
    /// as good as one whose kubelet stopped reporting: `Unknown`.
    pub fn ready(&self) -> &str {
        self.conditions.iter().find(|c| &*c.kind == "Ready").map_or("Unknown", |c| &c.status)
    }
}

fn lookup<'a>(pairs: &'a [(Sym, Sym)], key: &str) -> Option<&'a Sym> {
    pairs.binary_search_by(|(k, _)| (**k).cmp(key)).ok().map(|index| &pairs[index].1)
}

/// A cluster's interned strings, resource lists and node infos. Entries no node
/// holds any more are dropped by [`purge`](Self::purge).
#[derive(Debug, Default)]
pub struct Interner {
    strings: HashSet<Sym>,
    resources: HashSet<Arc<[(Sym, Sym)]>>,
    infos: HashSet<Arc<NodeInfoCore>>,
}

impl Interner {
    pub fn sym(&mut self, text: &str) -> Sym {
        if let Some(found) = self.strings.get(text) {
            return found.clone();
        }
        let sym: Sym = Arc::from(text);
        self.strings.insert(sym.clone());
        sym
    }

    fn pairs<'a, V: 'a>(&mut self, map: Option<&'a BTreeMap<String, V>>, text: impl Fn(&'a V) -> &'a str) -> Pairs {
        // A BTreeMap iterates in key order, which `lookup`'s binary search needs.
        map.into_iter().flatten().map(|(key, value)| (self.sym(key), self.sym(text(value)))).collect()
    }

    fn shared<T: Eq + Hash + ?Sized>(set: &mut HashSet<Arc<T>>, value: Arc<T>) -> Arc<T> {
        if let Some(found) = set.get(&value) {
            return found.clone();
        }
        set.insert(value.clone());
        value
    }

    /// Forgets what only the interner still holds.
    pub fn purge(&mut self) {
        self.infos.retain(|info| Arc::strong_count(info) > 1);
        self.resources.retain(|list| Arc::strong_count(list) > 1);
        self.strings.retain(|sym| Arc::strong_count(sym) > 1);
    }

    /// Entries held, to decide when a purge pays.
    pub fn len(&self) -> usize {
        self.strings.len() + self.resources.len() + self.infos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The compact form of `node`.
    pub fn core(&mut self, node: &Node) -> NodeCore {
        let metadata = &node.metadata;
        let spec = node.spec.as_ref().unwrap_or(&NO_SPEC);
        let status = node.status.as_ref().unwrap_or(&NO_STATUS);
        let capacity = self.pairs(status.capacity.as_ref(), quantity);
        let allocatable = self.pairs(status.allocatable.as_ref(), quantity);
        let node_info = status.node_info.as_ref().map(|info| NodeInfoCore {
            kubelet_version: self.sym(&info.kubelet_version),
            os_image: self.sym(&info.os_image),
            kernel_version: self.sym(&info.kernel_version),
            container_runtime_version: self.sym(&info.container_runtime_version),
            operating_system: self.sym(&info.operating_system),
            architecture: self.sym(&info.architecture),
            identity: hash_strings([&info.machine_id, &info.system_uuid, &info.boot_id, &info.kube_proxy_version]),
        });
        NodeCore {
            name: self.sym(metadata.name.as_deref().unwrap_or_default()),
            created: metadata.creation_timestamp.as_ref().map(to_chrono),
            labels: self.pairs(metadata.labels.as_ref(), String::as_str),
            annotations: self.pairs(metadata.annotations.as_ref(), String::as_str),
            unschedulable: spec.unschedulable.unwrap_or(false),
            taints: spec
                .taints
                .iter()
                .flatten()
                .map(|t| TaintCore {
                    key: self.sym(&t.key),
                    value: t.value.as_deref().map(|v| self.sym(v)),
                    effect: self.sym(&t.effect),
                })
                .collect(),
            conditions: status
                .conditions
                .iter()
                .flatten()
                .map(|c| ConditionCore {
                    kind: self.sym(&c.type_),
                    status: self.sym(&c.status),
                    reason: c.reason.as_deref().map(|r| self.sym(r)),
                    message: c.message.as_deref().map(|m| self.sym(m)),
                    last_transition: c.last_transition_time.as_ref().map(to_chrono),
                })
                .collect(),
            capacity: Self::shared(&mut self.resources, capacity.into()),
            allocatable: Self::shared(&mut self.resources, allocatable.into()),
            addresses: status.addresses.iter().flatten().map(|a| (self.sym(&a.type_), self.sym(&a.address))).collect(),
            node_info: Self::shared(&mut self.infos, Arc::new(node_info.unwrap_or_default())),
            images: images_digest(status),
        }
    }
}

/// Stand in for an absent spec or status, so that a node without one compares
/// like a node whose spec or status is empty.
static NO_SPEC: LazyLock<NodeSpec> = LazyLock::new(NodeSpec::default);
static NO_STATUS: LazyLock<NodeStatus> = LazyLock::new(NodeStatus::default);

fn quantity(quantity: &Quantity) -> &str {
    &quantity.0
}

fn images_digest(status: &NodeStatus) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for image in status.images.iter().flatten() {
        for name in image.names.iter().flatten() {
            hasher.update(name.as_bytes());
            hasher.update(&[0]);
        }
        hasher.update(&image.size_bytes.unwrap_or(-1).to_le_bytes());
    }
    hasher.digest()
}

fn hash_strings<'a>(strings: impl IntoIterator<Item = &'a String>) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for text in strings {
        hasher.update(text.as_bytes());
        hasher.update(&[0]);
    }
    hasher.digest()
}

/// k8s-openapi's times are jiff timestamps; nodecast speaks chrono.
pub fn to_chrono(time: &Time) -> DateTime<Utc> {
    DateTime::from_timestamp(time.0.as_second(), time.0.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}
