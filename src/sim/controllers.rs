//! The cluster's actors that react to what others write: the kubelets of the
//! simulated nodes, which run the pods bound to them and finish the pods
//! deleted from them, the disruption controller, which keeps every
//! PodDisruptionBudget's status, the namespace controller, which empties
//! and removes deleted namespaces, and the pod garbage collector, which
//! force-deletes the pods of a node that is gone. Like real controllers they follow the
//! store's history as a watch would, and write back through the registry.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use parking_lot::RwLock;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::budget;
use super::objects::{self, timestamp_now};
use super::registry::{DeleteOptions, Part, Registry};
use super::store::{self, Event, EventType, Resource, Write};

/// Events read from the history per pass.
const BATCH: usize = 4096;
/// A pass waits this long after a wake-up, so that a burst of writes is one pass, not hundreds.
const COALESCE: Duration = Duration::from_millis(5);

/// The nodes that have a simulated kubelet: those the churn generator
/// registered. A node created through the API has none, as a node object
/// without a machine behind it has none in a real cluster.
#[derive(Default)]
pub struct Kubelets(RwLock<HashSet<String>>);

impl Kubelets {
    pub fn start(&self, node: &str) {
        self.0.write().insert(node.to_owned());
    }

    pub fn stop(&self, node: &str) {
        self.0.write().remove(node);
    }

    pub fn runs(&self, node: &str) -> bool {
        self.0.read().contains(node)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Duty {
    /// Run a pending pod's containers and report it Running and Ready.
    Start,
    /// Finish a pod marked for deletion: remove it for good.
    Finish,
    /// Empty a namespace marked for deletion, and remove it once it is empty.
    Finalize,
}

pub struct Controllers {
    registry: Arc<Registry>,
    kubelets: Arc<Kubelets>,
    /// How long a kubelet takes to stop a deleted pod's containers (never longer than its grace period).
    termination: Duration,
    due: BTreeMap<(Instant, String), Duty>,
    scheduled: HashMap<String, Duty>,
}

impl Controllers {
    pub fn new(registry: Arc<Registry>, kubelets: Arc<Kubelets>, termination: Duration) -> Self {
        Self { registry, kubelets, termination, due: BTreeMap::new(), scheduled: HashMap::new() }
    }

    pub fn spawn(mut self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            let store = self.registry.store().clone();
            let mut latest = store.subscribe();
            let mut cursor = store.resource_version();
            let mut dirty = self.resync();
            loop {
                loop {
                    match store.events_after(cursor, BATCH) {
                        Ok(events) if events.is_empty() => break,
                        Ok(events) => {
                            cursor = events.last().map_or(cursor, |event| event.resource_version);
                            for event in &events {
                                self.observe(event, &mut dirty);
                            }
                        }
                        Err(_) => {
                            // Fell behind the history: start over from what is there now, as a re-list would.
                            cursor = store.resource_version();
                            dirty.extend(self.resync());
                        }
                    }
                }
                self.sync_budgets(std::mem::take(&mut dirty));
                self.run_due();
                let next = self.due.keys().next().map(|(at, _)| *at);
                let wake = tokio::time::sleep_until(next.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600)));
                tokio::select! {
                    changed = latest.changed() => if changed.is_err() { return },
                    () = wake => {}
                    () = stop.cancelled() => return,
                }
                tokio::time::sleep(COALESCE).await;
            }
        })
    }

    /// Looks at everything as it is now; returns the namespaces whose budgets need a sync.
    fn resync(&mut self) -> BTreeSet<String> {
        let store = self.registry.store().clone();
        let (_, pods) = store.list(Resource::Pods);
        for pod in pods.values() {
            self.consider(pod);
        }
        let (_, namespaces) = store.list(Resource::Namespaces);
        for namespace in namespaces.values() {
            self.consider_namespace(namespace);
        }
        let (_, budgets) = store.list(Resource::PodDisruptionBudgets);
        budgets.values().filter_map(|budget| store::object_namespace(budget).map(str::to_owned)).collect()
    }

    /// Schedules the namespace controller's work on `namespace` if it is being deleted.
    fn consider_namespace(&mut self, namespace: &Value) {
        let Some(name) = store::object_name(namespace) else { return };
        if namespace["metadata"]["deletionTimestamp"].is_null() || self.scheduled.contains_key(&name) {
            return;
        }
        self.scheduled.insert(name.clone(), Duty::Finalize);
        self.due.insert((Instant::now(), name), Duty::Finalize);
    }

    fn observe(&mut self, event: &Event, dirty: &mut BTreeSet<String>) {
        let namespace = || event.key.split_once('/').map(|(namespace, _)| namespace.to_owned());
        match event.resource {
            Resource::Pods => {
                dirty.extend(namespace());
                if event.kind != EventType::Deleted {
                    self.consider(&event.object());
                } else if let Some(terminating) =
                    namespace().and_then(|name| self.registry.store().get(Resource::Namespaces, &name))
                {
                    // A pod gone from a namespace being deleted may be the last thing keeping it.
                    self.consider_namespace(&terminating);
                }
            }
            Resource::Namespaces if event.kind != EventType::Deleted => self.consider_namespace(&event.object()),
            Resource::Nodes if event.kind == EventType::Deleted => self.collect_orphans(&event.key),
            // A budget's own status writes change nothing it is computed from.
            Resource::PodDisruptionBudgets
                if event.kind == EventType::Added
                    || event.previous().is_some_and(|previous| previous["spec"] != event.object()["spec"]) =>
            {
                dirty.extend(namespace());
            }
            _ => {}
        }
    }

    /// Force-deletes the pods bound to `node`, which no longer exists, as the
    /// pod garbage collector's orphan pass does.
    fn collect_orphans(&self, node: &str) {
        let (_, pods) = self.registry.store().list(Resource::Pods);
        for (key, _) in pods.iter().filter(|(_, pod)| pod["spec"]["nodeName"] == node) {
            if let Err(error) = self.registry.delete(Resource::Pods, key, &DeleteOptions::force()) {
                tracing::debug!(%key, %error, "pod garbage collector could not delete an orphaned pod");
            }
        }
    }

    /// Schedules what a kubelet would do about `pod`, if a simulated kubelet runs its node.
    fn consider(&mut self, pod: &Value) {
        // Most pods are simply running: decide that before any lookup or allocation.
        let (duty, after) = if !pod["metadata"]["deletionTimestamp"].is_null() {
            let grace = pod["metadata"]["deletionGracePeriodSeconds"].as_u64().unwrap_or(0);
            (Duty::Finish, self.termination.min(Duration::from_secs(grace)))
        } else if pod["status"]["phase"] == "Pending" {
            (Duty::Start, Duration::ZERO)
        } else {
            return;
        };
        let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
        if node.is_empty() || !self.kubelets.runs(node) {
            return;
        }
        let Some(name) = store::object_name(pod) else { return };
        let key = store::key(store::object_namespace(pod), &name);
        if self.scheduled.get(&key).is_some_and(|scheduled| *scheduled >= duty) {
            return;
        }
        self.scheduled.insert(key.clone(), duty);
        self.due.insert((Instant::now() + after, key), duty);
    }

    fn run_due(&mut self) {
        let now = Instant::now();
        while let Some(entry) = self.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, key), duty) = entry.remove_entry();
            if self.scheduled.get(&key) == Some(&duty) {
                self.scheduled.remove(&key);
            }
            match duty {
                Duty::Start => self.start_pod(&key),
                Duty::Finish => self.finish_pod(&key),
                Duty::Finalize => self.registry.finalize_namespace(&key),
            }
        }
    }

    fn start_pod(&self, key: &str) {
        let store = self.registry.store();
        let Some(pod) = store.get(Resource::Pods, key) else { return };
        if pod["status"]["phase"] != "Pending" || !pod["metadata"]["deletionTimestamp"].is_null() {
            return;
        }
        let node_name = pod["spec"]["nodeName"].as_str().unwrap_or_default();
        let Some(node) = store.get(Resource::Nodes, node_name) else { return };
        let host_ip = node["status"]["addresses"]
            .as_array()
            .and_then(|addresses| addresses.iter().find(|address| address["type"] == "InternalIP"))
            .and_then(|address| address["address"].as_str())
            .unwrap_or_default();
        let pod_ip = pod_ip(&node, &pod);
        let mut running = (*pod).clone();
        running["status"] = objects::running_pod_status(&pod, host_ip, &pod_ip, &timestamp_now());
        if let Err(error) = self.registry.update(Resource::Pods, key, Part::Status, running, Write::Commit) {
            tracing::debug!(%key, %error, "kubelet could not report its pod running");
        }
    }

    fn finish_pod(&self, key: &str) {
        let Some(pod) = self.registry.store().get(Resource::Pods, key) else { return };
        if pod["metadata"]["deletionTimestamp"].is_null() {
            return;
        }
        let options =
            DeleteOptions { uid: pod["metadata"]["uid"].as_str().map(str::to_owned), ..DeleteOptions::force() };
        if let Err(error) = self.registry.delete(Resource::Pods, key, &options) {
            tracing::debug!(%key, %error, "kubelet could not remove its terminated pod");
        }
    }

    /// Recomputes the status of every budget in `namespaces` from the pods as they are now.
    fn sync_budgets(&self, namespaces: BTreeSet<String>) {
        if namespaces.is_empty() {
            return;
        }
        let store = self.registry.store();
        let (_, budgets) = store.list(Resource::PodDisruptionBudgets);
        let (_, pods) = store.list(Resource::Pods);
        for key in budgets
            .keys()
            .filter(|key| key.split_once('/').is_some_and(|(namespace, _)| namespaces.contains(namespace)))
        {
            let result = store.update(Resource::PodDisruptionBudgets, key, None, Write::Commit, |mut object| {
                let now = Utc::now();
                object["status"] = budget::status(&object, &pods, now).to_json(&object["status"], now);
                Ok(object)
            });
            if let Err(error) = result {
                tracing::debug!(%key, %error, "disruption controller could not update a budget");
            }
        }
    }
}

/// An address in the node's pod CIDR, stable for the pod.
fn pod_ip(node: &Value, pod: &Value) -> String {
    let cidr = node["spec"]["podCIDR"].as_str().unwrap_or("10.244.0.0/24");
    let prefix = cidr.split('/').next().unwrap_or_default().rsplit_once('.').map_or("10.244.0", |(prefix, _)| prefix);
    let seed = pod["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .bytes()
        .fold(7u32, |hash, byte| hash.wrapping_mul(31) ^ u32::from(byte));
    format!("{prefix}.{}", seed % 250 + 3)
}
