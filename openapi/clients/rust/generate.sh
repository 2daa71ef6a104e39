#!/usr/bin/env bash
# Writes DIR/src/generated.rs (DIR: this crate's directory, or a copy of it)
# with progenitor, pinned in generate/Cargo.toml, from openapi/nodecast.json,
# then formats it as `cargo fmt` would, so the workspace's format check and
# the drift check agree on its bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
dir="$(cd "${1:?usage: generate.sh DIR}" && pwd)"
(cd "$root" && cargo run --quiet --locked -p nodecast-client-generate -- openapi/nodecast.json "$dir/src/generated.rs")
rustfmt --edition 2024 --config-path "$root/rustfmt.toml" "$dir/src/generated.rs"
