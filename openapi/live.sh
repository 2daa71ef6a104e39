#!/usr/bin/env bash
# Runs a command against two live nodecast servers on the embedded simulator,
# then stops them: one with auth off, one with auth on (a viewer and an
# operator token). The SDK tests and the spec fuzzer run under it:
#   openapi/live.sh pytest openapi/clients/python/tests
# The command sees:
#   LIVE_URL                 the server with auth off
#   LIVE_AUTH_URL            the server with auth on
#   LIVE_VIEWER_TOKEN        a viewer's token on the auth server ("*" clusters)
#   LIVE_OPERATOR_TOKEN      an operator's token on the auth server ("*" clusters)
#   LIVE_KUBECONFIG          kubectl's kubeconfig for the open server's simulated cluster "demo"
#   LIVE_AUTH_KUBECONFIG     the same for the auth server's simulator
# LIVE_BIN picks the binary; by default it is built (debug) first. (The names
# are not NODECAST_*: those are configuration overrides.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -eq 0 ]; then
    echo "usage: openapi/live.sh COMMAND [ARGS...]" >&2
    exit 2
fi

if [ -z "${LIVE_BIN:-}" ]; then
    (cd "$root" && cargo build --quiet --bin nodecast)
    LIVE_BIN="$root/target/debug/nodecast"
fi

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Writes a config for one server; the simulator is small and its churn gentle
# so that suites see real changes without drowning in them.
write_config() { # name port auth(true|false)
    cat > "$work/$1.toml" <<TOML
[log]
level = "warn"

[api]
listen = "127.0.0.1:$2"

[api.auth]
enabled = $3

# A third of the default, so that every suite also sees heartbeats and a
# heartbeat's wait costs CI little.
[hub]
ping_secs = 10.0

[[api.auth.tokens]]
name = "sdk-viewer"
token = "viewer-token-for-sdk-tests"
role = "viewer"
clusters = ["*"]

[[api.auth.tokens]]
name = "sdk-operator"
token = "operator-token-for-sdk-tests"
role = "operator"
clusters = ["*"]

[sim]
nodes = 30
churn = 1.0
kubeconfig = "$work/$1.kubeconfig"
TOML
}

start() { # name auth(true|false) -> sets $url
    local port
    port="$(free_port)"
    write_config "$1" "$port" "$2"
    "$LIVE_BIN" serve --config "$work/$1.toml" > "$work/$1.log" 2>&1 &
    pids+=($!)
    url="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do
        if curl -fs "$url/readyz" > /dev/null 2>&1; then
            return
        fi
        if ! kill -0 "${pids[-1]}" 2>/dev/null; then
            echo "nodecast ($1) exited:" >&2
            cat "$work/$1.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "nodecast ($1) not ready after 30 s:" >&2
    cat "$work/$1.log" >&2
    exit 1
}

start open false
export LIVE_URL="$url"
export LIVE_KUBECONFIG="$work/open.kubeconfig"
start auth true
export LIVE_AUTH_URL="$url"
export LIVE_AUTH_KUBECONFIG="$work/auth.kubeconfig"
export LIVE_VIEWER_TOKEN="viewer-token-for-sdk-tests"
export LIVE_OPERATOR_TOKEN="operator-token-for-sdk-tests"

status=0
"$@" || status=$?
if [ $status -ne 0 ]; then
    for name in open auth; do
        echo "--- nodecast ($name) log, last 40 lines" >&2
        tail -n 40 "$work/$name.log" >&2
    done
fi
exit $status
