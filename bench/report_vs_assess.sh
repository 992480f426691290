#!/usr/bin/env bash
# Cost of `entente report` against `entente assess` at the default sample count, on the embedded dataset, with
# the release binary. Uses hyperfine (installed from Debian if missing and possible), else repeated timing with
# the median. Prints both times and the ratio; the target is a report costing at most about twice an assess.
#
# Environment: RUNS (default 5), ENTENTE_BIN (default: build target/release/entente).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-5}"
bin="${ENTENTE_BIN:-}"
if [[ -z "$bin" ]]; then
    (cd "$root" && cargo build --quiet --release -p entente)
    bin="$root/target/release/entente"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
assess=("$bin" assess)
report=("$bin" report -o "$tmp/report.html")

if ! command -v hyperfine >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1 || true
fi

if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 1 --runs "$runs" --export-json "$tmp/h.json" -n assess "${assess[*]}" -n report "${report[*]}"
    python3 - "$tmp/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["assess"]["median"], r["report"]["median"]
print(f"wall: assess {a:.2f} s, report {b:.2f} s (medians): report / assess = {b / a:.2f}x (target <= 2x)")
ca = r["assess"]["user"] + r["assess"]["system"]
cb = r["report"]["user"] + r["report"]["system"]
print(f"cpu (user + system, means; steadier on a shared machine): assess {ca:.2f} s, report {cb:.2f} s: "
      f"report / assess = {cb / ca:.2f}x")
PY
else
    time_once() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
    median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
    "${assess[@]}" >/dev/null 2>&1 # warm-up
    a=$(for _ in $(seq "$runs"); do time_once "${assess[@]}"; done | median)
    b=$(for _ in $(seq "$runs"); do time_once "${report[@]}"; done | median)
    echo "assess ${a} s, report ${b} s (medians of $runs): report / assess = $(echo "scale=2; $b / $a" | bc)x (target <= 2x)"
fi
