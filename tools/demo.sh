#!/usr/bin/env bash
# make demo: the main job on a simulated smart home.
#
# simhome builds a home from network namespaces after a spec modelled on the
# research's TP-Link HS110 plug (configs/simhome/tplink-plug.yaml): a gateway
# with dnsmasq, the plug, the phone with its app, and a "cloud" with DNS,
# TLS, HTTP and relay servers.  iotprof-load attaches to the gateway's
# ports; `iotprof run` toggles the plug m = 5 times per experiment, blocks
# what it saw and walks the tree of blocking experiments, with compressed
# timing (2 s captures, 0.5-1 s pauses).  It prints the progress, the tree,
# the summary and whether the tree equals what the spec implies (simhome
# expect), writes tree.svg, and tears the home down.
#
# tools/demo-flows.sh is the smaller demo of the flow engine alone.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (sudo make demo)" >&2; exit 1; }
OUT=${DEMO_OUT:-$PWD/build/demo-campaign}
SPEC=configs/simhome/tplink-plug.yaml

rm -rf "$OUT"
tools/simhome/simhome down >/dev/null 2>&1 || true
echo "== simhome campaign $SPEC --device tplink-plug --event toggle (m = 5, capture 2 s, pause 0.5-1 s)"
start=$(date +%s)
tools/simhome/simhome campaign "$SPEC" --device tplink-plug --event toggle --out "$OUT" \
	--iterations 5 --capture 2 --pause 0.5-1
echo
echo "== the tree ($OUT/tree.json; hidden Flow IDs marked *)"
python3 - "$OUT/tree.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
kids = {}
for n in t["nodes"]:
    kids.setdefault(n["parent"], []).append(n)
def label(f):
    app = f["app"] or {}
    extra = " ".join("%s %s" % (k, " ".join(str(x) for x in v.values())) for k, v in app.items())
    port = lambda p: "*" if p is None else str(p)
    return "%s %s:%s -> %s:%s %s" % (f["proto"], f["src"], port(f["sport"]), f["dst"], port(f["dport"]), extra)
def walk(n, depth):
    for c in kids.get(n["id"], []):
        if c["status"] == "pruned":
            continue
        print("%s%s %s  [%s, m+ %s]" % ("  " * depth, "*" if c.get("hidden") else "-", label(c["flow"]),
                                      c["status"], c.get("m_plus")))
        walk(c, depth + 1)
walk(t["nodes"][0], 0)
PY
echo
echo "== written: $OUT/tree.svg, tree.dot, tree.json, summary.json ($(($(date +%s) - start)) s)"
