#!/usr/bin/env bash
# ipfix: `iotprof export --ipfix` against real collectors from Debian, in a
# network namespace of its own (the collectors listen on its loopback):
# nfdump's nfcapd for the standard IEs, pmacct's nfacctd for the
# enterprise-specific ones (its aggregate_primitives name them by PEN:ID,
# as docs/IPFIX.md publishes them).  The collectors' own output is compared
# with what was sent.
#
#   pcap-nfdump   a capture whose content is known (pcap_fixture.py): nfdump
#                 lists one record per direction of each flow, with the
#                 fixture's packets and bytes, and the times `iotprof flows`
#                 gives (ms)
#   pcap-nfacctd  the same export: nfacctd reads the DNS name, TLS SNI, HTTP
#                 method and URI and CoAP path from the initiator's records
#   live          iotprof-load attached to a veth pair, ping and an HTTP
#                 fetch: a snapshot export lists the flows with the counters
#                 of `iotprof flows --json`
#   follow        --follow while the device talks, then SIGTERM: every flow
#                 sent (when it ended, or at exit), the counters summing to
#                 the table's
#   bad-*         a bad collector address, an unknown host: clear errors
set -u

NAME=ipfix
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
CLI=$BIN/iotprof
FIX=$ROOT/selftests/pcap_fixture.py
NS_G=iotpx-$$-g
NS_D=iotpx-$$-d
PIN=/sys/fs/bpf/iotprof-test-$$
GW=10.219.0.1 DEV=10.219.0.2
LIFETIME=120

failures=0
work=
cleaned=
collector_pids=()
server_pids=()
follow_pid=

. "$(dirname "$0")/netns_lib.sh"

in_g() { timeout 30 nsenter --net="/run/netns/$NS_G" -- "$@"; }
in_d() { timeout 20 nsenter --net="/run/netns/$NS_D" -- "$@"; }
bg_in() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" -- timeout "$LIFETIME" "$@"; }

# A collector runs in a session of its own: its process group is its PID,
# and stopping it ends its helper processes too (nfacctd's plugins).
stop_group() {
	local pid=$1 i
	kill -TERM -- "-$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 -- "-$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	local pid
	[ -n "$follow_pid" ] && kill "$follow_pid" 2>/dev/null && wait "$follow_pid" 2>/dev/null
	for pid in "${collector_pids[@]}"; do stop_group "$pid"; done
	for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	teardown_home "$NS_G" "$NS_D" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
for tool in ip nsenter setsid timeout ss python3 curl ping nfcapd nfdump nfacctd; do
	command -v "$tool" >/dev/null || skip "'$tool' is not installed (tools/install-deps.sh installs nfdump and pmacct)"
done
for b in "$LOAD" "$CLI"; do
	[ -x "$b" ] || skip "$b is not built"
done
work=$(mktemp -d /tmp/iotprof-ipfix.XXXXXX) || skip "mktemp failed"
export TZ=UTC

quiet_pair "$NS_G" "$NS_D" veth-g veth-d || { fail setup "namespaces"; exit 1; }
ip -n "$NS_G" addr add "$GW/24" dev veth-g && ip -n "$NS_D" addr add "$DEV/24" dev veth-d &&
	ip -n "$NS_G" link set veth-g up && ip -n "$NS_D" link set veth-d up &&
	ip -n "$NS_G" link set lo up && ip -n "$NS_D" link set lo up &&
	ip -n "$NS_G" neigh replace "$DEV" lladdr "$QUIET_MAC_Y" dev veth-g nud permanent &&
	ip -n "$NS_D" neigh replace "$GW" lladdr "$QUIET_MAC_X" dev veth-d nud permanent ||
	{ fail setup "addresses"; exit 1; }

# ---- the collectors ------------------------------------------------------------------
# start_nfcapd NAME PORT: nfcapd on the gateway's loopback, files in $work/NAME.
start_nfcapd() {
	mkdir -p "$work/$1"
	setsid nsenter --net="/run/netns/$NS_G" -- timeout "$LIFETIME" \
		nfcapd -w "$work/$1" -b 127.0.0.1 -p "$2" -t 3600 >"$work/$1.log" 2>&1 &
	collector_pids+=($!)
	nfcapd_pid=$!
	wait_for 100 udp_bound "$2" || { fail setup "nfcapd did not listen: $(oneline <"$work/$1.log")"; exit 1; }
}
udp_bound() { nsenter --net="/run/netns/$NS_G" -- ss -H -lnu "sport = :$1" | grep -q .; }
# The datagrams sent are in the collector's socket or read: waits until read.
drained() { nsenter --net="/run/netns/$NS_G" -- ss -H -lnu "sport = :$1" | awk '{ exit !($2 == 0) }'; }

# stop_nfcapd NAME PORT: once it has read everything, stop it (it writes its
# file) and print its records as JSON.
stop_nfcapd() {
	wait_for 200 drained "$2" || fail "$1" "nfcapd did not read what was sent"
	stop_group "$nfcapd_pid"
	nfdump -R "$work/$1" -o json >"$work/$1.json" 2>"$work/$1.nfdump.err" ||
		fail "$1" "nfdump: $(oneline <"$work/$1.nfdump.err")"
}

# compare_nfdump CASE NFDUMP.json EXPECTED.jsonl: the same uni-directional
# records (addresses, ports, protocol, packets, bytes[, times in ms]).
compare_nfdump() {
	local out
	if out=$(python3 - "$2" "$3" 2>&1 <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
def ms(text):  # "2023-11-14T22:13:20.010" in UTC
    import datetime
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)
g = sorted((r.get("src4_addr") or r.get("src6_addr"), r.get("src_port", 0), r.get("dst4_addr") or r.get("dst6_addr"),
            r.get("dst_port", 0), r["proto"], r["in_packets"], r["in_bytes"], ms(r["first"]), ms(r["last"]))
           for r in got if r.get("type") == "FLOW")
want = []
for line in open(sys.argv[2]):
    e = json.loads(line)
    proto = {"tcp": 6, "udp": 17, "icmp": 1}[e["proto"]]
    t = (int(e["first_ns"]) // 1000000, int(e["last_ns"]) // 1000000) if "first_ns" in e else None
    for d, (s, sp, a, dp) in enumerate(((e["src"], e["sport"], e["dst"], e["dport"]),
                                        (e["dst"], e["dport"], e["src"], e["sport"]))):
        if e["packets"][d]:
            want.append((s, sp or 0, a, dp or 0, proto, e["packets"][d], e["bytes"][d]) + (t or ()))
want.sort()
if "first_ns" not in open(sys.argv[2]).readline():
    g = sorted(x[:7] for x in g)
if g != want:
    print("nfdump:", g, "expected:", want)
    sys.exit(1)
print(len(g))
PY
); then
		pass "$1: nfdump lists the $out records with the right counters"
	else
		fail "$1" "$(printf '%s' "$out" | tail -1)"
	fi
}

# ---- a capture: nfcapd ----------------------------------------------------------------
python3 "$FIX" "$work/fixture.pcap" && python3 "$FIX" x --expect >"$work/fixture.expect" &&
	"$CLI" flows --pcap "$work/fixture.pcap" --json >"$work/fixture.flows" ||
	{ fail setup "the fixture"; exit 1; }
start_nfcapd pcap-nfdump 9995
if in_g "$CLI" export --ipfix 127.0.0.1:9995 --pcap "$work/fixture.pcap" >"$work/export1.out" 2>&1; then
	stop_nfcapd pcap-nfdump 9995
	compare_nfdump pcap-nfdump "$work/pcap-nfdump.json" "$work/fixture.expect"
	compare_nfdump "pcap-nfdump times" "$work/pcap-nfdump.json" "$work/fixture.flows"
else
	fail pcap-nfdump "export failed: $(oneline <"$work/export1.out")"
fi

# ---- the same capture: nfacctd and the enterprise IEs ------------------------------------
cat >"$work/primitives.lst" <<'EOF'
name=iotprof_dns_qname field_type=32473:1 len=vlen semantics=str
name=iotprof_dns_qtype field_type=32473:2 len=2 semantics=u_int
name=iotprof_tls_sni field_type=32473:3 len=vlen semantics=str
name=iotprof_http_method field_type=32473:4 len=vlen semantics=str
name=iotprof_http_uri field_type=32473:5 len=vlen semantics=str
name=iotprof_http_host field_type=32473:6 len=vlen semantics=str
name=iotprof_coap_uri field_type=32473:7 len=vlen semantics=str
name=iotprof_dst_name field_type=32473:10 len=vlen semantics=str
EOF
cat >"$work/nfacctd.conf" <<EOF
nfacctd_ip: 127.0.0.1
nfacctd_port: 9996
aggregate_primitives: $work/primitives.lst
plugins: print
aggregate: src_host, dst_host, src_port, dst_port, proto, iotprof_dns_qname, iotprof_dns_qtype, iotprof_tls_sni, iotprof_http_method, iotprof_http_uri, iotprof_http_host, iotprof_coap_uri, iotprof_dst_name
print_output: json
print_output_file: $work/nfacctd.json
print_refresh_time: 1
EOF
setsid nsenter --net="/run/netns/$NS_G" -- timeout "$LIFETIME" nfacctd -f "$work/nfacctd.conf" \
	>"$work/nfacctd.log" 2>&1 &
collector_pids+=($!)
nfacctd_pid=$!
if ! wait_for 100 udp_bound 9996; then
	fail pcap-nfacctd "nfacctd did not listen: $(tail -3 "$work/nfacctd.log" | oneline)"
elif in_g "$CLI" export --ipfix 127.0.0.1:9996 --pcap "$work/fixture.pcap" >"$work/export2.out" 2>&1; then
	# The print plugin writes the file every second: wait for all 11 records.
	wait_for 300 sh -c "[ \"\$(cat '$work/nfacctd.json' 2>/dev/null | grep -c event_type)\" -ge 11 ]"
	if out=$(python3 - "$work/nfacctd.json" "$work/fixture.flows" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = {}
for r in recs:
    vals = {k[8:]: str(v) for k, v in r.items() if k.startswith("iotprof_") and v not in ("", 0, "0")}
    if vals:
        got.setdefault((r["ip_src"], r["port_src"], r["ip_dst"], r["port_dst"]), {}).update(vals)
# What `iotprof flows --json` says of the same capture, in the IEs' terms:
# the initiator's record carries the application data and the names.
want = {}
for f in map(json.loads, open(sys.argv[2])):
    v, app = {}, f["app"] or {}
    if "dns" in app:
        v.update(dns_qname=app["dns"]["qname"], dns_qtype=str({"A": 1, "AAAA": 28}[app["dns"]["qtype"]]))
    if "tls" in app:
        v.update(tls_sni=app["tls"]["sni"])
    if "http" in app:
        v.update(http_method=app["http"]["method"], http_uri=app["http"]["uri"], http_host=app["http"]["host"])
    if "coap" in app:
        v.update(coap_uri=app["coap"]["uri"] or "/")
    if f["dst_name"]:
        v.update(dst_name=f["dst_name"])
    if v:
        want.setdefault((f["src"], f["sport"], f["dst"], f["dport"]), {}).update(v)
kinds = {k for v in want.values() for k in v}
if len(recs) != 11 or got != want or not {"dns_qname", "tls_sni", "http_method", "http_uri", "coap_uri"} <= kinds:
    print("records", len(recs), "application data", got, "expected", want)
    sys.exit(1)
PY
); then
		pass "pcap-nfacctd: nfacctd reads the DNS name and type, SNI, HTTP method, URI and Host, CoAP path and host names"
	else
		fail pcap-nfacctd "$(printf '%s' "$out" | tail -1)"
	fi
else
	fail pcap-nfacctd "export failed: $(oneline <"$work/export2.out")"
fi
stop_group "$nfacctd_pid"

# ---- live --------------------------------------------------------------------------------
if ! in_g "$LOAD" --pin-dir "$PIN" --watch "$DEV" veth-g >"$work/load.out" 2>&1; then
	fail setup "iotprof-load: $(oneline <"$work/load.out")"
	exit 1
fi
start_server "$NS_G" http tcp 8080 python3 -m http.server --bind "$GW" 8080
in_d ping -c 3 -i 0.2 "$GW" >/dev/null 2>&1 && in_d curl -s -o /dev/null "http://$GW:8080/" ||
	fail live "the device's traffic failed"
ours() {	# the flows of the device's ping and fetches, from `iotprof flows --json`
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["proto"] == "icmp" or (r["proto"] == "tcp" and r["dport"] == 8080):
        print(l, end="")' "$1"
}
start_nfcapd live 9997
if in_g "$CLI" --pin-dir "$PIN" export --ipfix 127.0.0.1:9997 >"$work/export3.out" 2>&1 &&
   in_g "$CLI" --pin-dir "$PIN" flows --json >"$work/live.flows" 2>&1; then
	stop_nfcapd live 9997
	ours "$work/live.flows" >"$work/live.expect"
	python3 -c '
import json, sys
keep = [r for r in json.load(open(sys.argv[1])) if r.get("proto") in (1, 6)]
json.dump(keep, open(sys.argv[1], "w"))' "$work/live.json"
	compare_nfdump live "$work/live.json" "$work/live.expect"
else
	fail live "export failed: $(oneline <"$work/export3.out")"
fi

# ---- live --follow -----------------------------------------------------------------------
start_nfcapd follow 9998
(bg_in "$NS_G" "$CLI" --pin-dir "$PIN" export --ipfix 127.0.0.1:9998 --follow --interval 0.2 --idle 1 \
	--epoch 1) \
	>"$work/follow.out" 2>&1 &
follow_pid=$!
in_g "$CLI" --pin-dir "$PIN" epoch --next >/dev/null	# a new trace: only what follows counts
in_d ping -c 4 -i 0.2 "$GW" >/dev/null 2>&1
in_d curl -s -o /dev/null "http://$GW:8080/" && in_d curl -s -o /dev/null "http://$GW:8080/nothing-here"
in_g "$CLI" --pin-dir "$PIN" flows --json --epoch 1 >"$work/follow.flows" 2>&1
kill -TERM "$follow_pid"
wait "$follow_pid"
rc=$?
follow_pid=
stop_nfcapd follow 9998
ours "$work/follow.flows" >"$work/follow.expect"
if [ "$rc" -eq 0 ] && out=$(python3 - "$work/follow.json" "$work/follow.expect" 2>&1 <<'PY'
import collections, json, sys
sums = collections.Counter()
for r in json.load(open(sys.argv[1])):
    if r.get("type") == "FLOW" and r["proto"] in (1, 6) and r["first"] >= "":
        k = (r["src4_addr"], r.get("src_port", 0), r["dst4_addr"], r.get("dst_port", 0), r["proto"])
        sums[k + ("p",)] += r["in_packets"]
        sums[k + ("b",)] += r["in_bytes"]
want = collections.Counter()
for l in open(sys.argv[2]):
    e = json.loads(l)
    p = {"tcp": 6, "icmp": 1}[e["proto"]]
    for d, k in enumerate(((e["src"], e["sport"] or 0, e["dst"], e["dport"] or 0, p),
                           (e["dst"], e["dport"] or 0, e["src"], e["sport"] or 0, p))):
        want[k + ("p",)] += e["packets"][d]
        want[k + ("b",)] += e["bytes"][d]
want = +want
got = +collections.Counter({k: v for k, v in sums.items() if k[:5] in {x[:5] for x in want}})
if got != want or not want:
    print("nfdump sums", dict(got), "expected", dict(want))
    sys.exit(1)
print(len(want) // 2)
PY
); then
	pass "follow: every flow of the epoch sent, $out directions whose sums are the table's counters; SIGTERM exits 0"
else
	fail follow "status $rc: $(printf '%s' "$out" | tail -1) $(oneline <"$work/follow.out")"
fi

# ---- bad input -----------------------------------------------------------------------------
"$CLI" export --ipfix 127.0.0.1:99999 --pcap "$work/fixture.pcap" >"$work/bad1" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "is not HOST:PORT" "$work/bad1" && pass "bad-port: status 2, not HOST:PORT" ||
	fail bad-port "status $rc: $(oneline <"$work/bad1")"
in_g "$CLI" export --ipfix no-such-collector.invalid:4739 --pcap "$work/fixture.pcap" >"$work/bad2" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "no-such-collector.invalid" "$work/bad2" && pass "bad-host: status 1, the host named" ||
	fail bad-host "status $rc: $(oneline <"$work/bad2")"

[ "$failures" -eq 0 ]
