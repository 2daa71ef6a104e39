#!/usr/bin/env bash
# Installs the client and its test tools (pinned in requirements-test.txt) in
# this directory's .venv, then runs the tests and the README's example against
# the servers openapi/live.sh starts:
#   LIVE_BIN=... openapi/live.sh openapi/clients/python/test.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    python3 -m venv "$venv"
fi
pip=("$venv/bin/pip" --quiet --disable-pip-version-check)
if ! cmp -s "$here/requirements-test.txt" "$venv/.requirements-test.txt"; then
    "${pip[@]}" install -r "$here/requirements-test.txt"
    cp "$here/requirements-test.txt" "$venv/.requirements-test.txt"
fi
# The build backend is pinned among the requirements, so no isolated build
# fetches an unpinned one.
"${pip[@]}" install --no-deps --no-build-isolation --force-reinstall "$here"

cd "$here"
"$venv/bin/python" -m pytest -q tests
"$venv/bin/python" examples/readme.py
