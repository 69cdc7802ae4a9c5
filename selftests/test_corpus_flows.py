#!/usr/bin/env python3
"""corpus-flows: offline flows of every shared capture against tshark.

For each capture under ../shared/corpus/ and ../shared/data/captures/, run
`iotprof flows --pcap FILE --json` and rebuild the same flows from tshark's
per-frame fields.  Both sides must agree on the set of (protocol, endpoints,
ports), on each flow's packet count (both directions summed) and, where it
is well defined, on the initiator.

tshark is the oracle for what each frame *is*; this script only decides
which frames the engine is specified to count (outer IP header only, at most
two VLAN tags, L4 header complete, later fragments take the first
fragment's ports).  Frames outside that specification are excluded with a
reason, printed per capture; nothing is excluded by file name.
"""
import ipaddress
import json
import os
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("IOTPROF_SHARED") or os.path.join(REPO, "..", "shared")
BIN = os.environ.get("IOTPROF_BIN") or os.path.join(REPO, "build")
CAPTURE_DIRS = ("corpus", os.path.join("data", "captures"))
NAME = "corpus-flows"

# Defragmentation off: every fragment is its own frame with its own header,
# as the engine sees it.  TCP desegmentation only costs time.  Tunnel
# dissectors are off so that no inner header can ever look like the outer one
# (we also only ever read the first occurrence of a field, which is the
# outer header's, but a disabled dissector makes that independent of order).
TSHARK_OPTS = ["-n", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
               "-o", "tcp.desegment_tcp_streams:FALSE"]
for proto in ("teredo", "gre", "vxlan", "geneve", "ayiya"):
    TSHARK_OPTS += ["--disable-protocol", proto]
FIELDS = ["frame.number", "frame.cap_len", "frame.protocols",
          "ip.src", "ip.dst", "ip.proto", "ip.hdr_len", "ip.len", "ip.id",
          "ip.flags.mf", "ip.frag_offset", "ipv6.src", "ipv6.dst", "ipv6.nxt",
          "ipv6.hopopts.nxt", "ipv6.hopopts.len_oct", "ipv6.routing.nxt",
          "ipv6.routing.len_oct", "ipv6.dstopts.nxt", "ipv6.dstopts.len_oct",
          "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more",
          "ipv6.fraghdr.ident", "ah.next_header", "ah.length",
          "tcp.srcport", "tcp.dstport", "tcp.hdr_len", "udp.srcport", "udp.dstport"]

# Mirrors of the engine's documented bounds (include/iotprof_abi.h, bpf/).
VLAN_MAX_DEPTH = 2
IPV6_EXT_MAX_CHAIN = 8
L4_MIN_HDR = {6: 20, 17: 8, 1: 4, 58: 4}     # bytes the L4 parser must load
LINK_HDR = {"null": 4, "loop": 4, "raw": 0, "sll": 16}
# IPv6 extension headers the engine walks: field prefix, and how to size it
# (None: the fixed 8-byte fragment header).
IPV6_EXT = {0: "ipv6.hopopts", 43: "ipv6.routing", 60: "ipv6.dstopts",
            44: None, 51: "ah"}
PROTO_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}   # as user/output.c


class Excluded(Exception):
    """A frame the engine is specified not to count; the message says why."""


def proto_name(num):
    return PROTO_NAMES.get(num, str(num))


def flow_key(proto, family, a, b):
    """Canonical flow key: direction-free, addresses normalised."""
    a = (ipaddress.ip_address(a[0]).compressed, a[1])
    b = (ipaddress.ip_address(b[0]).compressed, b[1])
    return (proto, family) + tuple(sorted([a, b], key=repr))


def show_key(k):
    def ep(e):
        return e[0] if e[1] is None else ("[%s]:%d" if ":" in e[0] else "%s:%d") % e
    return "%s %s <-> %s" % (k[0], ep(k[2]), ep(k[3]))


def ranges(nums, limit=40):
    """Frame numbers as '1-3,7', cut after `limit` runs."""
    runs, nums = [], sorted(nums)
    for n in nums:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in runs[:limit])
    return text + (",..." if len(runs) > limit else "")


class Frame:
    """One tshark row; field(name, i) is the i-th occurrence or None."""

    def __init__(self, line):
        self.cols = dict(zip(FIELDS, line.rstrip("\n").split("\t")))

    def field(self, name, i=0, conv=int):
        vals = self.cols.get(name, "")
        vals = vals.split(",") if vals else []
        if i >= len(vals):
            return None
        v = vals[i]
        if conv is not int:
            return v
        if v in ("True", "False"):      # booleans print as 1/0 or True/False
            return int(v == "True")
        return int(v, 16) if v.startswith("0x") else int(v)


def l3_offset(layers):
    """Where the outer IP header starts, if the engine reads it as IP at all."""
    if layers[0] in LINK_HDR:
        return LINK_HDR[layers[0]] if len(layers) == 1 else None
    # Ethernet: the engine follows 802.1Q/802.1ad tags only, then needs IP.
    if layers[:2] != ["eth", "ethertype"] or len(layers) % 2:
        return None
    tags = layers[2::2]
    if any(t not in ("vlan", "ieee8021ad") for t in tags) or len(layers[3::2]) != len(tags) \
            or any(t != "ethertype" for t in layers[3::2]):
        return None
    if len(tags) > VLAN_MAX_DEPTH:
        raise Excluded("%d VLAN tags, beyond the engine's VLAN_MAX_DEPTH" % len(tags))
    return 14 + 4 * len(tags)


def outer_packet(f):
    """The engine's view of frame f: (family, src, dst, proto, l4 offset from
    the IP header or None for a later fragment, fragment key or None, first
    fragment?).  Raises Excluded for frames the engine cannot count; returns
    None for frames with no IP at all."""
    layers = f.field("frame.protocols", conv=str).split(":")
    ip_at = next((i for i, p in enumerate(layers) if p in ("ip", "ipv6")), None)
    if ip_at is None:
        return None
    l2 = l3_offset(layers[:ip_at])
    if l2 is None:
        raise Excluded("IP behind %s: not Ethernet/VLAN/loopback/raw IP to the engine"
                       % ":".join(layers[:ip_at]))
    avail = f.field("frame.cap_len") - l2
    if layers[ip_at] == "ip":
        if avail < 20 or f.field("ip.src", conv=str) is None:
            raise Excluded("IPv4 header cut short by the snap length")
        hlen, tot = f.field("ip.hdr_len"), f.field("ip.len")
        if hlen < 20 or tot < hlen:
            raise Excluded("IPv4 header length/total length impossible (tshark: bogus)")
        proto, frag_id = f.field("ip.proto"), f.field("ip.id")
        later, first = f.field("ip.frag_offset") > 0, bool(f.field("ip.flags.mf"))
        src, dst, fam, off = f.field("ip.src", conv=str), f.field("ip.dst", conv=str), 4, hlen
    else:
        if avail < 40 or f.field("ipv6.dst", conv=str) is None:
            raise Excluded("IPv6 header cut short by the snap length")
        src, dst, fam = f.field("ipv6.src", conv=str), f.field("ipv6.dst", conv=str), 6
        proto, off, later, first, frag_id = f.field("ipv6.nxt"), 40, False, False, None
        seen = defaultdict(int)          # occurrences of each extension used so far
        for _ in range(IPV6_EXT_MAX_CHAIN):
            if proto not in IPV6_EXT:
                break
            pre, i = IPV6_EXT[proto], seen[proto]
            seen[proto] += 1
            if avail < off + (8 if pre is None else 2):
                raise Excluded("IPv6 extension header cut short by the snap length")
            if pre is None:
                nxt, frag_off = f.field("ipv6.fraghdr.nxt", i), f.field("ipv6.fraghdr.offset", i)
                frag_id = f.field("ipv6.fraghdr.ident", i)
                first, later = bool(f.field("ipv6.fraghdr.more", i)) and frag_off == 0, frag_off > 0
                size = 8
            elif pre == "ah":
                nxt, size = f.field("ah.next_header", i), (f.field("ah.length", i) + 2) * 4
            else:
                nxt, size = f.field(pre + ".nxt", i), f.field(pre + ".len_oct", i)
            if nxt is None or size is None:
                raise Excluded("IPv6 extension header not decoded by tshark")
            proto, off = nxt, off + size
            if later:
                break
        else:
            if proto in IPV6_EXT:
                raise Excluded("more than %d IPv6 extension headers" % IPV6_EXT_MAX_CHAIN)
    # IPv4 numbers datagrams per (src, dst, protocol), IPv6 per (src, dst).
    fkey = (fam, src, dst, proto if fam == 4 else None, frag_id)
    if later:
        return fam, src, dst, proto, None, fkey, False
    if avail < off + L4_MIN_HDR.get(proto, 0):
        raise Excluded("%s header cut short by the snap length" % proto_name(proto))
    if proto == 6 and (f.field("tcp.hdr_len") or 0) < 20:
        raise Excluded("TCP data offset below 20 bytes (tshark: bogus)")
    return fam, src, dst, proto, off, fkey, first


def tshark_flows(path):
    """tshark's flows: key -> {'frames': [...], 'initiator': (addr, port)};
    and the excluded frames: reason -> [frame numbers]."""
    out = subprocess.run(["tshark", "-r", path, *TSHARK_OPTS, "-T", "fields",
                          "-E", "occurrence=a", "-E", "aggregator=,", "-E", "quote=n",
                          *sum((["-e", x] for x in FIELDS), [])],
                         capture_output=True, text=True)
    if out.returncode and not out.stdout:
        raise RuntimeError("tshark: " + out.stderr.strip().splitlines()[-1])
    frames, excluded = [], defaultdict(list)
    for line in out.stdout.splitlines():
        f = Frame(line)
        try:
            pkt = outer_packet(f)
        except Excluded as e:
            excluded[str(e)].append(f.field("frame.number"))
            continue
        if pkt:
            frames.append((f, pkt))
    # A later fragment carries no ports: it belongs to the flow of its
    # datagram's first fragment, wherever that lies in the capture.
    frag_ports = {}
    for f, (fam, src, dst, proto, off, fkey, first) in frames:
        if first:
            frag_ports[fkey] = (proto,) + ports_of(f, proto)
    flows = {}
    for f, (fam, src, dst, proto, off, fkey, first) in frames:
        num = f.field("frame.number")
        if off is None:
            if fkey not in frag_ports:
                excluded["later fragment whose first fragment is not in the capture"].append(num)
                continue
            proto, sport, dport = frag_ports[fkey]
        else:
            sport, dport = ports_of(f, proto)
        key = flow_key(proto_name(proto), fam, (src, sport), (dst, dport))
        init = (ipaddress.ip_address(src).compressed, sport)
        flow = flows.setdefault(key, {"frames": [], "initiator": init})
        flow["frames"].append(num)
    return flows, excluded


def ports_of(f, proto):
    """The outer L4 header's ports (the first occurrence is the outer one)."""
    if proto in (6, 17):
        l4 = "tcp" if proto == 6 else "udp"
        return f.field(l4 + ".srcport"), f.field(l4 + ".dstport")
    return None, None


def engine_flows(path):
    """iotprof's flows, app-level records summed: key -> {'packets', 'initiator'}
    where initiator is None when the earliest record(s) do not name one."""
    out = subprocess.run([os.path.join(BIN, "iotprof"), "flows", "--pcap", path, "--json"],
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("iotprof exited %d: %s" % (out.returncode, out.stderr.strip()))
    flows = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        src, dst = (r["src"], r["sport"]), (r["dst"], r["dport"])
        key = flow_key(r["proto"], r["family"], src, dst)
        src = (ipaddress.ip_address(src[0]).compressed, src[1])
        flow = flows.setdefault(key, {"packets": 0, "first_ns": None, "initiator": None})
        flow["packets"] += sum(r["packets"])
        if flow["first_ns"] is None or r["first_ns"] < flow["first_ns"]:
            flow["first_ns"], flow["initiator"] = r["first_ns"], src
        elif r["first_ns"] == flow["first_ns"] and flow["initiator"] != src:
            flow["initiator"] = None     # two records began together: no single first
    return flows


def compare(path):
    """One case: returns (status, one-line summary, detail lines)."""
    theirs, excluded = tshark_flows(path)
    ours = engine_flows(path)
    details = ["  excluded (%d frames): %s: frames %s" % (len(v), reason, ranges(v))
               for reason, v in sorted(excluded.items())]
    diffs = []
    for key in sorted(set(theirs) | set(ours), key=repr):
        t, o = theirs.get(key), ours.get(key)
        if o is None:
            diffs.append("%s: only in tshark, %d packets (frames %s)"
                         % (show_key(key), len(t["frames"]), ranges(t["frames"], 8)))
        elif t is None:
            diffs.append("%s: only in iotprof, %d packets" % (show_key(key), o["packets"]))
        elif len(t["frames"]) != o["packets"]:
            diffs.append("%s: tshark %d packets (frames %s), iotprof %d"
                         % (show_key(key), len(t["frames"]), ranges(t["frames"], 8),
                            o["packets"]))
        elif o["initiator"] not in (None, t["initiator"]) and key[2] != key[3]:
            diffs.append("%s: initiator tshark %s (frame %d), iotprof %s"
                         % (show_key(key), t["initiator"], t["frames"][0], o["initiator"]))
    packets = sum(len(t["frames"]) for t in theirs.values())
    summary = "%d flows, %d packets, %d frames excluded" % (
        len(theirs), packets, sum(map(len, excluded.values())))
    if diffs:
        details += ["  - " + d for d in diffs]
        shown = "; ".join(diffs[:10]) + ("; ... %d more above" % (len(diffs) - 10)
                                          if len(diffs) > 10 else "")
        return "FAIL", "%d of %d flows differ: %s" % (len(diffs), len(theirs), shown), details
    return "PASS", summary, details


def captures():
    for top in CAPTURE_DIRS:
        for root, dirs, files in os.walk(os.path.join(SHARED, top)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".pcap", ".pcapng")):
                    yield os.path.relpath(os.path.join(root, name), SHARED)


def run_case(rel):
    try:
        return compare(os.path.join(SHARED, rel))
    except (RuntimeError, OSError, ValueError) as e:
        return "FAIL", str(e), []


def main():
    if not os.path.isdir(SHARED):
        print("SKIP: %s: ../shared not found" % NAME)
        return 0
    binary = os.path.join(BIN, "iotprof")
    if not os.access(binary, os.X_OK):
        print("FAIL: %s: %s not built (make build/iotprof)" % (NAME, binary))
        return 1
    for need, why in ((os.geteuid() == 0, "BPF_PROG_TEST_RUN needs root"),
                      (subprocess.run(["sh", "-c", "command -v tshark"],
                                      capture_output=True).returncode == 0,
                       "tshark not installed")):
        if not need:
            print("SKIP: %s: %s" % (NAME, why))
            return 0
    rels = list(captures())
    failed = False
    # tshark is single-threaded and dominates the time: one per core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for rel, (status, text, details) in zip(rels, pool.map(run_case, rels)):
            if status == "PASS":
                print("PASS: %s %s" % (NAME, rel))
                print("  agreement: " + text)
            else:
                print("FAIL: %s %s: %s" % (NAME, rel, text))
                failed = True
            for d in details:
                print(d)
            sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
