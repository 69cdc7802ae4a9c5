#!/usr/bin/env python3
"""`iotprof replay` end to end on one event of the public dataset
(../shared/data/forest, TP-Link plug toggle): every capture runs through the
XDP program, the walk finds the recorded experiments by their blocked sets,
and the results hold the dataset's device flows - first-level and hidden -
as the authors' tree.json has them."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("IOTPROF_BIN", os.path.join(ROOT, "build"))
SHARED = os.environ.get("IOTPROF_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
EVENT = os.path.join(SHARED, "data", "forest", "devices", "plugs", "TpLinkPlug", "node_pruning", "toggle")
DEVICE, PHONE = "192.168.1.135", "192.168.1.110"
NAME = "replay-forest"
failures = 0


def check(name, cond, why=""):
    global failures
    print(("PASS: %s %s" % (NAME, name)) if cond else ("FAIL: %s %s: %s" % (NAME, name, why)))
    failures += not cond


def has(flows, src, dst, proto, sport, dport, app=None):
    """A Flow ID is bidirectional: its source is whoever sent its first data
    packet, which may be the server in captures that begin mid-connection."""
    return any(f["proto"] == proto and f["app"] == app and
               ((f["src"], f["dst"], f["sport"], f["dport"]) == (src, dst, sport, dport) or
                (f["src"], f["dst"], f["sport"], f["dport"]) == (dst, src, dport, sport)) for f in flows)


def main():
    if not os.path.isdir(EVENT):
        print("SKIP: %s: %s is absent (../shared holds the dataset)" % (NAME, EVENT))
        return 0
    if os.geteuid() != 0:
        print("SKIP: %s: needs root for BPF_PROG_TEST_RUN" % NAME)
        return 0
    tmp = tempfile.mkdtemp(prefix="iotprof-replay-")
    try:
        out = os.path.join(tmp, "tplink")
        r = subprocess.run([os.path.join(BIN, "iotprof"), "replay", EVENT, "--device", DEVICE, "--phone", PHONE,
                            "--out", out, "--quiet"], capture_output=True, text=True, timeout=600)
        check("exits 0", r.returncode == 0, r.stderr[-1500:])
        if r.returncode:
            return 1
        s = json.load(open(os.path.join(out, "summary.json")))
        t = json.load(open(os.path.join(out, "tree.json")))
        st = json.load(open(os.path.join(out, "state.json")))
        first, hidden = s["first_level"], s["hidden"]
        dns = {"dns": {"qname": "use1-api.tplinkra.com", "qtype": "A"}}
        # The root's device flows in the authors' tree.json.
        check("first level: the app's local control (tcp 9999)", has(first, PHONE, DEVICE, "tcp", None, 9999), first)
        check("first level: the DNS query for the cloud API", has(first, DEVICE, "192.168.1.1", "udp", None, 53, dns),
              first)
        check("first level: the cloud API, named by DNS", has(first, DEVICE, "use1-api.tplinkra.com", "tcp", None, 443),
              first)
        check("first level: the plug's UDP 9999 replies (fixed source port)",
              has(first, DEVICE, PHONE, "udp", 9999, None), first)
        # The device's hidden flow in the authors' tree (depth 3).
        check("hidden: the fallback to n-devs.tplinkcloud.com",
              has(hidden, DEVICE, "n-devs.tplinkcloud.com", "tcp", None, 443), hidden)
        expanded = [e for e in st["experiments"] if e["status"] == "expanded"]
        check("recorded experiments found by their blocked sets (%d of the 10 matched directories)" % len(expanded),
              len(expanded) >= 8, [e["blocked"] for e in expanded])
        check("unrecorded blocked sets are not-recorded, none failed",
              s["not_recorded"] > 0 and s["failed_nodes"] == 0, "not_recorded %s failed %s" % (s["not_recorded"],
                                                                                     s["failed_nodes"]))
        check("the robustness score counts the hidden Flow IDs", s["robustness_score"] == len(hidden))
        check("every node's snapshot exists", all(os.path.exists(os.path.join(out, tr["file"]))
                                                  for e in expanded for tr in e["traces"]))
        check("tree.json root has the first-level Flow IDs as children",
              sum(1 for n in t["nodes"] if n["parent"] == 0) == len(first))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
