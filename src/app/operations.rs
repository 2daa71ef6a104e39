//! Draining nodes as operations of the app: each drain runs on its own task,
//! drains a few nodes of its batch at once, and tells the cluster's WebSocket
//! subscribers of each step as an `operation` message.

use std::sync::Arc;

use chrono::Utc;
use futures::StreamExt;

use super::{App, Cluster};
use crate::hub::messages;
use crate::ops::Audit;
use crate::ops::drain;
use crate::ops::operation::{
    DrainOptions, NodeProgress, NodeState, Operation, OperationKind, OperationState, Operations, Tracked,
};

impl App {
    /// The operations running and recently finished.
    pub fn operations(&self) -> &Operations {
        &self.0.operations
    }

    /// Starts draining `nodes` of `cluster`, `concurrency` at a time; each is
    /// cordoned with `audit`. The answer is the operation, or the id of a
    /// running one that already holds one of the nodes.
    pub fn drain(
        &self,
        cluster: &Arc<Cluster>,
        nodes: Vec<String>,
        options: DrainOptions,
        concurrency: u32,
        audit: Audit,
    ) -> Result<Arc<Tracked>, String> {
        let operation = Operation {
            id: uuid::Uuid::new_v4().simple().to_string(),
            kind: OperationKind::Drain,
            cluster_name: cluster.name.clone(),
            state: OperationState::Running,
            started_by: audit.principal.clone(),
            started_at: Utc::now(),
            finished_at: None,
            message: None,
            cancelled_by: None,
            options,
            concurrency,
            nodes: nodes
                .into_iter()
                .map(|node| NodeProgress { node, state: NodeState::Pending, message: None, pods: Vec::new() })
                .collect(),
        };
        let hub = self.hub().clone();
        let notify = Arc::new(move |operation: &Operation| {
            hub.notify(&operation.cluster_name, messages::operation(operation));
        });
        let client = cluster.client().clone();
        self.operations().start(operation, notify, move |tracked| async move {
            let count = tracked.get().nodes.len();
            let drains: Vec<_> = (0..count)
                .map(|index| {
                    let (client, tracked, audit) = (client.clone(), tracked.clone(), audit.clone());
                    async move {
                        if tracked.cancellation().is_cancelled() {
                            tracked.update(|operation| operation.nodes[index].state = NodeState::Cancelled);
                            return NodeState::Cancelled;
                        }
                        drain::drain_node(&client, &tracked, index, &audit).await
                    }
                })
                .collect();
            let ends: Vec<NodeState> =
                futures::stream::iter(drains).buffer_unordered(concurrency as usize).collect().await;
            let drained = ends.iter().filter(|state| **state == NodeState::Drained).count();
            if let Some(by) = tracked.get().cancelled_by {
                let message = format!(
                    "cancelled by {by} with {drained} of {count} nodes drained: evictions stopped, \
                     pods already evicted finish terminating, and the nodes stay cordoned"
                );
                (OperationState::Cancelled, message)
            } else if drained == count {
                (OperationState::Succeeded, format!("{drained} of {count} nodes drained"))
            } else {
                (OperationState::Failed, format!("{} of {count} nodes failed to drain", count - drained))
            }
        })
    }
}
