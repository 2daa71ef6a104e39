//! Long-running operations (drains): each runs as a task of its own, so it
//! outlives the request that started it and any client that disconnects, and
//! keeps its progress where any reader can see it. Every change of that
//! progress is handed to a notifier (the app sends it to the cluster's
//! WebSocket subscribers). They live in memory: a server restart forgets them,
//! and a drain it interrupted stops where it was, with its node still cordoned.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// What a drain may do, with kubectl drain's defaults and meanings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Object, Serialize, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DrainOptions {
    /// Seconds each pod is given to stop; its own `terminationGracePeriodSeconds`
    /// when left out (kubectl's `--grace-period=-1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<u32>,
    /// Give up on a node after this many seconds; 0 waits as long as it takes (kubectl's default).
    #[oai(default)]
    #[serde(default)]
    pub timeout_seconds: u64,
    /// Leave DaemonSet pods on the node instead of refusing to drain it.
    #[oai(default)]
    #[serde(default)]
    pub ignore_daemonsets: bool,
    /// Evict pods with `emptyDir` volumes too, losing that data.
    #[oai(default)]
    #[serde(default)]
    pub delete_emptydir_data: bool,
    /// Evict pods that no controller manages; nothing will re-create them.
    #[oai(default)]
    #[serde(default)]
    pub force: bool,
    /// Cordon and evict in dry run (`dryRun=All`): budgets are checked, nothing changes.
    #[oai(default)]
    #[serde(default)]
    pub dry_run: bool,
}

/// Finished operations kept for reading, besides every running one.
pub const FINISHED_KEPT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OperationState {
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// Waiting for its turn (a batch drains a few nodes at once).
    Pending,
    Cordoning,
    /// Evicting its pods and waiting for them to be gone.
    Evicting,
    Drained,
    Failed,
    /// Stopped by a cancel; the node stays cordoned.
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PodState {
    /// To be evicted.
    Pending,
    /// An eviction is being asked for.
    Evicting,
    /// A disruption budget refused the eviction (429); it is asked again after a backoff.
    Blocked,
    /// Evicted; its kubelet is stopping it.
    Terminating,
    Gone,
    /// Left on the node: a DaemonSet's or a mirror pod, as kubectl leaves them.
    Skipped,
    /// A dry run: the eviction would have been allowed.
    WouldEvict,
    Failed,
}

/// One pod of a node being drained.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct PodProgress {
    pub namespace: String,
    pub name: String,
    pub state: PodState,
    /// Why it is skipped, blocked or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Evictions asked for so far.
    pub attempts: u32,
}

/// One node of an operation.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct NodeProgress {
    pub node: String,
    pub state: NodeState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub pods: Vec<PodProgress>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    Drain,
}

/// A long-running operation and its progress, as `GET /api/v1/operations/{id}`
/// and the WebSocket's `operation` messages show it.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct Operation {
    pub id: String,
    pub kind: OperationKind,
    pub cluster_name: String,
    pub state: OperationState,
    /// Who started it: the token's name, `anonymous` with auth off.
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Who cancelled it, when someone did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    pub options: DrainOptions,
    /// Nodes drained at once.
    pub concurrency: u32,
    pub nodes: Vec<NodeProgress>,
}

/// Where an operation's progress goes each time it changes.
pub type Notify = Arc<dyn Fn(&Operation) + Send + Sync>;

/// A running or finished operation: its progress, and the token that cancels it.
pub struct Tracked {
    progress: Mutex<Operation>,
    cancel: CancellationToken,
    finished: CancellationToken,
    notify: Notify,
}

impl Tracked {
    /// The operation as it stands.
    pub fn get(&self) -> Operation {
        self.progress.lock().clone()
    }

    /// What `look` reads of the operation as it stands, without copying the
    /// rest (a drain's progress holds every pod of its nodes).
    pub fn read<T>(&self, look: impl FnOnce(&Operation) -> T) -> T {
        look(&self.progress.lock())
    }

    /// Changes the progress and tells the notifier, under the lock, so that
    /// notices leave in the order the changes were made.
    pub fn update(&self, change: impl FnOnce(&mut Operation)) {
        let mut progress = self.progress.lock();
        change(&mut progress);
        (self.notify)(&progress);
    }

    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Asks the operation to stop, on behalf of `principal`; false when it
    /// had already finished.
    pub fn cancel(&self, principal: &str) -> bool {
        if self.is_finished() {
            return false;
        }
        self.update(|operation| {
            operation.cancelled_by.get_or_insert_with(|| principal.to_owned());
        });
        self.cancel.cancel();
        true
    }

    pub fn is_finished(&self) -> bool {
        self.finished.is_cancelled()
    }

    /// Waits until the task has written its last progress.
    pub async fn finished(&self) {
        self.finished.cancelled().await
    }
}

/// Every operation this server runs or has recently finished.
#[derive(Default)]
pub struct Operations {
    all: Mutex<BTreeMap<String, Arc<Tracked>>>,
}

impl Operations {
    /// Starts `work` on a task of its own, unless a running operation already
    /// holds one of its nodes: then the answer is that operation's id. The
    /// work reports through the [`Tracked`] it is given and returns the
    /// operation's end state and message.
    pub fn start<F, Fut>(&self, operation: Operation, notify: Notify, work: F) -> Result<Arc<Tracked>, String>
    where
        F: FnOnce(Arc<Tracked>) -> Fut,
        Fut: Future<Output = (OperationState, String)> + Send + 'static,
    {
        let tracked = Arc::new(Tracked {
            progress: Mutex::new(operation.clone()),
            cancel: CancellationToken::new(),
            finished: CancellationToken::new(),
            notify,
        });
        {
            let mut all = self.all.lock();
            let nodes: Vec<&str> = operation.nodes.iter().map(|progress| progress.node.as_str()).collect();
            let holding = |other: &Operation| {
                let busy = other.state == OperationState::Running
                    && other.cluster_name == operation.cluster_name
                    && other.nodes.iter().any(|progress| nodes.contains(&progress.node.as_str()));
                busy.then(|| other.id.clone())
            };
            if let Some(busy) = all.values().find_map(|tracked| tracked.read(holding)) {
                return Err(busy);
            }
            all.insert(operation.id.clone(), tracked.clone());
            forget_oldest_finished(&mut all);
        }
        (tracked.notify)(&operation);
        let running = work(tracked.clone());
        let task = tracked.clone();
        tokio::spawn(async move {
            let (state, message) = running.await;
            task.update(|operation| {
                operation.state = state;
                operation.message = Some(message);
                operation.finished_at = Some(Utc::now());
            });
            task.finished.cancel();
        });
        Ok(tracked)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Tracked>> {
        self.all.lock().get(id).cloned()
    }

    /// Every kept operation, oldest first.
    pub fn list(&self) -> Vec<Operation> {
        let mut all: Vec<Operation> = self.all.lock().values().map(|tracked| tracked.get()).collect();
        all.sort_by(|a, b| a.started_at.cmp(&b.started_at).then_with(|| a.id.cmp(&b.id)));
        all
    }
}

/// Keeps [`FINISHED_KEPT`] finished operations, the newest.
fn forget_oldest_finished(all: &mut BTreeMap<String, Arc<Tracked>>) {
    let mut finished: Vec<(DateTime<Utc>, String)> = all
        .iter()
        .filter(|(_, tracked)| tracked.is_finished())
        .map(|(id, tracked)| (tracked.read(|operation| operation.started_at), id.clone()))
        .collect();
    if finished.len() > FINISHED_KEPT {
        finished.sort();
        for (_, id) in &finished[..finished.len() - FINISHED_KEPT] {
            all.remove(id);
        }
    }
}
