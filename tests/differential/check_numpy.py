#!/usr/bin/env python3
"""Differential check: the same small models run in entente and, independently, in numpy must give the same
mean and percentiles within sampling error.

Usage: check_numpy.py PATH/TO/entente [--samples N]
Exit 0 when every figure agrees, 1 otherwise; prints one line per comparison and an 'N passed, N failed' line.
"""
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import numpy as np
except ImportError:  # CI installs numpy; say so plainly instead of failing obscurely
    print("numpy is not installed: pip install numpy")
    sys.exit(1)

SOURCES = """
[[source]]
id = "analyst"
title = "test assumptions"
publisher = "entente analyst assumption"
reliability = "F"
credibility = 6
"""
CLAIMS = """
[[claim]]
id = "c"
sources = ["analyst"]
measure = "test"
value = { point = 1 }
unit = "1"
as_of = 2024-01-01
public = 2024-01-01
"""
SCENARIOS = """
default = "s"
[[scenario]]
id = "s"
title = "test"
as_of = 2025-01-01
gdp_year = 2023
"""
REFERENCE = """
[[gdp]]
year = 2023
usd = 23.7e9
basis = "test"
public = 2024-01-01
"""

# Each model: entente variables (TOML), items (TOML), and a numpy function of (rng, n) → {figure id: draws}.
def pert(rng, a, m, b, n):
    al = 1 + 4 * (m - a) / (b - a)
    be = 1 + 4 * (b - m) / (b - a)
    return a + (b - a) * rng.beta(al, be, n)


def lognormal_90(rng, lo, hi, n):
    z = 1.6448536269514722
    mu = (math.log(lo) + math.log(hi)) / 2
    sigma = (math.log(hi) - math.log(lo)) / (2 * z)
    return rng.lognormal(mu, sigma, n)


def truncated_normal(rng, mean, sd, lo, n):
    out = rng.normal(mean, sd, n)
    bad = out < lo
    while bad.any():
        out[bad] = rng.normal(mean, sd, bad.sum())
        bad = out < lo
    return out


MODELS = {
    "pert-times-uniform": (
        """
[[variable]]
id = "q"
unit = "shell"
dist = "pert"
low = 1000
mode = 3000
high = 9000
claims = ["c"]
[[variable]]
id = "p"
unit = "USD/shell"
dist = "uniform"
low = 300
high = 900
claims = ["c"]
""",
        """
[[item]]
id = "a"
name = "A"
flow = "KP->RU"
category = "artillery-shells"
unit = "shell"
quantity = "q"
unit_price = "p"
""",
        lambda rng, n: {"item:a": pert(rng, 1000, 3000, 9000, n) * rng.uniform(300, 900, n)},
    ),
    "sum-of-products": (
        """
[[variable]]
id = "containers"
unit = "container"
value = "6000 to 14000"
claims = ["c"]
[[variable]]
id = "per_container"
unit = "shell/container"
dist = "triangular"
low = 300
mode = 450
high = 500
claims = ["c"]
[[variable]]
id = "price"
unit = "USD/shell"
dist = "normal"
mean = 800
sd = 300
min = 100
claims = ["c"]
[[variable]]
id = "missiles"
unit = "missile"
dist = "pert"
low = 50
mode = 150
high = 250
claims = ["c"]
[[variable]]
id = "missile_price"
unit = "USD/missile"
value = "2000000 to 5000000"
claims = ["c"]
""",
        """
[[item]]
id = "shells"
name = "Shells"
flow = "KP->RU"
category = "artillery-shells"
unit = "shell"
quantity = "containers * per_container"
unit_price = "price"
[[item]]
id = "missiles"
name = "Missiles"
flow = "KP->RU"
category = "ballistic-missiles"
unit = "missile"
quantity = "missiles"
unit_price = "missile_price"
""",
        lambda rng, n: (lambda s, m: {"item:shells": s, "item:missiles": m, "flow:KP->RU": s + m})(
            lognormal_90(rng, 6000, 14000, n) * rng.triangular(300, 450, 500, n) * truncated_normal(rng, 800, 300, 100, n),
            pert(rng, 50, 150, 250, n) * lognormal_90(rng, 2e6, 5e6, n),
        ),
    ),
}


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else "target/release/entente"
    n = int(sys.argv[sys.argv.index("--samples") + 1]) if "--samples" in sys.argv else 400_000
    rng = np.random.default_rng(12345)
    passed = failed = 0
    for name, (variables, items, sim) in MODELS.items():
        with tempfile.TemporaryDirectory() as d:
            for fname, text in [("sources.toml", SOURCES), ("claims.toml", CLAIMS), ("variables.toml", variables),
                                ("items.toml", items), ("scenarios.toml", SCENARIOS), ("reference.toml", REFERENCE)]:
                Path(d, fname).write_text(text)
            out = subprocess.run([exe, "assess", "--data", d, "--samples", str(n), "--format", "json"],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(f"FAIL {name}: entente exited {out.returncode}: {out.stderr.strip()}")
                failed += 1
                continue
            figures = {f["id"]: f for f in json.loads(out.stdout)["figures"]}
        for fid, draws in sim(rng, n).items():
            f = figures[fid]
            sd = float(np.std(draws, ddof=1))
            se_mean = math.sqrt(f["se_mean"] ** 2 + (sd / math.sqrt(n)) ** 2)
            checks = [("mean", f["mean"], float(np.mean(draws)), 5 * se_mean)]
            for p, ours in f["quantiles"]:
                theirs = float(np.quantile(draws, p))
                # standard error of a sample quantile ≈ sqrt(p(1-p)/n) / density; estimate the density locally
                lo, hi = np.quantile(draws, [max(p - 0.005, 0), min(p + 0.005, 1)])
                density = 0.01 / max(hi - lo, 1e-12)
                se_q = math.sqrt(p * (1 - p) / n) / density
                checks.append((f"P{p * 100:g}", ours, theirs, 5 * math.sqrt(2) * se_q))
            for label, ours, theirs, tol in checks:
                ok = abs(ours - theirs) <= tol
                passed += ok
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {name} {fid} {label}: entente {ours:.6g} numpy {theirs:.6g} "
                      f"(|diff| {abs(ours - theirs):.3g} vs tolerance {tol:.3g})")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
