#!/usr/bin/env python3
"""Runs the default model in entente, in numpy (vectorised) and in Squiggle, on the same compiled model
(`entente model`), and prints the timing ratios and the P5/P50/P95 each gives for the deliveries total.

Usage: python3 bench/assess_vs_peers.py [--samples 1000000] [--runs 5] [--no-squiggle]
Needs: a release build (cargo build --release), numpy and scipy (pip install numpy scipy), and for Squiggle
`npm install` in bench/ (installs @quri/squiggle-lang from bench/package.json).
"""
import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXE = ROOT / "target" / "release" / "entente"


def timed(cmd, runs):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


# ---------- numpy ----------
def np_leaf(rng, d, trunc, n):
    kind = d["dist"]
    def draw(k):
        if kind == "point":
            return np.full(k, d["value"])
        if kind == "uniform":
            return rng.uniform(d["low"], d["high"], k)
        if kind == "triangular":
            if d["low"] == d["high"]:
                return np.full(k, d["low"])
            return rng.triangular(d["low"], d["mode"], d["high"], k)
        if kind == "pert":
            a, m, b = d["low"], d["mode"], d["high"]
            if a == b:
                return np.full(k, a)
            return a + (b - a) * rng.beta(1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a), k)
        if kind == "normal":
            return rng.normal(d["mean"], d["sd"], k)
        if kind == "lognormal":
            return rng.lognormal(d["mu"], d["sigma"], k)
        raise ValueError(kind)
    x = draw(n)
    lo, hi = trunc.get("min"), trunc.get("max")
    if lo is not None or hi is not None:
        bad = np.zeros(n, bool)
        while True:
            bad = ((x < lo) if lo is not None else False) | ((x > hi) if hi is not None else False)
            if not np.any(bad):
                break
            x[bad] = draw(int(np.sum(bad)))
    return x


def np_eval(t, env):
    (k, v), = t.items()
    if k == "Num":
        return v
    if k == "Var":
        return env[v]
    if k == "Neg":
        return -np_eval(v, env)
    if k == "Bin":
        op, a, b = v
        a, b = np_eval(a, env), np_eval(b, env)
        return {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](a, b)
    if k == "Call":
        f, a, b = v
        return (np.minimum if f == "Min" else np.maximum)(np_eval(a, env), np_eval(b, env))
    raise ValueError(k)


def iman_conover(rng, cols, target):
    """Re-orders the columns so their rank correlation follows `target` (the method entente uses)."""
    from scipy.special import ndtri
    k, n = len(cols), len(cols[0])
    base = ndtri(np.arange(1, n + 1) / (n + 1))  # van der Waerden scores
    scores = np.stack([rng.permutation(base) for _ in range(k)], axis=1)
    f = np.linalg.cholesky(np.cov(scores, rowvar=False, bias=True))
    p = np.linalg.cholesky(np.asarray(target).reshape(k, k))
    t = scores @ np.linalg.inv(f).T @ p.T
    return [np.sort(cols[j])[np.argsort(np.argsort(t[:, j], kind="stable"), kind="stable")] for j in range(k)]


def run_numpy(model, n, seed=1):
    rng = np.random.default_rng(seed)
    env = {}
    # all uncertain inputs first, then the rank correlations, then everything derived from them
    for node in model["nodes"]:
        if node["kind"] == "leaf":
            env[node["name"]] = np_leaf(rng, node["dist"], node["truncation"], n)
    for group, target in model.get("correlations", []):
        for name, col in zip(group, iman_conover(rng, [env[g] for g in group], target)):
            env[name] = col
    for node in model["nodes"]:
        if node["kind"] == "leaf":
            continue
        if node["kind"] == "expr":
            env[node["name"]] = np.broadcast_to(np_eval(node["tree"], env), (n,)).astype(float)
        else:
            env[node["name"]] = sum((env[m] for m in node["members"]), np.zeros(n))
    out = {}
    for fid, name in model["figures"]:  # the same summaries entente reports: mean, sd, P5/P50/P95
        x = env[name]
        out[fid] = (float(np.mean(x)), float(np.std(x)), *map(float, np.quantile(x, [0.05, 0.5, 0.95])))
    return out


# ---------- Squiggle ----------
def sq_num(x):
    return repr(float(x))


def squiggle_program(model):
    names = {}
    const = {}
    lines = []
    for i, node in enumerate(model["nodes"]):
        v = f"n{i}"
        names[node["name"]] = v
        if node["kind"] == "leaf":
            d = node["dist"]
            k = d["dist"]
            const[v] = k == "point" or (k in ("pert", "triangular") and d["low"] == d["high"])
            if k == "point":
                e = sq_num(d["value"])
            elif const[v]:
                e = sq_num(d["low"])
            elif k == "uniform":
                e = f"uniform({sq_num(d['low'])}, {sq_num(d['high'])})"
            elif k == "triangular":
                e = f"triangular({sq_num(d['low'])}, {sq_num(d['mode'])}, {sq_num(d['high'])})"
            elif k == "pert":
                a, m, b = d["low"], d["mode"], d["high"]
                e = f"{sq_num(a)} + {sq_num(b - a)} * beta({sq_num(1 + 4 * (m - a) / (b - a))}, {sq_num(1 + 4 * (b - m) / (b - a))})"
            elif k == "normal":
                e = f"normal({sq_num(d['mean'])}, {sq_num(d['sd'])})"
            else:
                e = f"lognormal({sq_num(d['mu'])}, {sq_num(d['sigma'])})"
            t = node["truncation"]
            if not const[v] and (t.get("min") is not None or t.get("max") is not None):
                lo = sq_num(t["min"]) if t.get("min") is not None else None
                hi = sq_num(t["max"]) if t.get("max") is not None else None
                if lo and hi:
                    e = f"truncate({e}, {lo}, {hi})"
                elif lo:
                    e = f"truncateLeft({e}, {lo})"
                else:
                    e = f"truncateRight({e}, {hi})"
            lines.append(f"{v} = {e}")
        elif node["kind"] == "expr":
            def go(t):
                (k, x), = t.items()
                if k == "Num":
                    return sq_num(x), True
                if k == "Var":
                    return names[x], const[names[x]]
                if k == "Neg":
                    s, c = go(x)
                    return f"(-{s})", c
                if k == "Bin":
                    op, a, b = x
                    (sa, ca), (sb, cb) = go(a), go(b)
                    return f"({sa} {dict(Add='+', Sub='-', Mul='*', Div='/')[op]} {sb})", ca and cb
                f, a, b = x
                (sa, ca), (sb, cb) = go(a), go(b)
                cmp = "<" if f == "Min" else ">"
                if ca and cb:
                    return f"({sa} {cmp} {sb} ? {sa} : {sb})", True
                if ca:
                    return f"SampleSet.map({sb}, {{|y| {sa} {cmp} y ? {sa} : y}})", False
                if cb:
                    return f"SampleSet.map({sa}, {{|x| x {cmp} {sb} ? x : {sb}}})", False
                return f"SampleSet.map2({sa}, {sb}, {{|x, y| x {cmp} y ? x : y}})", False
            e, c = go(node["tree"])
            const[v] = c
            lines.append(f"{v} = {e}")
        else:
            members = [names[m] for m in node["members"]]
            const[v] = all(const[m] for m in members) if members else True
            lines.append(f"{v} = {' + '.join(members) if members else '0'}")
    # Squiggle has no rank-correlation primitive: its run of this model treats all inputs as independent.
    figs = []
    for fid, name in model["figures"]:
        v = names[name]
        if const[v]:
            figs.append(f'"{fid}": [{v}, 0, {v}, {v}, {v}]')
        else:
            figs.append(f'"{fid}": [mean({v}), stdev({v}), quantile({v}, 0.05), quantile({v}, 0.5), quantile({v}, 0.95)]')
    lines.append("{" + ", ".join(figs) + "}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-squiggle", action="store_true")
    ap.add_argument("--squiggle-samples", type=int, default=None, help="run Squiggle at this count and scale linearly")
    args = ap.parse_args()
    n = args.samples
    if not EXE.exists():
        sys.exit("build first: cargo build --release")
    model = json.loads(subprocess.run([str(EXE), "model"], capture_output=True, text=True, check=True).stdout)
    leaves = sum(1 for x in model["nodes"] if x["kind"] == "leaf")
    print(f"default model, scenario {model['scenario']}: {len(model['nodes'])} nodes ({leaves} uncertain inputs), "
          f"{len(model['figures'])} figures, {n:,} samples, {args.runs} runs (median)")

    t_ent, out = timed([str(EXE), "assess", "--samples", str(n), "--format", "json"], args.runs)
    ent = {f["id"]: f for f in json.loads(out)["figures"]}
    tot = ent["flow:KP->RU"]
    q = dict((round(p, 4), v) for p, v in tot["quantiles"])
    print(f"entente  {t_ent:8.3f} s  (whole process: load, sample, summarise, render)  total P5/P50/P95 = "
          f"{q[0.05] / 1e9:.3f} / {q[0.5] / 1e9:.3f} / {q[0.95] / 1e9:.3f} bn")

    times = []
    for r in range(max(1, args.runs // 2)):
        t0 = time.perf_counter()
        res = run_numpy(model, n, seed=r)
        times.append(time.perf_counter() - t0)
    t_np = statistics.median(times)
    m = res["flow:KP->RU"]
    print(f"numpy    {t_np:8.3f} s  (sampling and summaries only, in-process)         total P5/P50/P95 = "
          f"{m[2] / 1e9:.3f} / {m[3] / 1e9:.3f} / {m[4] / 1e9:.3f} bn")
    print(f"ratio numpy / entente: {t_np / t_ent:.1f}x")

    if not args.no_squiggle:
        runner = Path(__file__).resolve().parent / "squiggle_run.mjs"
        if not (runner.parent / "node_modules" / "@quri" / "squiggle-lang").exists():
            subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"], cwd=runner.parent, check=True)
        sn = args.squiggle_samples or n
        with tempfile.NamedTemporaryFile("w", suffix=".squiggle", delete=False) as f:
            f.write(squiggle_program(model))
        try:
            t0 = time.perf_counter()
            r = subprocess.run(["node", "--max-old-space-size=16000", str(runner), f.name, str(sn)],
                               capture_output=True, text=True, timeout=1800)
            t_sq = time.perf_counter() - t0
            if r.returncode != 0:
                print(f"squiggle failed: {r.stderr.strip()[:500]}")
            else:
                scale = n / sn
                print(f"squiggle {t_sq * scale:8.3f} s  ({'measured' if scale == 1 else f'{t_sq:.2f} s at {sn:,} samples, scaled linearly'})")
                print(f"ratio squiggle / entente: {t_sq * scale / t_ent:.0f}x")
        except subprocess.TimeoutExpired:
            print("squiggle did not finish within 30 minutes")


if __name__ == "__main__":
    main()
