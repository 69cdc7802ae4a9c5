#!/usr/bin/env python3
"""The campaign engine end to end on synthetic recordings.

A modelled device (its flows depend on what is blocked, as DESIGN.md's
hidden-flow method assumes) is written out as a recorded campaign: for every
blocked set, m traces as gzip snapshots, with ephemeral source ports, a noise
flow present in only some traces, and failures.  `iotprof replay` then runs
the whole campaign against it, and the tree must equal the one an
independent Python walk of the same model finds:

  - the port rule: well-known ports kept, a port fixed in every trace kept,
    ephemeral source ports become null;
  - noise in only some traces never enters a signature;
  - m+ = m/2 expands, m+ < m/2 fails;
  - node pruning, and "prune: none" for comparison;
  - a blocked set never recorded is "not-recorded", not a failure;
  - a run killed at random points and resumed gives the same tree and
    never repeats a finished experiment.
"""
import gzip
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("IOTPROF_BIN", os.path.join(ROOT, "build"))
IOTPROF = os.path.join(BIN, "iotprof")

DEV, PHONE, GW = "10.77.0.35", "10.77.0.20", "10.77.0.1"
M = 6
WELL_KNOWN = {53, 443, 5353, 123}


def flow(src, dst, proto, sport, dport, app=None):
    return {"src": src, "dst": dst, "proto": proto, "sport": sport, "dport": dport, "app": app}


# The device's flows.  Local control (B) falls back to the cloud (E); the
# API (C then D) falls back to a literal address (F); M is always there.
B = flow(PHONE, DEV, "tcp", "eph", 9999)
E = flow(PHONE, "backup.plug.example", "tcp", "eph", 443)
C = flow(DEV, GW, "udp", "eph", 53, {"dns": {"qname": "api.plug.example", "qtype": "A"}})
D = flow(DEV, "api.plug.example", "tcp", "eph", 443)
F = flow(DEV, "10.78.0.12", "tcp", "eph", 443)
MDNS = flow(PHONE, "224.0.0.251", "udp", 5353, 5353)
NOISE = flow(DEV, "10.78.0.123", "udp", "eph", 123)
HTTP = flow(DEV, "api.plug.example", "tcp", "eph", 80, {"http": {"method": "GET", "uri": "/log"}})
UNIVERSE = [B, E, C, D, F, MDNS, HTTP]


def key(f):
    return json.dumps(f, sort_keys=True)


def is_blocked(f, blocked):
    return any(same_but_ports(f, b) for b in blocked)


def same_but_ports(a, b):
    return all(a[k] == b[k] for k in ("src", "dst", "proto", "app"))


def model(blocked, m):
    """For a blocked set (Flow IDs, wildcard ports): per iteration the flows
    seen (with concrete ports) and whether the event succeeded."""
    traces = []
    for it in range(m):
        rnd = random.Random(zlib.crc32(("%d|" % it + "|".join(sorted(key(b) for b in blocked))).encode()))
        seen, ok = [], True
        seen.append(MDNS)
        if rnd.random() < 0.5 and it % 3 != 0:          # noise: never in all iterations
            seen.append(NOISE)
        # need 1: local control, else the cloud
        seen.append(B)
        if is_blocked(B, blocked):
            seen.append(E)
            if is_blocked(E, blocked):
                ok = False
            elif it % 2 == 1:      # the cloud path works half the time: m+ = m/2
                ok = False
        # need 2: resolve then connect, else the literal address
        if ok:
            seen.append(C)
            need2 = False
            if not is_blocked(C, blocked):
                seen.append(D)
                need2 = not is_blocked(D, blocked)
            if not need2:
                seen.append(F)
                if is_blocked(F, blocked):
                    ok = False
                elif is_blocked(E, blocked) is False and is_blocked(B, blocked) and it % 2 == 0 and it >= 2:
                    ok = False     # both fallbacks at once: m+ < m/2
            if ok:
                seen.append(HTTP)
        concrete = []
        for f in seen:
            c = dict(f)
            if c["sport"] == "eph":
                c["sport"] = 40000 + rnd.randrange(20000)
            concrete.append(c)
        traces.append((concrete, ok))
    return traces


def generalise(traces_ok):
    """Signature: port rule, then intersection (DESIGN.md Job 1 steps 2-3)."""
    def ident(f):
        return key({k: f[k] for k in ("src", "dst", "proto", "app")})
    sets = []
    for flows in traces_ok:
        sets.append({ident(f): f for f in flows})
    common = set.intersection(*(set(s) for s in sets)) if sets else set()
    sig = []
    # The first trace's order, as iotprof keeps it.
    for i in [ident(f) for f in traces_ok[0]] if traces_ok else []:
        if i not in common:
            continue
        f = dict(sets[0][i])
        for port in ("sport", "dport"):
            vals = {s[i][port] for s in sets}
            if not (f[port] in WELL_KNOWN or len(vals) == 1):
                f[port] = None
        sig.append(f)
    return sig


def expected_tree(m, prune):
    """An independent breadth-first walk of the model."""
    nodes = [{"flow": None, "parent": -1, "depth": 0}]
    q = 0
    while q < len(nodes):
        n = nodes[q]
        if q > 0 and prune and any(
                i != q and nodes[i].get("status") not in (None, "pruned") and nodes[i]["flow"] == n["flow"]
                for i in range(1, len(nodes))):
            n["status"] = "pruned"
            q += 1
            continue
        path, i = [], q
        while i > 0:
            path.append(nodes[i]["flow"])
            i = nodes[i]["parent"]
        traces = model(path, m)
        ok = [t for t, s in traces if s]
        n["m_plus"] = len(ok)
        if 2 * len(ok) < m:
            n["status"] = "failed"
        else:
            sig = [f for f in generalise(ok) if f not in path]
            n["status"] = "expanded" if sig else "leaf"
            for f in sig:
                nodes.append({"flow": f, "parent": q, "depth": n["depth"] + 1})
        q += 1
    return nodes


def write_recording(dirpath, m, skip=()):
    """Every blocked set of Flow IDs of the universe, as a campaign
    directory that `iotprof replay` reads."""
    os.makedirs(os.path.join(dirpath, "nodes"))
    sigs = {}
    experiments = []
    idx = 0
    for r in range(0, len(UNIVERSE) + 1):
        for combo in itertools.combinations(range(len(UNIVERSE)), r):
            # The blocked Flow IDs as the walk will ask for them: ports generalised.
            blocked = []
            for c in combo:
                f = dict(UNIVERSE[c])
                for p in ("sport", "dport"):
                    if f[p] == "eph":
                        f[p] = None
                blocked.append(f)
            if any(set(key(b) for b in blocked) == set(key(s) for s in sk) for sk in skip):
                continue
            traces = []
            os.makedirs(os.path.join(dirpath, "nodes", "%03d" % idx))
            for it, (flows, ok) in enumerate(model(blocked, m), 1):
                rel = "nodes/%03d/trace-%02d.json.gz" % (idx, it)
                with gzip.open(os.path.join(dirpath, rel), "wt") as g:
                    json.dump({"version": 1, "node": idx, "iteration": it, "epoch": it, "success": ok,
                               "score": 1.0 if ok else 0.0,
                               "flows": [{"flow": f} for f in flows]}, g)
                traces.append({"file": rel, "success": ok})
            experiments.append({"id": idx, "blocked": blocked, "status": "expanded", "m_plus": 0,
                                "signature": [], "traces": traces})
            idx += 1
    with open(os.path.join(dirpath, "state.json"), "w") as f:
        json.dump({"version": 1, "experiments": experiments, "current": None}, f)


def shape(nodes):
    """Node by node: parent, depth, Flow ID, status and, for nodes that ran, m+."""
    return [(n["parent"], n["depth"], key(n["flow"]) if n["flow"] else None, n["status"],
             n.get("m_plus") if n["status"] not in ("pruned", "pending", "not-recorded") else None)
            for n in nodes]


def tree_shape(path):
    with open(os.path.join(path, "tree.json")) as f:
        return shape(json.load(f)["nodes"])


def expected_shape(nodes):
    return shape(nodes)


def difference(got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return "node %d: got %s, want %s" % (i, g, w)
    return "%d nodes, want %d" % (len(got), len(want))


def replay(src, out, *extra):
    return subprocess.run([IOTPROF, "replay", src, "--device", DEV, "--phone", PHONE, "--out", out,
                           "--iterations", str(M), "--quiet", *extra],
                          capture_output=True, text=True, timeout=300)


failures = 0


def check(name, cond, why=""):
    global failures
    if cond:
        print("PASS: %s" % name)
    else:
        failures += 1
        print("FAIL: %s: %s" % (name, why))


def main():
    if not os.access(IOTPROF, os.X_OK):
        print("FAIL: campaign: %s is not built" % IOTPROF)
        return 1
    tmp = tempfile.mkdtemp(prefix="iotprof-campaign-")
    try:
        src = os.path.join(tmp, "recorded")
        write_recording(src, M)

        for prune in (True, False):
            label = "prune node" if prune else "prune none"
            out = os.path.join(tmp, "out-%s" % ("node" if prune else "none"))
            r = replay(src, out, "--prune", "node" if prune else "none")
            check("replay (%s) exits 0" % label, r.returncode == 0, r.stderr[-2000:])
            if r.returncode:
                continue
            want = expected_shape(expected_tree(M, prune))
            got = tree_shape(out)
            check("tree (%s) equals the model's walk (%d nodes)" % (label, len(want)), got == want,
                  difference(got, want))
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            nodes = expected_tree(M, prune)
            first = {key(n["flow"]) for n in nodes if n["depth"] == 1}
            hidden = {key(n["flow"]) for n in nodes if n["depth"] > 1} - first
            check("summary first_level (%s)" % label, {key(f) for f in s["first_level"]} == first,
                  "%s vs %s" % (s["first_level"], first))
            check("summary hidden and robustness score (%s)" % label,
                  {key(f) for f in s["hidden"]} == hidden and s["robustness_score"] == len(hidden),
                  "%s vs %s" % (s["hidden"], hidden))
            check("summary failed_nodes (%s)" % label,
                  s["failed_nodes"] == sum(n["status"] == "failed" for n in nodes), str(s["failed_nodes"]))
            check("no noise in any signature (%s)" % label, key(NOISE) not in {key(n["flow"]) for n in nodes[1:]}
                  and all("10.78.0.123" not in json.dumps(f) for f in s["first_level"] + s["hidden"]))
            check("ephemeral ports null, fixed kept (%s)" % label,
                  all(f["sport"] is None for f in s["first_level"] if f["proto"] == "tcp")
                  and any(f["dport"] == 9999 for f in s["first_level"]), json.dumps(s["first_level"]))
            for name in ("tree.dot", "state.json", "experiment.yaml"):
                check("%s written (%s)" % (name, label), os.path.exists(os.path.join(out, name)))

        # A blocked set never recorded: reported, not failed.
        src2 = os.path.join(tmp, "recorded-gap")
        gap = [dict(B, sport=None)]
        write_recording(src2, M, skip=[gap])
        out = os.path.join(tmp, "out-gap")
        r = replay(src2, out)
        check("replay with a gap exits 0", r.returncode == 0, r.stderr[-2000:])
        if r.returncode == 0:
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            with open(os.path.join(out, "tree.json")) as f:
                t = json.load(f)
            nr = [n for n in t["nodes"] if n["status"] == "not-recorded"]
            check("the unrecorded blocked set is not-recorded", s["not_recorded"] == 1 and len(nr) == 1
                  and key(nr[0]["flow"]) == key(gap[0]), json.dumps(nr))

        # Killed at random points, resumed: the same tree, nothing repeated.
        # The unpruned walk runs many experiments: room to be killed in.
        ref = tree_shape(os.path.join(tmp, "out-none"))
        rnd = random.Random(5)
        for trial in range(4):
            out = os.path.join(tmp, "out-kill-%d" % trial)
            p = subprocess.Popen([IOTPROF, "replay", src, "--device", DEV, "--phone", PHONE, "--out", out,
                                  "--iterations", str(M), "--prune", "none"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            # Killed after a random number of iterations: mid-experiment.
            target, seen = rnd.randrange(1, 300), 0
            for line in p.stderr:
                seen += " iteration " in line
                if seen >= target:
                    break
            p.send_signal(signal.SIGKILL if trial % 2 == 0 else signal.SIGINT)
            p.communicate(timeout=60)
            with open(os.path.join(out, "state.json")) as f:
                before = json.load(f)
            finished = {e["id"]: e for e in before["experiments"]}
            r = subprocess.run([IOTPROF, "run", "--resume", out, "--quiet"], capture_output=True, text=True,
                               timeout=300)
            check("resume after %s #%d exits 0" % ("SIGKILL" if trial % 2 == 0 else "SIGINT", trial),
                  r.returncode == 0, r.stderr[-2000:])
            if r.returncode:
                continue
            check("resumed tree #%d equals the uninterrupted one" % trial, tree_shape(out) == ref)
            with open(os.path.join(out, "state.json")) as f:
                after = json.load(f)
            kept = all(after["experiments"][i]["traces"] == e["traces"] for i, e in finished.items())
            ids = [e["id"] for e in after["experiments"]]
            check("resume #%d repeated no finished experiment (%d were done)" % (trial, len(finished)),
                  kept and ids == sorted(set(ids)) and after["status"] == "finished")

        # A campaign directory that is neither kind is refused clearly.
        r = replay(os.path.join(tmp, "nowhere"), os.path.join(tmp, "out-bad"))
        check("replay of a missing directory fails with a message", r.returncode != 0 and "nowhere" in r.stderr,
              r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
