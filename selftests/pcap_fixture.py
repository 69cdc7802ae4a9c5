#!/usr/bin/env python3
# A small capture whose content the tests know exactly: one exchange of each
# application iotprof parses, written as a classic pcap (Ethernet) with the
# standard library only.  Also a module: flows() gives what was written, the
# oracle the tests compare iotprof's and the collectors' output with.
#
# usage: pcap_fixture.py OUT.pcap [--part all|1|2] [--gzip] [--expect]
#   --part 1 / 2   the first or the second half of the packets (two files
#                  that together make the whole capture)
#   --gzip         write OUT gzip-compressed
#   --expect       print the flows of the part as JSON Lines instead
import gzip
import json
import struct
import sys

BASE_TS = 1_700_000_000  # capture time of the first packet (Unix seconds)
MAC_DEV = bytes.fromhex("020000000002")
MAC_GW = bytes.fromhex("020000000001")
DEV4, GW4, CLOUD4 = "10.9.0.2", "10.9.0.1", "10.9.0.7"
DEV6, GW6 = "fd00:9::2", "fd00:9::1"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def l4(proto, src, dst, sport, dport, payload, seq=0, ack=0, flags=0x18, v6=False):
    if proto == 17:
        hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    else:
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    seg = hdr + payload
    if v6:
        pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(seg), proto)
    else:
        pseudo = ip4(src) + ip4(dst) + struct.pack("!xBH", proto, len(seg))
    c = csum(pseudo + seg)
    off = 6 if proto == 17 else 16
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def frame(proto, src, dst, sport, dport, payload=b"", to_gw=True, **kw):
    v6 = ":" in src
    seg = l4(proto, src, dst, sport, dport, payload, v6=v6, **kw)
    if v6:
        ip = struct.pack("!IHBB", 6 << 28, len(seg), proto, 64) + ip6(src) + ip6(dst)
        etype = 0x86DD
    else:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0, 64, proto, 0,
                          ip4(src), ip4(dst))
        ip = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        etype = 0x0800
    macs = MAC_GW + MAC_DEV if to_gw else MAC_DEV + MAC_GW
    return macs + struct.pack("!H", etype) + ip + seg


def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns(qid, name, answer=None):
    flags = 0x8180 if answer else 0x0100
    msg = struct.pack("!HHHHHH", qid, flags, 1, 1 if answer else 0, 0, 0)
    msg += dns_name(name) + struct.pack("!HH", 1, 1)
    if answer:
        msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + ip4(answer)
    return msg


def client_hello(sni):
    name = sni.encode()
    ext_sni = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    ext_ver = struct.pack("!HHB", 43, 3, 2) + b"\x03\x04"
    exts = ext_sni + ext_ver
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def coap_get(mid, token, path):
    msg = struct.pack("!BBH", 0x40 | len(token), 0x01, mid) + token
    prev = 0
    for seg in path.strip("/").split("/"):
        delta, seg = 11 - prev, seg.encode()
        msg += bytes([(delta << 4) | len(seg)]) + seg
        prev = 11
    return msg


def packets():
    """(frame, flow key, direction) of every packet; direction 0 is from
    the flow's initiator."""
    out = []

    def add(key, d, f):
        out.append((f, key, d))

    k = "dns"
    add(k, 0, frame(17, DEV4, GW4, 40000, 53, dns(0x1234, "plug.example")))
    add(k, 1, frame(17, GW4, DEV4, 53, 40000, dns(0x1234, "plug.example", CLOUD4), to_gw=False))
    k = "http"  # the connection's own record; the request has one of its own
    add(k, 0, frame(6, DEV4, CLOUD4, 40001, 80, flags=0x02, seq=100))
    add(k, 1, frame(6, CLOUD4, DEV4, 80, 40001, flags=0x12, seq=500, ack=101, to_gw=False))
    add(k, 0, frame(6, DEV4, CLOUD4, 40001, 80, flags=0x10, seq=101, ack=501))
    add("http-request", 0, frame(6, DEV4, CLOUD4, 40001, 80,
                                 b"GET /status HTTP/1.1\r\nHost: plug.example\r\n\r\n", seq=101, ack=501))
    add(k, 1, frame(6, CLOUD4, DEV4, 80, 40001, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                    seq=501, ack=145, to_gw=False))
    k = "tls"
    add(k, 0, frame(6, DEV4, CLOUD4, 40002, 443, flags=0x02, seq=1000))
    add(k, 1, frame(6, CLOUD4, DEV4, 443, 40002, flags=0x12, seq=9000, ack=1001, to_gw=False))
    add(k, 0, frame(6, DEV4, CLOUD4, 40002, 443, client_hello("api.plug.example"), seq=1001, ack=9001))
    k = "coap"
    add(k, 0, frame(17, DEV4, CLOUD4, 40003, 5683, coap_get(0x0101, b"\x0a\x0b", "/sensors/temp")))
    add(k, 1, frame(17, CLOUD4, DEV4, 5683, 40003, struct.pack("!BBH", 0x62, 0x45, 0x0101) + b"\x0a\x0b",
                    to_gw=False))
    k = "ntp6"
    add(k, 0, frame(17, DEV6, GW6, 40004, 123, bytes([0x23]) + bytes(47)))
    add(k, 1, frame(17, GW6, DEV6, 123, 40004, bytes([0x24]) + bytes(47), to_gw=False))
    return out


# What each flow is, as `iotprof flows --json` names its ends.
FLOWS = {
    "dns": ("udp", DEV4, 40000, GW4, 53),
    "http": ("tcp", DEV4, 40001, CLOUD4, 80),
    "http-request": ("tcp", DEV4, 40001, CLOUD4, 80),
    "tls": ("tcp", DEV4, 40002, CLOUD4, 443),
    "coap": ("udp", DEV4, 40003, CLOUD4, 5683),
    "ntp6": ("udp", DEV6, 40004, GW6, 123),
}


def part_of(part):
    pk = packets()
    half = len(pk) // 2
    return pk if part == "all" else pk[:half] if part == "1" else pk[half:]


def flows(part="all"):
    """The flows of a part: key -> {proto, src, sport, dst, dport,
    packets: [fwd, rev], bytes: [fwd, rev]}."""
    res = {}
    for f, key, d in part_of(part):
        proto, src, sport, dst, dport = FLOWS[key]
        r = res.setdefault(key, {"key": key, "proto": proto, "src": src, "sport": sport, "dst": dst,
                                 "dport": dport, "packets": [0, 0], "bytes": [0, 0]})
        r["packets"][d] += 1
        r["bytes"][d] += len(f)
    return list(res.values())


def write(path, part="all", gz=False):
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, (f, _, _) in enumerate(packets()):
        if f not in [p[0] for p in part_of(part)]:
            continue
        ts_us = i * 10_000
        data += struct.pack("<IIII", BASE_TS + ts_us // 1_000_000, ts_us % 1_000_000, len(f), len(f)) + f
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as out:
        out.write(data)


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__ or "usage: pcap_fixture.py OUT.pcap [--part all|1|2] [--gzip] [--expect]",
              file=sys.stderr)
        return 2
    part = argv[argv.index("--part") + 1] if "--part" in argv else "all"
    if "--expect" in argv:
        for f in flows(part):
            print(json.dumps(f))
        return 0
    write(argv[0], part, "--gzip" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
