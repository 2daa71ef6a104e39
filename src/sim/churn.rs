//! The churn generator: drives the simulated cluster the way kubelets,
//! controllers and operators drive a real one.
//!
//! Each node it creates has a simulated kubelet, which heartbeats as real ones
//! do: a strategic-merge patch of `status.conditions` to the node's `/status`
//! (refreshing only `lastHeartbeatTime`, a change nodecast must ignore) every
//! period, or, in lease style, a renewal of its Lease in `kube-node-lease` every
//! period and a status report only every `node_status_report_secs`. At a set
//! rate, meaningful changes follow: Ready flaps, cordons, label and taint edits,
//! nodes joining and leaving, pods placed and removed. Every choice comes from
//! one seeded generator, so a seed names a sequence of changes; only their
//! timing follows the clock.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::HeartbeatStyle;
use super::controllers::Kubelets;
use super::objects::{self, NODE_LEASE_NAMESPACE, micro_time_now, timestamp_now};
use super::patch::PatchType;
use super::registry::{Part, Registry};
use super::store::{self, Resource, Store, Write};

const NAMESPACES: [&str; 5] = ["default", "kube-system", "kube-public", "kube-node-lease", "demo"];
const APPS: [(&str, &str); 4] = [("demo", "web"), ("demo", "api"), ("default", "worker"), ("kube-system", "dns")];
const POOLS: [&str; 3] = ["blue", "green", "gray"];
const POOL_LABEL: &str = "nodecast.io/pool";
const MAINTENANCE_TAINT: &str = "nodecast.io/maintenance";
const EVACUATE_TAINT: &str = "nodecast.io/evacuate";

/// One meaningful change the generator made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Ready { node: String, ready: bool },
    Cordon { node: String, unschedulable: bool },
    Label { node: String, pool: Option<&'static str> },
    Taint { node: String, key: &'static str, added: bool },
    Join { node: String },
    Leave { node: String },
    PodPlaced { pod: String },
    PodRemoved { pod: String },
}

/// The generator's state: which nodes and pods it placed, and which of its own
/// disturbances it may later undo.
pub struct Churn {
    registry: Arc<Registry>,
    store: Arc<Store>,
    kubelets: Arc<Kubelets>,
    heartbeat_style: HeartbeatStyle,
    images_per_node: usize,
    report_every: Duration,
    /// When each node's kubelet last reported its status (lease style only).
    last_report: HashMap<String, Instant>,
    rng: ChaCha8Rng,
    nodes: Vec<String>,
    /// The pods it placed, as (key, node).
    pods: Vec<(String, String)>,
    not_ready: BTreeSet<String>,
    cordoned: BTreeSet<String>,
    tainted: BTreeSet<String>,
    target_nodes: usize,
    target_pods: usize,
    next_node: u64,
    next_pod: u64,
    next_heartbeat: usize,
}

impl Churn {
    pub fn new(registry: Arc<Registry>, kubelets: Arc<Kubelets>, config: &super::Config) -> Self {
        Self {
            store: registry.store().clone(),
            registry,
            kubelets,
            heartbeat_style: config.heartbeat_style,
            images_per_node: config.images_per_node,
            report_every: Duration::from_secs_f64(config.node_status_report_secs),
            last_report: HashMap::new(),
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            nodes: Vec::new(),
            pods: Vec::new(),
            not_ready: BTreeSet::new(),
            cordoned: BTreeSet::new(),
            tainted: BTreeSet::new(),
            target_nodes: 0,
            target_pods: 0,
            next_node: 1,
            next_pod: 1,
            next_heartbeat: 0,
        }
    }

    /// Creates the namespaces, `nodes` nodes (the first ones control-plane) and
    /// `pods_per_node` pods on each worker.
    pub fn populate(&mut self, nodes: u32, pods_per_node: u32) {
        for namespace in NAMESPACES {
            let _ = self.store.create(Resource::Namespaces, objects::namespace(namespace), Write::Commit);
        }
        self.target_nodes = nodes as usize;
        for _ in 0..nodes {
            self.join();
        }
        self.target_pods = self.nodes.len() * pods_per_node as usize;
        for _ in 0..self.target_pods {
            self.place_pod();
        }
    }

    fn control_plane_count(&self) -> u64 {
        if self.target_nodes >= 10 { 3 } else { 1 }
    }

    /// Makes one meaningful change, chosen by the seeded generator.
    pub fn step(&mut self) -> Option<Change> {
        match self.rng.random_range(0..100) {
            0..20 => self.flap_ready(),
            20..35 => self.cordon(),
            35..55 => self.relabel(),
            55..65 => self.retaint(),
            65..70 if self.nodes.len() < self.target_nodes || self.nodes.len() <= 1 => Some(self.join()),
            65..70 => self.leave(),
            _ if self.pods.len() < self.target_pods || self.pods.is_empty() => self.place_pod(),
            _ => self.remove_pod(),
        }
    }

    /// Runs the next `count` kubelets' heartbeat in turn, stamping them `now`.
    pub fn heartbeat(&mut self, count: usize, now: &str) {
        for _ in 0..count.min(self.nodes.len()) {
            self.next_heartbeat = (self.next_heartbeat + 1) % self.nodes.len();
            let node = self.nodes[self.next_heartbeat].clone();
            match self.heartbeat_style {
                HeartbeatStyle::Status => self.report_status(&node, now),
                HeartbeatStyle::Lease => {
                    self.renew_lease(&node);
                    let due = self.last_report.get(&node).is_none_or(|last| last.elapsed() >= self.report_every);
                    if due {
                        self.report_status(&node, now);
                    }
                }
            }
        }
    }

    /// Posts the node's conditions with a fresh `lastHeartbeatTime`, as the
    /// kubelet does: a strategic-merge patch to `/status`, conditions merged by `type`.
    fn report_status(&mut self, node: &str, now: &str) {
        let Some(object) = self.store.get(Resource::Nodes, node) else { return };
        let types: Vec<Value> = object["status"]["conditions"]
            .as_array()
            .map(|conditions| conditions.iter().map(|c| json!({"type": c["type"]})).collect())
            .unwrap_or_default();
        let conditions: Vec<Value> =
            types.iter().map(|kind| json!({"type": kind["type"], "lastHeartbeatTime": now})).collect();
        let patch = json!({"status": {"$setElementOrder/conditions": types, "conditions": conditions}});
        let body = serde_json::to_vec(&patch).expect("a JSON value serializes");
        if self
            .registry
            .patch(Resource::Nodes, node, Part::Status, PatchType::StrategicMerge, &body, Write::Commit)
            .is_ok()
        {
            self.last_report.insert(node.to_owned(), Instant::now());
        }
    }

    /// Renews the node's Lease, creating it when it is missing, as the kubelet's lease controller does.
    fn renew_lease(&self, node: &str) {
        let key = store::key(Some(NODE_LEASE_NAMESPACE), node);
        let result = match self.store.get(Resource::Leases, &key) {
            Some(lease) => {
                let mut renewed = (*lease).clone();
                renewed["spec"]["renewTime"] = json!(micro_time_now());
                self.registry.update(Resource::Leases, &key, Part::Main, renewed, Write::Commit)
            }
            None => {
                let Some(object) = self.store.get(Resource::Nodes, node) else { return };
                let lease = objects::node_lease(&object, &micro_time_now());
                self.registry.create(Resource::Leases, Some(NODE_LEASE_NAMESPACE), lease, Write::Commit)
            }
        };
        if let Err(error) = result {
            tracing::debug!(%node, %error, "kubelet could not renew its lease");
        }
    }

    /// Runs heartbeats and changes at their rates until `stop`, on a thread of
    /// its own so that a high rate never starves the server's tasks.
    pub fn run(mut self, rate: f64, heartbeat_secs: f64, stop: CancellationToken) -> JoinHandle<()> {
        let tick = if rate > 1000.0 { Duration::from_millis(1) } else { Duration::from_millis(10) };
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let (mut changes, mut heartbeats) = (0u64, 0u64);
            while !stop.is_cancelled() {
                std::thread::sleep(tick);
                let elapsed = started.elapsed().as_secs_f64();
                let due = (elapsed * rate) as u64;
                while changes < due && !stop.is_cancelled() {
                    if let Some(change) = self.step() {
                        tracing::trace!(?change, "churn");
                    }
                    changes += 1;
                }
                if heartbeat_secs > 0.0 {
                    let due = (elapsed * self.nodes.len() as f64 / heartbeat_secs) as u64;
                    self.heartbeat(due.saturating_sub(heartbeats) as usize, &timestamp_now());
                    heartbeats = due;
                }
            }
        })
    }

    fn random_node(&mut self) -> Option<String> {
        let at = self.rng.random_range(0..self.nodes.len().max(1));
        self.nodes.get(at).cloned()
    }

    /// Undoes one of its own earlier disturbances more often than it makes a new
    /// one, so the cluster stays mostly healthy.
    fn disturbed_or_random(&mut self, disturbed: fn(&Self) -> &BTreeSet<String>) -> (String, bool) {
        let undo = !disturbed(self).is_empty() && self.rng.random_bool(0.6);
        let node = if undo {
            let at = self.rng.random_range(0..disturbed(self).len());
            disturbed(self).iter().nth(at).cloned()
        } else {
            self.random_node()
        };
        let node = node.unwrap_or_default();
        let was_disturbed = disturbed(self).contains(&node);
        (node, was_disturbed)
    }

    fn flap_ready(&mut self) -> Option<Change> {
        let (node, was_not_ready) = self.disturbed_or_random(|churn| &churn.not_ready);
        let ready = was_not_ready;
        let now = timestamp_now();
        self.edit_node(&node, |object| {
            if let Some(condition) = object["status"]["conditions"]
                .as_array_mut()
                .and_then(|conditions| conditions.iter_mut().find(|c| c["type"] == "Ready"))
            {
                let (status, reason, message) = if ready {
                    ("True", "KubeletReady", "kubelet is posting ready status")
                } else {
                    ("False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false")
                };
                condition["status"] = json!(status);
                condition["reason"] = json!(reason);
                condition["message"] = json!(message);
                condition["lastTransitionTime"] = json!(now);
                condition["lastHeartbeatTime"] = json!(now);
            }
        })?;
        toggle(&mut self.not_ready, &node, !ready);
        // A changed status is reported at once, which restarts the report period.
        self.last_report.insert(node.clone(), Instant::now());
        Some(Change::Ready { node, ready })
    }

    fn cordon(&mut self) -> Option<Change> {
        let (node, was_cordoned) = self.disturbed_or_random(|churn| &churn.cordoned);
        let unschedulable = !was_cordoned;
        self.edit_node(&node, |object| {
            let taints = taints_mut(object);
            taints.retain(|taint| taint["key"] != "node.kubernetes.io/unschedulable");
            if unschedulable {
                object["spec"]["unschedulable"] = json!(true);
                taints_mut(object).push(json!({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule",
                                               "timeAdded": timestamp_now()}));
            } else if let Some(spec) = object["spec"].as_object_mut() {
                spec.remove("unschedulable");
            }
        })?;
        toggle(&mut self.cordoned, &node, unschedulable);
        Some(Change::Cordon { node, unschedulable })
    }

    fn relabel(&mut self) -> Option<Change> {
        let node = self.random_node()?;
        let choice = self.rng.random_range(0..=POOLS.len());
        let pool = POOLS.get(choice).copied();
        self.edit_node(&node, |object| match pool {
            Some(pool) => object["metadata"]["labels"][POOL_LABEL] = json!(pool),
            None => {
                if let Some(labels) = object["metadata"]["labels"].as_object_mut() {
                    labels.remove(POOL_LABEL);
                }
            }
        })?;
        Some(Change::Label { node, pool })
    }

    fn retaint(&mut self) -> Option<Change> {
        let (node, was_tainted) = self.disturbed_or_random(|churn| &churn.tainted);
        let key = if self.rng.random_bool(0.8) { MAINTENANCE_TAINT } else { EVACUATE_TAINT };
        let added = !was_tainted;
        self.edit_node(&node, |object| {
            taints_mut(object).retain(|taint| taint["key"] != MAINTENANCE_TAINT && taint["key"] != EVACUATE_TAINT);
            if added {
                let effect = if key == EVACUATE_TAINT { "NoExecute" } else { "NoSchedule" };
                taints_mut(object).push(json!({"key": key, "value": "true", "effect": effect}));
            }
        })?;
        toggle(&mut self.tainted, &node, added);
        Some(Change::Taint { node, key, added })
    }

    fn join(&mut self) -> Change {
        let index = self.next_node;
        self.next_node += 1;
        let name = format!("node-{index:04}");
        let shape = self.rng.random::<u32>() as u64;
        let object = objects::node_with_images(
            &name,
            shape,
            index <= self.control_plane_count(),
            &timestamp_now(),
            self.images_per_node,
        );
        if self.store.create(Resource::Nodes, object, Write::Commit).is_ok() {
            self.nodes.push(name.clone());
            self.kubelets.start(&name);
            self.last_report.insert(name.clone(), Instant::now());
            if self.heartbeat_style == HeartbeatStyle::Lease {
                self.renew_lease(&name);
            }
        }
        Change::Join { node: name }
    }

    /// Removes a worker node; the pod garbage collector removes its pods.
    fn leave(&mut self) -> Option<Change> {
        let at = self.rng.random_range(0..self.nodes.len());
        let node = self.nodes.swap_remove(at);
        for set in [&mut self.not_ready, &mut self.cordoned, &mut self.tainted] {
            set.remove(&node);
        }
        self.kubelets.stop(&node);
        self.last_report.remove(&node);
        self.pods.retain(|(_, on)| *on != node);
        self.store.delete(Resource::Nodes, &node, None, Write::Commit).ok()?;
        // The garbage collector removes the lease the node owned.
        let _ =
            self.store.delete(Resource::Leases, &store::key(Some(NODE_LEASE_NAMESPACE), &node), None, Write::Commit);
        Some(Change::Leave { node })
    }

    fn place_pod(&mut self) -> Option<Change> {
        let node = self.random_node()?;
        let (namespace, app) = APPS[self.rng.random_range(0..APPS.len())];
        let suffix = self.next_pod;
        self.next_pod += 1;
        let pod = objects::pod(namespace, app, suffix, &node, &timestamp_now());
        let key = store::key(Some(namespace), &store::object_name(&pod)?);
        self.store.create(Resource::Pods, pod, Write::Commit).ok()?;
        self.pods.push((key.clone(), node));
        Some(Change::PodPlaced { pod: key })
    }

    fn remove_pod(&mut self) -> Option<Change> {
        let at = self.rng.random_range(0..self.pods.len());
        let (key, _) = self.pods.swap_remove(at);
        self.store.delete(Resource::Pods, &key, None, Write::Commit).ok()?;
        Some(Change::PodRemoved { pod: key })
    }

    /// Edits a node in place; `None` when it is gone (deleted by someone else).
    fn edit_node(&self, node: &str, edit: impl FnOnce(&mut Value)) -> Option<()> {
        self.store
            .update(Resource::Nodes, node, None, Write::Commit, |mut object| {
                edit(&mut object);
                Ok(object)
            })
            .ok()
            .map(drop)
    }
}

fn taints_mut(node: &mut Value) -> &mut Vec<Value> {
    if !node["spec"]["taints"].is_array() {
        node["spec"]["taints"] = json!([]);
    }
    node["spec"]["taints"].as_array_mut().expect("taints were just made a list")
}

fn toggle(set: &mut BTreeSet<String>, node: &str, member: bool) {
    if member {
        set.insert(node.to_owned());
    } else {
        set.remove(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn churn(history: usize, config: &crate::sim::Config) -> (Arc<Store>, Churn) {
        let store = Arc::new(Store::new(history));
        let churn = Churn::new(Arc::new(Registry::new(store.clone())), Arc::new(Kubelets::default()), config);
        (store, churn)
    }

    fn churned(seed: u64, steps: usize) -> (Vec<Change>, Vec<Value>) {
        let (store, mut churn) = churn(100_000, &crate::sim::Config { seed, ..Default::default() });
        churn.populate(20, 2);
        let changes = (0..steps).filter_map(|_| churn.step()).collect();
        let (_, nodes) = store.list(Resource::Nodes);
        let shapes = nodes
            .values()
            .map(|node| json!([node["metadata"]["labels"], node["spec"]["taints"].as_array().map(Vec::len)]))
            .collect();
        (changes, shapes)
    }

    #[test]
    fn the_same_seed_makes_the_same_changes() {
        assert_eq!(churned(7, 500), churned(7, 500));
        assert_ne!(churned(7, 500).0, churned(8, 500).0);
    }

    #[test]
    fn churn_makes_every_kind_of_change() {
        let (changes, _) = churned(3, 2000);
        let kinds: std::collections::HashSet<_> = changes.iter().map(std::mem::discriminant).collect();
        assert_eq!(kinds.len(), 8, "{changes:?}");
    }

    #[test]
    fn heartbeats_touch_only_heartbeat_times() {
        let (store, mut churn) = churn(1000, &crate::sim::Config::default());
        churn.populate(3, 0);
        let before = store.get(Resource::Nodes, "node-0002").unwrap();
        churn.heartbeat(3, "2099-01-01T00:00:00Z");
        let mut after = (*store.get(Resource::Nodes, "node-0002").unwrap()).clone();
        assert_ne!(after["status"]["conditions"], before["status"]["conditions"]);
        for (condition, old) in after["status"]["conditions"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .zip(before["status"]["conditions"].as_array().unwrap())
        {
            condition["lastHeartbeatTime"] = old["lastHeartbeatTime"].clone();
        }
        after["metadata"]["resourceVersion"] = before["metadata"]["resourceVersion"].clone();
        assert_eq!(after, *before);
    }

    #[test]
    fn lease_style_renews_leases_and_reports_status_only_when_due() {
        let config = crate::sim::Config {
            heartbeat_style: HeartbeatStyle::Lease,
            node_status_report_secs: 3600.0,
            ..Default::default()
        };
        let (store, mut churn) = churn(1000, &config);
        churn.populate(2, 0);
        let lease_key = store::key(Some(NODE_LEASE_NAMESPACE), "node-0002");
        let lease = store.get(Resource::Leases, &lease_key).expect("a joining node's kubelet creates its lease");
        assert_eq!(lease["spec"]["holderIdentity"], "node-0002");
        assert_eq!(lease["metadata"]["ownerReferences"][0]["kind"], "Node");
        let node_before = store.get(Resource::Nodes, "node-0002").unwrap();
        std::thread::sleep(Duration::from_millis(5));
        churn.heartbeat(2, "2099-01-01T00:00:00Z");
        assert_ne!(store.get(Resource::Leases, &lease_key).unwrap()["spec"]["renewTime"], lease["spec"]["renewTime"]);
        assert_eq!(store.get(Resource::Nodes, "node-0002").unwrap(), node_before, "no status report is due yet");

        churn.report_every = Duration::ZERO;
        churn.heartbeat(2, "2099-01-01T00:00:00Z");
        let node_after = store.get(Resource::Nodes, "node-0002").unwrap();
        assert_eq!(node_after["status"]["conditions"][3]["lastHeartbeatTime"], "2099-01-01T00:00:00Z");
    }
}
