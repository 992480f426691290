#!/usr/bin/env bash
# Real-browser check of `entente report`, run by .ci/run: builds the binary, writes the report on the embedded
# dataset, opens it in headless Chromium (Debian's package, installed here if missing) over the DevTools
# protocol, and asserts that every section and chart is present and non-empty, that the page made no network
# request and that the console shows no error. The screenshot, DOM dump and PDF print are kept as artefacts
# under target/browser/ (their paths are printed).
#
# usage: report_check.sh [ENTENTE_BINARY]   (default: $ENTENTE_BIN, else build the debug binary)
# Environment: REPORT_SAMPLES (default 100000), REPORT_CHECK_OUT (default target/browser).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${REPORT_CHECK_OUT:-$root/target/browser}"
samples="${REPORT_SAMPLES:-100000}"
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium (Debian package)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
fi
if ! python3 -c 'import websocket' >/dev/null 2>&1; then
    echo "installing websocket-client (PyPI)…"
    python3 -m pip install --quiet --disable-pip-version-check websocket-client
fi

bin="${1:-${ENTENTE_BIN:-}}"
if [[ -z "$bin" ]]; then
    (cd "$root" && cargo build --quiet -p entente)
    bin="$root/target/debug/entente"
fi

"$bin" report --samples "$samples" -o "$out/report.html"
python3 "$root/tests/browser/report_check.py" "$out/report.html" "$out"
