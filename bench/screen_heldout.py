#!/usr/bin/env python3
"""Respelling evaluation: recall on listed parties respelt the way payments
spell them, and false alarms on names of the same shape that are not listed.

Sets (built at run time by bench/respell.py from ../shared, nothing copied):
  tune      UN-list DPRK persons and firms + EU-list Russian persons, respelt;
            screened against the UN list (or the EU file for EU names).  The
            matcher was tuned while looking at this set.
  heldout   (and heldout-fresh, a second independent draw of the generator)
            OFAC SDN (2021 CSV) DPRK persons/firms and Ukraine/Russia-programme
            persons, minus every name that also appears in the UN or EU files,
            respelt by the same generator with another seed; screened against
            the OFAC file.  Never looked at while tuning.
  negatives Korean and Russian personal names and firm names of the same shape
            and remittance lines (screened in 2-4-word windows like payments),
            screened against UN + OFAC 2021 + EU files; any hit is a false alarm.

A positive counts as found when the source entity is among the hits at or
above the threshold (a hit on another entity does not count).

Systems: entente (the `screen_eval` example: index, candidate generation and
scoring as `entente screen`);
rapidfuzz `token_sort_ratio` over every list name (brute force, no candidate
stage); nomenklatura logic-v2 scored against the source entity's names
(recall) and against each negative's 20 best rapidfuzz candidates (false
alarms) - it has no candidate stage of its own here.

For each system: recall and false-alarm rate at its default threshold, and
recall at the threshold that keeps false alarms <= 2 % and at zero.

Usage: python3 bench/screen_heldout.py [--no-build] [--no-nomenklatura] [--json out.json] [--show-misses SET]
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import respell  # noqa: E402

DATA = respell.DATA
UN = os.path.join(DATA, "un", "UN_consolidated_2026-02-27.xml")
OFAC = os.path.join(DATA, "ofac", "sdn_csv_2021_full")
EU = os.path.join(DATA, "eu", "eu_fsf_2026-01-28_derived.ftm.jsonl")
EVAL = os.environ.get("ENTENTE_EVAL_BIN") or os.path.join(ROOT, "target", "release", "examples", "screen_eval")


def windows(text):
    ws = text.split()
    out = []
    for n in (2, 3, 4):
        for i in range(0, max(len(ws) - n + 1, 0)):
            out.append(" ".join(ws[i:i + n]))
    return out or [text]


def queries_of(rows):
    """[(row index, query text, schema)] with remittance lines split into windows."""
    out = []
    for i, r in enumerate(rows):
        if r["kind"] == "remittance":
            out += [(i, w, "") for w in windows(r["query"])]
        else:
            out.append((i, r["query"], r["schema"]))
    return out


def entente(qs, lists, low):
    """{row index: {entity_id: best score}} for every hit >= low."""
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "q.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ref", "name"])
        for i, q, _ in qs:
            w.writerow([i, q])
    out = subprocess.run([EVAL, path, str(low), *lists], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"screen_eval failed: {out.stderr}")
    res = defaultdict(dict)
    EXPL.clear()
    for r in csv.DictReader(io.StringIO(out.stdout)):
        i = int(r["ref"])
        s = float(r["score"])
        if s > res[i].get(r["entity_id"], 0.0):
            res[i][r["entity_id"]] = s
            EXPL[(i, r["entity_id"])] = r["explanation"]
    return res


EXPL = {}
EXPL_NEG = {}


def list_names():
    """{entity id: [names]} for the UN, OFAC 2021 and EU files (for the baselines)."""
    names = defaultdict(list)
    t = ET.parse(UN).getroot()
    for tag, alias in (("INDIVIDUAL", "INDIVIDUAL_ALIAS"), ("ENTITY", "ENTITY_ALIAS")):
        for e in t.iter(tag):
            eid = "un:" + e.findtext("DATAID")
            parts = [(e.findtext(x) or "").strip() for x in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
            names[eid].append(" ".join(p for p in parts if p))
            for a in e.iter(alias):
                if (a.findtext("QUALITY") or "") != "Low" and a.findtext("ALIAS_NAME"):
                    names[eid].append(a.findtext("ALIAS_NAME"))
            if e.findtext("NAME_ORIGINAL_SCRIPT"):
                names[eid].append(e.findtext("NAME_ORIGINAL_SCRIPT"))
    with open(os.path.join(OFAC, "sdn.csv"), encoding="cp1252") as f:
        for r in csv.reader(f):
            if len(r) > 2:
                names["ofac-sdn:" + r[0].strip()].append(r[1].strip())
    with open(os.path.join(OFAC, "alt.csv"), encoding="cp1252") as f:
        for r in csv.reader(f):
            if len(r) > 3 and r[2].strip() in ("aka", "fka", "nka"):
                names["ofac-sdn:" + r[0].strip()].append(r[3].strip())
    with open(EU, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            for n in e["properties"].get("name", []) + e["properties"].get("alias", []):
                names["ftm:" + e["id"]].append(n)
    return names


def rapidfuzz_scores(rows, qs, names, prefixes, positives):
    from rapidfuzz import fuzz, process, utils

    ids, choices = [], []
    for eid, ns in names.items():
        if eid.startswith(prefixes):
            for n in ns:
                ids.append(eid)
                choices.append(utils.default_process(n))
    res = {}
    cands = defaultdict(list)
    for i, q, _ in qs:
        pq = utils.default_process(q)
        if positives:
            src = rows[i]["entity_id"]
            s = max((fuzz.token_sort_ratio(pq, utils.default_process(n)) for n in names.get(src, [])), default=0)
            res[i] = max(res.get(i, 0.0), s / 100)
        else:
            best = process.extract(pq, choices, scorer=fuzz.token_sort_ratio, limit=20)
            if best:
                res[i] = max(res.get(i, 0.0), best[0][1] / 100)
            cands[i] += [(q, choices[k], ids[k]) for _, _, k in best]
    return res, cands


def nomenklatura_scores(rows, qs, names, positives, cands):
    from followthemoney import model
    import nomenklatura.matching as m

    algo = m.get_algorithm("logic-v2")
    cfg = algo.default_config()

    def ent(schema, name, eid):
        e = model.make_entity(schema)
        e.id = eid
        e.add("name", name)
        return e

    res = {}
    n = 0
    for i, q, schema in qs:
        sch = schema if schema in ("Person", "Organization", "Company") else "LegalEntity"
        if positives:
            pairs = [(q, ln) for ln in names.get(rows[i]["entity_id"], [])]
        else:
            pairs = [(q, ln) for q2, ln, _ in cands.get(i, []) if q2 == q]
        for a, b in pairs:
            n += 1
            s = algo.compare(ent(sch, a, f"q{n}"), ent(sch, b, f"c{n}"), cfg).score
            res[i] = max(res.get(i, 0.0), s)
    return res


def recall_at(pos_scores, n_pos, th):
    return sum(1 for s in pos_scores.values() if s >= th) / n_pos if n_pos else 0.0


def fa_at(neg_scores, n_neg, th):
    return sum(1 for s in neg_scores.values() if s >= th) / n_neg if n_neg else 0.0


def operating_points(pos, n_pos, neg, n_neg, default):
    grid = [x / 100 for x in range(40, 101)]
    out = {"default_threshold": default, "recall": round(recall_at(pos, n_pos, default), 3),
           "false_alarms": round(fa_at(neg, n_neg, default), 3)}
    for cap, key in ((0.02, "at_fa_2pct"), (0.0, "at_fa_0")):
        ok = [t for t in grid if fa_at(neg, n_neg, t) <= cap + 1e-9]
        t = min(ok) if ok else 1.01
        out[key] = {"threshold": t, "recall": round(recall_at(pos, n_pos, t), 3),
                    "false_alarms": round(fa_at(neg, n_neg, t), 3)}
    return out


def by_class(rows, pos, th):
    groups = defaultdict(list)
    for i, r in enumerate(rows):
        groups[(r["kind"], r["transforms"])].append(pos.get(i, 0.0) >= th)
    return {f"{k}/{c}": f"{sum(v)}/{len(v)}" for (k, c), v in sorted(groups.items())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.75)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-nomenklatura", action="store_true")
    ap.add_argument("--no-rapidfuzz", action="store_true")
    ap.add_argument("--sets", default="tune,heldout,heldout-fresh",
                    help="tune (UN/EU), heldout (OFAC), heldout-fresh (OFAC, a second independent draw)")
    ap.add_argument("--show-misses", default="", help="print entente misses of this set (tune/heldout/negatives)")
    ap.add_argument("--json")
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"error: {DATA} not found")
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "entente-screen", "--example", "screen_eval"],
                       cwd=ROOT, check=True)
    sets = {}
    for name in args.sets.split(","):
        src = "un" if name == "tune" else "ofac"
        draw = 1 if name == "heldout-fresh" else 0
        sets[name] = [dict(zip(["kind", "entity_id", "listed_name", "query", "schema", "transforms"],
                               (k, e["id"], e["name"], q, s, c)))
                      for k, e, q, s, c in respell.build(src, 40, draw)]
    neg_rows = [dict(zip(["kind", "entity_id", "listed_name", "query", "schema", "transforms"],
                         (k, "", "", q, s, c))) for k, _, q, s, c in respell.negatives(160)]
    neg_qs = queries_of(neg_rows)
    low = 0.4
    report = {"threshold": args.threshold, "sets": {}}
    neg_lists = [UN, OFAC, EU]
    ent_neg_all = entente(neg_qs, neg_lists, low)
    ent_neg = {i: max(h.values()) for i, h in ent_neg_all.items()}
    EXPL_NEG.update(EXPL)
    names = list_names() if not (args.no_rapidfuzz and args.no_nomenklatura) else {}
    rf_neg, rf_cands = ({}, {})
    if not args.no_rapidfuzz or not args.no_nomenklatura:
        rf_neg, rf_cands = rapidfuzz_scores(neg_rows, neg_qs, names, ("un:", "ofac-sdn:", "ftm:eu"), False)
    nk_neg = {} if args.no_nomenklatura else nomenklatura_scores(neg_rows, neg_qs, names, False, rf_cands)
    n_neg = len(neg_rows)
    neg_kinds = defaultdict(list)
    for i, r in enumerate(neg_rows):
        neg_kinds[r["kind"]].append(i)
    report["negatives"] = {"n": n_neg, "by_kind": {k: len(v) for k, v in neg_kinds.items()}}
    for name, rows in sets.items():
        qs = queries_of(rows)
        lists = [UN, EU] if name == "tune" else [OFAC]
        hits = entente(qs, lists, low)
        ent_pos = {}
        for i, r in enumerate(rows):
            ent_pos[i] = hits.get(i, {}).get(r["entity_id"], 0.0)
        n_pos = len(rows)
        sysres = {"entente": operating_points(ent_pos, n_pos, ent_neg, n_neg, args.threshold)}
        sysres["entente"]["by_class"] = by_class(rows, ent_pos, args.threshold)
        if not args.no_rapidfuzz:
            rf_pos, _ = rapidfuzz_scores(rows, qs, names, ("un:", "ofac-sdn:", "ftm:eu"), True)
            sysres["rapidfuzz token_sort_ratio"] = operating_points(rf_pos, n_pos, rf_neg, n_neg, 0.85)
            t0 = sysres["rapidfuzz token_sort_ratio"]["at_fa_0"]["threshold"]
            sysres["rapidfuzz token_sort_ratio"]["by_class_at_fa_0"] = by_class(rows, rf_pos, t0)
        if not args.no_nomenklatura:
            nk_pos = nomenklatura_scores(rows, qs, names, True, None)
            sysres["nomenklatura logic-v2"] = operating_points(nk_pos, n_pos, nk_neg, n_neg, 0.7)
            sysres["nomenklatura logic-v2"]["by_class"] = by_class(rows, nk_pos, 0.7)
        report["sets"][name] = {"n": n_pos, "systems": sysres}
        print(f"== {name}: {n_pos} respelt listed names; {n_neg} negatives")
        print(f"{'system':28} {'thr':>5} {'recall':>7} {'FA':>6} | {'thr':>5} {'R@FA<=2%':>9} | {'thr':>5} {'R@FA=0':>7}")
        for sname, o in sysres.items():
            a, b = o["at_fa_2pct"], o["at_fa_0"]
            print(f"{sname:28} {o['default_threshold']:5.2f} {o['recall']:7.3f} {o['false_alarms']:6.3f} | "
                  f"{a['threshold']:5.2f} {a['recall']:9.3f} | {b['threshold']:5.2f} {b['recall']:7.3f}")
        print("   entente by class at the default threshold: "
              + ", ".join(f"{k} {v}" for k, v in sysres["entente"]["by_class"].items()))
        if args.show_misses == name:
            for i, r in enumerate(rows):
                if ent_pos[i] < args.threshold:
                    best = sorted(hits.get(i, {}).items(), key=lambda kv: -kv[1])[:2]
                    print(f"   MISS {ent_pos[i]:.2f} [{r['kind']}/{r['transforms']}] {r['query']!r} -> "
                          f"{r['listed_name']!r} ({r['entity_id']}); best {best} "
                          f"{EXPL.get((i, r['entity_id']), '')}")
    fa_kinds = {k: f"{sum(1 for i in v if ent_neg.get(i, 0) >= args.threshold)}/{len(v)}" for k, v in neg_kinds.items()}
    report["negatives"]["entente_false_alarms_by_kind"] = fa_kinds
    print("   entente false alarms by kind at the default threshold: " + ", ".join(f"{k} {v}" for k, v in fa_kinds.items()))
    if args.show_misses == "negatives":
        for i, r in enumerate(neg_rows):
            if ent_neg.get(i, 0) >= args.threshold:
                best = sorted(ent_neg_all[i].items(), key=lambda kv: -kv[1])[:2]
                print(f"   FALSE ALARM {ent_neg[i]:.2f} [{r['kind']}] {r['query']!r}: {best} "
                      f"{EXPL_NEG.get((i, best[0][0]), '')}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
