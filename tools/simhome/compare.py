#!/usr/bin/env python3
"""Compares a campaign directory with `simhome expect`'s output.

usage: compare.py CAMPAIGN_DIR EXPECTED.json [--quiet]

Equal means: the same nodes in the same order (breadth-first, so the same
shape), each with the same parent, depth, Flow ID and status, and the same
first-level and hidden Flow ID sets in summary.json.  m+ is compared for
nodes that ran (expanded, leaf, failed).  Prints the differences; exit
status 0 when equal, 1 when not, 2 when a file cannot be read.
"""
import json
import sys


def text(f):
    if f is None:
        return "(root)"
    app = ""
    if f.get("app"):
        kind, fields = next(iter(f["app"].items()))
        app = " " + kind + " " + " ".join(str(v) for v in fields.values())
    port = lambda p: "*" if p is None else str(p)
    return f"{f['proto']} {f['src']}:{port(f['sport'])} -> {f['dst']}:{port(f['dport'])}{app}"


def key(f):
    return json.dumps(f, sort_keys=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quiet = "--quiet" in sys.argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(f"{args[0]}/tree.json") as fp:
            tree = json.load(fp)
        with open(f"{args[0]}/summary.json") as fp:
            summary = json.load(fp)
        with open(args[1]) as fp:
            expected = json.load(fp)
    except (OSError, ValueError) as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2
    diffs = []
    got, want = tree["nodes"], expected["tree"]["nodes"]
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g is None or w is None:
            n = g or w
            diffs.append(f"node {i}: only in the {'campaign' if g else 'expectation'}: "
                         f"{text(n['flow'])} {n['status']}")
            continue
        for field in ("parent", "depth", "status"):
            if g[field] != w[field]:
                diffs.append(f"node {i} ({text(w['flow'])}): {field} {g[field]}, expected {w[field]}")
        if key(g["flow"]) != key(w["flow"]):
            diffs.append(f"node {i}: flow {text(g['flow'])}, expected {text(w['flow'])}")
        if w["status"] in ("expanded", "leaf", "failed") and g["m_plus"] != w["m_plus"]:
            diffs.append(f"node {i} ({text(w['flow'])}): m+ {g['m_plus']}, expected {w['m_plus']}")
    for part in ("first_level", "hidden"):
        g = {key(f) for f in summary.get(part, [])}
        w = {key(f) for f in expected[part]}
        for f in sorted(g - w):
            diffs.append(f"{part}: unexpected {text(json.loads(f))}")
        for f in sorted(w - g):
            diffs.append(f"{part}: missing {text(json.loads(f))}")
    if diffs:
        print(f"campaign {args[0]} differs from the expectation ({len(diffs)} differences):")
        for d in diffs[:60]:
            print("  " + d)
        if len(diffs) > 60:
            print(f"  ... and {len(diffs) - 60} more")
        return 1
    if not quiet:
        print(f"campaign {args[0]} equals the expectation: {len(want)} nodes, "
              f"{len(expected['first_level'])} first-level and {len(expected['hidden'])} hidden Flow IDs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
