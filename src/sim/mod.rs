//! A simulated Kubernetes API server, in process, on a loopback port.
//!
//! No cluster exists where nodecast is developed and tested, so the simulator
//! stands in for one. nodecast, kube-rs and the real `kubectl` reach it over HTTP
//! exactly as they would reach a cluster: discovery, nodes, pods, namespaces,
//! leases and PodDisruptionBudgets with their status subresources, graceful
//! deletion, `pods/eviction` under disruption budgets, watches with bookmarks,
//! bearer tokens with RBAC-like answers, and errors as the API's `Status`
//! objects. Simulated kubelets heartbeat and run and stop their pods, a
//! disruption controller keeps budgets' status, and a seeded churn generator
//! drives the cluster the way operators and controllers drive one.
//!
//! It owns its store and its churn; it must never reach into nodecast's own state:
//! everything nodecast learns from it travels through the Kubernetes API.

mod auth;
mod budget;
mod churn;
mod controllers;
mod discovery;
pub mod objects;
pub mod patch;
mod protobuf;
pub mod registry;
mod server;
pub mod status;
pub mod store;
mod table;
mod validation;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use churn::Churn;
pub use controllers::Kubelets;
pub use registry::Registry;
pub use status::Status;
pub use store::{Resource, Store, Write};

/// Settings of the simulator (`[sim]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Nodes in the cluster at start.
    pub nodes: u32,
    /// Address to serve on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where to write a kubeconfig that reaches the simulator (kubectl and kube-rs accept it).
    pub kubeconfig: Option<PathBuf>,
    /// Meaningful changes per second (Ready flaps, cordons, label and taint edits,
    /// nodes joining and leaving, pods placed and removed); 0 turns churn off.
    pub churn: f64,
    /// Seed of the churn generator: the same seed gives the same cluster and the same sequence of changes.
    pub seed: u64,
    /// Seconds between two heartbeats of one node's kubelet (its `nodeStatusUpdateFrequency`,
    /// and in lease style its lease renewal); 0 turns them off.
    pub heartbeat_secs: f64,
    /// How kubelets heartbeat: `status` patches `status.conditions` every heartbeat (kubelets
    /// before node leases); `lease` renews the node's Lease every heartbeat and reports status
    /// only every `node_status_report_secs` or when something changed.
    pub heartbeat_style: HeartbeatStyle,
    /// In lease style, seconds between two full status reports of an unchanged node (kubelet's `nodeStatusReportFrequency`).
    pub node_status_report_secs: f64,
    /// Seconds a simulated kubelet takes to stop a deleted pod (capped by the pod's grace period); 0 removes it at once.
    pub pod_termination_secs: f64,
    /// Events retained for watches and `continue`; older versions answer 410 Expired.
    pub history: usize,
    /// Seconds between BOOKMARK events on watches that allow them.
    pub bookmark_secs: f64,
    /// Pods placed on each node at start.
    pub pods_per_node: u32,
    /// Container images each node reports (real kubelets report dozens; at most 56, all it knows).
    pub images_per_node: usize,
    /// Bearer token of a cluster admin. With no token configured at all, anyone may do anything;
    /// with one, a request without a token is `system:anonymous` and one with another token is 401.
    pub token: Option<String>,
    /// Bearer token of the user `viewer`, who may get, list and watch (403 on every write).
    pub read_only_token: Option<String>,
    /// PodDisruptionBudgets created at start (more can be created through the API).
    pub disruption_budgets: Vec<DisruptionBudget>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            nodes: 100,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kubeconfig: None,
            churn: 2.0,
            seed: 1,
            heartbeat_secs: 10.0,
            heartbeat_style: HeartbeatStyle::Status,
            node_status_report_secs: 300.0,
            pod_termination_secs: 1.0,
            history: 10_000,
            bookmark_secs: 60.0,
            pods_per_node: 4,
            images_per_node: objects::DEFAULT_IMAGES_PER_NODE,
            token: None,
            read_only_token: None,
            disruption_budgets: Vec::new(),
        }
    }
}

/// How simulated kubelets tell the control plane they are alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeartbeatStyle {
    Status,
    Lease,
}

/// A PodDisruptionBudget created at start: evicting a pod it selects is refused
/// while that would leave fewer than `min_available` of its pods healthy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisruptionBudget {
    pub name: String,
    pub namespace: String,
    /// A label selector, as in `kubectl get -l`.
    pub selector: String,
    pub min_available: usize,
}

impl Config {
    /// Checks what serde cannot: ranges and selector syntax. Errors name the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let positive = |key: &str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err((key.to_owned(), format!("must be a finite number >= 0, got {value}")))
            }
        };
        positive("sim.churn", self.churn)?;
        positive("sim.heartbeat_secs", self.heartbeat_secs)?;
        positive("sim.pod_termination_secs", self.pod_termination_secs)?;
        if !(self.node_status_report_secs.is_finite() && self.node_status_report_secs > 0.0) {
            return Err((
                "sim.node_status_report_secs".into(),
                format!("must be a number > 0, got {}", self.node_status_report_secs),
            ));
        }
        if !(self.bookmark_secs.is_finite() && self.bookmark_secs > 0.0) {
            return Err(("sim.bookmark_secs".into(), format!("must be a number > 0, got {}", self.bookmark_secs)));
        }
        if self.history == 0 {
            return Err(("sim.history".into(), "must be at least 1".into()));
        }
        if self.images_per_node > objects::MAX_IMAGES_PER_NODE {
            return Err((
                "sim.images_per_node".into(),
                format!("must be at most {}, got {}", objects::MAX_IMAGES_PER_NODE, self.images_per_node),
            ));
        }
        for (index, budget) in self.disruption_budgets.iter().enumerate() {
            budget::selector_object(&budget.selector)
                .map_err(|error| (format!("sim.disruption_budgets[{index}].selector"), error))?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {address}")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the kubeconfig to {path}")]
    WriteKubeconfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A running simulator. Dropping it leaves it running; call [`Simulator::shutdown`] to stop it.
pub struct Simulator {
    address: SocketAddr,
    store: Arc<Store>,
    token: Option<String>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Simulator {
    /// Seeds the cluster, starts serving and starts the churn.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), nodecast::sim::Error> {
    /// let sim = nodecast::sim::Simulator::start(nodecast::sim::Config::default()).await?;
    /// println!("{}", sim.kubeconfig());
    /// sim.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn start(config: Config) -> Result<Self, Error> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind { address: config.listen, source })?;
        let address = listener.local_addr().map_err(|source| Error::Bind { address: config.listen, source })?;
        let store = Arc::new(Store::new(config.history));
        let registry = Arc::new(Registry::new(store.clone()));
        let kubelets = Arc::new(Kubelets::default());
        let mut churn = Churn::new(registry.clone(), kubelets.clone(), &config);
        churn.populate(config.nodes, config.pods_per_node);
        for budget in &config.disruption_budgets {
            let selector = budget::selector_object(&budget.selector).expect("validated selectors convert");
            let object = objects::disruption_budget(&budget.name, &budget.namespace, selector, budget.min_available);
            if let Err(error) =
                registry.create(Resource::PodDisruptionBudgets, Some(&budget.namespace), object, Write::Commit)
            {
                tracing::warn!(budget = %budget.name, %error, "simulator could not create a configured disruption budget");
            }
        }
        let stop = CancellationToken::new();
        let termination = Duration::from_secs_f64(config.pod_termination_secs);
        let mut tasks = vec![
            tokio::spawn(server::serve(listener, registry.clone(), Arc::new(config.clone()), stop.clone())),
            controllers::Controllers::new(registry, kubelets, termination).spawn(stop.clone()),
        ];
        if config.churn > 0.0 || config.heartbeat_secs > 0.0 {
            tasks.push(churn.run(config.churn, config.heartbeat_secs, stop.clone()));
        }
        let simulator = Self { address, store, token: config.token.clone(), stop, tasks };
        if let Some(path) = &config.kubeconfig {
            simulator.write_kubeconfig(path)?;
        }
        tracing::info!(%address, nodes = config.nodes, churn = config.churn, seed = config.seed, "simulator serving");
        Ok(simulator)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Direct access to the simulated cluster's state, for tests and benches.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// A kubeconfig (YAML) with one context, `nodecast-sim`, that reaches this simulator.
    pub fn kubeconfig(&self) -> String {
        let user = match &self.token {
            Some(token) => format!("    token: {}\n", serde_json::Value::from(token.as_str())),
            None => "    {}\n".to_owned(),
        };
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: nodecast-sim\n  cluster:\n    server: {}\n\
             contexts:\n- name: nodecast-sim\n  context:\n    cluster: nodecast-sim\n    user: nodecast-sim\n    namespace: default\n\
             current-context: nodecast-sim\nusers:\n- name: nodecast-sim\n  user:\n{user}",
            self.url()
        )
    }

    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), Error> {
        std::fs::write(path, self.kubeconfig())
            .map_err(|source| Error::WriteKubeconfig { path: path.to_owned(), source })
    }

    /// Stops serving (open watches end) and stops the churn.
    pub async fn shutdown(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_section() -> (String, Config) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/nodecast.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let section = text[text.find("[sim]").expect("config/nodecast.toml has a [sim] section")..].to_owned();
        let file: toml::Table = toml::from_str(&text).unwrap();
        let config: Config = file["sim"].clone().try_into().unwrap();
        (section, config)
    }

    #[test]
    fn the_shipped_configuration_loads_validates_and_documents_every_key() {
        let (section, config) = shipped_section();
        config.validate().unwrap();
        assert_eq!(config.heartbeat_style, HeartbeatStyle::Status);
        assert_eq!(config.disruption_budgets.len(), 1);
        let every_key = serde_json::to_value(Config::default()).unwrap();
        for key in every_key.as_object().unwrap().keys() {
            assert!(
                section.contains(&format!("{key} =")) || section.contains(&format!("[[sim.{key}]]")),
                "{key} is not documented"
            );
        }
    }

    #[test]
    fn validation_names_the_key_at_fault() {
        let invalid = |config: Config| config.validate().unwrap_err().0;
        assert_eq!(invalid(Config { pod_termination_secs: -1.0, ..Config::default() }), "sim.pod_termination_secs");
        assert_eq!(
            invalid(Config { node_status_report_secs: 0.0, ..Config::default() }),
            "sim.node_status_report_secs"
        );
        let budget = DisruptionBudget {
            name: "b".into(),
            namespace: "demo".into(),
            selector: "a in (b".into(),
            min_available: 1,
        };
        assert_eq!(
            invalid(Config { disruption_budgets: vec![budget], ..Config::default() }),
            "sim.disruption_budgets[0].selector"
        );
    }

    #[test]
    fn heartbeat_styles_are_written_in_lowercase() {
        let config: Config = toml::from_str("heartbeat_style = \"lease\"").unwrap();
        assert_eq!(config.heartbeat_style, HeartbeatStyle::Lease);
        assert!(toml::from_str::<Config>("heartbeat_style = \"gossip\"").is_err());
    }
}
