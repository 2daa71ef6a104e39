//! nodecast watches the nodes of Kubernetes clusters and turns every meaningful
//! change into a live event.
//!
//! # Layout
//!
//! Data flows one way, and each stage is a module named after it:
//!
//! ```text
//!  Kubernetes API ──watch──▶ source ──▶ detect ──▶ cache ──▶ filter ──▶ hub ──▶ WebSocket sessions (api)
//!                                                    │        (plugin)
//!                                                    └──▶ api: REST reads of the snapshots
//! ```
//!
//! Per cluster, one task ([`app`]'s pipeline) pulls batches of deltas from the
//! [`source`] (a kube-rs watcher), names what changed with [`detect`], commits
//! into the [`cache`] and publishes one arc-swap snapshot per batch; the
//! [`filter`] stage, on a thread of its own, runs each committed change through
//! the [`plugin`] chain (wasmtime lives there and nowhere else) and hands the
//! kept events, with their tags, to the cluster's [`hub`] room, which
//! serializes each once and keeps the history that clients resume from.
//! [`api`] holds the HTTP handlers, REST and the WebSocket session alike: thin,
//! over the pure queries of `cache::query` and the rooms of the hub.
//! [`app`] is the registry of clusters that wires those stages together;
//! [`server`] sits on top: it starts the app from the [`config`], starts the
//! embedded simulator when no cluster is configured, serves the routes behind
//! authentication, and handles signals and shutdown.
//!
//! What may import what, bottom up (a test in `tests/integration/layers.rs`
//! holds the code to it): the leaves [`selector`], [`auth`] and [`telemetry`];
//! then `source`, [`ops`] (node operations through a cluster's client),
//! `detect`, `cache`, `plugin`, `filter`, `hub`, `app`, `api`;
//! then [`sim`] (a tool: it imports only the selector parser); `config`, which
//! gathers every module's own `Config` type and which none of them imports;
//! and `server`. The hub knows nothing of HTTP, auth, plugins or the app; no
//! production module imports the simulator.
//!
//! [`sim`] is a simulated Kubernetes API server: the embedded demo cluster and
//! the test double. nodecast reaches it through the same kube-rs client as a
//! real cluster, and the real `kubectl` works against it.
//!
//! The binary (`src/main.rs`) only parses the command line, loads the
//! configuration, sets up logs and calls [`server::run`]; the tools it carries,
//! the load harness behind `nodecast load` (`src/load.rs`) and the plugin
//! trial behind `nodecast try-plugin` (`src/trial.rs`), are its own modules
//! and not part of this library.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod detect;
pub mod filter;
pub mod hub;
pub mod ops;
pub mod plugin;
pub mod selector;
pub mod server;
pub mod sim;
pub mod source;
pub mod telemetry;

pub use config::Config;

/// The simulator and the pipeline allocate and free many small JSON nodes per
/// event, across threads; mimalloc keeps that off the critical path (in the
/// `sim_watch` bench it lifts the simulator's watch throughput by about 75 %
/// over glibc malloc).
/// Declared here, once, so the binary, the tests and the benches all measure
/// the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
