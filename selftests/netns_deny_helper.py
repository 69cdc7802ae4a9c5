#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helper of test_netns_deny.sh (not a test by itself).

Traffic, run inside the namespaces:
  server PORTS LIFETIME_S           TCP and UDP echo on every address (IPv4 and
                                    IPv6) for each of the comma-separated PORTS
  tls-server PORT CERT KEY LIFETIME_S
                                    HTTPS on every address, whatever the SNI:
                                    each connection in a thread of its own (a
                                    connection the deny engine cut off holds
                                    up no other), "200 ok" to any request
  tcp SRC SPORT DST DPORT TIMEOUT   one connection, one line echoed back
  udp SRC SPORT DST DPORT TIMEOUT   one datagram echoed back
  dnsresp SRC SPORT DST DPORT QNAME TIMEOUT
                                    one DNS response (QNAME A 192.0.2.1) sent as
                                    a datagram, to be echoed back
  tls-gated SRC SPORT DST DPORT SNI HS_TIMEOUT GATE TIMEOUT
                                    a TLS handshake with SNI (within HS_TIMEOUT),
                                    then "handshake done", then, once the file
                                    GATE exists, one request on that connection
                                    and its response within TIMEOUT
The clients print "ok" and exit 0, or "no answer: timed out ..." and exit 1,
or "failed: WHY" and exit 2 on any other error.

Reading iotprof's JSON output:
  rule LIST_JSON ID FIELD           FIELD of rule ID in `iotprof deny list --json`
                                    (JSON-encoded; "absent" when there is no rule ID)
  rules LIST_JSON                   how many rules the listing has
  flow FLOWS_JSON A APORT B BPORT   "packets=[x, y] blocked=n" of the record
                                    between A:APORT and B:BPORT (either way round)
  flow-id-of FLOWS_JSON KIND MEMBER VALUE
                                    a Flow ID (addresses, protocol and ports
                                    null) whose "app" is that of the first
                                    record with app.KIND.MEMBER == VALUE, as
                                    iotprof flows --json shows it; "absent" and
                                    exit 1 when there is none
"""
import json
import os
import selectors
import socket
import ssl
import struct
import sys
import threading
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


def tls_serve_one(ctx, conn):
    try:
        conn.settimeout(10)
        with ctx.wrap_socket(conn, server_side=True) as t:
            got = b""
            while b"\r\n\r\n" not in got and len(got) < 8192:
                chunk = t.recv(2048)
                if not chunk:
                    return
                got += chunk
            t.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def tls_server(port, cert, key, lifetime):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(port)))
    s.listen(16)
    s.settimeout(0.5)
    print("ready", flush=True)
    deadline = time.monotonic() + float(lifetime)
    while time.monotonic() < deadline:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=tls_serve_one, args=(ctx, conn), daemon=True).start()
    return 0


def dns_response(qname):
    """A response to "QNAME A": the question and one answer, 192.0.2.1."""
    q = b"".join(bytes([len(label)]) + label.encode() for label in qname.split("."))
    return (struct.pack("!6H", 0x1d05, 0x8180, 1, 1, 0, 0) + q + b"\0" +
            struct.pack("!2H", 1, 1) +
            b"\xc0\x0c" + struct.pack("!2HIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1]))


def tls_gated(src, sport, dst, dport, sni, hs_timeout, gate, timeout):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = socket.socket(family_of(dst), socket.SOCK_STREAM)
    s.settimeout(float(hs_timeout))
    step = "the handshake"
    try:
        s.bind(sockaddr(src, sport))
        s.connect(sockaddr(dst, dport))
        s = ctx.wrap_socket(s, server_hostname=sni)
        print("handshake done", flush=True)
        step = "waiting for " + gate
        end = time.monotonic() + 20
        while not os.path.exists(gate):
            if time.monotonic() > end:
                print(f"failed: {gate} did not appear within 20 s")
                return 2
            time.sleep(0.02)
        step = "the request"
        s.settimeout(float(timeout))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        got = b""
        while b"ok\n" not in got:
            chunk = s.recv(2048)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        if step != "the request":
            print(f"failed: timed out during {step}")
            return 2
        print(f"no answer: timed out after {timeout} s")
        return 1
    except (OSError, ssl.SSLError) as e:
        print(f"failed: {step}: {e}")
        return 2
    finally:
        s.close()
    if not got.startswith(b"HTTP/1.0 200"):
        print(f"failed: got {got!r}")
        return 2
    print("ok")
    return 0


def client(kind, src, sport, dst, dport, timeout, payload=PAYLOAD):
    s = socket.socket(family_of(dst), kind)
    s.settimeout(float(timeout))
    try:
        s.bind(sockaddr(src, sport))
        if kind == socket.SOCK_STREAM:
            s.connect(sockaddr(dst, dport))
            s.sendall(payload)
            got = b""
            while len(got) < len(payload):
                chunk = s.recv(2048)
                if not chunk:
                    break
                got += chunk
        else:
            s.sendto(payload, sockaddr(dst, dport))
            got, _ = s.recvfrom(2048)
    except socket.timeout:
        print(f"no answer: timed out after {timeout} s")
        return 1
    except OSError as e:
        print(f"failed: {e}")
        return 2
    finally:
        s.close()
    if got != payload:
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


def flow_id_of(flows_path, kind, member, value):
    for r in load_lines(flows_path):
        app = r.get("app") or {}
        if kind in app and str(app[kind].get(member)) == value:
            print(json.dumps({"src": None, "dst": None, "proto": None, "sport": None,
                              "dport": None, "app": app}))
            return 0
    print("absent")
    return 1


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "server":
            sys.exit(server(*args))
        elif cmd == "tls-server":
            sys.exit(tls_server(*args))
        elif cmd in ("tcp", "udp"):
            sys.exit(client(socket.SOCK_STREAM if cmd == "tcp" else socket.SOCK_DGRAM, *args))
        elif cmd == "dnsresp":
            src, sport, dst, dport, qname, timeout = args
            sys.exit(client(socket.SOCK_DGRAM, src, sport, dst, dport, timeout,
                            dns_response(qname)))
        elif cmd == "tls-gated":
            sys.exit(tls_gated(*args))
        else:
            sys.exit({"rule": rule, "rules": rules, "flow": flow,
                      "flow-id-of": flow_id_of}[cmd](*args))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        sys.exit(f"{cmd}: {type(e).__name__}: {e}")
