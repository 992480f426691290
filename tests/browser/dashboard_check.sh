#!/usr/bin/env bash
# Real-browser test of the dashboard (`entente serve --db`), run by .ci/run: creates a fresh store (SQLite; and a
# fresh PostgreSQL schema when ENTENTE_TEST_POSTGRES is set), adds the users viewer, analyst, reviewer and admin
# with `entente users add`, starts the server on a free loopback port with the UN list from ../shared, waits for
# /ready, and runs tests/browser/dashboard/dashboard.test.mjs (Playwright driving Debian's chromium, axe-core):
# sign-in, a claim added by an analyst with a new estimate resting on it and approved by a reviewer moving the
# headline median (the preview said so first), screening and an alert
# decided false positive then shown allowed, a CSV batch with its download, keyboard use, and every page at 1280 px
# and 390 px (no horizontal scroll on the phone nor at 360 px, no serious or critical axe-core violation). Console errors and
# requests leaving 127.0.0.1 fail it. Exit status non-zero on any failure.
#
# Artefacts (their paths are printed): screenshots and axe-core reports of every page at both widths, the batch
# result, the summary and the server log, under target/browser/dashboard/ (DASHBOARD_CHECK_OUT to change).
#
# usage: tests/browser/dashboard_check.sh [ENTENTE_BINARY]   (default: $ENTENTE_BIN, else build the debug binary)
# Environment: ENTENTE_TEST_POSTGRES (a PostgreSQL URL: run the test a second time on a fresh schema there),
#              DASHBOARD_DOCS_IMG=1 (also write docs/img/dashboard.png and docs/img/dashboard-phone.png).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${DASHBOARD_CHECK_OUT:-$root/target/browser/dashboard}"
lists="$root/../shared/data/sanctions/un"
mkdir -p "$out"

if [[ ! -d "$lists" ]]; then
    if [[ -n "${CI:-}" ]]; then echo "error: $lists is missing (CI must have ../shared)" >&2; exit 2; fi
    echo "skipping the dashboard browser test: $lists not found"; exit 0
fi
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium (Debian package)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "installing node and npm (Debian packages)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq nodejs npm >/dev/null
fi
(cd "$root/tests/browser/dashboard" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)

bin="${1:-${ENTENTE_BIN:-}}"
if [[ -z "$bin" ]]; then
    (cd "$root" && cargo build --quiet -p entente)
    bin="$root/target/debug/entente"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

export ENTENTE_PASSWORD="browser-test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
tmp="$(mktemp -d)"
pid=""
pg_schema=""
cleanup() {
    if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if [[ -n "$pg_schema" ]]; then
        psql -q "$ENTENTE_TEST_POSTGRES" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# run_one LABEL DB_URL: users, server, test; returns the test's exit status.
run_one() {
    local label="$1" db="$2"
    local log="$out/$label-server.log"
    for user in viewer analyst reviewer admin; do
        "$bin" users add "$user" --role "$user" --db "$db" >/dev/null
    done
    local port
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    ENTENTE_KEYS="$tmp/keys-$label.json" "$bin" serve --db "$db" --addr "127.0.0.1:$port" --lists "$lists" \
        >"$log" 2>&1 &
    pid=$!
    local ready=""
    for _ in $(seq 1 240); do
        if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then ready=1; break; fi
        kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; tail -30 "$log" >&2; return 2; }
        sleep 0.5
    done
    [[ -n "$ready" ]] || { echo "the server never became ready" >&2; tail -30 "$log" >&2; return 2; }
    local docs=""
    if [[ -n "${DASHBOARD_DOCS_IMG:-}" && "$label" == sqlite ]]; then docs="$root/docs/img"; fi
    local rc=0
    DASH_URL="http://127.0.0.1:$port" DASH_OUT="$out" DASH_LABEL="$label" DASH_DOCS_IMG="$docs" \
        node "$root/tests/browser/dashboard/dashboard.test.mjs" || rc=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    if grep -q '"status":5' "$log"; then
        echo "$label: server errors in the access log:" >&2
        grep '"status":5' "$log" | head -20 >&2
        rc=1
    fi
    echo "$label: screenshots, axe-core reports and the summary: $out/$label-*  (server log: $log)"
    return "$rc"
}

status=0
echo "== dashboard in the browser, SQLite store"
run_one sqlite "$tmp/store.db" || status=1

if [[ -n "${ENTENTE_TEST_POSTGRES:-}" ]]; then
    echo "== dashboard in the browser, PostgreSQL store"
    command -v psql >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }
    pg_schema="browser_$$_$(date +%s)"
    psql -q -v ON_ERROR_STOP=1 "$ENTENTE_TEST_POSTGRES" -c "CREATE SCHEMA $pg_schema" >/dev/null
    sep='?'; [[ "$ENTENTE_TEST_POSTGRES" == *\?* ]] && sep='&'
    run_one postgres "${ENTENTE_TEST_POSTGRES}${sep}options[search_path]=$pg_schema" || status=1
fi
exit "$status"
