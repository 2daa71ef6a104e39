//! End-to-end tests, compiled as one binary to keep link time down.

mod cli;
mod sim_api;
mod sim_kubectl;
mod support;
