#!/usr/bin/env bash
# entente stream throughput on one machine (loopback broker): 1 and 2 workers against one-process
# `entente screen --input` on the same CSV. Prints messages/s and end-to-end latency (submit → result published:
# p50, p99), and the load average beside each figure (the machine may be shared).
#
# Usage: bash bench/stream_load.sh [ROWS=20000] [BIN=target/release/entente]
# Lists: the full UN list and the 2021 OFAC SDN CSV from ../shared/data/sanctions (else the small UN fixture).
# The whole file is submitted at once, so latency includes the wait behind the backlog: it is the time to drain a
# batch, not the latency of a lone payment.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-20000}
BIN=${2:-target/release/entente}
command -v nats-server >/dev/null || { echo "nats-server is not installed (apt-get install nats-server)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "no $BIN: cargo build --release -p entente" >&2; exit 2; }
S=../shared/data/sanctions
if [ -f "$S/un/UN_consolidated_2026-02-27.xml" ]; then
  LISTS=("$S/un/UN_consolidated_2026-02-27.xml" "$S/ofac/sdn_csv_2021_full")
else
  LISTS=(crates/entente-screen/tests/fixtures/un_small.xml)
fi
TMP=$(mktemp -d)
NS_PID=""
cleanup() { [ -n "$NS_PID" ] && kill "$NS_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

python3 - "$ROWS" > "$TMP/rows.csv" <<'PY'
import random, sys
random.seed(7)
first = "Ivan Olga Kim Ri Anna Pavel Maria Chen Ahmed Jose Sergei Elena Park Choe Nikolai".split()
last = "Petrov Smirnova Song Pyong Chol Wang Hassan Garcia Ivanova Lee Kuznetsov Popov Jang Volkov".split()
orgs = "Trading Shipping Logistics Holdings Export Industrial Marine Energy".split()
print("id,counterparty,country")
for i in range(1, int(sys.argv[1]) + 1):
    if i % 3:
        name = f"{random.choice(first)} {random.choice(last)}"
    else:
        name = f"{random.choice(last)} {random.choice(orgs)} Co Ltd"
    print(f"{i},{name},{random.choice(['RU','CN','GB','AE','TR',''])}")
PY

load() { cut -d' ' -f1 /proc/loadavg; }
echo "rows: $ROWS; lists: ${LISTS[*]}; cores: $(nproc)"

t0=$(date +%s.%N)
"$BIN" screen -v --input "$TMP/rows.csv" --lists "${LISTS[@]}" -f csv 2>"$TMP/screen.log" >/dev/null || true
t1=$(date +%s.%N)
python3 - "$ROWS" "$t0" "$t1" "$(load)" "$TMP/screen.log" <<'PY'
import re, sys
n, a, b = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
m = re.search(r"screen \d+ parties ([0-9.]+)(µs|ms|s)\b", open(sys.argv[5]).read())
scr = float(m.group(1)) * {"µs": 1e-6, "ms": 1e-3, "s": 1}[m.group(2)] if m else float("nan")
print(f"one process  entente screen --input: {n/(b-a):9.0f} rows/s ({b-a:.2f} s incl. list load; screening alone "
      f"{n/scr:.0f} rows/s)  load avg {sys.argv[4]}")
PY

for W in 1 2; do
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$TMP/js"; nats-server -js -a 127.0.0.1 -p "$PORT" -sd "$TMP/js" >/dev/null 2>&1 & NS_PID=$!
  URL=nats://127.0.0.1:$PORT
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.05; done
  PIDS=()
  for i in $(seq "$W"); do
    "$BIN" stream worker --nats "$URL" --id "w$i" --lists "${LISTS[@]}" 2>"$TMP/w$i.log" & PIDS+=($!)
  done
  # workers ready: each logs its list version once the lists are loaded
  for i in $(seq "$W"); do
    for _ in $(seq 600); do grep -q "lists version" "$TMP/w$i.log" && break; sleep 0.1; done
  done
  sleep 0.5
  "$BIN" stream submit --nats "$URL" --input "$TMP/rows.csv" 2>/dev/null
  "$BIN" stream results --nats "$URL" --expect "$ROWS" --timeout 600 > "$TMP/results.jsonl" || [ $? = 1 ]
  kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true
  python3 - "$TMP/results.jsonl" "$W" "$(load)" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
lat = sorted(r["done_us"] - r["submitted_us"] for r in rs)
span = (max(r["done_us"] for r in rs) - min(r["submitted_us"] for r in rs)) / 1e6
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] / 1e3
workers = {}
for r in rs:
    workers[r["worker"]] = workers.get(r["worker"], 0) + 1
print(f"{sys.argv[2]} worker(s)  entente stream:        {len(rs)/span:9.0f} msgs/s ({len(rs)} results in {span:.2f} s)  "
      f"latency p50 {q(0.5):.0f} ms p99 {q(0.99):.0f} ms  split {workers}  load avg {sys.argv[3]}")
PY
  kill "$NS_PID"; wait "$NS_PID" 2>/dev/null || true; NS_PID=""
done
