#!/usr/bin/env bash
# Regenerates every SDK in openapi/clients/ from openapi/nodecast.json, with
# generators pinned by version, so the output is the same on any machine.
#   openapi/generate.sh          regenerate in place
#   openapi/generate.sh --check  regenerate into a copy; fail (listing what
#                                differs) when the committed clients are not
#                                what the generators make
# Each client has its own generate.sh, which takes the client's directory and
# rewrites only the generated files in it, leaving its hand-written layer.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
clients=(rust python typescript)
# Build and install products, never committed, never compared.
excluded=(node_modules target __pycache__ .venv dist .pytest_cache)

case "${1:-}" in
"")
    for client in "${clients[@]}"; do
        "$here/clients/$client/generate.sh" "$here/clients/$client"
    done
    ;;
--check)
    copy="$(mktemp -d)"
    trap 'rm -rf "$copy"' EXIT
    tar_excludes=()
    diff_excludes=()
    for name in "${excluded[@]}"; do
        tar_excludes+=(--exclude="$name")
        diff_excludes+=(--exclude="$name")
    done
    status=0
    for client in "${clients[@]}"; do
        tar -C "$here/clients" "${tar_excludes[@]}" -cf - "$client" | tar -C "$copy" -xf -
        "$here/clients/$client/generate.sh" "$copy/$client"
        if ! diff -r "${diff_excludes[@]}" "$here/clients/$client" "$copy/$client"; then
            echo "openapi/clients/$client differs from what openapi/generate.sh makes: run it and commit the result" >&2
            status=1
        fi
    done
    exit $status
    ;;
*)
    echo "usage: openapi/generate.sh [--check]" >&2
    exit 2
    ;;
esac
