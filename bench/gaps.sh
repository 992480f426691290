#!/usr/bin/env bash
# Wall time of `entente gaps --lists ../shared/data/sanctions` (every shared list, the embedded actors ledger) with
# the release binary: hyperfine (installed from Debian if missing and possible), else a timed loop with the
# median. Target: under one second. Also prints the phases of one run (dataset, list loading, ownership graph,
# analysis) from the crate's own timing example, to show where the time goes.
#
# Environment: RUNS (default 7), LISTS (default ../shared/data/sanctions), ENTENTE_BIN (default: build
# target/release/entente).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-7}"
lists="${LISTS:-$root/../shared/data/sanctions}"
bin="${ENTENTE_BIN:-}"
if [[ -z "$bin" ]]; then
    (cd "$root" && cargo build --quiet --release -p entente)
    bin="$root/target/release/entente"
fi
[[ -d "$lists" ]] || { echo "no list folder at $lists" >&2; exit 2; }
"$bin" gaps --lists "$lists" >/dev/null    # fails loudly before timing anything

if ! command -v hyperfine >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1 || true
fi
if command -v hyperfine >/dev/null 2>&1; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    hyperfine --warmup 1 --runs "$runs" --export-json "$tmp/h.json" -n gaps "$bin gaps --lists $lists"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"entente gaps: median {r['median']:.3f} s, mean {r['mean']:.3f} s over {len(r['times'])} runs (target < 1 s)\")" "$tmp/h.json"
else
    python3 - "$bin" "$lists" "$runs" <<'PY'
import statistics, subprocess, sys, time
bin, lists, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = []
for _ in range(runs):
    s = time.perf_counter()
    subprocess.run([bin, "gaps", "--lists", lists], check=True, stdout=subprocess.DEVNULL)
    t.append(time.perf_counter() - s)
print(f"entente gaps: median {statistics.median(t):.3f} s over {runs} runs (min {min(t):.3f}, max {max(t):.3f}; target < 1 s)")
PY
fi
(cd "$root" && cargo run --quiet --release -p entente-gaps --example gaps_dump -- "$lists" 2>&1 >/dev/null | grep -E '^(dataset|lists|graph|total)')
