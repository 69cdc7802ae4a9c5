#!/usr/bin/env python3
"""simhome expect: the tree a campaign must find, from a spec alone.

- every event of every shipped spec (configs/simhome/*.yaml) gives a
  well-formed tree in the tree.json schema, with first_level and hidden
  consistent with it;
- the TP-Link plug toggle's first-level and hidden Flow IDs, checked by hand;
- the semantics on small specs (resolver fallback, HTTP request rules, a
  communication that is not the device's, noise);
- spec errors name file:line:column and the key.

No root, no network: expect is pure.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.environ.get("IOTPROF_ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("IOTPROF_BIN", os.path.join(ROOT, "build"))
SIM = os.environ.get("SIMHOME_SIM", os.path.join(BIN, "tools", "simhome", "simhome-sim"))
STATUSES = {"pending", "expanded", "failed", "not-recorded", "pruned", "leaf"}
failed = 0


def result(ok, name, why=""):
    global failed
    if ok:
        print(f"PASS: {name}")
    else:
        failed += 1
        print(f"FAIL: {name}: {why}")


def run(*args):
    return subprocess.run([SIM, *args], capture_output=True, text=True, timeout=60)


def expect(spec, device, event, *extra):
    p = run("expect", spec, "--device", device, "--event", event, *extra)
    if p.returncode:
        raise RuntimeError(p.stderr.strip())
    return json.loads(p.stdout)


def flow(src, dst, proto, sport, dport, app=None):
    return {"src": src, "dst": dst, "proto": proto, "sport": sport, "dport": dport, "app": app}


def dns(src, resolver, name):
    return flow(src, resolver, "udp", None, 53, {"dns": {"qname": name, "qtype": "A"}})


def key(f):
    return json.dumps(f, sort_keys=True)


def problems(d):
    """What is wrong with an expect document (empty when well formed)."""
    out = []
    nodes = d["tree"]["nodes"]
    if d["tree"].get("version") != 1:
        out.append("tree.version is not 1")
    for i, n in enumerate(nodes):
        if n["id"] != i:
            out.append(f"node {i}: id {n['id']}")
        if n["status"] not in STATUSES:
            out.append(f"node {i}: status {n['status']}")
        if i == 0:
            if n["parent"] != -1 or n["depth"] != 0 or n["flow"] is not None or n["blocked"]:
                out.append("the root is not parent -1, depth 0, no flow, nothing blocked")
            continue
        p = nodes[n["parent"]] if 0 <= n["parent"] < i else None
        if p is None:
            out.append(f"node {i}: parent {n['parent']} is not an earlier node")
            continue
        if n["depth"] != p["depth"] + 1 or n["depth"] < nodes[i - 1]["depth"]:
            out.append(f"node {i}: depth {n['depth']} breaks breadth-first order")
        if p["status"] != "expanded":
            out.append(f"node {i}: its parent is {p['status']}, not expanded")
        if set(n["flow"]) != {"src", "dst", "proto", "sport", "dport", "app"}:
            out.append(f"node {i}: flow members {sorted(n['flow'])}")
        if n["blocked"] != p["blocked"] + [n["flow"]]:
            out.append(f"node {i}: blocked is not its ancestors' Flow IDs and its own")
        if key(n["flow"]) in {key(b) for b in p["blocked"]}:
            out.append(f"node {i}: a child repeats a blocked Flow ID")
        if n["status"] in ("expanded", "leaf") and n["m_plus"] < 1:
            out.append(f"node {i}: {n['status']} with m+ {n['m_plus']}")
    first = [n["flow"] for n in nodes if n["depth"] == 1]
    deeper = {key(n["flow"]) for n in nodes if n["depth"] > 1} - {key(f) for f in first}
    if [key(f) for f in d["first_level"]] != [key(f) for f in first]:
        out.append("first_level is not the root's children")
    if {key(f) for f in d["hidden"]} != deeper:
        out.append("hidden is not what appears only deeper")
    if d["robustness"] != len(d["hidden"]):
        out.append("robustness is not the number of hidden Flow IDs")
    for n in nodes:
        if n["flow"] and n["hidden"] != (key(n["flow"]) in deeper):
            out.append(f"node {n['id']}: hidden flag")
            break
    return out


def test_shipped():
    specs = sorted(glob.glob(os.path.join(ROOT, "configs", "simhome", "*.yaml")))
    devices, events = set(), 0
    for spec in specs:
        name = os.path.basename(spec)
        plan = run("plan", spec)
        result(plan.returncode == 0, f"shipped spec {name} is valid", plan.stderr.strip())
        for line in plan.stdout.splitlines():
            part = line.split()
            if part[0] != "event":
                continue
            devices.add(part[1])
            events += 1
            try:
                d = expect(spec, part[1], part[2])
                bad = problems(d)
                result(not bad, f"expect {name} {part[1]} {part[2]}: well-formed tree of "
                       f"{len(d['tree']['nodes'])} nodes", "; ".join(bad[:5]))
            except (RuntimeError, ValueError, KeyError) as e:
                result(False, f"expect {name} {part[1]} {part[2]}", str(e))
    result(len(devices) >= 5 and events >= 10, "configs/simhome holds at least 5 devices and 10 events",
           f"{len(devices)} devices, {events} events")


def test_tplink_by_hand():
    spec = os.path.join(ROOT, "configs", "simhome", "tplink-plug.yaml")
    phone, plug, gw = "10.77.0.20", "10.77.0.35", "10.77.0.1"
    first = [
        flow(phone, "255.255.255.255", "udp", None, 9999),
        flow(phone, "224.0.0.251", "udp", 5353, 5353),
        dns(phone, gw, "app.tplinkcloud.example"),
        flow(phone, "app.tplinkcloud.example", "tcp", None, 443),
        flow(phone, plug, "tcp", None, 9999),
        dns(plug, gw, "devs.tplinkcloud.example"),
        flow(plug, "devs.tplinkcloud.example", "tcp", None, 443),
    ]
    hidden = [
        dns(phone, gw, "wap.tplinkcloud.example"),
        flow(phone, "wap.tplinkcloud.example", "tcp", None, 443),
        flow(plug, "10.78.0.12", "tcp", None, 443),
        dns(plug, "10.78.0.53", "devs.tplinkcloud.example"),
    ]
    d = expect(spec, "tplink-plug", "toggle")
    result([key(f) for f in d["first_level"]] == [key(f) for f in first],
           "tplink toggle: the 7 first-level Flow IDs, in order", json.dumps(d["first_level"]))
    result(sorted(key(f) for f in d["hidden"]) == sorted(key(f) for f in hidden),
           "tplink toggle: the 4 hidden Flow IDs (cloud path of the command, public resolver)",
           json.dumps(d["hidden"]))
    nodes = d["tree"]["nodes"]
    count = {s: sum(n["status"] == s for n in nodes) for s in STATUSES}
    result(len(nodes) == 47 and count["failed"] == 5 and count["pruned"] == 35 and count["expanded"] == 7,
           "tplink toggle: 47 nodes, 7 expanded, 5 failed, 35 pruned", str(count))
    # blocking the local command makes the app go through the cloud relay
    local = next(n for n in nodes if n["depth"] == 1 and n["flow"] == first[4])
    children = [n["flow"] for n in nodes if n["parent"] == local["id"]]
    result(all(key(h) in {key(c) for c in children} for h in hidden[:3]),
           "tplink toggle: local control blocked -> the cloud fallback's 3 flows are its children")
    fails = [n["flow"] for n in nodes if n["status"] == "failed" and n["depth"] == 1]
    result(fails == [first[6]], "tplink toggle: blocking the state report fails the event", json.dumps(fails))


def write(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    f.write(text)
    f.close()
    return f.name


HOME = """home:
  lan: 10.77.0.0/24
  phone: 10.77.0.20
  cloud:
    names: {a.example: [10.78.0.10], b.example: [10.78.0.11]}
    resolvers: [10.78.0.53]
devices:
  - name: d
    ip: 10.77.0.35
    events:
"""


def test_semantics():
    dev, phone, gw = "10.77.0.35", "10.77.0.20", "10.77.0.1"
    cases = [
        ("every resolver attempt is its own DNS flow, and the fallback is hidden",
         """      e:
        needs:
          - alternatives:
              - [ {from: device, to: a.example, proto: tls, resolvers: [gateway, 10.78.0.53]} ]
""", [dns(dev, gw, "a.example"), flow(dev, "a.example", "tcp", None, 443)],
         [dns(dev, "10.78.0.53", "a.example")]),
        ("an HTTP request rule lets the handshake pass: the fallback still happens",
         """      e:
        needs:
          - alternatives:
              - [ {from: device, to: 10.78.0.10, proto: http, method: POST, uri: /x, dport: 8080} ]
              - [ {from: device, to: 10.78.0.11, proto: coap, type: CON, code: POST, uri: /y/z} ]
""", [flow(dev, "10.78.0.10", "tcp", None, 8080, {"http": {"method": "POST", "uri": "/x"}})],
         [flow(dev, "10.78.0.11", "udp", None, 5683, {"coap": {"type": "CON", "code": "0.02", "uri": "/y/z"}})]),
        ("flows of hosts that are neither the device nor the phone are not the device's",
         """      e:
        needs:
          - alternatives:
              - [ {from: gateway, to: 10.78.0.10, proto: tcp, dport: 7000},
                  {from: a.example, to: device, proto: udp, dport: 7001, sport: 7002} ]
""", [flow("10.78.0.10", dev, "udp", 7002, 7001)], []),
        ("noise and a name nobody answers",
         """      e:
        extras:
          - {from: phone, to: nowhere.example, proto: tls}
        needs:
          - alternatives:
              - [ {from: device, to: b.example, proto: udp, dport: 9000} ]
        noise:
          - {from: device, to: a.example, proto: tcp, dport: 1234, probability: 0.9}
""", [dns(phone, gw, "nowhere.example"), dns(dev, gw, "b.example"), flow(dev, "b.example", "udp", None, 9000)],
         []),
    ]
    for name, events, want_first, want_hidden in cases:
        path = write(HOME + events)
        try:
            d = expect(path, "d", "e")
            ok = ([key(f) for f in d["first_level"]] == [key(f) for f in want_first] and
                  sorted(key(f) for f in d["hidden"]) == sorted(key(f) for f in want_hidden) and
                  not problems(d))
            result(ok, f"semantics: {name}", json.dumps({"first": d["first_level"], "hidden": d["hidden"]}))
        except (RuntimeError, ValueError) as e:
            result(False, f"semantics: {name}", str(e))
        finally:
            os.unlink(path)


def test_errors():
    cases = [
        ("unknown key", HOME + "      e:\n        needz: []\n", ":12:9:", "unknown key \"needz\""),
        ("tcp without a port", HOME + "      e:\n        extras:\n          - {from: device, to: a.example, proto: tcp}\n",
         ":13:13:", "\"dport\" is missing"),
        ("unknown protocol", HOME + "      e:\n        extras:\n          - {from: device, to: a.example, proto: quic, dport: 1}\n",
         ":13:50:", "expected tcp, udp, tls, http, coap or dns"),
        ("a device outside the LAN", HOME.replace("ip: 10.77.0.35", "ip: 10.99.0.35") + "      e: {}\n",
         ":9:9:", "not a host address of the LAN"),
        ("no phone in the home", HOME.replace("  phone: 10.77.0.20\n", "") +
         "      e:\n        extras:\n          - {from: phone, to: device, proto: udp, dport: 9}\n",
         ":12:20:", "the home has no phone"),
        ("an HTTP key on a TLS flow", HOME + "      e:\n        extras:\n          - {from: device, to: a.example, proto: tls, method: GET}\n",
         ":13:63:", "only for proto http"),
        ("a probability outside noise", HOME + "      e:\n        extras:\n          - {from: device, to: a.example, proto: tls, probability: 0.5}\n",
         ":13:68:", "only noise has a probability"),
        ("not YAML", HOME + "      e: [\n", ":12:", "did not find expected node content"),
    ]
    for name, text, where, what in cases:
        path = write(text)
        try:
            p = run("check", path)
            ok = p.returncode == 1 and (path + where) in p.stderr and what in p.stderr
            result(ok, f"spec error: {name} names {where.strip(':') or 'the place'}", p.stderr.strip()[:300])
        finally:
            os.unlink(path)
    p = run("expect", os.path.join(ROOT, "configs", "simhome", "bulb.yaml"), "--device", "bulb", "--event", "nope")
    result(p.returncode == 1 and "no event \"nope\"" in p.stderr, "expect names an unknown event", p.stderr.strip())


def main():
    if not os.access(SIM, os.X_OK):
        print(f"SKIP: simhome expect: {SIM} is not built")
        return 0
    test_shipped()
    test_tplink_by_hand()
    test_semantics()
    test_errors()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
