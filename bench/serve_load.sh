#!/usr/bin/env bash
# Load on `entente serve`: 200 concurrent clients (wrk, 2 threads) posting yente-shaped /match/default queries —
# listed DPRK persons and firms, respelt ones, and unlisted names in turn — against every shared list the server
# loads, for DURATION seconds. Prints wrk's latency distribution, then one line with requests/s and p50/p99
# (target: p99 < 50 ms on 2 cores). wrk and the server share the machine's cores, as a client on the same host
# would.
# usage: bench/serve_load.sh [ENTENTE_BINARY]   environment: CONNECTIONS (200), DURATION (20), LISTS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-}"
if [[ -z "$bin" ]]; then
    (cd "$root" && cargo build --quiet --release -p entente)
    bin="${CARGO_TARGET_DIR:-$root/target}/release/entente"
fi
s="$root/../shared/data/sanctions"
lists=(${LISTS:-$s/un $s/ofac/sdn_csv_2021_full $s/ofac/cons_csv_2025 $s/uk/conlist_2025-04-14 $s/eu/eu_fsf_2026-01-28_derived.ftm.jsonl})
[[ -d "$s" ]] || { echo "no list folder at $s" >&2; exit 2; }
if ! command -v wrk >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
        echo "wrk is needed (apt-get install wrk)" >&2; exit 2
    fi
fi
tmp="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ENTENTE_KEYS="$tmp/keys.json" "$bin" serve --addr "127.0.0.1:$port" --lists "${lists[@]}" 2>"$tmp/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 2; }
    sleep 0.5
done
cat > "$tmp/match.lua" <<'LUA'
local names = {
  {"Person", "Ri Pyong Chol", "kp"}, {"Person", "Ri Pyong-chol", ""}, {"Person", "Lee Byeong Cheol", "kp"},
  {"Person", "Kim Yong Chol", "kp"}, {"Person", "Pak Jong Chon", ""}, {"Person", "Choe Ryong Hae", "kp"},
  {"Company", "Korea Mining Development Trading Corporation", "kp"}, {"Company", "KOMID", ""},
  {"Company", "Korea Ryonbong General Corp", "kp"}, {"Company", "Tanchon Commercial Bank", "kp"},
  {"Person", "Maria Schneider", "de"}, {"Person", "John Smith", "us"}, {"Company", "Acme Logistics GmbH", "de"},
  {"Company", "Vostok Trading LLC", "ru"}, {"Person", "Sergei Ivanov", "ru"}, {"Vessel", "Angara", ""},
}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local n = names[(i % #names) + 1]
  local props = '"name": ["' .. n[2] .. '"]'
  if n[3] ~= "" then props = props .. ', "country": ["' .. n[3] .. '"]' end
  local body = '{"queries": {"q1": {"schema": "' .. n[1] .. '", "properties": {' .. props .. '}}}}'
  return wrk.format(nil, "/match/default", nil, body)
end
LUA
curl -fsS "http://127.0.0.1:$port/match/default" -H 'content-type: application/json' \
  -d '{"queries": {"q1": {"schema": "Person", "properties": {"name": ["Ri Pyong Chol"]}}}}' >/dev/null
wrk -t2 -c"${CONNECTIONS:-200}" -d"${DURATION:-20}s" --timeout 10s --latency -s "$tmp/match.lua" \
  "http://127.0.0.1:$port" | tee "$tmp/wrk.txt"
python3 - "$tmp/wrk.txt" "${CONNECTIONS:-200}" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
p = {k: ms(v, u) for k, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)}
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
sock = re.search(r"Socket errors: (.*)", t)
print(f"serve /match/default, {sys.argv[2]} clients: {rps:,.0f} requests/s, p50 {p['50']:.1f} ms, p99 {p['99']:.1f} ms "
      f"(target p99 < 50 ms){'; non-2xx: ' + errs.group(1) if errs else ''}{'; socket errors: ' + sock.group(1) if sock else ''}")
PY
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
