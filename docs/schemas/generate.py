#!/usr/bin/env python3
"""Writes docs/schemas/<command>.schema.json (JSON Schema draft 2020-12) from the JSON that each command prints on
the embedded dataset: every object's keys and their types, the keys every instance has as `required`, and
`schema_version` as a constant. Extra keys are allowed (adding a field does not raise `schema_version`); removing,
renaming or retyping one fails `crates/entente/tests/json_schema.rs`, which validates each command's output
against its schema. Run it after raising SCHEMA_VERSION (crates/entente-report/src/format/mod.rs).

usage: docs/schemas/generate.py [ENTENTE_BINARY]   (default: target/debug/entente)
"""

import json
import os
import subprocess
import sys

COMMANDS = {
    "assess": ["assess", "--items", "--samples", "2000"],
    "explain": ["explain", "shells-152mm", "--samples", "2000"],
    "compare": ["compare", "--samples", "2000"],
    "sensitivity": ["sensitivity", "--samples", "2000"],
    "history": ["history", "--samples", "2000"],
    "timeline": ["timeline", "--samples", "2000"],
    "triangulate": ["triangulate", "--samples", "2000"],
    "trade": ["trade"],
    "meetings": ["meetings"],
    "model": ["model"],
}


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def infer(values):
    """One schema for all of `values` (the instances seen at one place)."""
    kinds = sorted({kind(v) for v in values})
    out = {"type": kinds[0] if len(kinds) == 1 else kinds}
    objs = [v for v in values if isinstance(v, dict)]
    if objs:
        keys = sorted({k for o in objs for k in o})
        out["properties"] = {k: infer([o[k] for o in objs if k in o]) for k in keys}
        out["required"] = [k for k in keys if all(k in o for o in objs)]
    arrs = [v for v in values if isinstance(v, list)]
    items = [x for a in arrs for x in a]
    if items:
        out["items"] = infer(items)
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target/debug/entente")
    for name, args in COMMANDS.items():
        fmt = [] if args[0] == "model" else ["--format", "json"]  # `model` prints only JSON
        data = json.loads(subprocess.run([binary, *args, *fmt], check=True, capture_output=True).stdout)
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "title": f"entente {name}" + ("" if name == "model" else " --format json"), **infer([data])}
        if isinstance(data, dict):
            schema["properties"]["schema_version"] = {"const": data["schema_version"]}
        path = os.path.join(root, "docs/schemas", f"{name}.schema.json")
        with open(path, "w") as fh:
            json.dump(schema, fh, indent=1, sort_keys=False)
            fh.write("\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
