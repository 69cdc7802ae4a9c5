#!/usr/bin/env python3
"""The Forest paper's Flow ID rules on real captures (../shared): every rule
that selftests/test_trace.c checks on crafted packets, checked here on
traffic nobody here produced.  `iotprof flows --pcap` (the flow monitor)
still shows every packet; `iotprof signature` (the method) leaves out the
control plane.  Skipped, with the reason, when ../shared is absent."""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("IOTPROF_BIN") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build")
SHARED = os.environ.get("IOTPROF_SHARED") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                           "shared")
FOREST = os.path.join(SHARED, "data", "forest", "devices")
PHONE = "192.168.1.110"
failures = 0


def result(ok, name, why=""):
    global failures
    print("PASS: flowid-rules %s" % name if ok else "FAIL: flowid-rules %s: %s" % (name, why))
    failures += not ok


def iotprof(*args):
    p = subprocess.run([os.path.join(BIN, "iotprof")] + list(args), capture_output=True, text=True,
                       errors="surrogateescape")
    if p.returncode:
        raise RuntimeError("iotprof %s: exit %d: %s" % (" ".join(args[:2]), p.returncode, p.stderr.strip()))
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def signature(device, pcaps, *extra):
    return iotprof("signature", "--device", device, "--phone", PHONE, "--json", *extra, *pcaps)


def traces(event, node="0_root"):
    d = os.path.join(FOREST, event, node, "traces")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".pcap"))


def show(f):
    p = lambda x: "*" if x is None else x
    return "%s %s:%s -> %s:%s %s" % (f["proto"], f["src"], p(f["sport"]), f["dst"], p(f["dport"]), f["app"] or "")


def test_icmp_dhcp():
    pcap = traces("cameras/XiaomiCamera/node_pruning/boot")[0]
    flows = iotprof("flows", "--pcap", pcap, "--json")
    control = [f for f in flows if f["proto"] == "icmp" or (f["proto"] == "udp" and {f["sport"], f["dport"]} == {67, 68})]
    result(len(control) >= 2, "the camera's boot capture holds ICMP and DHCP (iotprof flows)",
           "%d such records" % len(control))
    ids = signature("192.168.1.161", [pcap])
    bad = [show(f) for f in ids if f["proto"] == "icmp" or (f["proto"] == "udp" and {f["sport"], f["dport"]} & {67, 68})]
    result(not bad and ids, "no ICMP or DHCP Flow ID", "; ".join(bad) or "no Flow ID at all")
    kept = signature("192.168.1.161", [pcap], "--control-plane", "keep")
    result(any(f["proto"] == "icmp" for f in kept) and any(f["dport"] == 67 or f["sport"] == 67 for f in kept),
           "--control-plane keep keeps them", "; ".join(show(f) for f in kept))


def test_tcp_tls_handshake():
    """A TLS connection cut after its handshake (a ClientHello without SNI,
    the server's handshake, change_cipher_spec): no Flow ID; the whole
    connection, which carries application data, is one."""
    pcap = os.path.join(SHARED, "corpus", "iot", "pingpong_wlan1.local.dns.pcap")
    with tempfile.TemporaryDirectory() as tmp:
        cut = os.path.join(tmp, "handshake.pcap")
        subprocess.run(["editcap", "-r", pcap, cut, "246-254"], check=True, capture_output=True)
        ids = signature("192.168.1.160", [cut])
        result(not [f for f in ids if f["dport"] == 443 or f["sport"] == 443],
               "a TCP and TLS handshake without SNI makes no Flow ID", "; ".join(show(f) for f in ids))
        whole = os.path.join(tmp, "connection.pcap")
        subprocess.run(["editcap", "-r", pcap, whole, "246-276"], check=True, capture_output=True)
        ids = signature("192.168.1.160", [whole])
        ok = [f for f in ids if f["dport"] == 443 and f["src"] == "192.168.1.160"]
        result(len(ok) == 1, "with application data it is one, from the client",
               "; ".join(show(f) for f in ids))


def test_psh_without_payload():
    """The dataset's anonymised captures cut payloads and keep PSH: the
    phone's TCP 9999 control of the TP-Link plug is data."""
    ids = signature("192.168.1.135", traces("plugs/TpLinkPlug/node_pruning/toggle"))
    result(any(f["proto"] == "tcp" and f["dport"] == 9999 and f["src"] == PHONE for f in ids),
           "TCP 9999 without payload but with PSH is a Flow ID", "; ".join(show(f) for f in ids))


def test_dns_first_question():
    """mDNS queries of two, three and four questions: one Flow ID each, named
    by the first question (an announcement by its first answer); iotprof
    flows still shows every question."""
    pcap = os.path.join(SHARED, "corpus", "dns", "zeek_dns_mdns.pcap")
    hosts = ["10.0.2.7", "fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4"]
    flows = {f["app"]["dns"]["qname"] for f in iotprof("flows", "--pcap", pcap, "--json")
             if f["app"] and "dns" in f["app"]}
    ids = iotprof("signature", "--device", hosts[0], "--device", hosts[1], "--json", pcap)
    names = {f["app"]["dns"]["qname"] for f in ids if f["app"]}
    # A message's name: its first question, or an announcement's (no
    # question) first answer, as the authors' extractor names it.
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "dns.flags", "-T", "fields", "-e", "dns.qry.name",
                          "-e", "dns.resp.name", "-E", "occurrence=f"], capture_output=True, text=True).stdout
    firsts = {(line.split("\t")[0] or line.split("\t")[1]).strip() for line in out.splitlines()} - {""}
    result(firsts and names == firsts and flows > names, "a DNS query's Flow ID is its first question",
           "first questions (tshark) %s, Flow IDs %s, records %d" % (sorted(firsts), sorted(names), len(flows)))


def test_http_status_line():
    """The camera's GET /gslb and its response: one Flow ID, the request's."""
    ids = signature("192.168.1.161", traces("cameras/XiaomiCamera/node_pruning/boot")[:1])
    web = [f for f in ids if "110.43.0.83" in (f["src"], f["dst"]) and f["proto"] == "tcp"]
    result(len(web) == 1 and web[0]["app"] == {"http": {"method": "GET", "uri": "/gslb"}},
           "an HTTP response belongs to its request", "; ".join(show(f) for f in web))


def test_source_and_client_ports():
    """TuyaLight: the phone's MQTT connection outlives every capture and its
    server speaks first; the phone's discovery socket too."""
    ids = signature("192.168.1.162", traces("lights/TuyaLight/node_pruning/toggle"))
    mqtt = [f for f in ids if 8883 in (f["sport"], f["dport"])]
    result(len(mqtt) == 1 and mqtt[0]["src"] != PHONE and mqtt[0]["sport"] == 8883 and mqtt[0]["dport"] is None,
           "the first data packet's sender is the source; an outliving connection's client port is a wildcard",
           "; ".join(show(f) for f in mqtt))
    bcast = [f for f in ids if f["dst"] == "255.255.255.255"]
    result(len(bcast) == 1 and bcast[0]["sport"] is None and bcast[0]["dport"] == 7000,
           "a socket's ephemeral port is a wildcard", "; ".join(show(f) for f in bcast))


def main():
    if not os.path.isdir(FOREST):
        print("SKIP: flowid-rules: %s is not there (the shared dataset)" % FOREST)
        return 0
    for t in (test_icmp_dhcp, test_tcp_tls_handshake, test_psh_without_payload, test_dns_first_question,
              test_http_status_line, test_source_and_client_ports):
        try:
            t()
        except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
            result(False, t.__name__, str(e))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
