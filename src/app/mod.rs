//! The application: the registry of watched clusters. Registering a cluster
//! wires its stages together — a pipeline task (source → detect → cache), a
//! filter stage on its own thread, and a hub room — and unregistering takes
//! them apart. It also holds what the stages share: the plugin chain in force,
//! the metrics and the hub.
//!
//! It knows nothing of HTTP, configuration files or the simulator: the server
//! hands it its settings and a way to re-read the plugin chain.

pub mod audit;
mod operations;
mod pipeline;

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cache::{self, Change};
use crate::filter::{self, Flow};
use crate::hub::{self, Hub};
use crate::ops::{self, pods::PodCounts};
use crate::plugin::{self, Chain, PluginConfig};
use crate::source::{self, Clients, ClusterConfig};
use crate::telemetry::Metrics;

/// Settings of the per-cluster pipelines (`[pipeline]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Deltas taken from the watcher per batch; one snapshot is published per batch.
    pub batch_size: NonZeroUsize,
    /// Committed changes the filter stage may lag behind before it loses some
    /// (and the cluster's WebSocket clients resync).
    pub change_buffer: NonZeroUsize,
    /// Seconds between two checks that the API server answers; a cluster whose
    /// watch failed is listed again as soon as one succeeds.
    #[serde(with = "seconds")]
    pub probe_interval: Duration,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            batch_size: NonZeroUsize::new(512).expect("not zero"),
            change_buffer: NonZeroUsize::new(16_384).expect("not zero"),
            probe_interval: Duration::from_secs(10),
        }
    }
}

/// A duration written as a number of seconds (fractions allowed), so that a
/// bad value's error names its key.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(duration.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|duration| !duration.is_zero())
            .ok_or_else(|| serde::de::Error::custom(format!("expected a number of seconds > 0, got {seconds}")))
    }
}

/// What the application needs from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub pipeline: PipelineConfig,
    pub hub: hub::Config,
    pub plugins: Vec<PluginConfig>,
    /// Accept kubeconfigs that run programs (exec plugins, auth providers) at registration.
    pub allow_exec_credentials: bool,
}

/// Re-reads the plugin chain's configuration, from the same layers as at start.
pub type PluginSource = Box<dyn Fn() -> Result<Vec<PluginConfig>, String> + Send + Sync>;

/// How a cluster came to be watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Config,
    Api,
    Simulator,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cluster {0:?} is already registered")]
    AlreadyRegistered(String),
    #[error("no cluster named {0:?}")]
    UnknownCluster(String),
    #[error("invalid cluster name {0:?}: use 1 to 63 letters, digits, '-', '_' or '.'")]
    InvalidName(String),
    #[error("cluster {name:?}")]
    Source {
        name: String,
        #[source]
        source: source::Error,
    },
    #[error("the plugin chain cannot be loaded")]
    Plugins(#[source] plugin::Error),
    #[error("the configuration cannot be re-read: {0}")]
    Reconfigure(String),
    #[error("cannot start the filter stage of cluster {name:?}")]
    FilterStage {
        name: String,
        #[source]
        source: std::io::Error,
    },
}

/// Where a cluster's watch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchState {
    /// Listing the cluster's nodes (at start, or again after a failure).
    Listing,
    /// Listed, and following the watch.
    Watching,
    /// The watch failed and is being retried with backoff: data may be stale.
    Reconnecting,
}

/// The watch state of a cluster, as `/api/v1/realtime/status` reports it.
#[derive(Debug, Clone)]
pub struct WatchStatus {
    pub state: WatchState,
    /// When `state` began.
    pub since: DateTime<Utc>,
    /// Failed attempts since the watch last worked.
    pub attempts: u64,
    /// The latest failure while `state` is `reconnecting`; cleared on recovery.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// The most recent failure, kept after recovery, for the record.
    pub last_failure: Option<String>,
    pub last_failure_at: Option<DateTime<Utc>>,
    /// The last time the API server answered (an event, a list, or a probe).
    pub last_contact: Option<DateTime<Utc>>,
    pub watcher_restarts: u64,
    pub relists: u64,
}

impl WatchStatus {
    fn new(now: DateTime<Utc>) -> Self {
        Self {
            state: WatchState::Listing,
            since: now,
            attempts: 0,
            last_error: None,
            last_error_at: None,
            last_failure: None,
            last_failure_at: None,
            last_contact: None,
            watcher_restarts: 0,
            relists: 0,
        }
    }

    fn enter(&mut self, state: WatchState, now: DateTime<Utc>) {
        if self.state != state {
            self.state = state;
            self.since = now;
        }
    }

    /// The API server answered.
    fn contact(&mut self, now: DateTime<Utc>) {
        self.last_contact = Some(now);
    }

    /// The watch works again (a list completed, or events flow).
    fn recovered(&mut self, now: DateTime<Utc>) {
        self.contact(now);
        self.enter(WatchState::Watching, now);
        self.attempts = 0;
        self.last_error = None;
        self.last_error_at = None;
    }

    fn failed(&mut self, error: String, now: DateTime<Utc>) {
        self.enter(WatchState::Reconnecting, now);
        self.attempts += 1;
        self.last_failure = Some(error.clone());
        self.last_failure_at = Some(now);
        self.last_error = Some(error);
        self.last_error_at = Some(now);
    }
}

/// One watched cluster.
pub struct Cluster {
    pub name: String,
    pub origin: Origin,
    /// The client of node operations (its watch has its own, which retries).
    client: kube::Client,
    reader: cache::Reader,
    status: Mutex<WatchStatus>,
    changes: broadcast::Sender<Arc<Change>>,
    flow: Arc<Flow>,
    refresh: Notify,
    stop: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
    filter: Mutex<Option<filter::Stage>>,
    pod_counts: tokio::sync::Mutex<Option<Arc<PodCounts>>>,
}

impl Cluster {
    /// The latest published snapshot.
    pub fn snapshot(&self) -> Arc<cache::Snapshot> {
        self.reader.load()
    }

    pub fn reader(&self) -> &cache::Reader {
        &self.reader
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    pub fn status(&self) -> WatchStatus {
        self.status.lock().clone()
    }

    /// What the filter stage did with the committed changes.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The committed changes from now on, in seq order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// Consumers of the change stream.
    pub fn subscribers(&self) -> usize {
        self.changes.receiver_count()
    }

    /// Makes the pipeline drop its watch and list again.
    pub fn refresh(&self) {
        self.refresh.notify_one();
    }

    /// The pod counts of every node, at most [`POD_COUNTS_MAX_AGE`] old:
    /// older ones are counted again with one list of the cluster's pods,
    /// which concurrent callers wait for and share.
    pub async fn pod_counts(&self) -> Result<Arc<PodCounts>, ops::Failure> {
        let mut cached = self.pod_counts.lock().await;
        let fresh = |counts: &&Arc<PodCounts>| {
            (Utc::now() - counts.counted_at).to_std().unwrap_or_default() < POD_COUNTS_MAX_AGE
        };
        if let Some(counts) = cached.as_ref().filter(fresh) {
            return Ok(counts.clone());
        }
        let counts = Arc::new(ops::pods::count_by_node(&self.client).await?);
        *cached = Some(counts.clone());
        Ok(counts)
    }
}

/// How long counted pods are served before they are counted again.
pub const POD_COUNTS_MAX_AGE: Duration = Duration::from_secs(15);

struct Inner {
    settings: Settings,
    epoch: String,
    clusters: RwLock<BTreeMap<String, Arc<Cluster>>>,
    metrics: Arc<Metrics>,
    hub: Arc<Hub>,
    chain: Arc<ArcSwap<Chain>>,
    plugin_source: PluginSource,
    /// Serializes reloads.
    reloading: tokio::sync::Mutex<()>,
    operations: crate::ops::operation::Operations,
    audit: audit::AuditLog,
}

/// The running application; cheap to clone.
#[derive(Clone)]
pub struct App(Arc<Inner>);

impl App {
    /// An application watching no cluster yet, with its plugin chain loaded.
    pub fn new(settings: Settings, plugin_source: PluginSource) -> Result<Self, Error> {
        let chain =
            Arc::new(ArcSwap::from_pointee(Chain::load(&settings.plugins, &Chain::default()).map_err(Error::Plugins)?));
        let epoch = format!("{:016x}", rand::random::<u64>());
        let hub = Arc::new(Hub::new(settings.hub.clone(), &epoch));
        let mut metrics = Metrics::default();
        metrics.register_collector(plugin::ChainMetrics(chain.clone()));
        metrics.register_collector(hub::HubMetrics(hub.clone()));
        Ok(App(Arc::new(Inner {
            hub,
            settings,
            chain,
            plugin_source,
            reloading: tokio::sync::Mutex::default(),
            operations: Default::default(),
            audit: Default::default(),
            epoch,
            clusters: RwLock::default(),
            metrics: Arc::new(metrics),
        })))
    }

    /// Random at start: with a `seq`, it names a position in a cluster's event stream.
    pub fn epoch(&self) -> &str {
        &self.0.epoch
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// Every mutating API call, the newest kept.
    pub fn audit(&self) -> &audit::AuditLog {
        &self.0.audit
    }

    /// The WebSocket hub.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.0.hub
    }

    pub fn cluster(&self, name: &str) -> Option<Arc<Cluster>> {
        self.0.clusters.read().get(name).cloned()
    }

    /// Every cluster, by name.
    pub fn clusters(&self) -> Vec<Arc<Cluster>> {
        self.0.clusters.read().values().cloned().collect()
    }

    /// Starts watching a cluster of the configuration (`[[clusters]]`).
    pub async fn register_configured(&self, cluster: &ClusterConfig) -> Result<Arc<Cluster>, Error> {
        check_name(&cluster.name)?;
        let clients =
            source::client_for(cluster).await.map_err(|source| Error::Source { name: cluster.name.clone(), source })?;
        self.register(&cluster.name, Origin::Config, clients)
    }

    /// Starts watching the cluster a kubeconfig's content reaches. Unless
    /// `allow_exec_credentials` is set, a kubeconfig that would run a program
    /// is refused, and one that reads the server's files always is.
    pub async fn register_kubeconfig(
        &self,
        name: &str,
        kubeconfig: &str,
        context: Option<&str>,
        origin: Origin,
    ) -> Result<Arc<Cluster>, Error> {
        check_name(name)?;
        let clients = source::client_from_content(kubeconfig, context, self.0.settings.allow_exec_credentials)
            .await
            .map_err(|source| Error::Source { name: name.to_owned(), source })?;
        self.register(name, origin, clients)
    }

    /// Starts watching a cluster through `clients`.
    pub fn register(&self, name: &str, origin: Origin, clients: Clients) -> Result<Arc<Cluster>, Error> {
        check_name(name)?;
        let settings = &self.0.settings.pipeline;
        let (writer, reader) = cache::new();
        let cluster = Arc::new(Cluster {
            name: name.to_owned(),
            origin,
            client: clients.calls.clone(),
            reader,
            status: Mutex::new(WatchStatus::new(Utc::now())),
            changes: broadcast::channel(settings.change_buffer.get()).0,
            flow: Arc::default(),
            refresh: Notify::new(),
            stop: CancellationToken::new(),
            task: Mutex::default(),
            filter: Mutex::default(),
            pod_counts: tokio::sync::Mutex::default(),
        });
        {
            let mut clusters = self.0.clusters.write();
            if clusters.contains_key(name) {
                return Err(Error::AlreadyRegistered(name.to_owned()));
            }
            clusters.insert(name.to_owned(), cluster.clone());
        }
        let room = self.0.hub.open(name, cluster.reader.clone());
        let filter_seconds = self.0.metrics.filter_seconds.clone();
        let broadcast_seconds = self.0.metrics.broadcast_seconds.clone();
        let stage = filter::Stage::spawn(
            name,
            cluster.subscribe(),
            self.0.chain.clone(),
            cluster.flow.clone(),
            move |took| filter_seconds.observe(took.as_secs_f64()),
            move |output| match output {
                filter::Output::Event(event) => {
                    let started = std::time::Instant::now();
                    room.publish(event);
                    broadcast_seconds.observe(started.elapsed().as_secs_f64());
                }
                filter::Output::Lost(_) => room.break_stream("the server fell behind this cluster's changes"),
            },
        );
        let stage = match stage {
            Ok(stage) => stage,
            Err(source) => {
                self.0.clusters.write().remove(name);
                self.0.hub.close(name);
                return Err(Error::FilterStage { name: name.to_owned(), source });
            }
        };
        *cluster.filter.lock() = Some(stage);
        let task = pipeline::Pipeline {
            cluster: cluster.clone(),
            writer,
            metrics: self.0.metrics.clone(),
            batch_size: settings.batch_size.get(),
            probe_interval: settings.probe_interval,
        };
        *cluster.task.lock() = Some(tokio::spawn(task.run(clients.watch)));
        tracing::info!(cluster = name, ?origin, "cluster registered");
        Ok(cluster)
    }

    /// Stops watching a cluster and drops its data.
    pub async fn unregister(&self, name: &str) -> Result<(), Error> {
        let cluster = self.0.clusters.write().remove(name).ok_or_else(|| Error::UnknownCluster(name.to_owned()))?;
        cluster.stop.cancel();
        let task = cluster.task.lock().take();
        if let Some(task) = task {
            let _ = task.await;
        }
        let stage = cluster.filter.lock().take();
        // A plugin call in progress ends by its deadline (at most a second):
        // wait for it off the runtime's workers.
        let _ = tokio::task::spawn_blocking(move || drop(stage)).await;
        self.0.hub.close(name);
        self.0.metrics.forget(name);
        tracing::info!(cluster = name, "cluster unregistered");
        Ok(())
    }

    /// The plugin chain in force.
    pub fn chain(&self) -> Arc<Chain> {
        self.0.chain.load_full()
    }

    /// Re-reads `[[plugins]]` through the same configuration layers as at start
    /// (defaults, file, environment, flags), loads the component files, and
    /// swaps the chain in whole. When anything fails, the old chain keeps
    /// running and the error says which and why.
    pub async fn reload_plugins(&self) -> Result<Arc<Chain>, Error> {
        let _one_at_a_time = self.0.reloading.lock().await;
        let configs = (self.0.plugin_source)().map_err(Error::Reconfigure)?;
        let chain = Arc::new(Chain::load(&configs, &self.0.chain.load()).map_err(Error::Plugins)?);
        self.0.chain.store(chain.clone());
        tracing::info!(plugins = chain.plugins.len(), generation = chain.generation, "plugin chain reloaded");
        Ok(chain)
    }

    /// Every cluster has completed its first list.
    pub fn ready(&self) -> bool {
        self.clusters().iter().all(|cluster| cluster.snapshot().ready)
    }

    /// Closes the WebSocket sessions and stops every cluster's stages.
    pub async fn shutdown(&self) {
        self.0.hub.shut_down();
        for cluster in self.clusters() {
            let _ = self.unregister(&cluster.name).await;
        }
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid { Ok(()) } else { Err(Error::InvalidName(name.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_its_error_until_the_watch_recovers() {
        let start = Utc::now();
        let mut status = WatchStatus::new(start);
        status.recovered(start);
        let down = start + chrono::Duration::seconds(5);
        status.failed("connection refused".into(), down);
        status.failed("connection refused".into(), down + chrono::Duration::seconds(1));
        assert_eq!((status.state, status.since, status.attempts), (WatchState::Reconnecting, down, 2));
        let up = down + chrono::Duration::seconds(30);
        status.recovered(up);
        assert_eq!((status.state, status.since, status.attempts), (WatchState::Watching, up, 0));
        assert_eq!((status.last_error, status.last_contact), (None, Some(up)));
        assert_eq!(status.last_failure.as_deref(), Some("connection refused"), "kept for the record");
    }

    #[test]
    fn pipeline_durations_are_positive_seconds() {
        let config: PipelineConfig = toml::from_str("probe_interval = 2.5").unwrap();
        assert_eq!(config.probe_interval, Duration::from_millis(2500));
        let error = toml::from_str::<PipelineConfig>("probe_interval = 0").unwrap_err().to_string();
        assert!(error.contains("probe_interval") || error.contains("seconds > 0"), "{error}");
        assert!(toml::from_str::<PipelineConfig>("batch_size = 0").is_err());
    }
}
