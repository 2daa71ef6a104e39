#!/usr/bin/env bash
# Type-checks the TypeScript SDK and runs its tests against the servers of
# openapi/live.sh, then runs the README's example:
#   LIVE_BIN=... openapi/live.sh openapi/clients/typescript/test.sh
set -euo pipefail
cd "$(dirname "$0")"

# npm ci when node_modules is missing or older than the lock file.
if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --silent --no-audit --no-fund
fi

node_modules/.bin/tsc --noEmit -p .
node --import tsx --test --test-timeout=60000 test/*.test.ts
timeout 60 node --import tsx examples/readme.ts > /dev/null
echo "examples/readme.ts ran"
