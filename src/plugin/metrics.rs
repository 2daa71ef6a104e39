//! The chain's counters in Prometheus form, read from the chain in force at
//! each scrape: a reload replaces plugins, and with them their series.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use arc_swap::ArcSwap;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, NoLabelSet};
use prometheus_client::metrics::MetricType;

use super::{Chain, Plugin};

pub struct ChainMetrics(pub Arc<ArcSwap<Chain>>);

impl fmt::Debug for ChainMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainMetrics").field("plugins", &self.0.load().plugins.len()).finish()
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PluginLabel {
    plugin: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    plugin: String,
    decision: &'static str,
}

/// One number read from a plugin's counters.
type Reading = fn(&Plugin) -> u64;

impl Collector for ChainMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let chain = self.0.load();
        let plugins = &chain.plugins;
        let label = |plugin: &Plugin| PluginLabel { plugin: plugin.config.name.clone() };
        let counters: [(&str, &str, Reading); 2] = [
            ("plugin_calls", "Calls into each plugin (failed ones included)", |p| {
                p.stats.calls.load(Ordering::Relaxed)
            }),
            ("plugin_errors", "Failed plugin calls: traps, timeouts, failed init", |p| {
                p.stats.errors.load(Ordering::Relaxed)
            }),
        ];
        for (name, help, value) in counters {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for plugin in plugins {
                family.encode_family(&label(plugin))?.encode_counter::<NoLabelSet, _, u64>(&value(plugin), None)?;
            }
        }
        let mut family = encoder.encode_descriptor(
            "plugin_decisions",
            "Decisions of each plugin (failed calls decided by on_error included)",
            None,
            MetricType::Counter,
        )?;
        for plugin in plugins {
            for (decision, count) in [("keep", &plugin.stats.keeps), ("drop", &plugin.stats.drops)] {
                let labels = DecisionLabels { plugin: plugin.config.name.clone(), decision };
                family
                    .encode_family(&labels)?
                    .encode_counter::<NoLabelSet, _, u64>(&count.load(Ordering::Relaxed), None)?;
            }
        }
        let mut family =
            encoder.encode_descriptor("plugin_call_seconds", "Time per plugin call", None, MetricType::Histogram)?;
        for plugin in plugins {
            let stats = &plugin.stats;
            family.encode_family(&label(plugin))?.encode_histogram::<NoLabelSet>(
                stats.total_time().as_secs_f64(),
                stats.calls.load(Ordering::Relaxed),
                &stats.call_buckets(),
                None,
            )?;
        }
        let mut family = encoder.encode_descriptor(
            "plugin_disabled_clusters",
            "Clusters where a plugin's breaker has switched it off until the next reload",
            None,
            MetricType::Gauge,
        )?;
        for plugin in plugins {
            family.encode_family(&label(plugin))?.encode_gauge(&(plugin.disabled().len() as i64))?;
        }
        Ok(())
    }
}
