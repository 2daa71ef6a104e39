#!/usr/bin/env bash
# Fuzzes every operation of openapi/nodecast.json against the live servers of
# openapi/live.sh (run it as `openapi/live.sh openapi/fuzz/run.sh`): once with
# auth off, then with auth on as a viewer and as an operator. Fails on any
# failure of the checks in schemathesis.toml.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$here/.venv/bin/st" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
spec="$here/../nodecast.json"
run() { # title url [header]
    echo "== schemathesis: $1"
    local headers=()
    [ -n "${3:-}" ] && headers=(--header "$3")
    "$here/.venv/bin/st" --config-file "$here/schemathesis.toml" --no-color run "$spec" --url "$2" "${headers[@]}"
}
run "auth off" "$LIVE_URL"
run "auth on, viewer" "$LIVE_AUTH_URL" "Authorization: Bearer $LIVE_VIEWER_TOKEN"
run "auth on, operator" "$LIVE_AUTH_URL" "Authorization: Bearer $LIVE_OPERATOR_TOKEN"
