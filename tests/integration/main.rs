//! End-to-end tests, compiled as one binary to keep link time down.

mod api;
mod browser;
mod cli;
mod drain;
mod health;
mod layers;
mod node_ops;
mod openapi;
mod plugins;
mod readme;
mod schemas;
mod sim_api;
mod sim_kubectl;
mod sim_semantics;
mod support;
mod ws;
