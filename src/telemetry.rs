//! Logs and metrics. Logs: tracing, human-readable by default or one JSON
//! object per line; `RUST_LOG`, when set, takes precedence over the configured
//! level. Metrics: one Prometheus registry that the stages report into.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

/// Settings of the logs (`[log]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `text` for people, `json` for log collectors.
    pub format: Format,
    /// A level (`info`) or a filter directive (`nodecast=debug,kube=warn`).
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Self { format: Format::Text, level: "info".to_owned() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Json,
}

impl Config {
    pub fn validate(&self) -> Result<(), (String, String)> {
        const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
        let invalid = |why: String| {
            (
                "log.level".to_owned(),
                format!("is not a level ({}) or a filter like `nodecast=debug`: {why}", LEVELS.join(", ")),
            )
        };
        for directive in self.level.split(',').map(str::trim) {
            let level = directive.rsplit_once('=').map_or(directive, |(_, level)| level);
            if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
                return Err(invalid(format!("{level:?} is not a level")));
            }
        }
        EnvFilter::try_new(&self.level).map(drop).map_err(|e| invalid(e.to_string()))
    }
}

/// Installs the global subscriber; later calls (as in tests) leave the first one in place.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match config.format {
        Format::Text => builder.try_init(),
        Format::Json => builder.json().try_init(),
    };
}

/// The Prometheus metrics every stage reports into, served as text at `/metrics`.
pub struct Metrics {
    registry: prometheus_client::registry::Registry,
    /// Significant changes committed, by cluster and change (`Added`, `Deleted`, or a group name).
    pub events: Family<ClusterChange, Counter>,
    /// Time spent per batch in each stage (`commit`, `publish`).
    pub stage_seconds: Family<Stage, Histogram>,
    pub snapshot_nodes: Family<ClusterLabel, Gauge>,
    pub watcher_restarts: Family<ClusterLabel, Counter>,
    pub relists: Family<ClusterLabel, Counter>,
    /// From a batch of watch events arriving to its snapshot being visible.
    pub informer_lag_seconds: Family<ClusterLabel, Histogram>,
    /// 1 while a cluster's watch works, 0 while it is down and retried.
    pub watch_up: Family<ClusterLabel, Gauge>,
    /// One committed change through the plugin chain.
    pub filter_seconds: Histogram,
    /// One event into its room: serialized once and queued for every subscriber.
    pub broadcast_seconds: Histogram,
    /// From a change's commit to its frame leaving for a WebSocket client.
    pub push_latency_seconds: Histogram,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterChange {
    pub cluster: String,
    pub change: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterLabel {
    pub cluster: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Stage {
    pub stage: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = prometheus_client::registry::Registry::with_prefix("nodecast");
        let events = Family::default();
        let stage_seconds =
            Family::<Stage, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(1e-6, 4.0, 12)));
        let snapshot_nodes = Family::default();
        let watcher_restarts = Family::default();
        let relists = Family::default();
        let informer_lag_seconds =
            Family::<ClusterLabel, Histogram>::new_with_constructor(|| Histogram::new(latency_buckets()));
        let watch_up = Family::default();
        let filter_seconds = Histogram::new(latency_buckets());
        let broadcast_seconds = Histogram::new(latency_buckets());
        let push_latency_seconds = Histogram::new(latency_buckets());
        registry.register("events", "Significant node changes committed", events.clone());
        registry.register("stage_seconds", "Time per batch in each pipeline stage", stage_seconds.clone());
        registry.register("snapshot_nodes", "Nodes in the latest snapshot", snapshot_nodes.clone());
        registry.register(
            "watcher_restarts",
            "Watcher errors followed by a backed-off retry",
            watcher_restarts.clone(),
        );
        registry.register("relists", "Complete lists started (first list included)", relists.clone());
        registry.register(
            "informer_lag_seconds",
            "From a batch of watch events arriving to its snapshot being visible to readers",
            informer_lag_seconds.clone(),
        );
        registry.register("watch_up", "1 while the cluster's watch works, 0 while it is down", watch_up.clone());
        registry.register("filter_seconds", "One committed change through the plugin chain", filter_seconds.clone());
        registry.register(
            "broadcast_seconds",
            "One event into its room: serialized once, queued for every subscriber",
            broadcast_seconds.clone(),
        );
        registry.register(
            "push_latency_seconds",
            "From a change's commit to its frame leaving for a WebSocket client",
            push_latency_seconds.clone(),
        );
        Self {
            registry,
            events,
            stage_seconds,
            snapshot_nodes,
            watcher_restarts,
            relists,
            informer_lag_seconds,
            watch_up,
            filter_seconds,
            broadcast_seconds,
            push_latency_seconds,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }

    /// Adds metrics read at each scrape from their owner.
    pub fn register_collector(&mut self, collector: impl prometheus_client::collector::Collector) {
        self.registry.register_collector(Box::new(collector));
    }

    /// Drops the series of a cluster that is gone.
    pub fn forget(&self, cluster: &str) {
        let label = ClusterLabel { cluster: cluster.to_owned() };
        self.snapshot_nodes.remove(&label);
        self.watch_up.remove(&label);
        self.informer_lag_seconds.remove(&label);
        for family in [&self.watcher_restarts, &self.relists] {
            family.remove(&label);
        }
    }
}

/// From 10 µs to about 40 s, by factors of four.
fn latency_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(1e-5, 4.0, 12)
}

/// Resident memory of a process (this one with `None`), in bytes: now and at
/// its peak. Zero where `/proc` cannot tell (not Linux, or the process is gone).
pub fn resident_memory(pid: Option<u32>) -> (u64, u64) {
    let path = pid.map_or_else(|| "/proc/self/status".to_owned(), |pid| format!("/proc/{pid}/status"));
    let status = std::fs::read_to_string(path).unwrap_or_default();
    let kib = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (kib("VmRSS:") * 1024, kib("VmHWM:") * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_memory_reads_this_process_and_nothing_for_a_missing_one() {
        let (now, peak) = super::resident_memory(None);
        assert!(now > 1 << 20 && peak >= now, "now {now}, peak {peak}");
        assert_eq!(super::resident_memory(Some(u32::MAX)), (0, 0));
    }
}
