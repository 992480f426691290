#!/usr/bin/env python3
"""Quality benchmark for entente's sanctions name matching, side by side with
OpenSanctions nomenklatura (`pip install nomenklatura`).

Measures, on the shared labelled data in ../shared/data/sanctions/name_matching:
  1. precision / recall / F1 on nomenklatura_name_bench_cases.csv (826 pairs),
     overall, by quality tier and by category, for entente and for
     nomenklatura's logic-v2, logic-v1, name-based and ofac matchers;
  2. recall of yente_positives_un_untreated.csv against the full UN list
     (entente's index + matcher, i.e. candidate generation included);
  3. the watchman cross-script pairs and the Putin name variants;
  4. mean absolute difference to OFAC's own Sanctions List Search scores on the
     parity fixture, in entente's OFAC mode (and nomenklatura's `ofac`).

Usage:  python3 bench/screen_quality.py [--threshold 0.75] [--no-nomenklatura] [--json out.json]
Builds `cargo build --release -p entente-screen --examples` and the `entente` binary first.
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "sanctions")
NM = os.path.join(DATA, "name_matching")
EXAMPLES = os.environ.get("ENTENTE_EXAMPLES_DIR") or os.path.join(ROOT, "target", "release", "examples")


BIN = os.environ.get("ENTENTE_BIN") or os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release", "entente")


def build():
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "entente-screen", "--examples"],
        cwd=ROOT,
        check=True,
    )
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "entente"], cwd=ROOT, check=True)


def score_pairs(triples):
    """triples: [(schema, a, b)] -> [(score, ofac_score, explanation)]"""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["schema", "name1", "name2"])
    for t in triples:
        w.writerow(t)
    out = subprocess.run(
        [os.path.join(EXAMPLES, "score_pairs")], input=buf.getvalue(), capture_output=True, text=True, check=True
    ).stdout
    return [(float(r["score"]), float(r["ofac_score"]), r["explanation"]) for r in csv.DictReader(io.StringIO(out))]


def prf(pred, truth):
    tp = sum(1 for p, t in zip(pred, truth) if p and t)
    fp = sum(1 for p, t in zip(pred, truth) if p and not t)
    fn = sum(1 for p, t in zip(pred, truth) if not p and t)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "n": len(truth)}


def best_threshold(scores, truth):
    best = (0.0, 0.0)
    for i in range(30, 100):
        th = i / 100
        f = prf([s >= th for s in scores], truth)["f1"]
        if f > best[0]:
            best = (f, th)
    return best


def nomenklatura_scores(rows, algos):
    try:
        from followthemoney import model
        import nomenklatura.matching as m
    except ImportError:
        print("nomenklatura not installed: pip install nomenklatura", file=sys.stderr)
        return {}, {}
    out, timing = {}, {}
    for name in algos:
        algo = m.get_algorithm(name)
        cfg = algo.default_config()
        scores = []
        ents = []
        for i, r in enumerate(rows):
            schema = r["schema"] if r["schema"] in ("Person", "Company", "Organization", "LegalEntity", "Vessel") else "LegalEntity"
            a = model.make_entity(schema)
            a.id = f"a{i}"
            a.add("name", r["name1"])
            b = model.make_entity(schema)
            b.id = f"b{i}"
            b.add("name", r["name2"])
            ents.append((a, b))
        algo.compare(ents[0][0], ents[0][1], cfg)  # warm caches / load data
        t = time.perf_counter()
        for a, b in ents:
            scores.append(algo.compare(a, b, cfg).score)
        timing[name] = (time.perf_counter() - t) / len(ents)
        out[name] = scores
    return out, timing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.75, help="entente match threshold (default 0.75)")
    ap.add_argument("--nk-threshold", type=float, default=0.7, help="nomenklatura threshold (its default 0.7)")
    ap.add_argument("--no-nomenklatura", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--json", help="write all figures to this file")
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        print("skipping: ../shared/data not found")
        return 0
    if not args.no_build:
        build()
    report = {}

    # 1. Labelled pairs.
    rows = list(csv.DictReader(open(os.path.join(NM, "nomenklatura_name_bench_cases.csv"), encoding="utf-8")))
    truth = [r["is_match"] == "true" for r in rows]
    res = score_pairs([(r["schema"], r["name1"], r["name2"]) for r in rows])
    ent = [s for s, _, _ in res]
    systems = {"entente": (ent, args.threshold)}
    timing = {}
    if not args.no_nomenklatura:
        nk, timing = nomenklatura_scores(rows, ["logic-v2", "logic-v1", "name-based", "ofac"])
        for k, v in nk.items():
            systems[f"nomenklatura {k}"] = (v, args.nk_threshold)
    pairs_report = {}
    print(f"== 1. nomenklatura_name_bench_cases.csv ({len(rows)} pairs)")
    print(f"{'system':28} {'thr':>5} {'P':>6} {'R':>6} {'F1':>6}   best-F1@thr")
    for name, (scores, th) in systems.items():
        o = prf([s >= th for s in scores], truth)
        bf, bt = best_threshold(scores, truth)
        o["threshold"] = th
        o["best_f1"] = bf
        o["best_threshold"] = bt
        pairs_report[name] = {"overall": o}
        print(f"{name:28} {th:5.2f} {o['precision']:6.3f} {o['recall']:6.3f} {o['f1']:6.3f}   {bf:.3f}@{bt:.2f}")
        for key in ("quality", "schema"):
            groups = defaultdict(list)
            for i, r in enumerate(rows):
                groups[r[key] or "-"].append(i)
            pairs_report[name][key] = {
                g: prf([scores[i] >= th for i in idx], [truth[i] for i in idx]) for g, idx in sorted(groups.items())
            }
        cats = defaultdict(list)
        for i, r in enumerate(rows):
            cats[r["category"] or r["case_group"]].append(i)
        pairs_report[name]["category"] = {
            g: prf([scores[i] >= th for i in idx], [truth[i] for i in idx]) for g, idx in sorted(cats.items())
        }
    # The non-ASCII part (either name has a non-ASCII character): 90 pairs.
    nonascii = [i for i, r in enumerate(rows) if not (r["name1"] + r["name2"]).isascii()]
    print(f"-- non-ASCII pairs ({len(nonascii)}): F1 at each system's threshold")
    for name, (scores, th) in systems.items():
        o = prf([scores[i] >= th for i in nonascii], [truth[i] for i in nonascii])
        pairs_report[name]["non_ascii"] = o
        print(f"{name:28} P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f}")
    for key in ("quality", "schema"):
        print(f"-- by {key} (F1)")
        groups = sorted(pairs_report["entente"][key])
        print(f"{'system':28} " + " ".join(f"{g[:10]:>10}" for g in groups))
        for name in systems:
            print(f"{name:28} " + " ".join(f"{pairs_report[name][key][g]['f1']:10.3f}" for g in groups))
    report["pairs"] = pairs_report
    report["nomenklatura_seconds_per_pair"] = timing
    errs = [
        (("FP" if s >= args.threshold else "FN"), r["schema"], r["name1"], r["name2"], round(s, 3), ex)
        for r, (s, _, ex), t in zip(rows, res, truth)
        if (s >= args.threshold) != t
    ]
    report["entente_errors"] = errs

    # 2. UN positives against the UN list.
    un = os.path.join(DATA, "un", "UN_consolidated_2026-02-27.xml")
    pos = os.path.join(NM, "yente_positives_un_untreated.csv")
    out = subprocess.run(
        [BIN, "screen", "--lists", un, "--input", pos, "--name-column", "full_name",
         "--dob-column", "date_of_birth", "--country-column", "nationality", "--threshold", str(args.threshold),
         "--format", "csv", "--limit", "1", "--all-rows"],
        capture_output=True, text=True,
    )
    if out.returncode not in (0, 1):  # 1: something matched
        sys.exit(f"entente screen failed ({out.returncode}): {out.stderr}")
    found = {}
    for r in csv.DictReader(io.StringIO(out.stdout)):
        found[r["row"]] = r["score"] != ""
    n_pos = sum(1 for _ in csv.DictReader(open(pos, encoding="utf-8")))
    hits = sum(1 for v in found.values() if v)
    report["un_positives"] = {"n": n_pos, "found": hits, "recall": round(hits / n_pos, 4) if n_pos else 0}
    print(f"== 2. UN positives recall: {hits}/{n_pos} = {hits / max(n_pos, 1):.3f} (threshold {args.threshold})")

    # 3. Cross-script pairs and Putin variants.
    cs = []
    with open(os.path.join(NM, "watchman_cross_script_pairs.csv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = next(csv.reader([line]))
            if parts[0] == "Query":
                continue
            cs.append(parts)
    cs_res = score_pairs([("Person", q, e) for q, e, *_ in cs])
    cs_ok = sum(1 for s, _, _ in cs_res if s >= args.threshold)
    print(f"== 3a. cross-script pairs: {cs_ok}/{len(cs)} at >= {args.threshold}")
    for (q, e, *rest), (s, _, _) in zip(cs, cs_res):
        print(f"   {s:.2f}  {q} -> {e}  ({rest[-1] if rest else ''})")
    putin = [l.strip() for l in open(os.path.join(NM, "nomenklatura_putin_names.txt"), encoding="utf-8") if l.strip()]
    p_res = score_pairs([("Person", n, "PUTIN, Vladimir Vladimirovich") for n in putin])
    p_ok = sum(1 for s, _, _ in p_res if s >= args.threshold)
    print(f"== 3b. Putin variants vs 'PUTIN, Vladimir Vladimirovich': {p_ok}/{len(putin)}")
    report["cross_script"] = {"n": len(cs), "matched": cs_ok, "scores": [[q, e, s] for (q, e, *_), (s, _, _) in zip(cs, cs_res)]}
    report["putin_variants"] = {"n": len(putin), "matched": p_ok, "misses": [n for n, (s, _, _) in zip(putin, p_res) if s < args.threshold]}

    # 4. OFAC parity.
    par = [r for r in csv.DictReader(open(os.path.join(NM, "nomenklatura_ofac_search_parity.csv"), encoding="utf-8"))]
    par = [r for r in par if float(r["ofac_score"]) >= 0]
    o_res = score_pairs([("LegalEntity", r["query_name"], r["result_name"]) for r in par])
    diffs = [abs(o * 100 - float(r["ofac_score"])) for r, (_, o, _) in zip(par, o_res)]
    mad = sum(diffs) / len(diffs)
    within5 = sum(1 for d in diffs if d <= 5) / len(diffs)
    report["ofac_parity"] = {"n": len(par), "mean_abs_diff": round(mad, 2), "within_5pts": round(within5, 3)}
    print(f"== 4. OFAC parity ({len(par)} rows): mean |Δ| = {mad:.2f} pts, within ±5 pts: {within5:.1%}")
    if not args.no_nomenklatura:
        try:
            from followthemoney import model
            import nomenklatura.matching as m

            algo = m.get_algorithm("ofac")
            cfg = algo.default_config()
            nd = []
            for i, r in enumerate(par):
                a = model.make_entity("LegalEntity"); a.id = f"a{i}"; a.add("name", r["query_name"])
                b = model.make_entity("LegalEntity"); b.id = f"b{i}"; b.add("name", r["result_name"])
                nd.append(abs(algo.compare(a, b, cfg).score * 100 - float(r["ofac_score"])))
            report["ofac_parity"]["nomenklatura_mean_abs_diff"] = round(sum(nd) / len(nd), 2)
            print(f"   nomenklatura ofac: mean |Δ| = {sum(nd) / len(nd):.2f} pts, within ±5: {sum(1 for d in nd if d <= 5) / len(nd):.1%}")
        except ImportError:
            pass
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
