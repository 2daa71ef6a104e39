#!/usr/bin/env bash
# The WebSocket contract's checks: the document parses as AsyncAPI 3.0, and a
# live server's frames match it. Run under openapi/live.sh:
#   LIVE_BIN=... openapi/live.sh openapi/asyncapi/test.sh
set -euo pipefail
here="$(dirname "$0")"
"$here/validate.sh"
"$here/frames.sh"
