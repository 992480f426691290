#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) generates requests from the server's own OpenAPI document
# (/openapi.json) and checks every answer: no server error (5xx), status codes, content types and bodies as declared,
# and that requests violating the schema are rejected. Not checked: that every schema-valid request is accepted
# (positive_data_acceptance) — a request can be schema-valid and still name a hypothesis, item or scenario the
# dataset does not have, or ask for more samples than the server allows; those are 400/404 by design.
# Starts `entente serve` on a free loopback port with the UN list from ../shared (a missing ../shared is an error in
# CI, a skip elsewhere), runs schemathesis, stops the server. Exit status: schemathesis's.
# usage: tests/api/schemathesis.sh [ENTENTE_BINARY]    (environment: ST_MAX_EXAMPLES, default 25)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${1:-$root/target/release/entente}"
lists="$root/../shared/data/sanctions/un"
if [[ ! -d "$lists" ]]; then
    if [[ -n "${CI:-}" ]]; then echo "error: $lists is missing (CI must have ../shared)" >&2; exit 2; fi
    echo "skipping: $lists not found"; exit 0
fi
command -v schemathesis >/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'schemathesis==4.*'
tmp="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# an admin key, so that the operations behind write and admin roles are exercised too
key="$("$bin" keys create --role admin --name schemathesis --keys "$tmp/keys.json" --quiet | tail -1)"
ENTENTE_KEYS="$tmp/keys.json" "$bin" serve --addr "127.0.0.1:$port" --lists "$lists" --max-samples 5000 \
    2>"$tmp/server.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$tmp/server.log" >&2; exit 2; }
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/ready" >/dev/null || { echo "the server never became ready" >&2; tail -20 "$tmp/server.log" >&2; exit 2; }
set +e
(cd "$tmp" && schemathesis run "http://127.0.0.1:$port/openapi.json" \
    --checks all \
    --exclude-checks positive_data_acceptance \
    --header "Authorization: Bearer $key" \
    --max-examples "${ST_MAX_EXAMPLES:-25}" \
    --generation-deterministic \
    --request-timeout 120 \
    --no-color)
rc=$?
set -e
if grep -q '"status":5' "$tmp/server.log"; then
    echo "server errors in the access log:" >&2
    grep '"status":5' "$tmp/server.log" | head -20 >&2
    rc=1
fi
exit "$rc"
