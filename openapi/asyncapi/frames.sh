#!/usr/bin/env bash
# Validates real WebSocket frames against openapi/nodecast-events.yaml; run
# under openapi/live.sh (it needs LIVE_URL, LIVE_AUTH_URL, LIVE_VIEWER_TOKEN
# and LIVE_KUBECONFIG). Takes about 35 s: it waits for the 30 s heartbeat.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error > /dev/null
fi
node frames.mjs
