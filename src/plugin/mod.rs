//! WebAssembly change-filter plugins: the only module that names wasmtime types.
//!
//! Operators drop components implementing `wit/filter.wit` into a chain
//! (`[[plugins]]`); for each committed change the chain decides whether it is
//! broadcast and with which tags. One engine (epoch interruption on) serves the
//! process; each plugin is compiled once and pre-instantiated; each cluster's
//! relay owns a [`Runner`] with one instance per plugin. Every call runs under a
//! deadline and every instance under a memory cap; a trap, a timeout or a failed
//! `init` applies the plugin's `on_error` policy, is counted and logged, and
//! after `max_failures` in a row the plugin is switched off for that cluster
//! until the chain is reloaded. Plugins never touch the cache.
//!
//! The change is lent to each call as a resource ([`host`]) and the plugin asks
//! for the fields it needs: lowering strings into a guest is what a call costs
//! (about 85 ns each), and a change with both node versions in full carries
//! about a hundred of them.

mod host;
mod metrics;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store, StoreLimitsBuilder};

use crate::cache::Change;
use host::{EventRep, State};
pub use metrics::{ChainMetrics, Stats};

mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "filter",
        with: {
            "nodecast:filter/types.event": super::host::EventRep,
            "nodecast:filter/types.node-view": super::host::ViewRep,
        },
        // A plugin misusing a handle traps instead of panicking the host.
        imports: { default: trappable },
    });
}

use bindings::nodecast::filter::types as wit;
use bindings::{Filter, FilterPre};

/// How often the engine's epoch advances: the granularity of call deadlines.
const EPOCH_TICK: Duration = Duration::from_millis(1);

/// One plugin of the chain (`[[plugins]]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// Unique in the chain; used in logs, metrics and the API.
    pub name: String,
    /// The component (`.wasm`).
    pub path: PathBuf,
    /// Cluster name patterns it applies to (`*` matches any run of characters).
    #[serde(default = "every_cluster")]
    pub clusters: Vec<String>,
    /// Passed to the plugin's `init`, flattened to text: scalars as written, arrays joined with commas.
    #[serde(default)]
    pub config: BTreeMap<String, serde_json::Value>,
    /// What a failed call decides: `keep` broadcasts the change anyway, `drop` does not.
    #[serde(default)]
    pub on_error: OnError,
    /// Deadline of one call, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Memory cap of one instance, in MiB.
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
    /// Failures in a row after which the plugin is switched off for a cluster until reloaded.
    #[serde(default = "default_max_failures")]
    pub max_failures: u32,
}

fn every_cluster() -> Vec<String> {
    vec!["*".to_owned()]
}
/// The deadline is wall-clock time (epoch ticks), so it must also cover the
/// time the OS gives the thread to others: on a busy two-core machine a call
/// of a few microseconds has been seen to take more than 5 ms.
fn default_timeout_ms() -> u64 {
    50
}
fn default_memory_mb() -> u64 {
    16
}
fn default_max_failures() -> u32 {
    5
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    #[default]
    Keep,
    Drop,
}

impl PluginConfig {
    pub fn validate(&self, key: &str) -> Result<(), (String, String)> {
        if self.name.is_empty() {
            return Err((format!("{key}.name"), "must not be empty".into()));
        }
        // A call holds its cluster's relay, and with it a runtime worker, until it returns.
        if self.timeout_ms == 0 || self.timeout_ms > 1000 {
            return Err((format!("{key}.timeout_ms"), format!("must be between 1 and 1000, got {}", self.timeout_ms)));
        }
        if self.memory_mb == 0 || self.memory_mb > 4096 {
            return Err((format!("{key}.memory_mb"), format!("must be between 1 and 4096, got {}", self.memory_mb)));
        }
        if self.max_failures == 0 {
            return Err((format!("{key}.max_failures"), "must be at least 1".into()));
        }
        Ok(())
    }

    /// The `init` argument: every config entry as text.
    fn init_arguments(&self) -> Vec<(String, String)> {
        fn text(value: &serde_json::Value) -> String {
            match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
                other => other.to_string(),
            }
        }
        self.config.iter().map(|(key, value)| (key.clone(), text(value))).collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("plugin {name:?}: cannot read {path}: {source}")]
    Read {
        name: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("plugin {name:?}: {path} is not a filter component: {message}")]
    Load { name: String, path: PathBuf, message: String },
    #[error("plugin name {0:?} appears twice in the chain")]
    DuplicateName(String),
}

/// The process's one engine, with a thread that advances its epoch.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).expect("the wasmtime configuration is valid");
        let ticking = engine.weak();
        std::thread::Builder::new()
            .name("nodecast-epoch".into())
            .spawn(move || {
                while let Some(engine) = ticking.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })
            .expect("the epoch thread starts");
        engine
    })
}

/// A compiled, pre-instantiated plugin.
pub struct Plugin {
    pub config: PluginConfig,
    /// sha256 of the component file.
    pub hash: String,
    pre: FilterPre<State>,
    pub stats: Stats,
    /// Clusters where it is switched off, and why.
    disabled: Mutex<BTreeMap<String, String>>,
}

impl Plugin {
    /// Clusters where the plugin is switched off, with the last error.
    pub fn disabled(&self) -> BTreeMap<String, String> {
        self.disabled.lock().clone()
    }

    fn applies_to(&self, cluster: &str) -> bool {
        self.config.clusters.iter().any(|pattern| crate::auth::glob_match(pattern, cluster))
    }
}

/// The configured chain, in order. Swapped whole on reload.
#[derive(Default)]
pub struct Chain {
    pub plugins: Vec<Arc<Plugin>>,
    /// Changes on every reload, so runners rebuild their instances (and reset their breakers).
    pub generation: u64,
    /// The plugins' series, handed on from generation to generation.
    metrics: metrics::Families,
}

impl Chain {
    /// Loads every plugin of `configs`. Nothing is swapped in unless all load;
    /// a plugin whose file and settings are unchanged since `previous` keeps its
    /// compiled code and counters, and the series of every other plugin of
    /// `previous` are removed.
    pub fn load(configs: &[PluginConfig], previous: &Chain) -> Result<Chain, Error> {
        // Everything is compiled before any series is touched, so that a chain
        // that fails to load leaves the one in force as it was.
        let mut loaded: Vec<(&PluginConfig, String, FilterPre<State>, Option<Stats>)> =
            Vec::with_capacity(configs.len());
        for config in configs {
            if loaded.iter().any(|(known, ..)| known.name == config.name) {
                return Err(Error::DuplicateName(config.name.clone()));
            }
            let read = |source| Error::Read { name: config.name.clone(), path: config.path.clone(), source };
            let bytes = std::fs::read(&config.path).map_err(read)?;
            let hash = sha256_hex(&bytes);
            if let Some(same) = previous.plugins.iter().find(|p| p.config == *config && p.hash == hash) {
                loaded.push((config, hash, same.pre.clone(), Some(same.stats.clone())));
                continue;
            }
            let invalid = |error: wasmtime::Error| Error::Load {
                name: config.name.clone(),
                path: config.path.clone(),
                message: format!("{error:#}"),
            };
            let component = Component::new(engine(), &bytes).map_err(invalid)?;
            let mut linker = Linker::<State>::new(engine());
            Filter::add_to_linker::<State, HasSelf<State>>(&mut linker, |state| state).map_err(invalid)?;
            let pre = FilterPre::new(linker.instantiate_pre(&component).map_err(invalid)?).map_err(invalid)?;
            loaded.push((config, hash, pre, None));
        }
        let metrics = previous.metrics.clone();
        for gone in &previous.plugins {
            let kept = loaded.iter().any(|(config, hash, ..)| **config == gone.config && *hash == gone.hash);
            if !kept {
                metrics.remove(&gone.config.name);
            }
        }
        let plugins = loaded
            .into_iter()
            .map(|(config, hash, pre, stats)| {
                Arc::new(Plugin {
                    stats: stats.unwrap_or_else(|| metrics.stats(&config.name)),
                    config: config.clone(),
                    hash,
                    pre,
                    disabled: Mutex::default(),
                })
            })
            .collect();
        Ok(Chain { plugins, generation: previous.generation + 1, metrics })
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The chain's decision about one change.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Verdict {
    pub keep: bool,
    pub tags: Vec<(String, String)>,
    /// The plugin that dropped it.
    pub dropped_by: Option<String>,
    /// Calls that failed (plugin, why); their `on_error` policy decided instead.
    pub failures: Vec<(String, String)>,
}

struct Live {
    store: Store<State>,
    filter: Filter,
}

struct Slot {
    plugin: Arc<Plugin>,
    live: Option<Live>,
    failures: u32,
    off: bool,
}

/// A cluster's instances of the chain; owned by that cluster's relay task.
pub struct Runner {
    cluster: Arc<str>,
    generation: u64,
    slots: Vec<Slot>,
}

impl Runner {
    pub fn new(cluster: &str) -> Self {
        Self { cluster: cluster.into(), generation: u64::MAX, slots: Vec::new() }
    }

    /// Follows a reload: new instances for the new chain, breakers reset.
    pub fn sync(&mut self, chain: &Chain) {
        if chain.generation == self.generation {
            return;
        }
        self.generation = chain.generation;
        self.slots = chain
            .plugins
            .iter()
            .filter(|plugin| plugin.applies_to(&self.cluster))
            .map(|plugin| Slot { plugin: plugin.clone(), live: None, failures: 0, off: false })
            .collect();
    }

    /// Runs the chain on a change, in order, stopping at the first drop.
    pub fn decide(&mut self, change: &Change) -> Verdict {
        let mut verdict = Verdict { keep: true, ..Verdict::default() };
        if self.slots.is_empty() {
            return verdict;
        }
        let event = EventRep::new(self.cluster.clone(), change.clone());
        for slot in &mut self.slots {
            if slot.off {
                continue;
            }
            let started = Instant::now();
            let outcome = call(slot, &event);
            let stats = &slot.plugin.stats;
            stats.record_call(started.elapsed());
            let decision = match outcome {
                Ok(decision) => {
                    slot.failures = 0;
                    decision
                }
                Err(error) => {
                    stats.record_error();
                    slot.live = None;
                    slot.failures += 1;
                    let name = &slot.plugin.config.name;
                    tracing::warn!(plugin = %name, cluster = %self.cluster, failures = slot.failures, %error, "plugin call failed");
                    if slot.failures >= slot.plugin.config.max_failures {
                        slot.off = true;
                        tracing::error!(plugin = %name, cluster = %self.cluster, "plugin switched off until reloaded");
                        let reason = format!("{} failures in a row; last: {error}", slot.failures);
                        slot.plugin.disabled.lock().insert(self.cluster.to_string(), reason);
                    }
                    verdict.failures.push((name.clone(), error.to_string()));
                    match slot.plugin.config.on_error {
                        OnError::Keep => wit::Decision::Keep,
                        OnError::Drop => wit::Decision::Drop,
                    }
                }
            };
            match decision {
                wit::Decision::Keep => stats.record_keep(),
                wit::Decision::KeepWithTags(tags) => {
                    for (key, value) in tags {
                        verdict.tags.retain(|(existing, _)| *existing != key);
                        verdict.tags.push((key, value));
                    }
                    stats.record_keep();
                }
                wit::Decision::Drop => {
                    stats.record_drop();
                    verdict.keep = false;
                    verdict.dropped_by = Some(slot.plugin.config.name.clone());
                    return verdict;
                }
            }
        }
        verdict
    }
}

/// Why a call failed, for logs and the breaker.
#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("init failed: {0}")]
    Init(String),
    #[error("{0}")]
    Wasm(String),
}

fn call(slot: &mut Slot, event: &Arc<EventRep>) -> Result<wit::Decision, CallError> {
    let config = &slot.plugin.config;
    let ticks = config.timeout_ms.div_ceil(EPOCH_TICK.as_millis() as u64).max(1) + 1;
    if slot.live.is_none() {
        let limits =
            StoreLimitsBuilder::new().memory_size((config.memory_mb as usize) << 20).trap_on_grow_failure(true).build();
        let mut store = Store::new(engine(), State::new(limits));
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(ticks);
        let wasm = |error: wasmtime::Error| CallError::Wasm(format!("{error:#}"));
        let filter = slot.plugin.pre.instantiate(&mut store).map_err(wasm)?;
        filter.call_init(&mut store, &config.init_arguments()).map_err(wasm)?.map_err(CallError::Init)?;
        slot.live = Some(Live { store, filter });
    }
    let live = slot.live.as_mut().expect("instantiated above");
    live.store.set_epoch_deadline(ticks);
    let lent = live.store.data_mut().lend(event);
    let decision = live.filter.call_filter(&mut live.store, lent);
    live.store.data_mut().take_back();
    decision.map_err(|error| CallError::Wasm(describe_trap(&error)))
}

/// Names the usual failures plainly.
fn describe_trap(error: &wasmtime::Error) -> String {
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => "deadline exceeded (timeout_ms)".to_owned(),
        Some(trap) => trap.to_string(),
        None => format!("{error:#}"),
    }
}

#[cfg(test)]
mod tests {
    use arc_swap::ArcSwap;
    use prometheus_client::registry::Registry;

    use super::*;

    fn component(name: &str) -> PluginConfig {
        PluginConfig {
            name: name.to_owned(),
            path: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("plugins/dist/{name}.wasm")),
            clusters: every_cluster(),
            config: BTreeMap::new(),
            on_error: OnError::Keep,
            timeout_ms: default_timeout_ms(),
            memory_mb: default_memory_mb(),
            max_failures: default_max_failures(),
        }
    }

    /// The `/metrics` lines of `chain`'s plugins.
    fn scrape(chain: Chain) -> Vec<String> {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(ChainMetrics(Arc::new(ArcSwap::from_pointee(chain)))));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        text.lines().filter(|line| line.starts_with("plugin_")).map(str::to_owned).collect()
    }

    #[test]
    fn a_reload_keeps_the_series_of_unchanged_plugins_and_removes_the_others() {
        let first =
            Chain::load(&[component("trap"), component("init-fails"), component("loop-forever")], &Chain::default())
                .unwrap();
        for plugin in &first.plugins {
            plugin.stats.record_call(Duration::from_micros(3));
        }
        let changed = PluginConfig { timeout_ms: 7, ..component("loop-forever") };
        let second = Chain::load(&[component("init-fails"), changed], &first).unwrap();
        let lines = scrape(second);
        assert!(!lines.iter().any(|line| line.contains("plugin=\"trap\"")), "{lines:#?}");
        assert!(lines.contains(&"plugin_calls_total{plugin=\"init-fails\"} 1".to_owned()), "{lines:#?}");
        assert!(lines.contains(&"plugin_calls_total{plugin=\"loop-forever\"} 0".to_owned()), "{lines:#?}");
        assert!(lines.contains(&"plugin_decisions_total{plugin=\"loop-forever\",decision=\"drop\"} 0".to_owned()));
    }

    #[test]
    fn a_reload_that_fails_leaves_the_series_alone() {
        let first = Chain::load(&[component("trap")], &Chain::default()).unwrap();
        first.plugins[0].stats.record_call(Duration::from_micros(3));
        let missing = PluginConfig { path: "missing.wasm".into(), ..component("init-fails") };
        assert!(Chain::load(&[missing], &first).is_err());
        assert!(scrape(first).contains(&"plugin_calls_total{plugin=\"trap\"} 1".to_owned()));
    }
}
