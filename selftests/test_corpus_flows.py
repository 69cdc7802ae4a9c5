#!/usr/bin/env python3
"""corpus-flows: `iotprof flows --pcap` on every capture under ../shared/corpus/
and ../shared/data/captures/ against flows rebuilt from tshark's per-frame
fields: same (protocol, endpoints, ports), same packet counts, same initiator.

tshark says what each frame *is*; this script only decides which frames the
engine is specified to count (outer IP header behind Ethernet with at most two
VLAN tags or loopback/raw/cooked, complete L4 header; later fragments take the
first fragment's ports).  Every other frame is excluded with a printed reason;
nothing is excluded by file name.
"""
import ipaddress
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from corpus_common import BIN, CAPTURE_DIRS, SHARED, captures, originals, preflight
NAME = "corpus-flows"
# Each iotprof run loads and verifies the XDP program anew: on a slow or
# busy machine the optional captures (data/captures) start only this long
# after the test's start, so the test stays near 3 minutes at worst.
OPTIONAL_BUDGET_S = 135

# Defragmentation off: each fragment stays a frame with its own header, as the
# engine sees it.  Tunnel dissectors off: an inner header must never pass for
# the outer one (only first occurrences are read anyway, and those are the
# outer header's).  The engine follows 0x8100/0x88a8 tags only; tshark's VLAN
# dissector would also take the legacy 0x9100 QinQ TPID.
TSHARK_OPTS = ["-n", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
               "-o", "tcp.desegment_tcp_streams:FALSE", "-o", "vlan.qinq_ethertype:0x8100"]
for _proto in ("teredo", "gre", "vxlan", "geneve", "ayiya"):
    TSHARK_OPTS += ["--disable-protocol", _proto]
FIELDS = """frame.number frame.cap_len frame.protocols ip.src ip.dst ip.proto ip.hdr_len
    ip.len ip.id ip.flags.mf ip.frag_offset ipv6.src ipv6.dst ipv6.nxt ipv6.plen
    ipv6.hopopts.nxt ipv6.hopopts.len_oct ipv6.routing.nxt ipv6.routing.len_oct
    ipv6.dstopts.nxt ipv6.dstopts.len_oct ipv6.fraghdr.nxt ipv6.fraghdr.offset
    ipv6.fraghdr.more ipv6.fraghdr.ident ah.next_header ah.length tcp.srcport
    tcp.dstport tcp.hdr_len tcp.flags udp.srcport udp.dstport""".split()

# The engine's bounds (include/iotprof_abi.h, bpf/parse_*.h).
VLAN_MAX_DEPTH = 2
IPV6_EXT_MAX_CHAIN = 8
L4_MIN_HDR = {6: 20, 17: 8, 1: 4, 58: 4}          # bytes its L4 parser loads
LINK_HDR = {"null": 4, "loop": 4, "raw": 0, "sll": 16}
# IPv6 extension headers it walks: tshark field prefix (None: fragment header).
IPV6_EXT = {0: "ipv6.hopopts", 43: "ipv6.routing", 60: "ipv6.dstopts", 44: None, 51: "ah"}
PROTO_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}   # as user/output.c


class Excluded(Exception):
    """A frame the engine is specified not to count; the message says why."""


def endpoint(addr, port):
    return ipaddress.ip_address(addr).compressed, port


def flow_key(proto, family, a, b):
    """Direction-free key: (proto, family, lower endpoint, higher endpoint)."""
    return (proto, family) + tuple(sorted([endpoint(*a), endpoint(*b)], key=repr))


def show_key(k):
    ep = [e[0] if e[1] is None else ("[%s]:%d" if ":" in e[0] else "%s:%d") % e for e in k[2:]]
    return "%s %s <-> %s" % (k[0], ep[0], ep[1])


def ranges(nums, limit=40):
    """Frame numbers as '1-3,7', cut after `limit` runs."""
    runs = []
    for n in sorted(nums):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in runs[:limit])
    return text + (",..." if len(runs) > limit else "")


class Frame:
    """One tshark row; field(name, i) is the i-th occurrence, or None."""

    def __init__(self, line):   # tshark joins a field's occurrences with ","
        self.cols = {k: v.split(",") for k, v in zip(FIELDS, line.split("\t")) if v}

    def field(self, name, i=0, conv=int):
        v = (self.cols.get(name, [])[i:i + 1] or [None])[0]
        if v is None or conv is not int:
            return v
        if v in ("True", "False"):      # tshark prints booleans as 1/0 or True/False
            return int(v == "True")
        return int(v, 16) if v.startswith("0x") else int(v)


def l3_offset(layers):
    """Where the outer IP header starts, or None when the engine does not read
    the frame as IP at all (PPPoE, LLC, an unknown link layer)."""
    link, tags = layers[0], [p for p in layers[1:] if p != "ethertype"]
    if link in LINK_HDR and not tags:
        return LINK_HDR[link]
    if link != "eth" or any(t not in ("vlan", "ieee8021ad") for t in tags):
        return None
    if len(tags) > VLAN_MAX_DEPTH:
        raise Excluded("%d VLAN tags, beyond the engine's VLAN_MAX_DEPTH" % len(tags))
    return 14 + 4 * len(tags)


def ipv6_chain(f, need):
    """Walks the outer extension headers as bpf/parse_ip.h does: returns
    (proto, L4 offset, later fragment?, first fragment?, fragment id)."""
    proto, off, first, frag_id = f.field("ipv6.nxt"), 40, False, None
    seen = defaultdict(int)      # the outer header's values come first in each field
    for _ in range(IPV6_EXT_MAX_CHAIN):
        if proto not in IPV6_EXT:
            return proto, off, False, first, frag_id
        pre, i = IPV6_EXT[proto], seen[proto]
        seen[proto] += 1
        need(off + (8 if pre is None else 2), "IPv6 extension header")
        if pre is None:
            nxt, size, frag_id = f.field("ipv6.fraghdr.nxt", i), 8, f.field("ipv6.fraghdr.ident", i)
            if f.field("ipv6.fraghdr.offset", i):
                return nxt, None, True, False, frag_id
            first = bool(f.field("ipv6.fraghdr.more", i))    # else atomic: a whole datagram
        elif pre == "ah":
            nxt, size = f.field("ah.next_header", i), (f.field("ah.length", i) + 2) * 4
        else:
            nxt, size = f.field(pre + ".nxt", i), f.field(pre + ".len_oct", i)
        if nxt is None or size is None:
            raise Excluded("IPv6 extension header not decoded by tshark")
        proto, off = nxt, off + size
    if proto in IPV6_EXT:
        raise Excluded("more than %d IPv6 extension headers" % IPV6_EXT_MAX_CHAIN)
    return proto, off, False, first, frag_id


def outer_packet(f):
    """The engine's view of frame f: (family, src, dst, proto, (sport, dport)
    or None for a later fragment, fragment key, first fragment?); None when
    the frame holds no IP.  Raises Excluded for frames it must not count."""
    layers = f.field("frame.protocols", conv=str).split(":")
    ip_at = next((i for i, p in enumerate(layers) if p in ("ip", "ipv6")), None)
    if ip_at is None:
        return None
    l2 = l3_offset(layers[:ip_at])
    if l2 is None:
        raise Excluded("IP behind %s: not Ethernet/VLAN/loopback/raw IP to the engine"
                       % ":".join(layers[:ip_at]))
    captured, v4 = f.field("frame.cap_len") - l2, layers[ip_at] == "ip"

    def need(end, what):
        # Bytes past the datagram's end are Ethernet padding or a trailer, not
        # header: tshark flags a header that needs them as malformed.
        if captured < end:
            raise Excluded("%s cut short by the snap length" % what)
        if length < end:
            raise Excluded("%s beyond the IP datagram's length (tshark: malformed)" % what)

    length = captured
    need(20 if v4 else 40, "IPv%d header" % (4 if v4 else 6))
    if v4:     # tshark reports a TSO zero length as the length it presumes
        hlen, length = f.field("ip.hdr_len"), f.field("ip.len")
        if hlen is None or hlen < 20 or length < hlen:
            raise Excluded("IPv4 header or total length impossible (tshark: bogus)")
        need(hlen, "IPv4 header (options)")
        fam, src, dst = 4, f.field("ip.src", conv=str), f.field("ip.dst", conv=str)
        proto, off, frag_id = f.field("ip.proto"), hlen, f.field("ip.id")
        later, first = f.field("ip.frag_offset") > 0, bool(f.field("ip.flags.mf"))
    else:      # a zero payload length (jumbogram, TSO) bounds nothing
        length = 40 + f.field("ipv6.plen") if f.field("ipv6.plen") else captured
        fam, src, dst = 6, f.field("ipv6.src", conv=str), f.field("ipv6.dst", conv=str)
        proto, off, later, first, frag_id = ipv6_chain(f, need)
    if src is None or dst is None:
        raise Excluded("IP addresses not decoded by tshark")
    # IPv4 numbers datagrams per (src, dst, protocol), IPv6 per (src, dst).
    fkey = (fam, src, dst, proto if v4 else None, frag_id)
    if later:
        return fam, src, dst, proto, None, fkey, False
    need(off + L4_MIN_HDR.get(proto, 0), "%s header" % PROTO_NAMES.get(proto, str(proto)))
    if proto == 6 and (f.field("tcp.hdr_len") or 0) < 20:
        raise Excluded("TCP data offset below 20 bytes (tshark: bogus)")
    l4 = {6: "tcp", 17: "udp"}.get(proto)     # first occurrence: the outer L4 header
    ports = (f.field(l4 + ".srcport"), f.field(l4 + ".dstport")) if l4 else (None, None)
    return fam, src, dst, proto, ports, fkey, first


def tshark_flows(path):
    """tshark's flows, key -> {'frames', 'initiator'}; and excluded frames,
    reason -> [frame numbers]."""
    out = subprocess.run(["tshark", "-r", path, *TSHARK_OPTS, "-T", "fields", "-E", "occurrence=a",
                          *[a for x in FIELDS for a in ("-e", x)]], capture_output=True, text=True)
    # A file cut short still yields its frames before the cut, as in iotprof.
    err = out.returncode and (out.stderr.strip().splitlines() or ["failed"])[-1]
    if err and not out.stdout:
        raise RuntimeError("tshark: " + err)
    frames, excluded = [], defaultdict(list)
    for line in out.stdout.splitlines():
        f = Frame(line)
        try:
            pkt = outer_packet(f)
            if pkt:
                frames.append((f.field("frame.number"), pkt, f.field("tcp.flags") or 0))
        except Excluded as e:
            excluded[str(e)].append(f.field("frame.number"))
    # A later fragment belongs to the flow of its datagram's first fragment,
    # wherever that lies in the capture.
    first_frags = {p[5]: (p[3], p[4]) for _, p, _ in frames if p[6]}
    flows = {}
    for num, (fam, src, dst, proto, ports, fkey, _), tcp_flags in frames:
        if ports is None:
            if fkey not in first_frags:
                excluded["later fragment whose first fragment is not in the capture"].append(num)
                continue
            proto, ports = first_frags[fkey]
        key = flow_key(PROTO_NAMES.get(proto, str(proto)), fam, (src, ports[0]), (dst, ports[1]))
        flow = flows.setdefault(key, {"frames": [], "initiator": endpoint(src, ports[0])})
        flow["frames"].append(num)
        # TCP: the handshake names the client, as in the engine (the last
        # one seen, when a port pair is reused); the first packet otherwise.
        if proto == 6 and tcp_flags & 0x02:
            client = (src, ports[0]) if not tcp_flags & 0x10 else (dst, ports[1])
            flow["initiator"] = endpoint(*client)
    return flows, excluded, err


def engine_flows(path):
    """iotprof's flows with a 5-tuple's app-level records summed: key ->
    {'packets', 'initiator'}; initiator None when the earliest records differ."""
    out = subprocess.run([os.path.join(BIN, "iotprof"), "flows", "--pcap", path, "--json"],
                         capture_output=True, text=True)
    err = out.returncode and "iotprof exited %d: %s" % (out.returncode, out.stderr.strip())
    flows = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        r["first_ns"] = int(r["first_ns"])
        src, dst = endpoint(r["src"], r["sport"]), (r["dst"], r["dport"])
        flow = flows.setdefault(flow_key(r["proto"], r["family"], src, dst),
                                {"packets": 0, "first_ns": None, "initiator": None})
        flow["packets"] += sum(r["packets"])
        if flow["first_ns"] is None or r["first_ns"] < flow["first_ns"]:
            flow["first_ns"], flow["initiator"] = r["first_ns"], src
        elif r["first_ns"] == flow["first_ns"] and flow["initiator"] != src:
            flow["initiator"] = None
    return flows, err


def compare(path):
    """One capture: (status, summary, detail lines)."""
    theirs, excluded, tshark_err = tshark_flows(path)
    ours, err = engine_flows(path)
    if err and not tshark_err:
        return "FAIL", err, []
    details = ["  read error, both stopped early: %s; %s" % (tshark_err, err)] * bool(err)
    details += ["  excluded (%d frames): %s: frames %s" % (len(v), why, ranges(v))
               for why, v in sorted(excluded.items())]
    diffs = []
    for key in sorted(set(theirs) | set(ours), key=repr):
        t, o = theirs.get(key), ours.get(key)
        if o is None:
            diffs.append("%s: only in tshark, %d packets (frames %s)"
                         % (show_key(key), len(t["frames"]), ranges(t["frames"], 8)))
        elif t is None:
            diffs.append("%s: only in iotprof, %d packets" % (show_key(key), o["packets"]))
        elif len(t["frames"]) != o["packets"]:
            diffs.append("%s: tshark %d packets (frames %s), iotprof %d" % (
                show_key(key), len(t["frames"]), ranges(t["frames"], 8), o["packets"]))
        # Both endpoints equal: no direction to check.
        elif o["initiator"] not in (None, t["initiator"]) and key[2] != key[3]:
            diffs.append("%s: initiator tshark %s (frame %d), iotprof %s" % (
                show_key(key), t["initiator"], t["frames"][0], o["initiator"]))
    if diffs:   # the FAIL line names the first ten, the lines below all
        return "FAIL", "%d differences (tshark %d flows, iotprof %d): %s" % (
            len(diffs), len(theirs), len(ours), "; ".join(diffs[:10])), \
            details + ["  - " + d for d in diffs]
    return "PASS", "%d flows, %d packets agree, %d frames excluded" % (
        len(theirs), sum(len(t["frames"]) for t in theirs.values()),
        sum(map(len, excluded.values()))), details


def run_case(rel, deadline):
    if not rel.startswith(CAPTURE_DIRS[0] + os.sep) and time.monotonic() > deadline:
        return "SKIP", "time budget of %ds spent on earlier captures" % OPTIONAL_BUDGET_S, []
    try:
        return compare(os.path.join(SHARED, rel))
    except (RuntimeError, OSError, ValueError) as e:
        return "FAIL", str(e), []


def main():
    status = preflight(NAME)
    if status is not None:
        return status
    # Byte-identical copies (data/captures repeats some corpus files) share
    # the run of the first path with those bytes.
    rels = captures()
    original = originals(rels)
    unique = [rel for rel in rels if original[rel] == rel]
    deadline, failed = time.monotonic() + OPTIONAL_BUDGET_S, False
    # The verifier and tshark are each single-threaded: one case per core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = dict(zip(unique, pool.map(lambda rel: run_case(rel, deadline), unique)))
    for rel in rels:
        status, text, details = results[original[rel]]
        if original[rel] != rel:
            details = ["  same bytes as %s: its result" % original[rel]] + details
        if status == "PASS":
            print("PASS: %s %s\n  %s" % (NAME, rel, text))
        else:
            print("%s: %s %s: %s" % (status, NAME, rel, text))
            failed |= status == "FAIL"
        for d in details:
            print(d)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
