//! nodecast watches the nodes of Kubernetes clusters and turns every meaningful
//! change into a live event.
//!
//! # Layout
//!
//! Data flows one way, and each stage is a module named after it:
//!
//! ```text
//!  Kubernetes API ──watch──▶ source ──▶ detect ──▶ cache ──▶ plugin ──▶ hub ──▶ WebSocket clients
//!                                                    └──▶ api (REST reads of the snapshots)
//! ```
//!
//! - [`sim`] is a simulated Kubernetes API server (store, watch, patch, eviction,
//!   churn). It is the embedded demo cluster and the test double: nodecast
//!   reaches it through the same kube-rs client as a real cluster, and the real
//!   `kubectl` works against it.
//! - [`config`] holds the configuration tree and its layers (defaults, file,
//!   environment, flags).
//! - [`telemetry`] sets up the logs and metrics.
//!
//! The stages of the pipeline (`source`, `detect`, `cache`, `plugin`, `hub`,
//! `api`, `ops`) arrive with the issues that build them; `app` will wire them.
//! The binary (`src/main.rs`) only parses the command line, loads the
//! configuration, sets up logs and calls into this library; the one tool it
//! carries, the load harness behind `nodecast load` (`src/load.rs`), is its
//! own module and not part of this library.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod detect;
pub mod filter;
pub mod hub;
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
