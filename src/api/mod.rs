//! The REST API: poem-openapi definitions, one `#[OpenApi]` struct per tag,
//! with handlers that only read snapshots or call into [`App`]. Errors are
//! mapped to HTTP in one place ([`error`]); authentication is a middleware
//! that hands handlers a [`Principal`] to check.
//!
//! The OpenAPI document is generated from these definitions ([`spec`]) and
//! committed as `openapi/nodecast.json`; a test fails when the two differ.

mod clusters;
pub mod error;
mod nodes;
mod plugins;
mod status;
pub mod types;
mod ws;

use std::net::SocketAddr;

use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, Route};
use poem_openapi::{OpenApiService, Tags};
use serde::{Deserialize, Serialize};

use crate::app::App;
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
    pub auth: AuthConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            allow_exec_credentials: false,
            auth: AuthConfig::default(),
        }
    }
}

/// Bearer-token authentication (`[api.auth]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Off only when said so; off is refused on a non-loopback address unless
    /// `allow_unauthenticated_remote` says so too.
    pub enabled: bool,
    pub allow_unauthenticated_remote: bool,
    pub tokens: Vec<TokenConfig>,
}

/// A bearer token (`[[api.auth.tokens]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds it, for logs.
    pub name: String,
    pub token: String,
    pub role: Role,
    /// Cluster name patterns it may see (`*` matches any run of characters).
    #[serde(default = "every_cluster")]
    pub clusters: Vec<String>,
}

fn every_cluster() -> Vec<String> {
    vec!["*".to_owned()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads nodes, clusters and status.
    Viewer,
    /// Also registers and unregisters clusters, forces re-lists, and manages plugins.
    Operator,
}

impl Config {
    pub fn validate(&self) -> Result<(), (String, String)> {
        let auth = &self.auth;
        if auth.enabled && auth.tokens.is_empty() {
            return Err((
                "api.auth.tokens".into(),
                "is empty, but api.auth.enabled = true: no one could call the API".into(),
            ));
        }
        if !auth.enabled && !self.listen.ip().is_loopback() && !auth.allow_unauthenticated_remote {
            return Err((
                "api.auth.enabled".into(),
                format!(
                    "is false while api.listen ({}) is not a loopback address; enable auth with tokens, \
                     or set api.auth.allow_unauthenticated_remote = true to serve everyone on purpose",
                    self.listen
                ),
            ));
        }
        for (index, token) in auth.tokens.iter().enumerate() {
            if token.token.len() < 16 {
                return Err((format!("api.auth.tokens[{index}].token"), "must be at least 16 characters".into()));
            }
        }
        Ok(())
    }
}

/// Who is calling, as the auth middleware established it.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Auth is off: everything is allowed.
    Anyone,
    Token {
        name: String,
        role: Role,
        clusters: Vec<String>,
    },
}

impl Principal {
    /// May read `cluster`.
    pub fn may_view(&self, cluster: &str) -> Result<(), Error> {
        match self {
            Principal::Anyone => Ok(()),
            Principal::Token { name, clusters, .. } => {
                if clusters.iter().any(|pattern| glob_match(pattern, cluster)) {
                    Ok(())
                } else {
                    Err(Error::forbidden(format!("token {name:?} may not access cluster {cluster:?}")))
                }
            }
        }
    }

    /// The clusters of `app` this principal may read, in name order.
    pub fn visible_clusters(&self, app: &crate::app::App) -> Vec<std::sync::Arc<crate::app::Cluster>> {
        app.clusters().into_iter().filter(|cluster| self.may_view(&cluster.name).is_ok()).collect()
    }

    /// May change `cluster` (or, with `None`, the set of clusters).
    pub fn may_operate(&self, cluster: Option<&str>) -> Result<(), Error> {
        if let Principal::Token { name, role: Role::Viewer, .. } = self {
            return Err(Error::forbidden(format!("token {name:?} has the viewer role; this needs operator")));
        }
        match cluster {
            Some(cluster) => self.may_view(cluster),
            None => match self {
                Principal::Token { name, clusters, .. } if !clusters.iter().any(|c| c == "*") => {
                    Err(Error::forbidden(format!("token {name:?} is limited to some clusters; this needs all")))
                }
                _ => Ok(()),
            },
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, rest)) => {
            text.starts_with(prefix)
                && (0..=text.len() - prefix.len())
                    .filter(|&skip| text.is_char_boundary(prefix.len() + skip))
                    .any(|skip| glob_match(rest, &text[prefix.len() + skip..]))
        }
    }
}

/// Comparison whose time does not depend on where the strings differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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

type Apis = (nodes::NodesApi, clusters::ClustersApi, status::StatusApi, ws::WsApi, plugins::PluginsApi);

fn service() -> OpenApiService<Apis, ()> {
    let apis = (nodes::NodesApi, clusters::ClustersApi, status::StatusApi, ws::WsApi, plugins::PluginsApi);
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

/// Paths anyone may reach, even with auth on (the dashboard page asks for its token itself).
fn is_public(path: &str) -> bool {
    matches!(path, "/" | "/healthz" | "/readyz" | "/openapi.json") || path == "/docs" || path.starts_with("/docs/")
}

/// WebSocket paths, where browsers cannot set headers: the token may also come
/// as the `token` query parameter or a `bearer.<token>` WebSocket subprotocol.
fn is_websocket(path: &str) -> bool {
    matches!(path, "/api/v1/ws/nodes" | "/api/v1/nodes/ws")
}

/// Every route of the server, with authentication and JSON errors.
pub fn routes(app: App) -> impl Endpoint {
    let service = service();
    let metrics_app = app.clone();
    let metrics = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(metrics_app.metrics().encode())
    });
    let auth = app.config().api.auth.clone();
    Route::new()
        .at("/api/v1/ws/nodes", poem::get(crate::hub::session::upgrade))
        .at("/api/v1/nodes/ws", poem::get(crate::hub::session::upgrade))
        .at("/openapi.json", service.spec_endpoint())
        .nest("/docs", service.swagger_ui())
        .at("/metrics", metrics)
        .nest("/", service)
        .data(app)
        .around(move |endpoint, mut request: Request| {
            let principal = authenticate(&auth, &request);
            async move {
                match principal {
                    Ok(principal) => {
                        request.extensions_mut().insert(principal);
                        endpoint.call(request).await
                    }
                    Err(error) if is_public(request.uri().path()) => {
                        drop(error);
                        request.extensions_mut().insert(Principal::Anyone);
                        endpoint.call(request).await
                    }
                    Err(error) => Err(error.into()),
                }
            }
        })
        .catch_all_error(|error| async move { error::from_framework(error) })
        .into_endpoint()
}

fn authenticate(auth: &AuthConfig, request: &Request) -> Result<Principal, Error> {
    if !auth.enabled {
        return Ok(Principal::Anyone);
    }
    let presented = match request.header("authorization") {
        Some(header) => header
            .strip_prefix("Bearer ")
            .ok_or_else(|| Error::unauthorized("the Authorization header must be `Bearer <token>`"))?
            .trim()
            .to_owned(),
        None if is_websocket(request.uri().path()) => websocket_token(request).ok_or_else(|| {
            Error::unauthorized(
                "missing bearer token: send it as ?token=, a bearer.<token> subprotocol, or Authorization: Bearer",
            )
        })?,
        None => return Err(Error::unauthorized("missing bearer token: send Authorization: Bearer <token>")),
    };
    let presented = presented.as_str();
    auth.tokens
        .iter()
        .find(|token| same_secret(&token.token, presented))
        .map(|token| Principal::Token { name: token.name.clone(), role: token.role, clusters: token.clusters.clone() })
        .ok_or_else(|| Error::unauthorized("unknown bearer token"))
}

fn websocket_token(request: &Request) -> Option<String> {
    let from_query =
        request.params::<std::collections::HashMap<String, String>>().ok().and_then(|mut q| q.remove("token"));
    let from_protocol = || {
        request
            .header("sec-websocket-protocol")?
            .split(',')
            .find_map(|protocol| protocol.trim().strip_prefix("bearer.").map(str::to_owned))
    };
    from_query.or_else(from_protocol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_anywhere() {
        for (pattern, text, expected) in [
            ("*", "prod", true),
            ("prod-*", "prod-eu", true),
            ("prod-*", "staging", false),
            ("*-eu", "prod-eu", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ] {
            assert_eq!(glob_match(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn auth_off_on_a_public_address_is_refused_unless_said_twice() {
        let mut config = Config { listen: "0.0.0.0:8080".parse().unwrap(), ..Config::default() };
        let (key, _) = config.validate().unwrap_err();
        assert_eq!(key, "api.auth.enabled");
        config.auth.allow_unauthenticated_remote = true;
        assert!(config.validate().is_ok());
    }

    #[test]
    fn viewer_cannot_operate_and_patterns_limit_clusters() {
        let viewer = Principal::Token { name: "v".into(), role: Role::Viewer, clusters: vec!["prod-*".into()] };
        assert!(viewer.may_view("prod-eu").is_ok());
        assert!(viewer.may_view("staging").is_err());
        assert!(viewer.may_operate(Some("prod-eu")).is_err());
        let operator = Principal::Token { name: "o".into(), role: Role::Operator, clusters: vec!["prod-*".into()] };
        assert!(operator.may_operate(Some("prod-eu")).is_ok());
        assert!(operator.may_operate(None).is_err(), "registering clusters needs every cluster");
    }
}
