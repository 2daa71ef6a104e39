#!/usr/bin/env bash
# Regenerates src/generated/ in the client directory $1 (this directory, or a
# copy of it made by openapi/generate.sh --check) from openapi/nodecast.json
# with the @hey-api/openapi-ts pinned in package-lock.json. Only src/generated/
# is rewritten; the hand-written layer (src/*.ts) is left alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$(cd "${1:?usage: generate.sh CLIENT_DIR}" && pwd)"
spec="$(cd "$here/../.." && pwd)/nodecast.json"

# The generator lives in this directory's node_modules (gitignored), so a
# copy without node_modules generates with the same pinned version.
if [ ! -x "$here/node_modules/.bin/openapi-ts" ]; then
    (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

# The generator reads tsconfig.json from the target (NodeNext: imports end in .js).
cd "$target"
NODECAST_OPENAPI_SPEC="$spec" "$here/node_modules/.bin/openapi-ts" --file openapi-ts.config.ts --silent
