#!/usr/bin/env python3
"""Throughput benchmark for entente screening, side by side with nomenklatura.

1. Loads all shared lists together (full UN list, full 2021 OFAC SDN CSV,
   2025 consolidated CSV, 2018 consolidated XML, EU/UK/FtM samples) in the
   `screen_perf` example: load time, index time, peak memory.
2. Screens a query mix (the labelled bench names, the 683 UN positives and
   synthetic clean counterparty names - most real payment parties match
   nothing) single-threaded and on all cores: queries/second.
3. For a sample of queries, takes the exact candidates entente's blocking
   stage selected and times nomenklatura's matchers scoring those same
   (query, candidate) pairs, single-threaded: queries/second and the ratio.

With --callgrind, instead runs the same query mix once, single-threaded,
under `valgrind --tool=callgrind` (only the screening loop is collected) and
prints instructions per query: a figure that, unlike queries/second, does not
depend on what else the machine is doing. Build with symbols for
`callgrind_annotate`: CARGO_PROFILE_RELEASE_DEBUG=true.

Usage: python3 bench/screen_perf.py [--sample 200] [--no-nomenklatura] [--callgrind] [--json out.json]
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "sanctions")

FIRST = ["John", "Maria", "Ahmed", "Olga", "Chen", "Peter", "Anna", "Luis", "Fatima", "Hiroshi", "Ivan", "Sofia",
         "Michael", "Elena", "Kwame", "Priya", "Lars", "Ines", "Tomasz", "Aylin"]
LAST = ["Smith", "Garcia", "Nakamura", "Kowalski", "Okafor", "Jensen", "Rossi", "Dubois", "Novak", "Haddad",
        "Fernandes", "Lindqvist", "Papadopoulos", "Moreau", "Schneider", "Kaya", "Silva", "Brown", "Horvat", "Yilmaz"]
ORG1 = ["Nordic", "Alpine", "Pacific", "Golden", "Blue River", "Sunrise", "Atlas", "Meridian", "Harbor", "Summit"]
ORG2 = ["Logistics", "Foods", "Textiles", "Software", "Timber", "Ceramics", "Consulting", "Dairy", "Furniture", "Optics"]
ORG3 = ["GmbH", "Ltd", "LLC", "S.A.", "AB", "B.V.", "Inc.", "SRL", "Oy", "Pty Ltd"]


def queries():
    rnd = random.Random(7)
    out = []
    with open(os.path.join(DATA, "name_matching", "nomenklatura_name_bench_cases.csv"), encoding="utf-8") as f:
        out += [r["name1"] for r in csv.DictReader(f)]
    with open(os.path.join(DATA, "name_matching", "yente_positives_un_untreated.csv"), encoding="utf-8") as f:
        out += [r["full_name"] for r in csv.DictReader(f)]
    for _ in range(2000):
        if rnd.random() < 0.5:
            out.append(f"{rnd.choice(FIRST)} {rnd.choice(LAST)}")
        else:
            out.append(f"{rnd.choice(ORG1)} {rnd.choice(ORG2)} {rnd.choice(ORG3)}")
    return [q.replace("\n", " ") for q in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--no-nomenklatura", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--callgrind", action="store_true", help="instructions per query under callgrind")
    ap.add_argument("--json")
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        print("skipping: ../shared/data not found")
        return 0
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "entente-screen", "--example", "screen_perf"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp()
    qfile = os.path.join(tmp, "queries.txt")
    cfile = os.path.join(tmp, "candidates.csv")
    with open(qfile, "w", encoding="utf-8") as f:
        f.write("\n".join(queries()))
    s = DATA
    lists = [
        f"{s}/un/UN_consolidated_2026-02-27.xml",
        f"{s}/ofac/sdn_csv_2021_full/sdn.csv",
        f"{s}/ofac/cons_csv_2025/cons_prim.csv",
        f"{s}/ofac/cons_xml_2018/consolidated.xml",
        f"{s}/ofac/sdn_csv_2025_tiny/sdn.csv",
        f"{s}/eu/eu_fsf_sample_2026-08-05.xml",
        f"{s}/eu/eu_fsf_2026-01-28_derived.ftm.jsonl",
        f"{s}/uk/uk_sanctions_list_sample_2026-09-10.xml",
        f"{s}/opensanctions_ftm/zala_cluster.ftm.jsonl",
        f"{s}/opensanctions_ftm/t1_sample.ftm.jsonl",
    ]
    exe = os.path.join(os.environ.get("ENTENTE_EXAMPLES_DIR") or os.path.join(ROOT, "target", "release", "examples"), "screen_perf")
    if args.callgrind:
        cg = os.path.join(tmp, "callgrind.out")
        nq = len(queries())
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=screen_perf::screen_all",
             f"--callgrind-out-file={cg}", exe, "--profile", qfile, os.path.join(tmp, "results.tsv"), "0.8", "10"] + lists,
            capture_output=True, text=True, check=True,
        )
        ir = next(int(l.split()[-1].replace(",", "")) for l in out.stderr.splitlines() if "Collected" in l)
        print(f"{nq} queries, {ir:,} instructions = {ir / nq:,.0f} per query (callgrind output: {cg})")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"queries": nq, "instructions": ir, "per_query": ir / nq}, f, indent=1)
        return 0
    out = subprocess.run(
        [exe, qfile, cfile, str(args.sample)] + lists,
        capture_output=True, text=True, check=True,
    ).stdout
    r = json.loads(out)
    print(f"lists: {', '.join(r['lists'])}")
    print(f"entities {r['entities']}, names {r['names']}")
    print(f"load {r['load_seconds']:.3f} s, index {r['index_seconds']:.3f} s, peak RSS {r['peak_rss_mib_after_index']:.0f} MiB")
    print(f"queries {r['queries']} ({r['queries_with_hit']} with a hit >= 0.8)")
    print(f"entente: {r['single_thread_qps']:.0f} q/s single thread, {r['all_cores_qps']:.0f} q/s on {r['threads']} threads")
    if not args.no_nomenklatura:
        try:
            from followthemoney import model
            import nomenklatura.matching as m
        except ImportError:
            print("nomenklatura not installed: pip install nomenklatura")
            return 0
        by_q = defaultdict(list)
        with open(cfile, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                by_q[int(row["qid"])].append(row)
        nq = r["sample_queries"]
        r["nomenklatura"] = {}
        for name in ["logic-v2", "logic-v1", "ofac"]:
            algo = m.get_algorithm(name)
            cfg = algo.default_config()
            pairs = []
            for qid in range(nq):
                for i, row in enumerate(by_q.get(qid, [])):
                    schema = row["schema"] if row["schema"] in ("Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane") else "LegalEntity"
                    a = model.make_entity("LegalEntity" if schema in ("Vessel", "Airplane") else "LegalEntity")
                    a.id = f"q{qid}"
                    a.add("name", row["query"])
                    b = model.make_entity(schema)
                    b.id = f"c{qid}-{i}"
                    b.add("name", row["candidate"])
                    pairs.append((a, b))
            if pairs:
                algo.compare(pairs[0][0], pairs[0][1], cfg)
            t = time.perf_counter()
            for a, b in pairs:
                algo.compare(a, b, cfg)
            dt = time.perf_counter() - t
            qps = nq / dt if dt else 0
            r["nomenklatura"][name] = {"pairs": len(pairs), "seconds": dt, "qps": qps, "entente_speedup": r["sample_single_thread_qps"] / qps if qps else None}
            print(f"nomenklatura {name}: {len(pairs)} pairs for {nq} queries in {dt:.2f} s = {qps:.1f} q/s single thread; "
                  f"entente on the same queries {r['sample_single_thread_qps']:.0f} q/s = {r['sample_single_thread_qps'] / qps:.0f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
