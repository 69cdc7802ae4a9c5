#!/usr/bin/env python3
"""iotprof merge and iotprof export --mud on two campaigns of one camera.

The campaigns' tree.json files are written here in the documented schema
(docs/RESULTS.md), so the test needs no kernel.  The profile must list
every Flow ID once, hidden only when hidden in every event it appears in;
the MUD file must have RFC 8520's structure (the ietf-mud:mud leaves,
policies naming ACLs that exist, ACEs with matches and actions) and an
ACE in each direction for every Flow ID of the device, hidden ones
included and named so: the LAN's resolver and NTP servers as MUD
controllers, unnamed peers by address with a comment.  Every file written
is validated with yanglint against the RFC 8520/8519 YANG modules in
../shared/yang and our extension module in yang/ (SKIP without them)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("IOTPROF_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
YANG = os.path.join(SHARED, "yang")
OUR_YANG = os.path.join(ROOT, "yang", "iotprof-mud@2026-12-08.yang")
BIN = os.path.join(os.environ.get("IOTPROF_BIN", os.path.join(ROOT, "build")), "iotprof")
DEVICE = {"name": "cam", "addresses": ["192.168.1.50", "fd00::50"]}
failed = 0


def flow(src, dst, proto, dport, sport=None, app=None):
    return {"src": src, "dst": dst, "proto": proto, "sport": sport, "dport": dport, "app": app}


CLOUD = flow("192.168.1.50", "api.cam.example", "tcp", 443)
DNS = flow("192.168.1.50", "192.168.1.1", "udp", 53, app={"dns": {"qname": "api.cam.example", "qtype": "A"}})
NTP = flow("192.168.1.50", "203.0.113.7", "udp", 123)
LAN = flow("192.168.1.20", "192.168.1.50", "tcp", 8080, app={"http": {"method": "GET", "uri": "/status"}})
BACKUP = flow("192.168.1.50", "backup.cam.example", "tcp", 8883)
DNS2 = flow("192.168.1.50", "8.8.8.8", "udp", 53, app={"dns": {"qname": "api.cam.example", "qtype": "A"}})
V6 = flow("fd00::50", "v6.cam.example", "tcp", 443)
WILD = flow("192.168.1.50", "relay.cam.example", "udp", None)
PHONE = flow("192.168.1.20", "app.cam.example", "tcp", 443)     # not the device's
DNS6 = flow("fd00::50", "fd00::1", "udp", 53, app={"dns": {"qname": "api.cam.example", "qtype": "AAAA"}})
ADDR4 = flow("192.168.1.50", "52.51.231.255", "tcp", 443)       # hidden, no name seen
ADDR6 = flow("fd00::50", "2001:db8::7", "tcp", 8883)            # hidden, no name seen

# (flow, parent index, status); the root is added in front
TOGGLE = [(CLOUD, 0, "expanded"), (DNS, 0, "expanded"), (LAN, 0, "failed"), (PHONE, 0, "leaf"),
          (BACKUP, 1, "failed"), (WILD, 1, "leaf"), (DNS, 1, "pruned"), (DNS2, 2, "failed")]
BOOT = [(CLOUD, 0, "expanded"), (DNS, 0, "leaf"), (NTP, 0, "leaf"), (DNS2, 0, "leaf"), (DNS6, 0, "leaf"),
        (BACKUP, 1, "failed"), (V6, 1, "failed"), (ADDR4, 1, "failed"), (ADDR6, 1, "failed")]
EXPECTED_HIDDEN = {"toggle": [BACKUP, WILD, DNS2], "boot": [BACKUP, V6, ADDR4, ADDR6]}
PROFILE_HIDDEN = [BACKUP, WILD, V6, ADDR4, ADDR6]   # DNS2 is first-level at boot
DEVICE_FLOWS = [CLOUD, DNS, NTP, LAN, BACKUP, DNS2, V6, WILD, DNS6, ADDR4, ADDR6]


def key(f):
    return json.dumps(f, sort_keys=True)


def write_tree(path, event, spec, device=DEVICE):
    """A campaign directory holding tree.json as docs/RESULTS.md defines it."""
    nodes = [{"id": 0, "parent": -1, "depth": 0, "flow": None, "status": "expanded", "m_plus": 20,
              "blocked": [], "hidden": False}]
    first = {key(f) for f, parent, _ in spec if parent == 0}
    for f, parent, status in spec:
        depth = nodes[parent]["depth"] + 1
        nodes.append({"id": len(nodes), "parent": parent, "depth": depth, "flow": f, "status": status,
                      "m_plus": 0 if status == "failed" else 20,
                      "blocked": nodes[parent]["blocked"] + [f], "hidden": key(f) not in first})
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "tree.json"), "w") as out:
        json.dump({"version": 1, "device": device, "event": event, "iterations": 20, "prune": "node",
                   "stopped_by": None, "nodes": nodes}, out, indent=1)
    return path


def run(*args, env=None):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


def check(name, ok, why=""):
    global failed
    if ok:
        print("PASS: mud %s" % name)
    else:
        failed += 1
        print("FAIL: mud %s: %s" % (name, why))
    return ok


def keys(flows):
    return sorted(key(f) for f in flows)


def case_merge(tmp, toggle, boot):
    profile = os.path.join(tmp, "profile.json")
    r = run("merge", toggle, boot, "--out", profile)
    if not check("merge runs", r.returncode == 0, r.stderr.strip()):
        return None
    with open(profile) as f:
        p = json.load(f)
    ok = p.get("version") == 1 and p["device"]["name"] == "cam" and \
        sorted(p["device"]["addresses"]) == sorted(DEVICE["addresses"])
    check("profile device", ok, json.dumps(p.get("device")))
    events = {e["event"]: e for e in p["events"]}
    check("profile events", sorted(events) == ["boot", "toggle"], sorted(events))
    for name, spec in (("toggle", TOGGLE), ("boot", BOOT)):
        e = events.get(name, {"first_level": [], "hidden": []})
        first = [f for f, parent, _ in spec if parent == 0]
        check("event %s first level" % name, keys(e["first_level"]) == keys(first))
        check("event %s hidden" % name, keys(e["hidden"]) == keys(EXPECTED_HIDDEN[name]),
              json.dumps(e["hidden"]))
        check("event %s robustness score" % name, e.get("robustness_score") == len(EXPECTED_HIDDEN[name]))
    flows = {key(f["flow"]): f for f in p["flows"]}
    check("profile lists every Flow ID once", len(flows) == len(p["flows"]) and
          sorted(flows) == keys(DEVICE_FLOWS + [PHONE]))
    wrong = [k for k, f in flows.items() if f["hidden"] != (k in keys(PROFILE_HIDDEN))]
    check("profile hidden = hidden in every event it appears in", not wrong, wrong)
    check("profile flow events", sorted(flows[key(DNS2)]["events"]) == ["boot", "toggle"] and
          flows[key(V6)]["events"] == ["boot"] and flows[key(WILD)]["events"] == ["toggle"])
    return profile


def case_merge_refusals(tmp, toggle, boot):
    other = write_tree(os.path.join(tmp, "bulb-on"), "on", [(CLOUD, 0, "leaf")],
                       {"name": "bulb", "addresses": ["192.168.1.51"]})
    r = run("merge", toggle, other, "--out", os.path.join(tmp, "x.json"))
    check("merge refuses another device", r.returncode != 0 and "cam" in r.stderr and "bulb" in r.stderr
          and "--device" in r.stderr and not os.path.exists(os.path.join(tmp, "x.json")), r.stderr.strip())
    r = run("merge", "--device", "cam", toggle, other, "--out", os.path.join(tmp, "forced.json"))
    ok = r.returncode == 0
    if ok:
        with open(os.path.join(tmp, "forced.json")) as f:
            ok = json.load(f)["device"]["name"] == "cam"
    check("merge --device forces", ok, r.stderr.strip())
    r = run("merge", toggle, toggle)
    check("merge refuses one event twice", r.returncode != 0 and "toggle" in r.stderr, r.stderr.strip())
    bad = os.path.join(tmp, "bad")
    os.makedirs(bad)
    with open(os.path.join(bad, "tree.json"), "w") as f:
        f.write('{"version": 1, "nodes": [}')
    r = run("merge", toggle, bad)
    check("merge names a broken tree.json", r.returncode != 0 and os.path.join(bad, "tree.json") in r.stderr,
          r.stderr.strip())


def l3_of(ace):
    m = ace["matches"]
    return m.get("ipv4") or m.get("ipv6") or {}


def ace_covers(ace, f, from_device):
    """Does this ACE let the packets of Flow ID f through in this direction?"""
    m, l3 = ace["matches"], l3_of(ace)
    dev_is_src = f["src"] in DEVICE["addresses"]
    peer = f["dst"] if dev_is_src else f["src"]
    dev_port, peer_port = (f["sport"], f["dport"]) if dev_is_src else (f["dport"], f["sport"])
    proto = {"tcp": 6, "udp": 17}[f["proto"]]
    if l3.get("protocol") != proto:
        return False
    side = "dst" if from_device else "src"
    net = "%s-%s-network" % ("destination" if from_device else "source", "ipv6" if ":" in peer else "ipv4")
    local = peer.startswith("192.168.") or peer.startswith("fd")
    controller = m.get("ietf-mud:mud", {}).get("controller")
    is_addr = bool(re.match(r"^[0-9.]+$", peer)) or ":" in peer
    if is_addr and peer_port == 53 and local:
        if controller != "urn:ietf:params:mud:dns" or set(l3) != {"protocol"}:
            return False
    elif is_addr and peer_port == 123:
        if controller != "urn:ietf:params:mud:ntp" or set(l3) != {"protocol"}:
            return False
    elif is_addr:
        if local:
            if m.get("ietf-mud:mud", {}).get("local-networks") != [None]:
                return False
        elif l3.get(net) != peer + ("/128" if ":" in peer else "/32"):
            return False
    elif l3.get("ietf-acldns:%s-dnsname" % side) != peer:
        return False
    l4 = m.get(f["proto"], {})
    src_port, dst_port = (dev_port, peer_port) if from_device else (peer_port, dev_port)
    for name, port in (("source-port", src_port), ("destination-port", dst_port)):
        want = None if port is None else {"operator": "eq", "port": port}
        if l4.get(name) != want:
            return False
    if f["proto"] == "tcp" and l4.get("ietf-mud:direction-initiated") != \
            ("from-device" if dev_is_src else "to-device"):
        return False
    return True


def check_mud_structure(name, mud, url=None):
    problems = []
    top = mud.get("ietf-mud:mud", {})
    for leaf, test in (("mud-version", lambda v: v == 1),
                       ("mud-url", lambda v: isinstance(v, str) and v.startswith("https://") and
                        (url is None or v == url)),
                       ("last-update", lambda v: isinstance(v, str) and
                        re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", v)),
                       ("cache-validity", lambda v: isinstance(v, int) and 1 <= v <= 168),
                       ("is-supported", lambda v: isinstance(v, bool)),
                       ("systeminfo", lambda v: isinstance(v, str) and 1 <= len(v) <= 60)):
        if leaf not in top or not test(top[leaf]):
            problems.append("ietf-mud:mud/%s = %r" % (leaf, top.get(leaf)))
    acls = {a.get("name"): a for a in mud.get("ietf-access-control-list:acls", {}).get("acl", [])}
    referenced = []
    for policy in ("from-device-policy", "to-device-policy"):
        for ref in top.get(policy, {}).get("access-lists", {}).get("access-list", []):
            referenced.append(ref.get("name"))
            if ref.get("name") not in acls:
                problems.append("%s names ACL %r, which does not exist" % (policy, ref.get("name")))
    for aname, acl in acls.items():
        if aname not in referenced:
            problems.append("ACL %r is in no policy" % aname)
        if acl.get("type") not in ("ipv4-acl-type", "ipv6-acl-type") or not aname or len(aname) > 64:
            problems.append("ACL %r: type %r" % (aname, acl.get("type")))
        aces = acl.get("aces", {}).get("ace", [])
        names = [a.get("name") for a in aces]
        if not aces or len(set(names)) != len(names):
            problems.append("ACL %r: no ACE or duplicate ACE names" % aname)
        family = "ipv4" if acl.get("type") == "ipv4-acl-type" else "ipv6"
        for ace in aces:
            if not ace.get("matches") or ace.get("actions") != {"forwarding": "accept"} or \
                    not ace.get("name") or len(ace["name"]) > 64:
                problems.append("ACE %r: needs a name, matches and actions.forwarding accept"
                                % ace.get("name"))
            if family not in ace.get("matches", {}):
                problems.append("ACE %r: no %s match in an %s ACL" % (ace.get("name"), family, family))
    check(name, not problems, "; ".join(problems))
    return acls, top


def aces_of(acls, top, policy):
    names = [r["name"] for r in top.get(policy, {}).get("access-lists", {}).get("access-list", [])]
    return [ace for n in names if n in acls for ace in acls[n]["aces"]["ace"]]


def case_mud(tmp, profile):
    out = os.path.join(tmp, "cam.mud.json")
    url = "https://mud.example.com/cam.json"
    r = run("export", "--mud", "--mud-url", url, "--out", out, profile)
    if not check("export --mud runs", r.returncode == 0, r.stderr.strip()):
        return
    with open(out) as f:
        mud = json.load(f)
    acls, top = check_mud_structure("MUD structure (RFC 8520)", mud, url)
    fr, to = aces_of(acls, top, "from-device-policy"), aces_of(acls, top, "to-device-policy")
    missing = []
    for fl in DEVICE_FLOWS:
        for direction, aces in (("from", fr), ("to", to)):
            hits = [a for a in aces if ace_covers(a, fl, direction == "from")]
            if not hits:
                missing.append("%s %s-device" % (key(fl), direction))
            elif any(fl is h for h in PROFILE_HIDDEN) != all("hidden" in a["name"] for a in hits):
                missing.append("%s: hidden mark %s" % (key(fl), [a["name"] for a in hits]))
    check("an ACE per direction for every Flow ID of the device, hidden ones marked", not missing,
          "; ".join(missing))
    text = json.dumps(mud)
    check("names are dnsname matches", '"ietf-acldns:dst-dnsname": "backup.cam.example"' in text and
          '"ietf-acldns:src-dnsname": "api.cam.example"' in text)
    check("the IPv6 Flow ID is in an ipv6-acl-type ACL",
          any(a["type"] == "ipv6-acl-type" and "v6.cam.example" in json.dumps(a) for a in acls.values()))
    check("Flow IDs that are not the device's are left out", "app.cam.example" not in text, r.stderr)
    ctrl = {(a["type"], ace["matches"]["ietf-mud:mud"]["controller"]) for a in acls.values()
            for ace in a["aces"]["ace"] if "controller" in ace["matches"].get("ietf-mud:mud", {})}
    check("the LAN's resolver (IPv4 and IPv6) and the NTP server are MUD controllers",
          ctrl == {("ipv4-acl-type", "urn:ietf:params:mud:dns"), ("ipv6-acl-type", "urn:ietf:params:mud:dns"),
                   ("ipv4-acl-type", "urn:ietf:params:mud:ntp")}, sorted(ctrl))
    by_addr = {ace["name"]: ace for a in acls.values() for ace in a["aces"]["ace"]
               if "52.51.231.255" in ace["name"] or "2001:db8::7" in ace["name"]}
    ok = len(by_addr) == 4 and all(n.startswith("hidden-") and "hidden" in ace.get("iotprof-mud:comment", "")
                                   and "address" in ace["iotprof-mud:comment"] for n, ace in by_addr.items())
    check("unnamed hidden Flow IDs: ACEs named by the address, with a comment (IPv4 /32, IPv6 /128)",
          ok and "2001:db8::7/128" in text and "52.51.231.255/32" in text and
          top.get("extensions") == ["iotprof-mud"], sorted(by_addr))
    named = [ace for a in acls.values() for ace in a["aces"]["ace"] if "dnsname" in json.dumps(ace["matches"])]
    check("named and controller ACEs carry no comment", named and
          not any("iotprof-mud:comment" in ace for ace in named))
    validate("yanglint: the profile's MUD file", out)


def case_mud_metadata(tmp, profile):
    out = os.path.join(tmp, "meta.mud.json")
    r = run("export", "--mud", "--mud-url", "https://mud.example.com/cam.json", "--mfg-name", "Example Cameras",
            "--model-name", "Cam 2000", "--documentation", "https://example.com/cam-2000", "--out", out, profile)
    if not check("export --mud with --mfg-name, --model-name, --documentation", r.returncode == 0,
                 r.stderr.strip()):
        return
    with open(out) as f:
        top = json.load(f)["ietf-mud:mud"]
    want = {"mfg-name": "Example Cameras", "model-name": "Cam 2000",
            "documentation": "https://example.com/cam-2000",
            "systeminfo": "Example Cameras Cam 2000, as profiled by iotprof"}
    check("MUD leaves mfg-name, model-name, documentation, systeminfo",
          {k: top.get(k) for k in want} == want, {k: top.get(k) for k in want})
    validate("yanglint: the MUD file with the device's names", out)
    for args, why in ((["--documentation", "ftp://x"], "http or https URL"),
                      (["--documentation", "https://a b"], "http or https URL"),
                      (["--mfg-name", "Evil\x1b[31m"], "control characters"),
                      (["--model-name", ""], "control characters")):
        r = run("export", "--mud", profile, *args)
        check("export refuses %s %r" % (args[0], args[1]), r.returncode == 2 and why in r.stderr,
              r.stderr.strip())


def validate(name, path):
    """yanglint against the RFC 8520/8519 modules (../shared/yang) and ours."""
    if not shutil.which("yanglint"):
        print("SKIP: mud %s: yanglint is not installed (Debian libyang2-tools)" % name)
        return
    if not os.path.isdir(YANG):
        print("SKIP: mud %s: %s not found (the RFC modules live outside the repository)" % (name, YANG))
        return
    data = path if path.endswith(".json") else path + ".json"
    if data != path:
        shutil.copy(path, data)
    r = subprocess.run(["yanglint", "-D", "-p", YANG, "-p", os.path.dirname(OUR_YANG),
                        os.path.join(YANG, "ietf-mud@2019-01-28.yang"),
                        os.path.join(YANG, "ietf-access-control-list@2019-03-04.yang"),
                        os.path.join(YANG, "ietf-acldns@2019-01-28.yang"), OUR_YANG, data],
                       capture_output=True, text=True, timeout=60)
    check(name, r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
          (r.stdout + r.stderr).strip())


def case_export_campaign(tmp, toggle):
    r = run("export", "--mud", toggle, env={"SOURCE_DATE_EPOCH": "0"})
    if not check("export --mud of a campaign directory", r.returncode == 0, r.stderr.strip()):
        return
    mud = json.loads(r.stdout)
    check_mud_structure("campaign MUD structure", mud)
    with open(os.path.join(tmp, "toggle.mud.json"), "w") as f:
        f.write(r.stdout)
    validate("yanglint: a campaign's MUD file", os.path.join(tmp, "toggle.mud.json"))
    check("SOURCE_DATE_EPOCH sets last-update",
          mud["ietf-mud:mud"]["last-update"] == "1970-01-01T00:00:00+00:00")
    again = run("export", "--mud", toggle, env={"SOURCE_DATE_EPOCH": "0"})
    check("export is reproducible", again.stdout == r.stdout)


def case_export_errors(tmp, profile):
    r = run("export", profile)
    check("export without a format is refused", r.returncode == 2 and "--mud" in r.stderr, r.stderr.strip())
    r = run("export", "--mud", "--mud-url", "http://mud.example.com/x", profile)
    check("export refuses a non-https MUD URL", r.returncode == 2 and "https" in r.stderr, r.stderr.strip())
    junk = os.path.join(tmp, "junk.json")
    with open(junk, "w") as f:
        f.write('{"something": "else"}\n')
    r = run("export", "--mud", junk)
    check("export names what it cannot read", r.returncode == 1 and junk in r.stderr, r.stderr.strip())


def case_yanglint_catches(tmp):
    """The validation can fail: a file with a misspelt leaf is refused."""
    bad = os.path.join(tmp, "bad.mud.json")
    with open(bad, "w") as f:
        json.dump({"ietf-mud:mud": {"mud-version": 1, "mud-url": "https://x.example/a.json",
                                    "last-update": "2026-01-01T00:00:00+00:00", "cache-validity": 48,
                                    "is-supported": True, "systeminfo": "x", "mfg_name": "typo"}}, f)
    if not shutil.which("yanglint") or not os.path.isdir(YANG):
        return
    r = subprocess.run(["yanglint", "-D", "-p", YANG, os.path.join(YANG, "ietf-mud@2019-01-28.yang"), bad],
                       capture_output=True, text=True, timeout=60)
    check("yanglint refuses a misspelt leaf (the check can fail)", r.returncode != 0, r.stderr.strip())


def main():
    if not os.access(BIN, os.X_OK):
        print("FAIL: mud: %s is not built" % BIN)
        return 1
    probe = run("merge", "--help")
    if "unknown command" in probe.stderr:
        print("SKIP: mud: %s has no merge command yet" % BIN)
        return 0
    with tempfile.TemporaryDirectory(prefix="test_mud.") as tmp:
        toggle = write_tree(os.path.join(tmp, "cam-toggle"), "toggle", TOGGLE)
        boot = write_tree(os.path.join(tmp, "cam-boot"), "boot", BOOT)
        profile = case_merge(tmp, toggle, boot)
        case_merge_refusals(tmp, toggle, boot)
        if profile:
            case_mud(tmp, profile)
            case_mud_metadata(tmp, profile)
            case_yanglint_catches(tmp)
            case_export_campaign(tmp, toggle)
            case_export_errors(tmp, profile)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
