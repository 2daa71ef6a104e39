#!/usr/bin/env bash
# The Rust client's tests and its README example, against the live servers of
# openapi/live.sh: `openapi/live.sh openapi/clients/rust/test.sh`.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --quiet --locked -p nodecast-client
timeout 60 cargo run --quiet --locked -p nodecast-client --example readme
