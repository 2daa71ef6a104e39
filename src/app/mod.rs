//! The application: the set of watched clusters, each with its pipeline task,
//! cache and change stream, and the lifecycle that starts and stops them.
//!
//! It wires the stages together; the stages themselves live in their own
//! modules. The embedded default lives here too: with no cluster configured,
//! nodecast starts the simulator and watches it as the cluster `demo`.

mod pipeline;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cache::{self, Change};
use crate::hub::Hub;
use crate::plugin::{self, Chain};
use crate::telemetry::Metrics;
use crate::{Config, sim, source};

/// Name of the simulated cluster of the embedded default.
pub const DEMO_CLUSTER: &str = "demo";

/// Settings of the pipeline (`[pipeline]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Deltas taken from the watcher per batch; one snapshot is published per batch.
    pub batch_size: usize,
    /// Committed changes a slow consumer of a cluster's change stream may lag
    /// behind before it misses some (and is told how many).
    pub change_buffer: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self { batch_size: 512, change_buffer: 16_384 }
    }
}

impl PipelineConfig {
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (key, value) in [("pipeline.batch_size", self.batch_size), ("pipeline.change_buffer", self.change_buffer)] {
            if value == 0 {
                return Err((key.to_owned(), "must be at least 1".to_owned()));
            }
        }
        Ok(())
    }
}

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
    #[error("cannot start the embedded simulator")]
    Simulator(#[source] sim::Error),
    #[error("the plugin chain cannot be loaded")]
    Plugins(#[source] plugin::Error),
    #[error("the configuration cannot be re-read: {0}")]
    Reconfigure(String),
}

/// The watch state of a cluster, as `/api/v1/realtime/status` reports it.
#[derive(Debug, Clone, Default)]
pub struct WatchStatus {
    pub watcher_restarts: u64,
    pub relists: u64,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// One watched cluster.
pub struct Cluster {
    pub name: String,
    pub origin: Origin,
    reader: cache::Reader,
    status: Mutex<WatchStatus>,
    changes: broadcast::Sender<Arc<Change>>,
    refresh: Notify,
    stop: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Cluster {
    /// The latest published snapshot.
    pub fn snapshot(&self) -> Arc<cache::Snapshot> {
        self.reader.load()
    }

    pub fn reader(&self) -> &cache::Reader {
        &self.reader
    }

    pub fn status(&self) -> WatchStatus {
        self.status.lock().unwrap_or_else(|p| p.into_inner()).clone()
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
}

struct Inner {
    config: Config,
    epoch: String,
    clusters: RwLock<BTreeMap<String, Arc<Cluster>>>,
    metrics: Arc<Metrics>,
    hub: Arc<Hub>,
    chain: Arc<arc_swap::ArcSwap<Chain>>,
    /// The file the configuration came from, re-read by a plugin reload.
    config_file: Option<std::path::PathBuf>,
    /// Serializes reloads.
    reloading: tokio::sync::Mutex<()>,
    simulator: tokio::sync::Mutex<Option<sim::Simulator>>,
}

/// The running application; cheap to clone.
#[derive(Clone)]
pub struct App(Arc<Inner>);

impl App {
    /// Starts watching the configured clusters, or the embedded simulator when
    /// none is configured.
    pub async fn start(config: Config) -> Result<Self, Error> {
        Self::start_from(config, None).await
    }

    /// Like [`App::start`]; `config_file` is where a plugin reload re-reads `[[plugins]]`.
    pub async fn start_from(config: Config, config_file: Option<std::path::PathBuf>) -> Result<Self, Error> {
        let chain = Arc::new(arc_swap::ArcSwap::from_pointee(
            Chain::load(&config.plugins, &Chain::default()).map_err(Error::Plugins)?,
        ));
        let mut metrics = Metrics::default();
        metrics.register_collector(plugin::ChainMetrics(chain.clone()));
        let epoch = format!("{:016x}", rand::random::<u64>());
        let app = App(Arc::new(Inner {
            config: config.clone(),
            hub: Arc::new(Hub::new(config.hub.clone(), &epoch)),
            chain,
            config_file,
            reloading: tokio::sync::Mutex::default(),
            epoch,
            clusters: RwLock::default(),
            metrics: Arc::new(metrics),
            simulator: tokio::sync::Mutex::default(),
        }));
        if config.clusters.is_empty() {
            let simulator = sim::Simulator::start(config.sim.clone()).await.map_err(Error::Simulator)?;
            let client = source::client_from_content(&simulator.kubeconfig(), None, false)
                .await
                .map_err(|source| Error::Source { name: DEMO_CLUSTER.to_owned(), source })?;
            *app.0.simulator.lock().await = Some(simulator);
            app.register(DEMO_CLUSTER, Origin::Simulator, client)?;
        }
        for cluster in &config.clusters {
            let client = source::client_for(cluster)
                .await
                .map_err(|source| Error::Source { name: cluster.name.clone(), source })?;
            app.register(&cluster.name, Origin::Config, client)?;
        }
        Ok(app)
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Random at start: with a `seq`, it names a position in a cluster's event stream.
    pub fn epoch(&self) -> &str {
        &self.0.epoch
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// The WebSocket hub.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.0.hub
    }

    /// The URL of the embedded simulator, when it runs.
    pub async fn simulator_url(&self) -> Option<String> {
        self.0.simulator.lock().await.as_ref().map(sim::Simulator::url)
    }

    pub fn cluster(&self, name: &str) -> Option<Arc<Cluster>> {
        self.0.clusters.read().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }

    /// Every cluster, by name.
    pub fn clusters(&self) -> Vec<Arc<Cluster>> {
        self.0.clusters.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// Starts watching a cluster through `client`.
    pub fn register(&self, name: &str, origin: Origin, client: kube::Client) -> Result<Arc<Cluster>, Error> {
        if name.is_empty()
            || name.len() > 63
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(Error::InvalidName(name.to_owned()));
        }
        let (writer, reader) = cache::new();
        let cluster = Arc::new(Cluster {
            name: name.to_owned(),
            origin,
            reader,
            status: Mutex::default(),
            changes: broadcast::channel(self.0.config.pipeline.change_buffer).0,
            refresh: Notify::new(),
            stop: CancellationToken::new(),
            task: Mutex::default(),
        });
        {
            let mut clusters = self.0.clusters.write().unwrap_or_else(|p| p.into_inner());
            if clusters.contains_key(name) {
                return Err(Error::AlreadyRegistered(name.to_owned()));
            }
            clusters.insert(name.to_owned(), cluster.clone());
        }
        self.0.hub.open(name, cluster.reader.clone(), cluster.subscribe(), self.0.chain.clone());
        let task = pipeline::Pipeline {
            cluster: cluster.clone(),
            writer,
            metrics: self.0.metrics.clone(),
            batch_size: self.0.config.pipeline.batch_size,
        };
        *cluster.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(tokio::spawn(task.run(client)));
        tracing::info!(cluster = name, ?origin, "cluster registered");
        Ok(cluster)
    }

    /// Stops watching a cluster and drops its data.
    pub async fn unregister(&self, name: &str) -> Result<(), Error> {
        let cluster = self
            .0
            .clusters
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name)
            .ok_or_else(|| Error::UnknownCluster(name.to_owned()))?;
        self.0.hub.close(name);
        cluster.stop.cancel();
        let task = cluster.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        self.0.metrics.forget(name);
        tracing::info!(cluster = name, "cluster unregistered");
        Ok(())
    }

    /// The plugin chain in force.
    pub fn chain(&self) -> Arc<Chain> {
        self.0.chain.load_full()
    }

    /// Re-reads `[[plugins]]` (from the configuration file when there is one)
    /// and the component files, and swaps the chain in whole. When anything
    /// fails to load, the old chain keeps running and the error says which and why.
    pub async fn reload_plugins(&self) -> Result<Arc<Chain>, Error> {
        let _one_at_a_time = self.0.reloading.lock().await;
        let configs = match &self.0.config_file {
            Some(file) => crate::config::load(Some(file), &[]).map_err(|e| Error::Reconfigure(e.to_string()))?.plugins,
            None => self.0.config.plugins.clone(),
        };
        let chain = Arc::new(Chain::load(&configs, &self.0.chain.load()).map_err(Error::Plugins)?);
        self.0.chain.store(chain.clone());
        tracing::info!(plugins = chain.plugins.len(), generation = chain.generation, "plugin chain reloaded");
        Ok(chain)
    }

    /// Every cluster has completed its first list.
    pub fn ready(&self) -> bool {
        self.clusters().iter().all(|cluster| cluster.snapshot().ready)
    }

    /// Closes the WebSocket sessions, stops every watcher, then the simulator.
    pub async fn shutdown(&self) {
        self.0.hub.shut_down();
        for cluster in self.clusters() {
            let _ = self.unregister(&cluster.name).await;
        }
        if let Some(simulator) = self.0.simulator.lock().await.take() {
            simulator.shutdown().await;
        }
    }
}

/// Runs nodecast until `stop`: the application and its HTTP API on `listener`.
/// `config_file` is where a plugin reload re-reads the chain.
pub async fn run(
    config: Config,
    config_file: Option<std::path::PathBuf>,
    listener: tokio::net::TcpListener,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let app = App::start_from(config, config_file).await?;
    let reloader = tokio::spawn(reload_plugins_on_hangup(app.clone()));
    let served = serve(app.clone(), listener, stop).await;
    reloader.abort();
    app.shutdown().await;
    served
}

/// SIGHUP reloads the plugin chain, as `POST /api/v1/plugins/reload` does.
async fn reload_plugins_on_hangup(app: App) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(error) => return tracing::warn!(%error, "SIGHUP cannot reload plugins: no signal handler"),
    };
    while hangups.recv().await.is_some() {
        if let Err(error) = app.reload_plugins().await {
            let error = format!("{:#}", anyhow::Error::from(error));
            tracing::error!(%error, "SIGHUP: the plugin chain did not reload; the old one keeps running");
        }
    }
}

/// Serves the HTTP API of a started `app` on `listener` until `stop`.
pub async fn serve(app: App, listener: tokio::net::TcpListener, stop: CancellationToken) -> anyhow::Result<()> {
    let address: SocketAddr = listener.local_addr()?;
    tracing::info!(%address, epoch = app.epoch(), clusters = app.clusters().len(), "nodecast serving");
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(crate::api::routes(app), stop.cancelled_owned(), Some(Duration::from_secs(5)))
        .await?;
    Ok(())
}
