//! The server: starts the application from its configuration (the embedded
//! simulator when no cluster is configured), serves every HTTP route behind
//! authentication, reloads plugins on SIGHUP, and shuts everything down in
//! order when told to.
//!
//! The top of the crate: it may import every module, and none imports it.

use std::net::SocketAddr;
use std::time::Duration;

use poem::middleware::Compression;
use poem::web::CompressionLevel;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, Route};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::{self, App, Origin};
use crate::auth::{self, Principal};
use crate::config::{Config, Layers};
use crate::{api, sim};

/// Name of the simulated cluster of the embedded default.
pub const DEMO_CLUSTER: &str = "demo";

/// A started application and what the server owns beside it.
pub struct Server {
    app: App,
    auth: auth::Config,
    simulator: Option<sim::Simulator>,
}

impl Server {
    /// Starts watching the configured clusters, or the embedded simulator when
    /// none is configured. A plugin reload re-reads `layers`, the ones `config`
    /// came from; without them (a configuration built in code) it reloads the
    /// same chain from its component files.
    pub async fn start(config: Config, layers: Option<Layers>) -> anyhow::Result<Self> {
        let settings = app::Settings {
            pipeline: config.pipeline.clone(),
            hub: config.hub.clone(),
            plugins: config.plugins.clone(),
            allow_exec_credentials: config.api.allow_exec_credentials,
        };
        let plugin_source: app::PluginSource = match layers {
            Some(layers) => {
                Box::new(move || layers.load().map(|config| config.plugins).map_err(|error| error.to_string()))
            }
            None => {
                let plugins = config.plugins.clone();
                Box::new(move || Ok(plugins.clone()))
            }
        };
        let app = App::new(settings, plugin_source)?;
        let mut simulator = None;
        if config.clusters.is_empty() {
            let started = sim::Simulator::start(config.sim.clone()).await?;
            app.register_kubeconfig(DEMO_CLUSTER, &started.kubeconfig(), None, Origin::Simulator).await?;
            simulator = Some(started);
        }
        for cluster in &config.clusters {
            app.register_configured(cluster).await?;
        }
        Ok(Self { app, auth: config.api.auth, simulator })
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The embedded simulator, when it runs.
    pub fn simulator(&self) -> Option<&sim::Simulator> {
        self.simulator.as_ref()
    }

    /// Serves the HTTP API on `listener` until `shutdown`, then stops the
    /// application and the simulator.
    pub async fn serve(self, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
        let address: SocketAddr = listener.local_addr()?;
        let app = self.app.clone();
        tracing::info!(%address, epoch = app.epoch(), clusters = app.clusters().len(), "nodecast serving");
        let reloader = tokio::spawn(reload_plugins_on_hangup(app.clone()));
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
        let served = poem::Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(
                routes(app.clone(), self.auth),
                shutdown.cancelled_owned(),
                Some(Duration::from_secs(5)),
            )
            .await;
        reloader.abort();
        app.shutdown().await;
        if let Some(simulator) = self.simulator {
            simulator.shutdown().await;
        }
        Ok(served?)
    }
}

/// Runs nodecast until `shutdown`: the application and its HTTP API on `listener`.
pub async fn run(
    config: Config,
    layers: Layers,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    Server::start(config, Some(layers)).await?.serve(listener, shutdown).await
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
pub fn routes(app: App, auth: auth::Config) -> impl Endpoint {
    let service = api::service();
    let metrics_app = app.clone();
    let audit_app = app.clone();
    let metrics = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(metrics_app.metrics().encode())
    });
    Route::new()
        .at("/api/v1/ws/nodes", poem::get(api::session::upgrade))
        .at("/api/v1/nodes/ws", poem::get(api::session::upgrade))
        .at("/openapi.json", service.spec_endpoint())
        .nest("/docs", service.swagger_ui())
        .at("/metrics", metrics)
        // Full lists of large clusters run to tens of megabytes of repetitive
        // JSON; the fastest level shrinks them several times at little cost.
        // poem 3.1 negotiates gzip, br and deflate (its zstd is never chosen).
        .nest("/", service.with(Compression::new().with_quality(CompressionLevel::Fastest)))
        .around(api::audit::around)
        .data(app)
        .around(move |endpoint, mut request: Request| {
            let principal = authenticate(&auth, &request);
            if let Err(error) = &principal {
                api::audit::unauthenticated(&audit_app, &request, error);
            }
            async move {
                match principal {
                    Ok(principal) => {
                        request.extensions_mut().insert(principal);
                        endpoint.call(request).await
                    }
                    Err(_) if is_public(request.uri().path()) => {
                        request.extensions_mut().insert(Principal::Anyone);
                        endpoint.call(request).await
                    }
                    Err(error) => Err(error.into()),
                }
            }
        })
        .catch_all_error(|error| async move { api::error::from_framework(error) })
        .into_endpoint()
}

/// The bearer token a request presents, where it may present it.
fn authenticate(auth: &auth::Config, request: &Request) -> Result<Principal, api::Error> {
    if !auth.enabled {
        return Ok(Principal::Anyone);
    }
    let presented = match request.header("authorization") {
        Some(header) => Some(
            header
                .strip_prefix("Bearer ")
                .ok_or_else(|| api::Error::unauthorized("the Authorization header must be `Bearer <token>`"))?
                .trim()
                .to_owned(),
        ),
        None if is_websocket(request.uri().path()) => websocket_token(request),
        None => None,
    };
    auth.authenticate(presented.as_deref()).map_err(|denied| match presented {
        None if is_websocket(request.uri().path()) => api::Error::unauthorized(
            "missing bearer token: send it as ?token=, a bearer.<token> subprotocol, or Authorization: Bearer",
        ),
        None => api::Error::unauthorized("missing bearer token: send Authorization: Bearer <token>"),
        Some(_) => denied.into(),
    })
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
