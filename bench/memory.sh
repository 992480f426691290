#!/usr/bin/env bash
# Peak memory (max RSS, /usr/bin/time -v) of runs at large sample counts, and the up-front refusal of a run that
# would not fit (issue 14). `assess` above the default sample count is streamed: its peak must not grow with the
# sample count (targets: under 250 MB at 1M, under 1.5 GB at 20M; 100M takes minutes, drawn twice). Other commands
# hold their columns. Uses the release binary: cargo build --release -p entente.
# usage: bench/memory.sh [ENTENTE_BINARY]
set -uo pipefail
bin="${1:-$(dirname "$0")/../target/release/entente}"
peak() {
    local out
    out=$( { /usr/bin/time -v "$bin" "$@" --quiet >/dev/null; } 2>&1 )
    printf '%-45s peak %6d MB  wall %s  exit %s\n' "$*" \
        "$(( $(grep 'Maximum resident' <<<"$out" | awk '{print $NF}') / 1024 ))" \
        "$(grep 'Elapsed' <<<"$out" | awk '{print $NF}')" "$(grep 'Exit status' <<<"$out" | awk '{print $NF}')"
}
peak assess --samples 1000000
peak assess --samples 20000000
peak assess --samples 100000000
peak explain shells-152mm --samples 1000000
peak report -o - --samples 1000000
echo "refusal (needs more than is available, expected exit 2 within a second):"
peak explain shells-152mm --samples 100000000
