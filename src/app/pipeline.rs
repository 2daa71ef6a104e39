//! One task per cluster: pulls batches of deltas from the cluster's watcher,
//! commits them, publishes one snapshot per batch, and offers the committed
//! changes, in seq order, to the stages after it.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use futures::StreamExt;
use kube::runtime::watcher;

use super::Cluster;
use crate::cache::{self, Change};
use crate::source::{self, Delta};
use crate::telemetry::{ClusterChange, ClusterLabel, Metrics, Stage};

pub(super) struct Pipeline {
    pub cluster: Arc<Cluster>,
    pub writer: cache::Writer,
    pub metrics: Arc<Metrics>,
    pub batch_size: usize,
}

impl Pipeline {
    pub async fn run(mut self, client: kube::Client) {
        let cluster = self.cluster.clone();
        let label = ClusterLabel { cluster: cluster.name.clone() };
        let mut changes = Vec::new();
        // Each turn of the outer loop is one watcher: a refresh drops it and the
        // next one starts with a complete list.
        loop {
            let mut batches = source::watch(client.clone()).ready_chunks(self.batch_size);
            loop {
                tokio::select! {
                    () = cluster.stop.cancelled() => return,
                    () = cluster.refresh.notified() => {
                        tracing::info!(cluster = %cluster.name, "re-list requested");
                        break;
                    }
                    batch = batches.next() => match batch {
                        Some(batch) => self.commit(batch, &label, &mut changes),
                        None => break,
                    },
                }
            }
        }
    }

    fn commit(&mut self, batch: Vec<Result<Delta, watcher::Error>>, label: &ClusterLabel, changes: &mut Vec<Change>) {
        let started = Instant::now();
        let now = Utc::now();
        for item in batch {
            match item {
                Ok(delta) => {
                    if matches!(delta, Delta::Init) {
                        self.metrics.relists.get_or_create(label).inc();
                        self.update_status(|status| status.relists += 1);
                    }
                    self.writer.apply(delta, now, changes);
                }
                Err(error) => {
                    tracing::warn!(cluster = %self.cluster.name, %error, "watcher failed; retrying with backoff");
                    self.metrics.watcher_restarts.get_or_create(label).inc();
                    self.update_status(|status| {
                        status.watcher_restarts += 1;
                        status.last_error = Some(error.to_string());
                        status.last_error_at = Some(now);
                    });
                }
            }
        }
        let committed = started.elapsed();
        self.writer.publish();
        let published = started.elapsed();
        self.metrics.stage_seconds.get_or_create(&Stage { stage: "commit" }).observe(committed.as_secs_f64());
        self.metrics
            .stage_seconds
            .get_or_create(&Stage { stage: "publish" })
            .observe((published - committed).as_secs_f64());
        let snapshot = self.writer.pending();
        self.metrics.snapshot_nodes.get_or_create(label).set(snapshot.nodes.len() as i64);
        for change in changes.drain(..) {
            self.count(&change);
            tracing::debug!(cluster = %self.cluster.name, node = %change.name, seq = change.seq, kind = ?change.kind, "change committed");
            // No subscriber yet is not an error: the cache already holds the change.
            let _ = self.cluster.changes.send(Arc::new(change));
        }
    }

    fn count(&self, change: &Change) {
        let names = match change.kind {
            cache::ChangeKind::Added => vec!["Added"],
            cache::ChangeKind::Deleted => vec!["Deleted"],
            cache::ChangeKind::Updated => change.changes.names(),
        };
        for name in names {
            let labels = ClusterChange { cluster: self.cluster.name.clone(), change: name.to_owned() };
            self.metrics.events.get_or_create(&labels).inc();
        }
    }

    fn update_status(&self, edit: impl FnOnce(&mut super::WatchStatus)) {
        edit(&mut self.cluster.status.lock().unwrap_or_else(|p| p.into_inner()));
    }
}
