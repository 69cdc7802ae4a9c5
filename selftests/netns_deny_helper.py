#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helper of test_netns_deny.sh (not a test by itself).

Traffic, run inside the namespaces:
  server PORTS LIFETIME_S           TCP and UDP echo on every address (IPv4 and
                                    IPv6) for each of the comma-separated PORTS
  tcp SRC SPORT DST DPORT TIMEOUT   one connection, one line echoed back
  udp SRC SPORT DST DPORT TIMEOUT   one datagram echoed back
The clients print "ok" and exit 0, or "no answer: timed out ..." and exit 1,
or "failed: WHY" and exit 2 on any other error.

Reading iotprof's JSON output:
  rule LIST_JSON ID FIELD           FIELD of rule ID in `iotprof deny list --json`
                                    (JSON-encoded; "absent" when there is no rule ID)
  rules LIST_JSON                   how many rules the listing has
  flow FLOWS_JSON A APORT B BPORT   "packets=[x, y] blocked=n" of the record
                                    between A:APORT and B:BPORT (either way round)
"""
import json
import selectors
import socket
import sys
import time

PAYLOAD = b"iotprof deny test\n"


def sockaddr(addr, port):
    return (addr, int(port), 0, 0) if ":" in addr else (addr, int(port))


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(ports, lifetime):
    sel = selectors.DefaultSelector()
    for port in ports.split(","):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET6, kind)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)	# IPv4 too
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::", int(port)))
            if kind == socket.SOCK_STREAM:
                s.listen(16)
                sel.register(s, selectors.EVENT_READ, "listen")
            else:
                sel.register(s, selectors.EVENT_READ, "udp")
    print("ready", flush=True)
    deadline = time.monotonic() + float(lifetime)
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s, what = key.fileobj, key.data
            try:
                if what == "listen":
                    c, _ = s.accept()
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, "conn")
                elif what == "udp":
                    data, peer = s.recvfrom(2048)
                    s.sendto(data, peer)
                else:
                    data = s.recv(2048)
                    if data:
                        s.send(data)
                    else:
                        sel.unregister(s)
                        s.close()
            except OSError:
                if what == "conn":
                    sel.unregister(s)
                    s.close()
    return 0


def client(kind, src, sport, dst, dport, timeout):
    s = socket.socket(family_of(dst), kind)
    s.settimeout(float(timeout))
    try:
        s.bind(sockaddr(src, sport))
        if kind == socket.SOCK_STREAM:
            s.connect(sockaddr(dst, dport))
            s.sendall(PAYLOAD)
            got = b""
            while len(got) < len(PAYLOAD):
                chunk = s.recv(2048)
                if not chunk:
                    break
                got += chunk
        else:
            s.sendto(PAYLOAD, sockaddr(dst, dport))
            got, _ = s.recvfrom(2048)
    except socket.timeout:
        print(f"no answer: timed out after {timeout} s")
        return 1
    except OSError as e:
        print(f"failed: {e}")
        return 2
    finally:
        s.close()
    if got != PAYLOAD:
        print(f"failed: got {got!r}")
        return 2
    print("ok")
    return 0


def load_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def rule(list_path, rid, field):
    for r in load_lines(list_path):
        if r["id"] == int(rid):
            print(json.dumps(r[field]))
            return 0
    print("absent")
    return 0


def rules(list_path):
    print(len(load_lines(list_path)))
    return 0


def flow(flows_path, a, aport, b, bport):
    ends = {(a, int(aport)), (b, int(bport))}
    found = [r for r in load_lines(flows_path)
             if {(r["src"], r.get("sport")), (r["dst"], r.get("dport"))} == ends]
    if not found:
        print("absent")
    for r in found:
        print(f"packets={json.dumps(r['packets'])} blocked={r['blocked']}")
    return 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "server":
            sys.exit(server(*args))
        elif cmd in ("tcp", "udp"):
            sys.exit(client(socket.SOCK_STREAM if cmd == "tcp" else socket.SOCK_DGRAM, *args))
        else:
            sys.exit({"rule": rule, "rules": rules, "flow": flow}[cmd](*args))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        sys.exit(f"{cmd}: {type(e).__name__}: {e}")
