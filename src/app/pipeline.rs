//! One task per cluster: pulls batches of deltas from the cluster's watcher,
//! commits them, publishes one snapshot per batch, and offers the committed
//! changes, in seq order, to the filter stage. It also keeps the cluster's
//! watch state: a failed watch marks the snapshot stale until the API server
//! answers a probe again and a fresh list completes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use kube::runtime::watcher;

use super::{Cluster, WatchState};
use crate::cache::{self, Change};
use crate::source::{self, Delta};
use crate::telemetry::{ClusterChange, ClusterLabel, Metrics, Stage};

/// A probe that takes longer than this counts as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct Pipeline {
    pub cluster: Arc<Cluster>,
    pub writer: cache::Writer,
    pub metrics: Arc<Metrics>,
    pub batch_size: usize,
    pub probe_interval: Duration,
}

impl Pipeline {
    pub async fn run(mut self, client: kube::Client) {
        let cluster = self.cluster.clone();
        let label = ClusterLabel { cluster: cluster.name.clone() };
        let mut changes = Vec::new();
        let mut probes = tokio::time::interval(self.probe_interval);
        probes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
                    _ = probes.tick() => {
                        if self.probe(&client).await {
                            tracing::info!(cluster = %cluster.name, "the API server answers again; listing anew");
                            break;
                        }
                    }
                    batch = batches.next() => match batch {
                        Some(batch) => self.commit(batch, &label, &mut changes),
                        None => break,
                    },
                }
            }
        }
    }

    /// Asks the API server for its version. Returns whether the watch should
    /// start over: it failed before, and the server answers now.
    async fn probe(&mut self, client: &kube::Client) -> bool {
        let answered = tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await;
        let now = Utc::now();
        match answered {
            Ok(Ok(_)) => {
                let mut status = self.cluster.status.lock();
                status.contact(now);
                status.state == WatchState::Reconnecting
            }
            Ok(Err(error)) => {
                self.failed(format!("probe: {error}"), now);
                false
            }
            Err(_) => {
                self.failed(format!("probe: no answer within {PROBE_TIMEOUT:?}"), now);
                false
            }
        }
    }

    fn failed(&mut self, error: String, now: chrono::DateTime<Utc>) {
        let newly_down = {
            let mut status = self.cluster.status.lock();
            let was = status.state;
            status.failed(error, now);
            was != WatchState::Reconnecting
        };
        if newly_down {
            self.writer.set_stale(true);
            self.writer.publish();
        }
        self.metrics.watch_up.get_or_create(&ClusterLabel { cluster: self.cluster.name.clone() }).set(0);
    }

    fn commit(&mut self, batch: Vec<Result<Delta, watcher::Error>>, label: &ClusterLabel, changes: &mut Vec<Change>) {
        let started = Instant::now();
        let now = Utc::now();
        // The watch state moves only on a (re)list and on failures; events
        // themselves cost no lock: whether they flowed after the batch's last
        // failure is settled once, at its end.
        let (mut answered, mut flowing) = (false, false);
        for item in batch {
            match item {
                Ok(delta) => {
                    answered = true;
                    match &delta {
                        Delta::Init => self.relisting(label, now),
                        Delta::InitApply(_) => {}
                        // A list completed, or events flow on an established
                        // watch: either way the cache is current again.
                        Delta::InitDone | Delta::Apply(_) | Delta::Delete(_) => flowing = true,
                    }
                    self.writer.apply(delta, now, changes);
                }
                Err(error) => {
                    tracing::warn!(cluster = %self.cluster.name, %error, "watcher failed; retrying with backoff");
                    self.metrics.watcher_restarts.get_or_create(label).inc();
                    self.cluster.status.lock().watcher_restarts += 1;
                    self.failed(error.to_string(), now);
                    flowing = false;
                }
            }
        }
        if answered {
            self.answered(flowing, label, now);
        }
        let committed = started.elapsed();
        self.writer.publish();
        let published = started.elapsed();
        self.metrics.stage_seconds.get_or_create(&Stage { stage: "commit" }).observe(committed.as_secs_f64());
        self.metrics
            .stage_seconds
            .get_or_create(&Stage { stage: "publish" })
            .observe((published - committed).as_secs_f64());
        self.metrics.informer_lag_seconds.get_or_create(label).observe(published.as_secs_f64());
        let snapshot = self.writer.pending();
        self.metrics.snapshot_nodes.get_or_create(label).set(snapshot.nodes.len() as i64);
        for change in changes.drain(..) {
            self.count(&change);
            tracing::debug!(cluster = %self.cluster.name, node = %change.name, seq = change.seq, kind = ?change.kind, "change committed");
            // No subscriber yet is not an error: the cache already holds the change.
            let _ = self.cluster.changes.send(Arc::new(change));
        }
    }

    /// A (re)list starts.
    fn relisting(&mut self, label: &ClusterLabel, now: chrono::DateTime<Utc>) {
        self.metrics.relists.get_or_create(label).inc();
        let mut status = self.cluster.status.lock();
        status.relists += 1;
        if status.state != WatchState::Reconnecting {
            status.enter(WatchState::Listing, now);
        }
    }

    /// The API server answered this batch; `flowing` when a list completed or
    /// events arrived after its last failure.
    fn answered(&mut self, flowing: bool, label: &ClusterLabel, now: chrono::DateTime<Utc>) {
        let recovered = {
            let mut status = self.cluster.status.lock();
            status.contact(now);
            let was_down = flowing && status.state != WatchState::Watching;
            if flowing {
                status.recovered(now);
            }
            was_down
        };
        if recovered {
            self.writer.set_stale(false);
            self.metrics.watch_up.get_or_create(label).set(1);
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
}
