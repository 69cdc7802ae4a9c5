#!/usr/bin/env bash
# netns-capture: `iotprof capture` writes real traffic to pcap with libpcap,
# and tshark (an independent reader) and `iotprof flows --pcap` read it back.
#
#   ns gw (veth-g 10.217.0.1, veth-h 10.218.0.1) <--two veth pairs--> ns dev
#   (veth-d 10.217.0.2, veth-e 10.218.0.2)
#
#   count     -c 6 with a filter while the device pings both gateway
#             addresses: exactly 6 packets, every one ICMP, in tshark
#   two       -i veth-g -i veth-h into one file: both subnets' echoes in it
#   flows     `iotprof flows --pcap` of that file: the ICMP flows with the
#             packets tshark counted
#   sigterm   SIGTERM ends a capture with status 0 and a whole file
#   conf      without -i, the interfaces of iotprof.conf (IOTPROF_CONFIG)
#   bad-*     an unknown interface, a filter libpcap refuses, no -w: a
#             message and a non-zero status, no file left
set -u

NAME=netns-capture
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
CLI=$BIN/iotprof
NS_G=iotpc-$$-g
NS_D=iotpc-$$-d
LIFETIME=60

failures=0
work=
cleaned=
bg_pid=
LOAD=/bin/false PIN=/nonexistent-$$	# nothing is loaded: teardown_home has nothing to detach

. "$(dirname "$0")/netns_lib.sh"

in_g() { timeout 20 nsenter --net="/run/netns/$NS_G" -- "$@"; }
in_d() { timeout 20 nsenter --net="/run/netns/$NS_D" -- "$@"; }

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	teardown_home "$NS_G" "$NS_D" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, capture)"
for tool in ip nsenter timeout tshark ping; do
	command -v "$tool" >/dev/null || skip "'$tool' is not installed"
done
[ -x "$CLI" ] || skip "$CLI is not built"
work=$(mktemp -d /tmp/iotprof-capture.XXXXXX) || skip "mktemp failed"

quiet_pair "$NS_G" "$NS_D" veth-g veth-d || { fail setup "namespaces"; exit 1; }
mac_g=$QUIET_MAC_X mac_d=$QUIET_MAC_Y
ip link add veth-h netns "$NS_G" type veth peer name veth-e netns "$NS_D" &&
	ip -n "$NS_G" link set veth-h arp off && ip -n "$NS_D" link set veth-e arp off &&
	ip -n "$NS_G" addr add 10.217.0.1/24 dev veth-g && ip -n "$NS_D" addr add 10.217.0.2/24 dev veth-d &&
	ip -n "$NS_G" addr add 10.218.0.1/24 dev veth-h && ip -n "$NS_D" addr add 10.218.0.2/24 dev veth-e &&
	for l in veth-g veth-h lo; do ip -n "$NS_G" link set "$l" up || exit 1; done &&
	for l in veth-d veth-e lo; do ip -n "$NS_D" link set "$l" up || exit 1; done &&
	ip -n "$NS_D" neigh replace 10.217.0.1 lladdr "$mac_g" dev veth-d nud permanent &&
	ip -n "$NS_G" neigh replace 10.217.0.2 lladdr "$mac_d" dev veth-g nud permanent &&
	ip -n "$NS_D" neigh replace 10.218.0.1 lladdr "$(ip -n "$NS_G" -br link show veth-h | awk '{print $3}')" dev veth-e nud permanent &&
	ip -n "$NS_G" neigh replace 10.218.0.2 lladdr "$(ip -n "$NS_D" -br link show veth-e | awk '{print $3}')" dev veth-h nud permanent ||
	{ fail setup "addresses"; exit 1; }

# start_capture OUT-PREFIX ARGS...: a capture in the gateway, in the
# background; returns once it says it captures.
start_capture() {
	local out=$1
	shift
	(exec nsenter --net="/run/netns/$NS_G" -- timeout "$LIFETIME" "$CLI" capture "$@") \
		>"$out.out" 2>"$out.err" &
	bg_pid=$!
	wait_for 100 grep -q "^capturing on" "$out.err"
}

# ---- count and filter ----------------------------------------------------------
if start_capture "$work/c1" -w "$work/c1.pcap" -i veth-g -c 6 icmp; then
	in_d ping -c 5 -i 0.2 10.217.0.1 >/dev/null 2>&1
	in_d timeout 5 bash -c 'echo x > /dev/udp/10.217.0.1/9'	# not ICMP: filtered out
	wait "$bg_pid"
	rc=$?
	bg_pid=
	n=$(tshark -r "$work/c1.pcap" 2>/dev/null | wc -l)
	ni=$(tshark -r "$work/c1.pcap" -Y icmp 2>/dev/null | wc -l)
	if [ "$rc" -eq 0 ] && [ "$n" -eq 6 ] && [ "$ni" -eq 6 ]; then
		pass "count: -c 6 icmp wrote 6 ICMP packets (tshark)"
	else
		fail count "status $rc, $n packets, $ni ICMP: $(oneline <"$work/c1.err")"
	fi
else
	fail count "the capture did not start: $(oneline <"$work/c1.err")"
fi

# ---- two interfaces, one file; SIGTERM -------------------------------------------
if start_capture "$work/c2" -w "$work/c2.pcap" -i veth-g -i veth-h icmp; then
	in_d ping -c 3 -i 0.2 10.217.0.1 >/dev/null 2>&1
	in_d ping -c 2 -i 0.2 10.218.0.1 >/dev/null 2>&1
	kill -TERM "$bg_pid"
	wait "$bg_pid"
	rc=$?
	bg_pid=
	a=$(tshark -r "$work/c2.pcap" -Y 'icmp && ip.addr == 10.217.0.2' 2>/dev/null | wc -l)
	b=$(tshark -r "$work/c2.pcap" -Y 'icmp && ip.addr == 10.218.0.2' 2>/dev/null | wc -l)
	[ "$a" -eq 6 ] && [ "$b" -eq 4 ] && pass "two: both interfaces in one file (6 + 4 ICMP packets)" ||
		fail two "$a and $b ICMP packets: $(oneline <"$work/c2.err")"
	[ "$rc" -eq 0 ] && grep -q "packets written to" "$work/c2.err" && pass "sigterm: status 0, file closed" ||
		fail sigterm "status $rc: $(oneline <"$work/c2.err")"
	if "$CLI" flows --pcap "$work/c2.pcap" --json >"$work/c2.json" 2>"$work/c2.ferr" &&
	   python3 - "$work/c2.json" <<'PY'
import json, sys
flows = {(r["src"], r["dst"]): r["packets"] for r in map(json.loads, open(sys.argv[1]))}
assert flows == {("10.217.0.2", "10.217.0.1"): [3, 3], ("10.218.0.2", "10.218.0.1"): [2, 2]}, flows
PY
	then
		pass "flows: iotprof flows --pcap reads the capture: the two ICMP flows, 3/3 and 2/2"
	else
		fail flows "$(oneline <"$work/c2.json") $(oneline <"$work/c2.ferr")"
	fi
else
	fail two "the capture did not start: $(oneline <"$work/c2.err")"
fi

# ---- the configured interfaces ------------------------------------------------------
printf 'interfaces = veth-h\n' >"$work/iotprof.conf"
if IOTPROF_CONFIG=$work/iotprof.conf start_capture "$work/c3" -w "$work/c3.pcap" -c 2 icmp; then
	in_d ping -c 1 10.218.0.1 >/dev/null 2>&1
	wait "$bg_pid"
	bg_pid=
	n=$(tshark -r "$work/c3.pcap" -Y 'ip.addr == 10.218.0.2' 2>/dev/null | wc -l)
	[ "$n" -eq 2 ] && pass "conf: without -i, the interfaces of iotprof.conf" || fail conf "$n packets"
else
	fail conf "the capture did not start: $(oneline <"$work/c3.err")"
fi

# ---- bad input --------------------------------------------------------------------
expect_refused() {	# CASE PATTERN ARGS...
	local case=$1 pattern=$2 rc
	shift 2
	in_g "$CLI" capture "$@" >"$work/bad.out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q -- "$pattern" "$work/bad.out" && [ ! -e "$work/bad.pcap" ]; then
		pass "$case: status $rc, '$pattern'"
	else
		fail "$case" "status $rc: $(oneline <"$work/bad.out")"
	fi
}
expect_refused bad-iface "no-such-if" -w "$work/bad.pcap" -i no-such-if
expect_refused bad-filter "filter 'host ((('" -w "$work/bad.pcap" -i veth-g 'host ((('
expect_refused bad-no-file "-w FILE" -i veth-g
expect_refused bad-count "is not a number" -w "$work/bad.pcap" -i veth-g -c 0

[ "$failures" -eq 0 ]
