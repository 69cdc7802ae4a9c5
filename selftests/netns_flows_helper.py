#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helper of test_netns_flows.sh (not a test by itself).

Traffic with exact packet counts, run inside the namespaces:
  server A4 A6 TCP_PORT UDP_PORT LIFETIME_S   TCP request/response + UDP echo
  tcp SRC SPORT DST DPORT                     one request/response, then both FINs
  refused SRC SPORT DST DPORT                 one SYN to a closed port, one RST back
  udp SRC SPORT DST DPORT COUNT               COUNT datagrams, each answered
  ping SRC DST COUNT                          COUNT ICMP/ICMPv6 echoes, each answered
Checks of `iotprof flows --json` output:
  check FLOWS SPEC T0_NS                      exactly the flows of SPEC
  oracle FLOWS CAPTURE_TSV                    the same flows and counts as a capture
  same BEFORE AFTER                           the same records
  frames CAPTURE_TSV                          frames in the capture
Problems are printed on one line; the exit status is 1 when there are any.
"""
import ipaddress
import json
import os
import selectors
import socket
import struct
import sys
import time

TCP_REQ, TCP_RESP = 300, 1000
UDP_REQ, UDP_RESP = 100, 200
ICMP_PAYLOAD = 56
TIMEOUT = 3.0


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def sockaddr(addr, port):
    return (addr, port, 0, 0) if ":" in addr else (addr, port)


def server(a4, a6, tcp_port, udp_port, lifetime):
    sel = selectors.DefaultSelector()
    for addr in (a4, a6):
        fam = family_of(addr)
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        t.bind(sockaddr(addr, int(tcp_port)))
        t.listen(8)
        sel.register(t, selectors.EVENT_READ, "listen")
        u = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        u.bind(sockaddr(addr, int(udp_port)))
        sel.register(u, selectors.EVENT_READ, "udp")
    print("ready", flush=True)
    received = {}
    deadline = time.monotonic() + float(lifetime)
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            if key.data == "listen":
                c, _ = s.accept()
                received[c] = 0
                sel.register(c, selectors.EVENT_READ, "conn")
            elif key.data == "udp":
                _, peer = s.recvfrom(65535)
                s.sendto(b"r" * UDP_RESP, peer)
            else:
                data = s.recv(65536)
                if not data:  # the client's FIN: close ours
                    sel.unregister(s)
                    s.close()
                    del received[s]
                    continue
                before = received[s]
                received[s] += len(data)
                if before < TCP_REQ <= received[s]:
                    s.sendall(b"R" * TCP_RESP)


def tcp(src, sport, dst, dport):
    s = socket.socket(family_of(dst), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(TIMEOUT)
    s.bind(sockaddr(src, int(sport)))
    s.connect(sockaddr(dst, int(dport)))
    s.sendall(b"Q" * TCP_REQ)
    got = 0
    while got < TCP_RESP:
        data = s.recv(65536)
        if not data:
            sys.exit(f"tcp: connection closed after {got} of {TCP_RESP} bytes")
        got += len(data)
    # Our FIN first, then wait for the server's: the exchange is over (both
    # FINs sent) when this returns.
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        sys.exit("tcp: unexpected data after the response")
    s.close()


def refused(src, sport, dst, dport):
    """A SYN to a closed port: exactly one SYN and one RST."""
    s = socket.socket(family_of(dst), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(TIMEOUT)
    s.bind(sockaddr(src, int(sport)))
    try:
        s.connect(sockaddr(dst, int(dport)))
    except ConnectionRefusedError:
        return
    sys.exit(f"refused: {dst} port {dport} accepted the connection")


def udp(src, sport, dst, dport, count):
    s = socket.socket(family_of(dst), socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.bind(sockaddr(src, int(sport)))
    for i in range(int(count)):
        s.sendto(b"q" * UDP_REQ, sockaddr(dst, int(dport)))
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            sys.exit(f"udp: no reply to datagram {i + 1} of {count} within {TIMEOUT}s")
        if len(data) != UDP_RESP or ipaddress.ip_address(peer[0]) != ipaddress.ip_address(dst):
            sys.exit(f"udp: unexpected reply {len(data)} bytes from {peer[0]}")
    s.close()


def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ping(src, dst, count):
    """ICMP echo with a raw socket, one request at a time (ping is not
    always installed; this gives the same packets as ping -c COUNT)."""
    v6 = ":" in dst
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                      socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    s.bind(sockaddr(src, 0))
    ident = os.getpid() & 0xFFFF
    req_type, rep_type = (128, 129) if v6 else (8, 0)
    for seq in range(1, int(count) + 1):
        payload = bytes(range(ICMP_PAYLOAD))
        hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq)
        if not v6:  # the kernel fills in the ICMPv6 checksum, not ICMP's
            hdr = struct.pack("!BBHHH", req_type, 0, inet_checksum(hdr + payload), ident, seq)
        s.sendto(hdr + payload, sockaddr(dst, 0))
        end = time.monotonic() + TIMEOUT
        while True:
            left = end - time.monotonic()
            if left <= 0:
                sys.exit(f"ping: no reply to echo {seq} of {count} within {TIMEOUT}s")
            s.settimeout(left)
            try:
                pkt, peer = s.recvfrom(65535)
            except socket.timeout:
                continue
            icmp = pkt if v6 else pkt[(pkt[0] & 0x0F) * 4:]
            if len(icmp) < 8:
                continue
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if typ == rep_type and rid == ident and rseq == seq:
                break
    s.close()


# ---- checks ------------------------------------------------------------------

KEYS = {"v", "proto", "family", "src", "dst", "sport", "dport", "packets", "bytes",
        "first_ns", "last_ns", "epoch", "blocked", "src_name", "dst_name", "app"}


def load_flows(path):
    flows, problems = [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                flows.append(json.loads(line))
            except ValueError as e:
                problems.append(f"line {n} is not JSON ({e}): {line.strip()[:80]}")
    return flows, problems


def endpoint(addr, port):
    return f"[{addr}]:{port}" if ":" in addr and port is not None else \
        f"{addr}:{port}" if port is not None else addr


def describe(proto, src, sport, dst, dport):
    return f"{proto} {endpoint(src, sport)} -> {endpoint(dst, dport)}"


def flow_id(f):
    return (f["proto"], f["family"], frozenset([(f["src"], f["sport"]), (f["dst"], f["dport"])]))


def schema_problems(f):
    out = []
    if set(f) != KEYS:
        out.append(f"keys {sorted(set(f) ^ KEYS)} differ from the documented ones")
        return out
    if f["v"] != 1:
        out.append(f"v is {f['v']!r}, not 1")
    for k in ("first_ns", "last_ns"):
        if not (isinstance(f[k], str) and f[k].isdigit()):
            out.append(f"{k} is {f[k]!r}, not a string of digits")
        else:
            f[k] = int(f[k])
    ports = f["proto"] in ("tcp", "udp")
    for k in ("sport", "dport"):
        if ports and not isinstance(f[k], int) or not ports and f[k] is not None:
            out.append(f"{k} is {f[k]!r} for {f['proto']}")
    for k in ("packets", "bytes"):
        if not (isinstance(f[k], list) and len(f[k]) == 2 and all(isinstance(x, int) for x in f[k])):
            out.append(f"{k} is {f[k]!r}, not [int, int]")
    for k in ("src", "dst"):
        try:
            a = ipaddress.ip_address(f[k])
            if a.version != f["family"] or str(a) != f[k]:
                out.append(f"{k} {f[k]!r} is not a canonical IPv{f['family']} address")
        except ValueError:
            out.append(f"{k} {f[k]!r} is not an address")
    if f["blocked"] != 0 or f["app"] is not None or f["src_name"] is not None or f["dst_name"] is not None:
        out.append(f"blocked/app/names are {f['blocked']}/{f['app']}/{f['src_name']}/{f['dst_name']}, "
                   "expected 0/null/null/null")
    return out


def value_ok(want, got):
    if want == "*":
        return True
    if want.startswith(">="):
        return got >= int(want[2:])
    return got == int(want)


def check(flows_path, spec_path, t0_ns):
    """The flows must be exactly the spec's, each with its counts.
    Spec line: proto family src sport dst dport PKT_FWD,PKT_REV BYTES_FWD,BYTES_REV epoch
    ('-' for no port, '*' for any value, '>=N' for a lower bound)."""
    flows, problems = load_flows(flows_path)
    now = time.time_ns()
    by_id = {}
    for f in flows:
        p = schema_problems(f)
        if p:
            problems.append(f"{json.dumps(f)}: " + ", ".join(p))
            continue
        if not (int(t0_ns) - 2_000_000_000 <= f["first_ns"] <= f["last_ns"] <= now + 2_000_000_000):
            problems.append(f"{describe(f['proto'], f['src'], f['sport'], f['dst'], f['dport'])}: "
                            f"first_ns {f['first_ns']} / last_ns {f['last_ns']} not within the test "
                            f"({t0_ns}..{now})")
        if flow_id(f) in by_id:
            problems.append(f"two records for {describe(f['proto'], f['src'], f['sport'], f['dst'], f['dport'])}")
        by_id[flow_id(f)] = f
    with open(spec_path) as spec:
        for line in spec:
            if not line.strip():
                continue
            proto, fam, src, sport, dst, dport, pkts, byts, epoch = line.split()
            sport = None if sport == "-" else int(sport)
            dport = None if dport == "-" else int(dport)
            name = describe(proto, src, sport, dst, dport)
            want = {"proto": proto, "family": int(fam), "src": src, "sport": sport, "dst": dst, "dport": dport}
            f = by_id.pop(flow_id(want), None)
            if f is None:
                problems.append(f"{name}: missing (expected packets [{pkts}] epoch {epoch})")
                continue
            if (f["src"], f["sport"]) != (src, sport):
                problems.append(f"{name}: initiator reversed (got src {endpoint(f['src'], f['sport'])})")
            for field, want_pair in (("packets", pkts), ("bytes", byts)):
                wants = want_pair.split(",")
                if not all(value_ok(w, g) for w, g in zip(wants, f[field])):
                    problems.append(f"{name}: {field} expected [{want_pair}] got {f[field]}")
            if not value_ok(epoch, f["epoch"]):
                problems.append(f"{name}: epoch expected {epoch} got {f['epoch']}")
    for f in by_id.values():
        problems.append(f"unexpected flow {describe(f['proto'], f['src'], f['sport'], f['dst'], f['dport'])} "
                        f"packets {f['packets']} epoch {f['epoch']}")
    if problems:
        print("; ".join(problems))
        sys.exit(1)


def capture_flows(fields_path):
    """Flows of a capture from tshark's fields: frame.len, ip.src, ip.dst,
    ipv6.src, ipv6.dst, tcp/udp ports, frame.protocols (first occurrences)."""
    flows, frames = {}, 0
    with open(fields_path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 10:
                continue
            frames += 1
            flen, s4, d4, s6, d6, ts, td, us, ud, protos = cols[:10]
            layers = protos.split(":")
            if "ip" in layers and s4:
                fam, src, dst = 4, s4, d4
            elif "ipv6" in layers and s6:
                fam, src, dst = 6, str(ipaddress.ip_address(s6)), str(ipaddress.ip_address(d6))
            else:
                continue  # not IP: iotprof counts it in stats only
            if "tcp" in layers:
                proto, sport, dport = "tcp", int(ts), int(td)
            elif "udp" in layers:
                proto, sport, dport = "udp", int(us), int(ud)
            elif "icmpv6" in layers:
                proto, sport, dport = "icmpv6", None, None
            elif "icmp" in layers:
                proto, sport, dport = "icmp", None, None
            else:
                proto, sport, dport = "other", None, None
            pkt = {"proto": proto, "family": fam, "src": src, "sport": sport, "dst": dst, "dport": dport}
            key = flow_id(pkt)
            rec = flows.setdefault(key, dict(pkt, packets=[0, 0], bytes=[0, 0]))
            d = 0 if (src, sport) == (rec["src"], rec["sport"]) else 1
            rec["packets"][d] += 1
            rec["bytes"][d] += int(flen)
    return flows, frames


def oracle(flows_path, fields_path):
    """Every flow and its counts per direction, against the capture's."""
    flows, problems = load_flows(flows_path)
    cap, frames = capture_flows(fields_path)
    ours = {flow_id(f): f for f in flows}
    for key, c in cap.items():
        name = describe(c["proto"], c["src"], c["sport"], c["dst"], c["dport"])
        f = ours.pop(key, None)
        if f is None:
            problems.append(f"{name}: in the capture (packets {c['packets']}) but not in iotprof's flows")
            continue
        if (f["src"], f["sport"]) != (c["src"], c["sport"]):
            problems.append(f"{name}: iotprof's initiator is {endpoint(f['src'], f['sport'])}")
            f = dict(f, packets=f["packets"][::-1], bytes=f["bytes"][::-1])
        for field in ("packets", "bytes"):
            if f[field] != c[field]:
                problems.append(f"{name}: {field} capture {c[field]} iotprof {f[field]}")
    for f in ours.values():
        problems.append(f"{describe(f['proto'], f['src'], f['sport'], f['dst'], f['dport'])}: "
                        f"iotprof has packets {f['packets']}, the capture has no such flow")
    if problems:
        print("; ".join(problems))
        sys.exit(1)
    print(f"{frames} frames, {len(cap)} flows")


def same(before_path, after_path):
    """The same records, counters and all.  first_ns/last_ns may differ by
    a little: iotprof converts them to Unix time with an offset it measures
    on every run."""
    before, p1 = load_flows(before_path)
    after, p2 = load_flows(after_path)
    problems = p1 + p2
    strip = lambda f: json.dumps({k: v for k, v in f.items() if not k.endswith("_ns")})
    b = sorted(before, key=strip)
    a = sorted(after, key=strip)
    if [strip(f) for f in b] != [strip(f) for f in a]:
        gone = [strip(f) for f in b if strip(f) not in map(strip, a)]
        new = [strip(f) for f in a if strip(f) not in map(strip, b)]
        problems.append(f"records before but not after: {' '.join(gone) or 'none'}; "
                        f"after but not before: {' '.join(new) or 'none'}")
    else:
        for x, y in zip(b, a):
            for k in ("first_ns", "last_ns"):
                if abs(int(x[k]) - int(y[k])) > 1_000_000:
                    problems.append(f"{describe(x['proto'], x['src'], x['sport'], x['dst'], x['dport'])}: "
                                    f"{k} was {x[k]}, now {y[k]}")
    if problems:
        print("; ".join(problems))
        sys.exit(1)


def frames(fields_path):
    print(capture_flows(fields_path)[1])


if __name__ == "__main__":
    cmds = {"server": server, "tcp": tcp, "refused": refused, "udp": udp, "ping": ping,
            "check": check, "oracle": oracle, "same": same, "frames": frames}
    try:
        cmds[sys.argv[1]](*sys.argv[2:])
    except (OSError, ValueError) as e:
        sys.exit(f"{sys.argv[1]}: {e}")
