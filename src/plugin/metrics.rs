//! The chain's Prometheus series and the figures the REST API reads from them.
//!
//! Each plugin has its series in [`Families`] that every generation of a chain
//! hands on, so a reload that keeps a plugin keeps its counts; a reload without
//! it, or with a changed one of the same name, removes them. A plugin holds its
//! own series as [`Stats`], so a call records without a label lookup.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::Chain;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PluginLabel {
    plugin: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    plugin: String,
    decision: &'static str,
}

/// The per-plugin series of a chain, shared by all its generations.
#[derive(Clone, Debug)]
pub(super) struct Families {
    calls: Family<PluginLabel, Counter>,
    errors: Family<PluginLabel, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    call_seconds: Family<PluginLabel, Histogram>,
}

impl Default for Families {
    fn default() -> Self {
        Self {
            calls: Family::default(),
            errors: Family::default(),
            decisions: Family::default(),
            // Powers of two from about 1 µs to about 1 s, the longest deadline a
            // call can have (timeout_ms): the p99 is known within a factor of two.
            call_seconds: Family::new_with_constructor(|| Histogram::new(exponential_buckets(1024e-9, 2.0, 21))),
        }
    }
}

impl Families {
    /// The series of the plugin `name`, created at zero when it has none; all
    /// of them, so that a scrape shows a plugin that was never called.
    pub(super) fn stats(&self, name: &str) -> Stats {
        let plugin = PluginLabel { plugin: name.to_owned() };
        let decision = |decision| DecisionLabels { plugin: name.to_owned(), decision };
        Stats {
            calls: self.calls.get_or_create_owned(&plugin),
            errors: self.errors.get_or_create_owned(&plugin),
            keeps: self.decisions.get_or_create_owned(&decision("keep")),
            drops: self.decisions.get_or_create_owned(&decision("drop")),
            call_seconds: self.call_seconds.get_or_create_owned(&plugin),
        }
    }

    /// Removes the series of the plugin `name`. A [`Stats`] still held by a
    /// runner of an older chain records into nothing from then on.
    pub(super) fn remove(&self, name: &str) {
        let plugin = PluginLabel { plugin: name.to_owned() };
        self.calls.remove(&plugin);
        self.errors.remove(&plugin);
        self.call_seconds.remove(&plugin);
        for decision in ["keep", "drop"] {
            self.decisions.remove(&DecisionLabels { plugin: name.to_owned(), decision });
        }
    }
}

/// One plugin's counters and call times: its series in the chain's [`Families`].
#[derive(Clone, Debug)]
pub struct Stats {
    calls: Counter,
    errors: Counter,
    keeps: Counter,
    drops: Counter,
    call_seconds: Histogram,
}

impl Stats {
    /// Calls into the plugin, failed ones included.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }

    /// Failed calls: traps, timeouts, failed `init`.
    pub fn errors(&self) -> u64 {
        self.errors.get()
    }

    /// Changes kept, by a decision or by `on_error`.
    pub fn keeps(&self) -> u64 {
        self.keeps.get()
    }

    /// Changes dropped, by a decision or by `on_error`.
    pub fn drops(&self) -> u64 {
        self.drops.get()
    }

    /// The mean call time.
    pub fn mean(&self) -> Duration {
        let reading = read(&self.call_seconds);
        seconds(reading.sum / reading.count.max(1) as f64)
    }

    /// The 99th percentile call time, as the upper bound of its bucket (within
    /// a factor of two); calls past the last bound count as taking that long,
    /// as Prometheus's `histogram_quantile` has it.
    pub fn p99(&self) -> Duration {
        let reading = read(&self.call_seconds);
        if reading.count == 0 {
            return Duration::ZERO;
        }
        let target = reading.count - reading.count / 100;
        let mut finite = reading.buckets.iter().filter(|(bound, _)| bound.is_finite());
        let slowest_percent = finite.clone().find(|(_, calls_at_most)| *calls_at_most >= target);
        slowest_percent.or(finite.next_back()).map_or(Duration::ZERO, |(bound, _)| seconds(*bound))
    }

    pub(super) fn record_call(&self, took: Duration) {
        self.calls.inc();
        self.call_seconds.observe(took.as_secs_f64());
    }

    pub(super) fn record_error(&self) {
        self.errors.inc();
    }

    pub(super) fn record_keep(&self) {
        self.keeps.inc();
    }

    pub(super) fn record_drop(&self) {
        self.drops.inc();
    }
}

/// To the nanosecond, rounded: the bounds are whole nanoseconds that `f64` seconds miss by a hair.
fn seconds(seconds: f64) -> Duration {
    Duration::from_nanos((seconds * 1e9).round() as u64)
}

/// What a histogram holds: `buckets` are (upper bound, observations at most that), ascending.
#[derive(Debug, Default)]
struct Reading {
    sum: f64,
    count: u64,
    buckets: Vec<(f64, u64)>,
}

/// prometheus-client's `Histogram` can be observed and encoded, never read
/// (its `sum` and `count` exist only under the `test-util` feature, its buckets
/// not at all; prometheus/client_rust#241), so the REST API's figures come from
/// its own exposition, parsed back: one source for both, and no second
/// histogram written by hand beside it.
fn read(histogram: &Histogram) -> Reading {
    let mut registry = Registry::default();
    registry.register("h", "", histogram.clone());
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).expect("writing to a String cannot fail");
    let mut reading = Reading::default();
    for (series, value) in text.lines().filter_map(|line| line.rsplit_once(' ')) {
        match series {
            "h_sum" => reading.sum = value.parse().unwrap_or_default(),
            "h_count" => reading.count = value.parse().unwrap_or_default(),
            _ => {
                let bound = series.strip_prefix("h_bucket{le=\"").and_then(|rest| rest.strip_suffix("\"}"));
                if let (Some(Ok(bound)), Ok(calls)) = (bound.map(str::parse), value.parse()) {
                    reading.buckets.push((bound, calls));
                }
            }
        }
    }
    reading
}

/// The chain's series at `/metrics`: registered once, it reads the chain in
/// force at each scrape.
pub struct ChainMetrics(pub Arc<ArcSwap<Chain>>);

impl fmt::Debug for ChainMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainMetrics").field("plugins", &self.0.load().plugins.len()).finish()
    }
}

impl Collector for ChainMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let chain = self.0.load();
        let families = &chain.metrics;
        let described: [(&str, &str, &dyn EncodeMetric); 4] = [
            ("plugin_calls", "Calls into each plugin (failed ones included)", &families.calls),
            ("plugin_errors", "Failed plugin calls: traps, timeouts, failed init", &families.errors),
            (
                "plugin_decisions",
                "Decisions of each plugin (failed calls decided by on_error included)",
                &families.decisions,
            ),
            ("plugin_call_seconds", "Time per plugin call", &families.call_seconds),
        ];
        for (name, help, family) in described {
            family.encode(encoder.encode_descriptor(name, help, None, family.metric_type())?)?;
        }
        // The breakers' state lives with the chain in force (a reload resets
        // it), so the gauge is read from there rather than kept beside it.
        let mut family = encoder.encode_descriptor(
            "plugin_disabled_clusters",
            "Clusters where a plugin's breaker has switched it off until the next reload",
            None,
            MetricType::Gauge,
        )?;
        for plugin in &chain.plugins {
            let label = PluginLabel { plugin: plugin.config.name.clone() };
            family.encode_family(&label)?.encode_gauge(&(plugin.disabled().len() as i64))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(calls: &[(Duration, usize)]) -> Stats {
        let stats = Families::default().stats("p");
        for &(took, times) in calls {
            for _ in 0..times {
                stats.record_call(took);
            }
        }
        stats
    }

    #[test]
    fn p99_is_the_bound_of_the_bucket_of_the_slowest_percent() {
        let fast_and_slow = [(Duration::from_nanos(1_000), 990), (Duration::from_micros(100), 10)];
        assert_eq!(observed(&fast_and_slow).p99(), Duration::from_nanos(1024));
        let one_more_slow = [(Duration::from_nanos(1_000), 990), (Duration::from_micros(100), 11)];
        assert_eq!(observed(&one_more_slow).p99(), Duration::from_nanos(131_072));
    }

    #[test]
    fn p99_past_the_last_bound_is_the_last_bound() {
        assert_eq!(observed(&[(Duration::from_secs(3), 1)]).p99(), Duration::from_nanos(1 << 30));
    }

    #[test]
    fn mean_is_the_sum_over_the_calls() {
        let stats = observed(&[(Duration::from_micros(10), 3), (Duration::from_micros(50), 1)]);
        assert_eq!(stats.mean(), Duration::from_micros(20));
        assert_eq!(stats.calls(), 4);
    }

    #[test]
    fn no_calls_read_as_zero() {
        let stats = observed(&[]);
        assert_eq!((stats.mean(), stats.p99(), stats.calls()), (Duration::ZERO, Duration::ZERO, 0));
    }

    #[test]
    fn removed_series_start_again_at_zero() {
        let families = Families::default();
        let before = families.stats("p");
        before.record_call(Duration::from_micros(5));
        before.record_keep();
        assert_eq!(families.stats("p").calls(), 1, "the same series while the plugin stays");
        families.remove("p");
        let after = families.stats("p");
        assert_eq!((after.calls(), after.keeps(), after.p99()), (0, 0, Duration::ZERO));
    }
}
