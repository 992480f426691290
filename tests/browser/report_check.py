#!/usr/bin/env python3
"""Opens an `entente report` HTML file in headless Chromium, driven over the DevTools protocol, and checks it as
a reader would get it: every section and chart present and non-empty, no network request, no console error.
Writes a screenshot (top 1280x4000 and the full page), the rendered DOM and a PDF print beside the outputs.

usage: report_check.py REPORT.html OUT_DIR
Needs: chromium (Debian package) and websocket-client (PyPI).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client

SECTIONS = ["headline", "categories", "balance", "distribution", "timeline", "trade", "meetings", "sensitivity",
            "studies", "method", "evidence", "claims", "sources"]
# Charts that must be drawn; a section left out (class "omitted") must say so with the agreed note instead.
CHARTS = {"categories": "categories", "balance": "balance", "distribution": "distribution", "timeline": "timeline",
          "studies": "studies", "trade": "trade", "meetings": "meetings", "sensitivity": "sensitivity"}
OMITTED_NOTE = "Sections whose data the dataset lacks are left out with a note"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars", "--remote-debugging-port=0",
         "--remote-allow-origins=*", "--window-size=1280,4000"]

failures = []
passed = 0


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def check(ok, msg):
    """Counts one check; prints and records it when it fails."""
    global passed
    if ok:
        passed += 1
    else:
        fail(msg)
    return ok


class Cdp:
    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method, timeout=60):
        end = time.time() + timeout
        for e in self.events:
            if e["method"] == method:
                return e
        while time.time() < end:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg
        raise TimeoutError(method)

    def drain(self, seconds):
        self.ws.settimeout(0.2)
        end = time.time() + seconds
        while time.time() < end:
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if "method" in msg:
                self.events.append(msg)
        self.ws.settimeout(60)


LAYOUT_JS = """(() => {
  const out = {scrollWidth: document.documentElement.scrollWidth, charts: {}, evidenceOpen: 0, evidence: 0,
               cite: document.querySelector('#cite pre') ? document.querySelector('#cite pre').innerText : ''};
  for (const f of document.querySelectorAll('figure.chart-figure')) {
    const svg = f.querySelector('svg');
    if (!svg) continue;
    const scale = svg.getScreenCTM() ? svg.getScreenCTM().a : 0;
    let smallest = 1e9;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const size = parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize) * scale;
      smallest = Math.min(smallest, size);
    }
    const a = f.querySelector('a.csv');
    out.charts[f.id] = {smallest: smallest, scale: scale,
                        title: svg.querySelector('text.chart-title') ? svg.querySelector('text.chart-title').textContent : '',
                        source: svg.querySelector('text.chart-source') ? svg.querySelector('text.chart-source').textContent : '',
                        csv: a ? decodeURIComponent(a.getAttribute('href').split(',').slice(1).join(',')).split('\\n').length : 0,
                        csvData: a ? a.getAttribute('href').startsWith('data:text/csv') : false};
  }
  for (const d of document.querySelectorAll('details.evidence')) { out.evidence++; if (d.open) out.evidenceOpen++; }
  return JSON.stringify(out);
})()"""


def layout(cdp, out, width, height, mobile):
    """At one viewport width: no page-wide sideways scroll, chart text of at least 11 px as shown, every chart
    stamped with its title and source line and offering its data as CSV, evidence tables folded, a citation;
    keeps a screenshot as report-<width>.png."""
    cdp.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
    cdp.drain(0.5)
    d = json.loads(cdp.call("Runtime.evaluate", expression=LAYOUT_JS, returnByValue=True)["result"]["value"])
    check(d["scrollWidth"] <= width + 1, f"{width} px: the page scrolls sideways ({d['scrollWidth']} px wide)")
    check(len(d["charts"]) >= 6, f"{width} px: only {len(d['charts'])} charts")
    for fid, c in d["charts"].items():
        check(c["smallest"] >= 11, f"{width} px: {fid} has text of {c['smallest']:.1f} px (scale {c['scale']:.2f})")
        check(len(c["title"]) >= 10, f"{fid}: the SVG carries no title text")
        check("Source:" in c["source"] and "evidence as of" in c["source"], f"{fid}: no source line in the SVG")
        check(c["csvData"] and c["csv"] >= 2, f"{fid}: no CSV download")
    check(d["evidence"] >= 1 and d["evidenceOpen"] == 0, f"evidence tables not folded: {d['evidence']} / open {d['evidenceOpen']}")
    check("dataset sha256:" in d["cite"] and "Evidence as of" in d["cite"], f"no citation block: {d['cite']!r}")
    full_height = cdp.call("Runtime.evaluate", expression="document.documentElement.scrollHeight",
                           returnByValue=True)["result"]["value"]
    shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                    clip={"x": 0, "y": 0, "width": width, "height": min(full_height, 16000), "scale": 1})
    path = os.path.join(out, f"report-{width}.png")
    with open(path, "wb") as fh:
        fh.write(base64.b64decode(shot["data"]))
    smallest = min((c["smallest"] for c in d["charts"].values()), default=0)
    print(f"{width} px: page {d['scrollWidth']} px wide, smallest chart text {smallest:.1f} px; screenshot: {path}")
    cdp.call("Emulation.setDeviceMetricsOverride", width=1280, height=4000, deviceScaleFactor=1, mobile=False)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    sys.exit("chromium not found (apt-get install -y chromium)")


def main():
    report, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    url = "file://" + report
    profile = tempfile.mkdtemp(prefix="entente-chromium-")
    log = open(os.path.join(out, "chromium.log"), "w")
    proc = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
                break
            time.sleep(0.1)
        else:
            sys.exit("chromium did not open its DevTools port; see " + log.name)
        port = open(port_file).read().split("\n")[0].strip()
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(p for p in pages if p.get("type") == "page")
        cdp = Cdp(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Network", "Runtime", "Log"):
            cdp.call(f"{domain}.enable")
        cdp.call("Emulation.setDeviceMetricsOverride", width=1280, height=4000, deviceScaleFactor=1, mobile=False)
        cdp.call("Page.navigate", url=url)
        cdp.wait_for("Page.loadEventFired")
        cdp.drain(1.5)  # anything late: lazy requests, errors after load

        # No network: the only request is the report itself.
        requests = [e["params"]["request"]["url"] for e in cdp.events if e["method"] == "Network.requestWillBeSent"]
        others = [u for u in requests if u != url]
        check(not others, f"the page made {len(others)} request(s) besides itself: {others[:5]}")
        failed = [e["params"] for e in cdp.events if e["method"] == "Network.loadingFailed"]
        check(not failed, f"failed loads: {failed[:3]}")
        errors_before = len(failures)

        # No console error, no exception.
        for e in cdp.events:
            m, p = e["method"], e["params"]
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                fail("console error: " + json.dumps(p.get("args"))[:300])
            elif m == "Runtime.exceptionThrown":
                fail("exception: " + json.dumps(p.get("exceptionDetails"))[:300])
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                fail("log error: " + p["entry"].get("text", "")[:300])
        check(len(failures) == errors_before, "console errors (above)")

        # Every section and chart present and non-empty.
        js = """(() => {
          const out = {title: document.title, sections: {}, figures: {}};
          for (const s of document.querySelectorAll('main > section')) {
            const omitted = s.querySelector('.omitted');
            out.sections[s.id] = {text: s.innerText.trim().length, omitted: omitted ? omitted.innerText : null,
                                  height: s.getBoundingClientRect().height};
          }
          for (const f of document.querySelectorAll('figure.chart-figure')) {
            const svg = f.querySelector('svg');
            const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
            out.figures[f.id] = {
              width: r.width, height: r.height,
              shapes: svg ? svg.querySelectorAll('rect, path, polyline, polygon, circle, line, text').length : 0,
              title: svg && svg.querySelector('title') ? svg.querySelector('title').textContent.trim() : '',
              labelled: svg ? svg.getAttribute('aria-labelledby') || '' : '',
              caption: f.querySelector('figcaption') ? f.querySelector('figcaption').innerText.trim() : '',
              data_rows: f.querySelectorAll('details table tbody tr').length,
            };
          }
          const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
          out.dangling = [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href').slice(1))
                           .filter(i => !ids.has(i));
          out.external = [...document.querySelectorAll('script[src], link[href], img[src], iframe, object, embed')]
                           .map(e => e.outerHTML.slice(0, 120));
          out.height = document.documentElement.scrollHeight;
          return JSON.stringify(out);
        })()"""
        dom = json.loads(cdp.call("Runtime.evaluate", expression=js, returnByValue=True)["result"]["value"])
        for sid in SECTIONS:
            s = dom["sections"].get(sid)
            if not check(s is not None, f"section #{sid} missing"):
                continue
            check(s["text"] >= 20 and s["height"] >= 20, f"section #{sid} is empty")
            chart = CHARTS.get(sid)
            if s["omitted"] is not None:
                if check(OMITTED_NOTE in s["omitted"], f"section #{sid} is left out without the note: {s['omitted']!r}"):
                    print(f"note: section #{sid} left out: {s['omitted']}")
                continue
            if chart:
                f = dom["figures"].get(f"fig-{chart}")
                if not check(f is not None, f"chart fig-{chart} missing from #{sid}"):
                    continue
                check(f["width"] >= 300 and f["height"] >= 100 and f["shapes"] >= 10,
                      f"chart fig-{chart} is empty or tiny: {f}")
                check(bool(f["title"] and f["labelled"]) and len(f["caption"]) >= 20 and f["data_rows"] >= 1,
                      f"chart fig-{chart} lacks a title, text alternative or data table: {f}")
        check(not dom["dangling"], f"links to missing anchors: {dom['dangling'][:5]}")
        check(not dom["external"], f"external resources: {dom['external'][:3]}")

        # Artefacts: DOM dump, screenshots, PDF print.
        html = cdp.call("Runtime.evaluate", expression="document.documentElement.outerHTML", returnByValue=True)
        with open(os.path.join(out, "report.dom.html"), "w") as fh:
            fh.write(html["result"]["value"])
        top = cdp.call("Page.captureScreenshot", format="png",
                       clip={"x": 0, "y": 0, "width": 1280, "height": 4000, "scale": 1})
        shot = os.path.join(out, "report.png")
        with open(shot, "wb") as fh:
            fh.write(base64.b64decode(top["data"]))
        full = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": min(dom["height"], 16000), "scale": 1})
        full_shot = os.path.join(out, "report-full.png")
        with open(full_shot, "wb") as fh:
            fh.write(base64.b64decode(full["data"]))
        # Publication checks (issue 14) at a desktop and a phone width, with a screenshot of each kept.
        for width, height, mobile in ((1400, 2400, False), (390, 2400, True)):
            layout(cdp, out, width, height, mobile)

        pdf = base64.b64decode(cdp.call("Page.printToPDF", printBackground=False, preferCSSPageSize=True)["data"])
        pdf_path = os.path.join(out, "report.pdf")
        with open(pdf_path, "wb") as fh:
            fh.write(pdf)
        check(pdf.startswith(b"%PDF") and len(pdf) >= 20000, f"PDF print is suspiciously small ({len(pdf)} bytes)")
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        print(f"sections: {len(dom['sections'])}, charts: {len(dom['figures'])}, page height {dom['height']} px, "
              f"requests: {len(requests)} (only the report itself is allowed), PDF pages: {pages}")
        print(f"screenshot: {shot}")
        print(f"full-page screenshot: {full_shot}")
        print(f"DOM: {os.path.join(out, 'report.dom.html')}  PDF: {pdf_path}")
        cdp.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"browser: {passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
