#!/usr/bin/env bash
# Times dataset validation (`entente validate --data DIR`, release binary) on generated datasets of growing size:
# the embedded dataset with N extra valid sources and claims (crates/entente-data/examples/scale.rs writes them).
#
#   bench/validate.sh [SIZES…]                 default sizes: 0 1000 3000 10000
#   BASE=/path/to/old/entente bench/validate.sh   also times an older binary, printed side by side
#   ENTENTE=/path/to/entente bench/validate.sh    the binary to time (default: target/release/entente, built)
#
# Uses hyperfine when installed (median of its runs), else the median of RUNS (default 5) timed runs.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(0 1000 3000 10000)
runs=${RUNS:-5}
target=${CARGO_TARGET_DIR:-target}

if [ -z "${ENTENTE:-}" ]; then
    cargo build --release -q -p entente
    ENTENTE=$target/release/entente
fi
cargo build --release -q -p entente-data --example scale
gen=$target/release/examples/scale

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median wall-clock seconds of validating $2 with binary $1
time_one() {
    local bin=$1 dir=$2
    # a dataset that does not validate would time the error path: refuse
    if ! "$bin" validate --data "$dir" >/dev/null 2>"$work/err"; then
        echo "error: $bin does not validate $dir:" >&2
        head -5 "$work/err" >&2
        exit 1
    fi
    if command -v hyperfine >/dev/null; then
        hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/h.json" \
            "$bin validate --data $dir" >/dev/null 2>&1
        python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/h.json"
    else
        local ts=()
        for _ in $(seq "$runs"); do
            local s e
            s=$(date +%s.%N)
            "$bin" validate --data "$dir" >/dev/null
            e=$(date +%s.%N)
            ts+=("$(echo "$e - $s" | bc)")
        done
        printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'
    fi
}

if [ -n "${BASE:-}" ]; then
    printf '%8s  %12s  %12s\n' "N claims" "before (s)" "after (s)"
else
    printf '%8s  %12s\n' "N claims" "seconds"
fi
for n in "${sizes[@]}"; do
    dir=$work/n$n
    "$gen" write "$dir" "$n"
    after=$(time_one "$ENTENTE" "$dir")
    if [ -n "${BASE:-}" ]; then
        before=$(time_one "$BASE" "$dir")
        printf '%8s  %12s  %12s\n' "$n" "$before" "$after"
    else
        printf '%8s  %12s\n' "$n" "$after"
    fi
    rm -rf "$dir"
done
