#!/usr/bin/env bash
# Regenerates the Python client in DIR (default: this directory) from
# openapi/nodecast.json with openapi-python-client, pinned with everything it
# runs (ruff formats its output) in requirements-generate.txt and installed in
# this directory's .venv (gitignored). Rewrites only the generated files:
# DIR/pyproject.toml and DIR/nodecast_client/, except the hand-written
# modules listed in KEEP.
#   openapi/clients/python/generate.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(cd "${1:-$here}" && pwd)"
spec="$here/../../nodecast.json"
package=nodecast_client
# Hand-written modules inside the package: the WebSocket layer and unwrap().
KEEP=(events.py result.py)

venv="$here/.venv"
if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    python3 -m venv "$venv"
fi
if ! cmp -s "$here/requirements-generate.txt" "$venv/.requirements-generate.txt"; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-generate.txt"
    cp "$here/requirements-generate.txt" "$venv/.requirements-generate.txt"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" "$dir/spec_fixups.py" "$spec" "$work/nodecast.json"
# The generator runs its post hooks (ruff) through the shell.
(cd "$work" && PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
    --path "$work/nodecast.json" \
    --config "$dir/generator-config.yaml" \
    --custom-template-path "$dir/templates" \
    --meta pdm \
    --output-path "$work/out" \
    --fail-on-warning > "$work/log" 2>&1) || { cat "$work/log" >&2; exit 1; }

for name in "${KEEP[@]}"; do
    cp "$dir/$package/$name" "$work/out/$package/$name"
done
rm -rf "$dir/$package"
cp -R "$work/out/$package" "$dir/$package"
cp "$work/out/pyproject.toml" "$dir/pyproject.toml"
