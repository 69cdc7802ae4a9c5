#!/usr/bin/env bash
# netns-flows: iotprof live, end to end, in two network namespaces.
#
#   ns A (veth-a 10.201.0.1 fd00:201::1) <--veth--> ns B (veth-b .2 ::2)
#
# iotprof-load attaches to veth-a (XDP ingress + TC egress) with --watch all.
# A python3 client in A talks to a python3 server in B (netns_flows_helper.py):
# one TCP exchange per family, UDP in lock step (one reply per datagram) and
# ICMP echo, so the UDP and ICMP counts are exact by construction; B also
# sends a SYN to a closed port of A (a flow initiated at XDP ingress: one
# SYN, one RST).  TCP segment counts depend
# on the kernel's ACK timing, so every flow is also compared with a capture
# (dumpcap on veth-a, dissected by tshark): the independent oracle.
#
# Cases: attach, status, flows, reload (a second iotprof-load), counts after
# the reload, oracle, stats, epoch, detach, and nothing of ours left behind
# (XDP program, tc filter, clsact, pins, loaded programs, maps).
#
# Both veths are NOARP with permanent neighbour entries and IPv6 DAD, router
# solicitations and RA off: no ARP, ND or MLD packets, so the flow table
# holds exactly the flows the test makes.
#
# Tools run in the namespaces through `nsenter --net` (never `ip netns exec`:
# it remounts /sys, and a bpffs mounted there would vanish).
set -u

NAME=netns-flows
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
CLI=$BIN/iotprof
HELPER=$ROOT/selftests/netns_flows_helper.py
NS_A=iotp-$$-a
NS_B=iotp-$$-b
PIN=/sys/fs/bpf/iotprof-test-$$
A4=10.201.0.1 B4=10.201.0.2 A6=fd00:201::1 B6=fd00:201::2
TCP_PORT=7101 UDP_PORT=7102
# Client ports are fixed so that a later exchange continues the same flow.
TCP4_SPORT=40211 TCP6_SPORT=40212 SYN4_SPORT=40221 SYN6_SPORT=40222 CLOSED_PORT=7999
UDP4_SPORT=40201 UDP6_SPORT=40202 UDP6_EPOCH_SPORT=40203
# Frame sizes on the wire (Ethernet + IP + L4 + payload); the payloads are
# netns_flows_helper.py's: UDP 100 bytes out, 200 back; ICMP echo 56 bytes.
UDP4_FWD=$((14 + 20 + 8 + 100)) UDP4_REV=$((14 + 20 + 8 + 200))
UDP6_FWD=$((14 + 40 + 8 + 100)) UDP6_REV=$((14 + 40 + 8 + 200))
ICMP4_LEN=$((14 + 20 + 8 + 56)) ICMP6_LEN=$((14 + 40 + 8 + 56))

failures=0
work=
server_pid=
capture_pid=
cleaned=

. "$(dirname "$0")/netns_lib.sh"
joined() { printf '%s; ' "$@" | sed 's/; $//'; }

# Every command is bounded in time; background ones bound themselves.
in_a() { timeout 20 nsenter --net="/run/netns/$NS_A" -- "$@"; }
in_b() { timeout 20 nsenter --net="/run/netns/$NS_B" -- "$@"; }
bg_in() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" -- "$@"; }

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	[ -n "$capture_pid" ] && kill "$capture_pid" 2>/dev/null && wait "$capture_pid" 2>/dev/null
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	teardown_home "$NS_A" "$NS_B" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- prerequisites ---------------------------------------------------------

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
for tool in ip tc nsenter timeout python3 dumpcap tshark bpftool; do
	command -v "$tool" >/dev/null || skip "'$tool' is not installed"
done
for b in "$LOAD" "$CLI"; do
	[ -x "$b" ] || skip "$b is not built (make build/iotprof build/iotprof-load)"
done
[ -d /proc/sys/net/ipv6 ] || skip "the kernel has no IPv6"
[ -r "$HELPER" ] || skip "$HELPER is missing"

work=$(mktemp -d /tmp/iotprof-netns.XXXXXX) || skip "mktemp failed"


# ---- helpers -------------------------------------------------------------------


flows_json() { in_a "$CLI" --pin-dir "$PIN" flows --json "$@"; }

# check_flows CASE SPEC [flows options]: the flow table is exactly SPEC.
check_flows() {
	local case=$1 spec=$2 out
	shift 2
	if ! flows_json "$@" >"$work/flows.json" 2>"$work/flows.err"; then
		fail "$case" "iotprof flows --json $* failed: $(oneline <"$work/flows.err")"
		return 1
	fi
	printf '%s\n' "$spec" >"$work/spec"
	if out=$(python3 "$HELPER" check "$work/flows.json" "$work/spec" "$t0_ns" 2>&1); then
		pass "$case"
	else
		fail "$case" "$out"
		return 1
	fi
}

traffic_ok=1
# run_traffic in_a|in_b HELPER-ARGS...
run_traffic() {
	local out ns=$1
	shift
	if ! out=$($ns python3 "$HELPER" "$@" 2>&1); then
		traffic_ok=0
		fail "traffic" "$* failed: $(printf '%s' "$out" | oneline)"
	fi
}

xdp_prog_id() { ip -n "$NS_A" -d link show veth-a | sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\).*/\1/p' | head -1; }
xdp_prog_count() { ip -n "$NS_A" -d link show veth-a | grep -c 'prog/xdp'; }
tc_filters() { tc -n "$NS_A" filter show dev veth-a egress; }
our_tc_prog_id() { tc_filters | sed -n 's/.* handle 0x10f .* id \([0-9]*\) .*/\1/p' | head -1; }
prog_map_ids() { bpftool prog show id "$1" 2>/dev/null | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p' | tr ',' ' '; }
prog_gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }
map_gone() { ! bpftool map show id "$1" >/dev/null 2>&1; }
all_gone() {
	local kind=$1 id
	shift
	for id in "$@"; do "${kind}_gone" "$id" || return 1; done
}
capture_stopped() { ! kill -0 "$capture_pid" 2>/dev/null; }
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$work/stats"; }

# ---- the namespaces --------------------------------------------------------------


setup() {
	quiet_pair "$NS_A" "$NS_B" veth-a veth-b || return 1
	mac_a=$QUIET_MAC_X mac_b=$QUIET_MAC_Y
	ip -n "$NS_A" addr add $A4/24 dev veth-a &&
	ip -n "$NS_B" addr add $B4/24 dev veth-b &&
	ip -n "$NS_A" addr add $A6/64 dev veth-a nodad &&
	ip -n "$NS_B" addr add $B6/64 dev veth-b nodad &&
	ip -n "$NS_A" neigh replace $B4 lladdr "$mac_b" dev veth-a nud permanent &&
	ip -n "$NS_A" neigh replace $B6 lladdr "$mac_b" dev veth-a nud permanent &&
	ip -n "$NS_B" neigh replace $A4 lladdr "$mac_a" dev veth-b nud permanent &&
	ip -n "$NS_B" neigh replace $A6 lladdr "$mac_a" dev veth-b nud permanent &&
	ip -n "$NS_A" link set veth-a up &&
	ip -n "$NS_B" link set veth-b up
}

t0_ns=$(date +%s%N)
setup || skip "cannot build the namespaces and the veth pair (no netns/veth support?)"

(bg_in "$NS_B" python3 "$HELPER" server $B4 $B6 $TCP_PORT $UDP_PORT 50) >"$work/server.out" 2>&1 &
server_pid=$!
wait_for 50 grep -qs '^ready' "$work/server.out" ||
	{ fail "setup" "the python3 server in $NS_B did not start: $(oneline <"$work/server.out")"; exit 1; }

# The capture starts before the attach: every packet iotprof sees, it sees.
(bg_in "$NS_A" dumpcap -q -P -a duration:50 -i veth-a -w "$work/veth-a.pcap") >/dev/null 2>"$work/dumpcap.err" &
capture_pid=$!
wait_for 100 grep -qs 'Capturing on' "$work/dumpcap.err" ||
	{ fail "setup" "dumpcap did not start: $(oneline <"$work/dumpcap.err")"; exit 1; }
sleep 0.3

# ---- attach and status ------------------------------------------------------------

if in_a "$LOAD" --pin-dir "$PIN" --watch all veth-a >"$work/load1.out" 2>&1 &&
   grep -q '^veth-a: attached' "$work/load1.out"; then
	pass "attach"
else
	fail "attach" "iotprof-load --watch all veth-a: $(oneline <"$work/load1.out")"
	exit 1
fi
note "$(grep '^veth-a: attached' "$work/load1.out")"
xdp_id1=$(xdp_prog_id)
tc_id1=$(our_tc_prog_id)
# Maps via the TC program: it is always ours, the XDP one may be libxdp's dispatcher.
map_ids=$(prog_map_ids "$tc_id1")

in_a "$LOAD" --pin-dir "$PIN" --status >"$work/status" 2>&1
ifindex=$(ip -n "$NS_A" -o link show veth-a | cut -d: -f1)
# What ip(8) says the XDP mode is must be what --status says.
case $(ip -n "$NS_A" -d link show veth-a) in
*'prog/xdpgeneric '*) ip_mode=generic ;;
*'prog/xdp '*)        ip_mode=native ;;
*)                    ip_mode=none ;;
esac
status_line=$(grep "^veth-a (ifindex $ifindex): XDP " "$work/status")
if [ -z "$status_line" ]; then
	fail "status" "no 'veth-a (ifindex $ifindex): XDP ...' line in --status: $(oneline <"$work/status")"
elif [[ "$status_line" != *"XDP $ip_mode"* ]] || [[ "$status_line" == *MISSING* ]]; then
	fail "status" "ip link says XDP $ip_mode, --status says: $status_line"
elif [[ "$status_line" != *"TC egress attached"* ]] || ! grep -q '^watching: all hosts' "$work/status"; then
	fail "status" "expected 'TC egress attached' and 'watching: all hosts': $(oneline <"$work/status")"
else
	pass "status"
fi
note "status: $status_line"

# ---- the traffic: exact counts ----------------------------------------------------

run_traffic in_a tcp $A4 $TCP4_SPORT $B4 $TCP_PORT
run_traffic in_a tcp $A6 $TCP6_SPORT $B6 $TCP_PORT
run_traffic in_a udp $A4 $UDP4_SPORT $B4 $UDP_PORT 4
run_traffic in_a udp $A6 $UDP6_SPORT $B6 $UDP_PORT 4
run_traffic in_a ping $A4 $B4 3
run_traffic in_a ping $A6 $B6 3
run_traffic in_b refused $B4 $SYN4_SPORT $A4 $CLOSED_PORT
run_traffic in_b refused $B6 $SYN6_SPORT $A6 $CLOSED_PORT
sleep 0.3	# the last ACK of a TCP close may still be on its way
[ "$traffic_ok" -eq 1 ] && pass "traffic"

# TCP: at least SYN, ACK, data, FIN one way and SYN-ACK, data, FIN back;
# the exact numbers come from the capture (case oracle).  B's SYNs to a
# closed port of A: initiated at XDP ingress, one SYN and one RST.
tcp_spec="tcp 4 $A4 $TCP4_SPORT $B4 $TCP_PORT >=4,>=3 *,* 0
tcp 6 $A6 $TCP6_SPORT $B6 $TCP_PORT >=4,>=3 *,* 0
tcp 4 $B4 $SYN4_SPORT $A4 $CLOSED_PORT 1,1 *,* 0
tcp 6 $B6 $SYN6_SPORT $A6 $CLOSED_PORT 1,1 *,* 0"
spec_a="$tcp_spec
udp 4 $A4 $UDP4_SPORT $B4 $UDP_PORT 4,4 $((4 * UDP4_FWD)),$((4 * UDP4_REV)) 0
udp 6 $A6 $UDP6_SPORT $B6 $UDP_PORT 4,4 $((4 * UDP6_FWD)),$((4 * UDP6_REV)) 0
icmp 4 $A4 - $B4 - 3,3 $((3 * ICMP4_LEN)),$((3 * ICMP4_LEN)) 0
icmpv6 6 $A6 - $B6 - 3,3 $((3 * ICMP6_LEN)),$((3 * ICMP6_LEN)) 0"
check_flows "flows" "$spec_a"
cp "$work/flows.json" "$work/flows-before-reload.json"

# ---- running iotprof-load again -------------------------------------------------------

reload_problems=()
if ! in_a "$LOAD" --pin-dir "$PIN" --watch all veth-a >"$work/load2.out" 2>&1; then
	reload_problems+=("second iotprof-load failed: $(oneline <"$work/load2.out")")
fi
n_xdp=$(xdp_prog_count)
[ "$n_xdp" -eq 1 ] || reload_problems+=("expected 1 XDP program on veth-a, ip link shows $n_xdp")
n_tc=$(tc_filters | grep -c ' handle ')
n_ours=$(tc_filters | grep -c "handle 0x10f .*iotprof_tc_egre")
[ "$n_tc" -eq 1 ] && [ "$n_ours" -eq 1 ] ||
	reload_problems+=("expected 1 tc egress filter (ours), got $n_tc ($n_ours ours): $(tc_filters | oneline)")
xdp_id2=$(xdp_prog_id)
tc_id2=$(our_tc_prog_id)
# The programs of the first attach must be gone, or they would count twice.
for id in $xdp_id1 $tc_id1; do
	[ "$id" = "$xdp_id2" ] || [ "$id" = "$tc_id2" ] || wait_for 30 prog_gone "$id" ||
		reload_problems+=("program $id of the first attach is still loaded: $(bpftool prog show id "$id" | head -1)")
done
flows_json >"$work/flows-after-reload.json" 2>&1
if ! out=$(python3 "$HELPER" same "$work/flows-before-reload.json" "$work/flows-after-reload.json" 2>&1); then
	reload_problems+=("the flow table changed: $out")
fi
if [ ${#reload_problems[@]} -eq 0 ]; then
	pass "reload"
else
	fail "reload" "$(joined "${reload_problems[@]}")"
fi

# More of the same flows: they continue, counted once.
run_traffic in_a udp $A4 $UDP4_SPORT $B4 $UDP_PORT 2
run_traffic in_a ping $A4 $B4 2
sleep 0.2
spec_b="$tcp_spec
udp 4 $A4 $UDP4_SPORT $B4 $UDP_PORT 6,6 $((6 * UDP4_FWD)),$((6 * UDP4_REV)) 0
udp 6 $A6 $UDP6_SPORT $B6 $UDP_PORT 4,4 $((4 * UDP6_FWD)),$((4 * UDP6_REV)) 0
icmp 4 $A4 - $B4 - 5,5 $((5 * ICMP4_LEN)),$((5 * ICMP4_LEN)) 0
icmpv6 6 $A6 - $B6 - 3,3 $((3 * ICMP6_LEN)),$((3 * ICMP6_LEN)) 0"
check_flows "counts-after-reload" "$spec_b"
cp "$work/flows.json" "$work/flows-epoch0.json"

# ---- the capture: the oracle ------------------------------------------------------------

kill -TERM "$capture_pid"
wait_for 50 capture_stopped
wait "$capture_pid" 2>/dev/null
capture_pid=
if ! timeout 20 tshark -n -r "$work/veth-a.pcap" -T fields -E separator=/t -E occurrence=f \
	-e frame.len -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport \
	-e udp.srcport -e udp.dstport -e frame.protocols >"$work/capture.tsv" 2>"$work/tshark.err"; then
	fail "oracle" "tshark could not read the capture: $(oneline <"$work/tshark.err")"
elif out=$(python3 "$HELPER" oracle "$work/flows-epoch0.json" "$work/capture.tsv" 2>&1); then
	pass "oracle"
	note "capture: $out"
else
	fail "oracle" "$out"
fi

# Every packet on veth-a went through exactly one of our programs.
frames=$(python3 "$HELPER" frames "$work/capture.tsv")
if in_a "$CLI" --pin-dir "$PIN" stats >"$work/stats" 2>&1; then
	got="packets=$(stat_of packets) recorded=$(stat_of recorded) flows_created=$(stat_of flows_created)"
	got+=" flow_errors=$(stat_of flow_errors) not_watched=$(stat_of not_watched)"
	got+=" truncated=$(stat_of truncated) malformed=$(stat_of malformed)"
	want="packets=$frames recorded=$frames flows_created=8 flow_errors=0 not_watched=0 truncated=0 malformed=0"
	if [ "$got" = "$want" ]; then
		pass "stats"
	else
		fail "stats" "expected $want (packets = frames captured) got $got"
	fi
else
	fail "stats" "iotprof stats failed: $(oneline <"$work/stats")"
fi

# ---- epochs ------------------------------------------------------------------------------

epoch_problems=()
next=$(in_a "$CLI" --pin-dir "$PIN" epoch --next 2>&1)
[ "$next" = 1 ] || epoch_problems+=("iotprof epoch --next printed '$next', expected 1")
now=$(in_a "$CLI" --pin-dir "$PIN" epoch 2>&1)
[ "$now" = 1 ] || epoch_problems+=("iotprof epoch printed '$now', expected 1")
if [ ${#epoch_problems[@]} -eq 0 ]; then
	pass "epoch-next"
else
	fail "epoch-next" "$(joined "${epoch_problems[@]}")"
fi

# A flow of epoch 0 seen again restarts its counters in epoch 1; a new
# flow starts in epoch 1; the others keep their epoch-0 counts.
run_traffic in_a ping $A4 $B4 3
run_traffic in_a udp $A6 $UDP6_EPOCH_SPORT $B6 $UDP_PORT 2
sleep 0.2
spec_e1="icmp 4 $A4 - $B4 - 3,3 $((3 * ICMP4_LEN)),$((3 * ICMP4_LEN)) 1
udp 6 $A6 $UDP6_EPOCH_SPORT $B6 $UDP_PORT 2,2 $((2 * UDP6_FWD)),$((2 * UDP6_REV)) 1"
check_flows "epoch-new-traffic" "$spec_e1" --epoch 1
# The epoch-0 records not touched since are exactly as they were.
grep -v '"proto":"icmp",' "$work/flows-epoch0.json" >"$work/untouched.json"
flows_json --epoch 0 >"$work/flows-e0-now.json" 2>&1
if out=$(python3 "$HELPER" same "$work/untouched.json" "$work/flows-e0-now.json" 2>&1); then
	pass "epoch-old-records"
else
	fail "epoch-old-records" "$out"
fi

# ---- detach: nothing of ours is left ------------------------------------------------------

if in_a "$LOAD" --pin-dir "$PIN" --detach >"$work/detach.out" 2>&1 &&
   grep -q '^veth-a: detached' "$work/detach.out"; then
	pass "detach"
else
	fail "detach" "iotprof-load --detach: $(oneline <"$work/detach.out")"
fi

link=$(ip -n "$NS_A" -d link show veth-a)
if [[ "$link" == *prog/xdp* ]] || [[ "$link" == *" xdp"* ]]; then
	fail "no-xdp" "veth-a still has XDP: $(printf '%s' "$link" | grep -E 'xdp' | oneline)"
else
	pass "no-xdp"
fi
filters=$(tc_filters 2>&1)
if [ -z "$filters" ]; then
	pass "no-tc-filter"
else
	fail "no-tc-filter" "tc filter show dev veth-a egress: $(printf '%s' "$filters" | oneline)"
fi
qdiscs=$(tc -n "$NS_A" qdisc show dev veth-a 2>&1)
if [[ "$qdiscs" == *clsact* ]]; then
	fail "no-clsact" "we created clsact and it is still there: $(printf '%s' "$qdiscs" | oneline)"
else
	pass "no-clsact"
fi
if [ -e "$PIN" ]; then
	fail "no-pins" "$PIN still exists: $(find "$PIN" | oneline)"
else
	pass "no-pins"
fi
status=$(in_a "$LOAD" --pin-dir "$PIN" --status 2>&1)
if [[ "$status" == *"not loaded"* ]]; then
	pass "status-after-detach"
else
	fail "status-after-detach" "expected 'iotprof is not loaded', got: $(printf '%s' "$status" | oneline)"
fi
# The kernel frees programs and maps a little after their last reference.
read -r -a progs <<<"$xdp_id1 $tc_id1 $xdp_id2 $tc_id2"
read -r -a maps <<<"$map_ids"
if [ ${#progs[@]} -ne 4 ]; then
	fail "progs-unloaded" "could not learn the ids of our programs (got '${progs[*]}')"
elif wait_for 50 all_gone prog "${progs[@]}"; then
	pass "progs-unloaded"
else
	fail "progs-unloaded" "still loaded: $(for id in "${progs[@]}"; do bpftool prog show id "$id" 2>/dev/null | head -1; done | oneline)"
fi
if [ ${#maps[@]} -eq 0 ]; then
	fail "maps-freed" "could not learn the map ids of program $tc_id1"
elif wait_for 50 all_gone map "${maps[@]}"; then
	pass "maps-freed"
else
	fail "maps-freed" "still allocated: $(for id in "${maps[@]}"; do bpftool map show id "$id" 2>/dev/null | head -1; done | oneline)"
fi

[ "$failures" -eq 0 ]
