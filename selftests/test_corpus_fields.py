#!/usr/bin/env python3
"""corpus-fields: the application fields of `iotprof flows --pcap` against
tshark's, on every capture under ../shared/corpus/ and ../shared/data/captures/.

Both sides are reduced to the facts a flow record can hold, per 5-tuple: DNS
exchanges (qname, qtype) with their A/AAAA answers, a connection's SNI, HTTP
requests (method, uri, host), CoAP requests per token (or message id).  A
field's agreement is matched / (matched + missed + reported by iotprof only).
Frames are excluded only for what iotprof leaves out by design, each with a
printed reason; nothing is excluded by file name.  Frames tshark flags as
malformed are not excluded as such: it still shows what it read before the
error (a DNS question before a cut answer), and iotprof must agree on that;
only names tshark itself replaces by a placeholder are left out.
"""
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from corpus_common import BIN, CAPTURE_DIRS, SHARED, captures, originals, preflight
NAME, THRESHOLD = "corpus-fields", 99.0
SNI = "tls.handshake.extensions_server_name"
FIELDS = ["dns.qry.name", "dns.qry.type", "dns.a", "dns.aaaa", SNI, "http.request.method",
          "http.request.uri", "http.host", "coap.type", "coap.code", "coap.opt.uri_path"]

# No TCP reassembly and no IP defragmentation: iotprof parses each packet on
# its own, so a value must come from the packet that carries it.  The VLAN
# dissector must not take the legacy 0x9100 QinQ TPID, which iotprof ignores.
TSHARK_OPTS = ["-n", "-o", "tcp.desegment_tcp_streams:FALSE", "-o", "ip.defragment:FALSE",
               "-o", "ipv6.defragment:FALSE", "-o", "vlan.qinq_ethertype:0x8100"]
COLS = """frame.number frame.protocols ip.src ip.dst ipv6.src ipv6.dst tcp.srcport tcp.dstport
    udp.srcport udp.dstport ip.flags.mf ip.frag_offset ipv6.fraghdr.offset ipv6.fraghdr.more
    tcp.len dns.count.queries dns.count.answers dns.count.auth_rr dns.count.add_rr dns.qry.name
    dns.qry.type dns.resp.type dns.a dns.aaaa tls.handshake.extensions_server_name
    http.request.method http.request.uri http.host coap.type coap.code coap.token coap.mid
    coap.opt.uri_path""".split()
# Frames with a value to compare.  (A filter on http.request would miss
# requests tshark finds unusual: NOTIFY, a request line cut by the segment.)
VALUES = ("dns.qry.name", "dns.a", "dns.aaaa", SNI, "http.request.method", "coap.code")
AGG = "\x1f"     # tshark escapes control characters in values: never ambiguous
NO_QUESTION = "<no question>"

# user/app_json.c dns_type_name(), to name tshark's numeric dns.qry.type.
DNS_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT",
             28: "AAAA", 33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC",
             48: "DNSKEY", 64: "SVCB", 65: "HTTPS", 255: "ANY"}
COAP_TYPES = ["CON", "NON", "ACK", "RST"]
LINKS = {"eth", "null", "loop", "raw", "sll"}       # link types iotprof reads IP behind
C_ESC = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}


def norm_tshark(s):
    # How many U+FFFD tshark writes for one bad UTF-8 sequence is its business.
    return re.sub("\ufffd+", "\ufffd", s)


def norm_ours(s):
    """Our JSON writes non-printable bytes as \\xNN: back to bytes, then printed
    as tshark prints strings (UTF-8 kept, bad sequences U+FFFD, control
    characters as C or octal escapes)."""
    raw = re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), s).encode("latin-1")
    return norm_tshark("".join(C_ESC.get(ord(c), "\\%03o" % ord(c))
                               if ord(c) < 0x20 or ord(c) == 0x7F else c
                               for c in raw.decode("utf-8", "replace")))


def flow_key(proto, a, ap, b, bp):
    ends = sorted([(ipaddress.ip_address(a).compressed, int(ap)),
                   (ipaddress.ip_address(b).compressed, int(bp))], key=repr)
    return "%s %s:%d <-> %s:%d" % (proto, ends[0][0], ends[0][1], ends[1][0], ends[1][1])


def derive(dns_ex, answers, sni, http_ex, coap_ex):
    """Exchanges (key -> frames) into per-field facts: {field: Counter}, and the
    frames of each (field, fact).  A record holds one exchange, so a field
    counts once per distinct exchange; a field without a value is no fact."""
    count, frames = {f: Counter() for f in FIELDS}, defaultdict(list)
    facts = [(("dns.qry.name", (fl, n)), ("dns.qry.type", (fl, t))) for fl, n, t in dns_ex]
    facts += [(("dns.a" if fam == 4 else "dns.aaaa", k[:3] + (addr,)),) for k in answers
              for fam, addr in [k[3:]]]
    facts += [((SNI, k),) for k in sni]
    facts += [tuple((f, (k[0], v)) for f, v in zip(FIELDS[5:8], k[1:]) if v is not None)
              for k in http_ex]
    facts += [tuple((f, k[:2] + (v,)) for f, v in zip(FIELDS[8:], k[2:]) if v is not None)
              for k in coap_ex]
    for key_frames, fs in zip([*dns_ex.values(), *answers.values(), *sni.values(),
                               *http_ex.values(), *coap_ex.values()], facts):
        for field, fact in fs:
            count[field][fact] += 1
            frames[(field, fact)] += key_frames
    return count, frames


def dns_messages(c):
    """One frame's DNS fields split into messages (a TCP segment may hold
    several): (questions, answer section's A/AAAA)."""
    names, types = c["dns.qry.name"], c["dns.qry.type"]
    rtypes, a, aaaa = c["dns.resp.type"], iter(c["dns.a"]), iter(c["dns.aaaa"])
    q_at = r_at = 0
    for nq, nan, nns, nar in zip(*[map(int, c["dns.count." + k])
                                   for k in ("queries", "answers", "auth_rr", "add_rr")]):
        ans = []
        # dns.a/dns.aaaa hold the A/AAAA records of all three sections in
        # order: only the answer section's are answers (glue is not).
        for i, t in enumerate(rtypes[r_at:r_at + nan + nns + nar]):
            addr = next(a, None) if t == "1" else next(aaaa, None) if t == "28" else None
            if i < nan and addr is not None:
                ans.append((4 if t == "1" else 6, ipaddress.ip_address(addr).compressed))
        yield list(zip(names[q_at:q_at + nq], types[q_at:q_at + nq])), ans
        q_at, r_at = q_at + nq, r_at + nan + nns + nar


class Excluded(Exception):
    """A frame whose application fields iotprof is specified not to parse."""


def where(c):
    """(flow, transport, sport, dport) of a frame whose payload iotprof
    parses; raises Excluded otherwise."""
    layers = [p for p in c["frame.protocols"][0].split(":") if p != "ethertype"]
    ips = [i for i, p in enumerate(layers) if p in ("ip", "ipv6")]
    below = layers[:ips[0]] if ips else []
    # A second IP header is an ICMP error quoting a packet, or a tunnel
    # (Teredo, 6in4): tshark shows the inner packet's fields, iotprof parses
    # only the outer packet's payload.
    if len(ips) > 1:
        raise Excluded("second IP header (ICMP-quoted packet or tunnel): inner packet not parsed")
    if not ips or below and (below[0] not in LINKS or len(below) > 3 or
                             any(p not in ("vlan", "ieee8021ad") for p in below[1:])):
        raise Excluded("IP not behind Ethernet/<=2 VLAN tags/loopback/raw/cooked: not parsed")
    # Fragments are not application-parsed; with defragmentation off tshark
    # would read the first one's payload.
    if (c["ip.frag_offset"][:1] not in ([], ["0"]) or c["ip.flags.mf"][:1] in (["1"], ["True"])
            or c["ipv6.fraghdr.offset"][:1] not in ([], ["0"]) or
            c["ipv6.fraghdr.more"][:1] in (["1"], ["True"])):
        raise Excluded("IP fragment: not application-parsed")
    if "quic" in layers:
        raise Excluded("QUIC: SNI out of scope")
    l4 = "tcp" if "tcp" in layers else "udp"
    if not c[l4 + ".srcport"] or not c[l4 + ".dstport"]:
        raise Excluded("no TCP/UDP header")
    src, dst = (c["ip.src"] or c["ipv6.src"])[0], (c["ip.dst"] or c["ipv6.dst"])[0]
    sport, dport = int(c[l4 + ".srcport"][0]), int(c[l4 + ".dstport"][0])
    return flow_key(l4, src, sport, dst, dport), l4, sport, dport


def run_tshark(path, opts, filt, cols):
    out = subprocess.run(["tshark", "-r", path, *opts, "-Y", filt, "-T", "fields", "-E",
                          "occurrence=a", "-E", "aggregator=" + AGG, "-E", "quote=n",
                          *[a for x in cols for a in ("-e", x)]], capture_output=True, text=True)
    if out.returncode and not out.stdout:      # a file cut short still yields its frames
        raise RuntimeError("tshark: " + (out.stderr.strip().splitlines() or ["failed"])[-1])
    return [defaultdict(list, {k: v.split(AGG) for k, v in zip(cols, line.split("\t")) if v})
            for line in out.stdout.splitlines()]


def split_hellos(path, excluded):
    """ClientHellos tshark decodes only with TCP reassembly: iotprof must find
    the SNI when it lies in the first segment.  {first segment's frame: (flow,
    SNI, where the SNI ends in the reassembled bytes, all segments)}"""
    hellos = {}
    for c in run_tshark(path, TSHARK_OPTS[:1] + TSHARK_OPTS[3:], "tls.handshake.type == 1 && "
                        "tcp.segment", COLS[:14] + ["tcp.segment", "tcp.reassembled.data", SNI]):
        try:
            flow = where(c)[0]
        except Excluded as e:
            excluded[str(e)].append(int(c["frame.number"][0]))
            continue
        data, segs = bytes.fromhex(c["tcp.reassembled.data"][0]), list(map(int, c["tcp.segment"]))
        for s in c[SNI]:         # an escaped (non-ASCII) SNI is not found: never in segment 1
            at = data.find(b"\0" + struct.pack("!H", len(s)) + s.encode())
            hellos[min(segs)] = (flow, norm_tshark(s), at + 3 + len(s) if at >= 0 else 1 << 30, segs)
    return hellos


def tshark_facts(path):
    """tshark's facts; the frames left out (reason -> frame numbers); the
    connections whose SNI lies beyond the first segment."""
    excluded, beyond = defaultdict(list), set()
    hellos = split_hellos(path, excluded)
    filt = " || ".join(VALUES) + "".join(" || frame.number == %d" % n for n in hellos)
    dns_ex, answers, sni, http_ex, coap_ex = (defaultdict(list) for _ in range(5))
    for c in run_tshark(path, TSHARK_OPTS, filt, COLS):
        num = int(c["frame.number"][0])
        if num in hellos:
            flow, name, end, segs = hellos[num]
            if end <= int(c["tcp.len"][0]):
                sni[(flow, name)] += segs
            else:               # no TCP reassembly, by design: iotprof flags it incomplete
                excluded["ClientHello split over TCP segments, SNI not in the first"] += segs
                beyond.add(flow)
        if not any(c[v] for v in VALUES):
            continue
        try:
            flow, l4, sport, dport = where(c)
        except Excluded as e:
            excluded[str(e)].append(num)
            continue
        if c["dns.count.queries"]:
            # iotprof: DNS on UDP 53/5353 and TCP 53 only (LLMNR, 8053...: by design)
            if not {53, 5353 if l4 == "udp" else 53} & {sport, dport}:
                excluded["DNS off ports 53/5353"].append(num)
                continue
            for qs, ans in dns_messages(c):
                ex = (flow, NO_QUESTION, None)      # a message without question
                for i, (qname, qtype) in enumerate(qs):
                    qname = "" if qname == "<Root>" else norm_tshark(qname)
                    if qname.startswith("<") and qname.endswith(">"):
                        # "<Name too long>", "<Name contains a pointer that
                        # loops>": tshark could not read the name either.
                        excluded["DNS question name tshark cannot decode"].append(num)
                        ex = None if i == 0 else ex
                        continue
                    t = DNS_TYPES.get(int(qtype), "TYPE" + qtype)
                    dns_ex[(flow, qname, t)].append(num)
                    ex = (flow, qname, t) if i == 0 else ex
                # Answers belong to the message's first question, as in a record.
                for fam, addr in ans if ex else ():
                    answers[ex + (fam, addr)].append(num)
        for s in c[SNI]:
            sni[(flow, norm_tshark(s))].append(num)
        m, u, h = c["http.request.method"], c["http.request.uri"], c["http.host"]
        if m:                            # over TCP, and over UDP (SSDP)
            # Pipelined requests: Host lines align with requests only when
            # every request has one.
            h = (h if len(h) == len(m) else h[:1] if len(m) == 1 else []) + [None] * len(m)
            for i in range(len(m)):
                http_ex[(flow, m[i], norm_tshark(u[i]) if i < len(u) else None,
                         h[i] and norm_tshark(h[i]))].append(num)
        for code in map(int, c["coap.code"]):
            if l4 != "udp" or 5683 not in (sport, dport):
                excluded["CoAP off UDP 5683"].append(num)
            elif 0 < code < 32:          # requests: class 0, not the empty message
                path = c["coap.opt.uri_path"]
                coap_ex[(flow, c["coap.token"][0] if c["coap.token"] else "mid:" + c["coap.mid"][0],
                         COAP_TYPES[int(c["coap.type"][0])], "0.%02d" % code,
                         "/" + "/".join(map(norm_tshark, path)) if path else None)].append(num)
    return derive(dns_ex, answers, sni, http_ex, coap_ex), excluded, beyond


def engine_facts(path, beyond):
    """iotprof's facts, and its error if any.  Where tshark puts the SNI beyond
    the first segment, a record flagged incomplete claims no SNI."""
    out = subprocess.run([os.path.join(BIN, "iotprof"), "flows", "--pcap", path, "--json"],
                         capture_output=True, text=True)
    err = out.returncode and "iotprof exited %d: %s" % (out.returncode, out.stderr.strip())
    dns_ex, answers, sni, http_ex, coap_ex = (defaultdict(list) for _ in range(5))
    for r in map(json.loads, out.stdout.splitlines()):
        app = r["app"] or {}
        flow = app and flow_key(r["proto"], r["src"], r["sport"], r["dst"], r["dport"])
        if "dns" in app:
            d = app["dns"]
            if d.get("announcement"):
                # No question on the wire: the record is named by its first
                # answer, which tshark does not call a question.
                ex = (flow, NO_QUESTION, None)
            else:
                ex = (flow, norm_ours(d["qname"]), d["qtype"])
                dns_ex[ex] = []
            for ip in map(ipaddress.ip_address, d["answers"]):
                answers[ex + (ip.version, ip.compressed)] = []
        t = app.get("tls")
        if t and t["sni"] is not None and not (flow in beyond and t.get("incomplete")):
            sni[(flow, norm_ours(t["sni"]))] = []
        if "http" in app:
            h = app["http"]
            http_ex[(flow, norm_ours(h["method"]), norm_ours(h["uri"]),
                     h["host"] and norm_ours(h["host"]))] = []
        co = app.get("coap")
        if co and co["code"].startswith("0.") and co["code"] != "0.00":     # a request
            coap_ex[(flow, co["token"] or "mid:%d" % co["message_id"], co["type"], co["code"],
                     norm_ours(co["uri"]) if co["uri"] != "/" else None)] = []
    return derive(dns_ex, answers, sni, http_ex, coap_ex), err


def frames_text(frames, limit=6):
    fr = sorted(set(frames))
    return ",".join(map(str, fr[:limit])) + (",..." if len(fr) > limit else "")


def compare(rel):
    """One capture: per field [matched, missed, extra], excluded frames, lines to print."""
    (theirs, frames), excluded, beyond = tshark_facts(os.path.join(SHARED, rel))
    (ours, _), err = engine_facts(os.path.join(SHARED, rel), beyond)
    lines = ["FAIL: %s %s: %s" % (NAME, rel, err)] if err else []
    lines += ["  excluded (%d frames): %s: frames %s" % (len(v), why, frames_text(v, 12))
              for why, v in sorted(excluded.items())]
    stats = {}
    for field in FIELDS:
        t, o, st = theirs[field], ours[field], [0, 0, 0]
        for fact in sorted(set(t) | set(o), key=repr):
            m = min(t[fact], o[fact])
            st = [st[0] + m, st[1] + t[fact] - m, st[2] + o[fact] - m]
            val = " ".join(repr(x) for x in fact[1:])
            if t[fact] > m:
                lines.append("  - %s MISSED %s  %s (tshark frames %s)" % (
                    field, fact[0], val, frames_text(frames[(field, fact)])))
            if o[fact] > m:
                lines.append("  - %s EXTRA  %s  %s (iotprof only)" % (field, fact[0], val))
        stats[field] = st
    lines.insert(0, "  " + ("; ".join("%s %d/%d" % (f, s[0], sum(s))
                                      for f, s in stats.items() if sum(s)) or "no application fields"))
    return stats, excluded, lines


def run_case(rel):
    try:
        return compare(rel)
    except (RuntimeError, OSError, ValueError) as e:
        return {}, {}, ["FAIL: %s %s: %s" % (NAME, rel, e)]


def main():
    status = preflight(NAME)
    if status is not None:
        return status
    # data/captures repeats some corpus files byte for byte: each file's
    # facts count once, under the first path with those bytes.
    rels = captures()
    original = originals(rels)
    unique = [rel for rel in rels if original[rel] == rel]
    # Each iotprof run loads the BPF program, each tshark run is single
    # threaded: one capture per core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = dict(zip(unique, pool.map(run_case, unique)))
    total, excl = {f: [0, 0, 0] for f in FIELDS}, Counter()
    for rel in rels:
        if original[rel] != rel:
            print("%s\n  same bytes as %s: counted there" % (rel, original[rel]))
            continue
        stats, excluded, lines = results[rel]
        print(rel + "\n" + "\n".join(lines))
        for f, s in stats.items():
            total[f] = [a + b for a, b in zip(total[f], s)]
        excl.update({why: len(v) for why, v in excluded.items()})
    print("\nexcluded frames, all captures:")
    for why, n in sorted(excl.items()):
        print("  %6d  %s" % (n, why))
    print("\n%-38s %8s %8s %8s %8s %8s" % ("field", "matched", "missed", "extra", "total", "agree"))
    for f, (m, mi, ex) in total.items():
        n = m + mi + ex
        print("%-38s %8d %8d %8d %8d %8s" % (f, m, mi, ex, n, "%.2f%%" % (100.0 * m / n) if n else "-"))
    failed = any(line.startswith("FAIL: ") for r in results.values() for line in r[2])
    for f, (m, mi, ex) in total.items():
        n = m + mi + ex
        if not n:
            print("SKIP: %s %s: no values in the corpus" % (NAME, f))
        elif 100.0 * m / n >= THRESHOLD:
            print("PASS: %s %s %.2f%% (%d/%d)" % (NAME, f, 100.0 * m / n, m, n))
        else:
            print("FAIL: %s %s: %.2f%% below %g%% (%d/%d; %d missed, %d reported by iotprof only)"
                  % (NAME, f, 100.0 * m / n, THRESHOLD, m, n, mi, ex))
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
