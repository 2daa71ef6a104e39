#!/usr/bin/env bash
# Parses openapi/nodecast-events.yaml with @asyncapi/parser; fails on any
# diagnostic of severity error.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error > /dev/null
fi
node validate.mjs
