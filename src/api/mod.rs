//! The HTTP API: poem-openapi definitions, one `#[OpenApi]` struct per tag,
//! with thin handlers that read snapshots through pure queries or call into
//! [`App`], and the WebSocket upgrade and session ([`session`]). Errors are
//! mapped to HTTP in one place ([`error`]); the server authenticates each
//! request and hands handlers a [`Principal`] to check.
//!
//! The OpenAPI document is generated from these definitions ([`spec`]) and
//! committed as `openapi/nodecast.json`; a test fails when the two differ.

pub mod audit;
mod clusters;
pub mod error;
mod node_ops;
mod nodes;
mod operations;
mod plugins;
mod pods;
pub mod session;
mod status;
pub mod types;
mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use poem_openapi::{OpenApiService, Tags};
use serde::{Deserialize, Serialize};

use crate::app::{App, Cluster};
use crate::auth::{self, Principal};
pub use error::Error;
pub use plugins::PluginInfo;

/// Settings of the HTTP API (`[api]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to serve on.
    pub listen: SocketAddr,
    /// Accept kubeconfigs with exec plugins or auth providers through `POST /api/v1/clusters`
    /// (they run programs on this server).
    pub allow_exec_credentials: bool,
    pub auth: auth::Config,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            allow_exec_credentials: false,
            auth: auth::Config::default(),
        }
    }
}

impl Config {
    pub fn validate(&self) -> Result<(), (String, String)> {
        self.auth.validate(self.listen)
    }
}

/// The clusters of `app` that `principal` may read, in name order.
fn visible_clusters(app: &App, principal: &Principal) -> Vec<Arc<Cluster>> {
    app.clusters().into_iter().filter(|cluster| principal.may_view(&cluster.name).is_ok()).collect()
}

#[derive(Tags)]
enum Tag {
    /// Nodes from the cache.
    Nodes,
    /// Watched clusters.
    Clusters,
    /// Watch state and cache statistics.
    Realtime,
    /// Health and readiness.
    Operations,
    /// The change-filter plugin chain.
    Plugins,
}

type Apis = (
    nodes::NodesApi,
    node_ops::NodeOpsApi,
    operations::OperationsApi,
    pods::PodsApi,
    clusters::ClustersApi,
    status::StatusApi,
    ws::WsApi,
    plugins::PluginsApi,
    audit::AuditApi,
);

pub(crate) fn service() -> OpenApiService<Apis, ()> {
    let apis = Apis::default();
    OpenApiService::new(apis, "nodecast", env!("CARGO_PKG_VERSION")).description(
        "Live Kubernetes node state from nodecast's cache. Authenticate with `Authorization: Bearer <token>` \
         when the server has auth enabled; errors are JSON `{code, message}`. Live changes stream over the \
         WebSocket at `/api/v1/ws/nodes` (protocol in the README).",
    )
}

/// The OpenAPI document, as committed in `openapi/nodecast.json`.
pub fn spec() -> String {
    service().spec()
}
