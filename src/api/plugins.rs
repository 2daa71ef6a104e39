//! The plugin chain: what is loaded, how it behaves, and reloading it.

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{Tag, error::Result};
use crate::app::App;
use crate::auth::Principal;
use crate::plugin::{Chain, OnError};

/// One plugin of the chain.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct PluginInfo {
    pub name: String,
    pub path: String,
    /// sha256 of the component file.
    pub hash: String,
    pub clusters: Vec<String>,
    /// `keep` or `drop`.
    pub on_error: String,
    pub timeout_ms: u64,
    pub memory_mb: u64,
    /// `active`, or `disabled` when switched off in some cluster (see `disabled_in`).
    pub state: String,
    /// Clusters where it is switched off until reloaded, with the last error.
    pub disabled_in: BTreeMap<String, String>,
    pub calls: u64,
    pub keeps: u64,
    pub drops: u64,
    pub errors: u64,
    pub mean_call_us: f64,
    /// Upper bound of the 99th percentile call time (within a factor of two).
    pub p99_call_us: f64,
}

/// What the relay of one cluster did with its committed changes.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClusterFlow {
    pub cluster: String,
    pub committed: u64,
    pub broadcast: u64,
    /// Dropped by a plugin decision (or an `on_error = "drop"` failure).
    pub dropped: u64,
    /// The seq of the last change broadcast.
    pub last_broadcast_seq: u64,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PluginChain {
    /// Rises with every successful reload.
    pub generation: u64,
    pub plugins: Vec<PluginInfo>,
    pub clusters: Vec<ClusterFlow>,
}

#[derive(ApiResponse)]
pub enum Reloaded {
    /// The new chain is in force (breakers reset).
    #[oai(status = 200)]
    Ok(Json<PluginChain>),
}

#[derive(Default)]
pub struct PluginsApi;

#[OpenApi(tag = "Tag::Plugins")]
impl PluginsApi {
    /// The plugin chain and its counters (operator)
    #[oai(path = "/api/v1/plugins", method = "get", operation_id = "listPlugins")]
    async fn list(&self, app: Data<&App>, principal: Data<&Principal>) -> Result<Json<PluginChain>> {
        principal.may_operate(None)?;
        Ok(Json(describe(&app, &app.chain())))
    }

    /// Reload the plugin configuration and files (operator)
    ///
    /// Re-reads `[[plugins]]` and every component, then swaps the chain whole.
    /// When a plugin fails to load the old chain keeps running, and the 400
    /// says which plugin and why.
    #[oai(path = "/api/v1/plugins/reload", method = "post", operation_id = "reloadPlugins")]
    async fn reload(&self, app: Data<&App>, principal: Data<&Principal>) -> Result<Reloaded> {
        principal.may_operate(None)?;
        let chain = app.reload_plugins().await?;
        Ok(Reloaded::Ok(Json(describe(&app, &chain))))
    }
}

fn describe(app: &App, chain: &Chain) -> PluginChain {
    let plugins = chain
        .plugins
        .iter()
        .map(|plugin| {
            let stats = &plugin.stats;
            let disabled_in = plugin.disabled();
            PluginInfo {
                name: plugin.config.name.clone(),
                path: plugin.config.path.display().to_string(),
                hash: plugin.hash.clone(),
                clusters: plugin.config.clusters.clone(),
                on_error: match plugin.config.on_error {
                    OnError::Keep => "keep",
                    OnError::Drop => "drop",
                }
                .to_owned(),
                timeout_ms: plugin.config.timeout_ms,
                memory_mb: plugin.config.memory_mb,
                state: if disabled_in.is_empty() { "active" } else { "disabled" }.to_owned(),
                disabled_in,
                calls: stats.calls(),
                keeps: stats.keeps(),
                drops: stats.drops(),
                errors: stats.errors(),
                mean_call_us: stats.mean().as_secs_f64() * 1e6,
                p99_call_us: stats.p99().as_secs_f64() * 1e6,
            }
        })
        .collect();
    let clusters = app
        .clusters()
        .iter()
        .map(|cluster| {
            let flow = cluster.flow().counts();
            ClusterFlow {
                cluster: cluster.name.clone(),
                committed: flow.committed,
                broadcast: flow.broadcast,
                dropped: flow.dropped,
                last_broadcast_seq: app.hub().room(&cluster.name).map_or(0, |room| room.last_seq()),
            }
        })
        .collect();
    PluginChain { generation: chain.generation, plugins, clusters }
}
