#!/usr/bin/env bash
# The dashboard's two performance targets (issue 12), on the release binary with a fresh SQLite store:
#   - GET /dash (the overview) warm: median of N requests after the first has filled the cache; target < 100 ms.
#   - an edit preview (POST /dash/edit/claim/ID with action=preview: the estimate before and after the change at
#     the default sample count); median of P previews; target < 1 s.
# Prints one line per figure. Environment: N (default 50), P (default 5), PORT (default 18181), ENTENTE_BIN
# (default: build target/release/entente).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${N:-50}"
p="${P:-5}"
port="${PORT:-18181}"
bin="${ENTENTE_BIN:-}"
if [[ -z "$bin" ]]; then
    (cd "$root" && cargo build --quiet --release -p entente)
    bin="$root/target/release/entente"
fi
tmp="$(mktemp -d)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
db="$tmp/entente.db"
# No sanctions lists (an empty list store): the overview and the editor do not need them.
ENTENTE_LISTS_DIR="$tmp/lists" "$bin" serve --db "$db" --addr "127.0.0.1:$port" --keys "$tmp/keys.json" 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.1
done
ENTENTE_PASSWORD="bench-password-1" "$bin" users add bench --role analyst --db "$db" >/dev/null 2>&1
python3 - "$port" "$n" "$p" <<'PY'
import html.parser, re, statistics, sys, time, urllib.error, urllib.parse, urllib.request
port, n, p = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = f"http://127.0.0.1:{port}"

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
opener = urllib.request.build_opener(NoRedirect)

def call(path, data=None, cookie=None):
    req = urllib.request.Request(base + path, data=None if data is None else urllib.parse.urlencode(data).encode())
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        r = opener.open(req, timeout=600)
    except urllib.error.HTTPError as e:
        r = e
    return r.status, r.headers, r.read().decode()

class Form(html.parser.HTMLParser):
    """The fields of the form posting to `action`, as a browser sends them."""
    def __init__(self, action):
        super().__init__(); self.action = action; self.inside = False; self.fields = []; self.select = None; self.area = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form": self.inside = a.get("action") == self.action
        if not self.inside: return
        if tag == "input" and "name" in a: self.fields.append([a["name"], a.get("value") or ""])
        if tag == "select": self.select = [a["name"], None]; self.fields.append(self.select)
        if tag == "option" and self.select is not None and (self.select[1] is None or "selected" in a):
            self.select[1] = a.get("value", "")
        if tag == "textarea": self.area = [a["name"], ""]; self.fields.append(self.area)
    def handle_endtag(self, tag):
        if tag == "form": self.inside = False
        if tag == "select": self.select = None
        if tag == "textarea": self.area = None
    def handle_data(self, d):
        if self.area is not None: self.area[1] += d

def median_ms(f, k):
    t = []
    for _ in range(k):
        s = time.perf_counter(); f(); t.append((time.perf_counter() - s) * 1000)
    return statistics.median(t), min(t), max(t)

s = time.perf_counter()
st, _, body = call("/dash")
assert st == 200 and "data-figure" in body, (st, body[:500])
cold = (time.perf_counter() - s) * 1000
med, lo, hi = median_ms(lambda: call("/dash"), n)
print(f"GET /dash ({len(body.encode()):,} bytes): first (cold, runs the model) {cold:.0f} ms; warm median {med:.1f} ms over {n} requests (min {lo:.1f}, max {hi:.1f}; target < 100 ms)")

st, h, _ = call("/login", {"name": "bench", "password": "bench-password-1", "next": "/dash"})
assert st == 303, st
cookie = h["Set-Cookie"].split(";")[0]
claim = "munition-share-reuters-2025-04"
path = f"/dash/edit/claim/{claim}"
st, _, page = call(path, cookie=cookie)
assert st == 200, st
form = Form(path); form.feed(page)
fields = {k: v for k, v in form.fields}
fields.update({"credibility": "6", "change_note": "bench", "action": "preview"})
def preview():
    st, _, b = call(path, fields, cookie)
    assert st == 200 and 'id="preview"' in b, (st, b[:800])
med, lo, hi = median_ms(preview, p)
print(f"edit preview (POST {path}, action=preview): median {med:.0f} ms over {p} previews (min {lo:.0f}, max {hi:.0f}; target < 1 s)")
PY
