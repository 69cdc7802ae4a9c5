#!/usr/bin/env bash
# netns-campaign: `iotprof run` live, end to end, on a device with a hidden
# backup flow.
#
#   ns dev (veth-d 10.205.0.2) <--veth--> ns cloud (veth-c)
#
# The cloud has two HTTP servers: 10.205.0.3 (primary) and 10.205.0.4
# (backup).  The "device" is a command: GET /ping from the primary, and
# when that fails, from the backup; it leaves "ok" or "fail" in a state
# file that the verification command reads.  iotprof-load attaches to
# veth-d in the device's namespace (packets the device sends are seen at
# TC egress, answers at XDP ingress) and `iotprof run` runs there too.
#
# The tree the method must find:
#   root -> GET /ping at the primary, and the primary's connection, which
#           carries the response's body in a segment of its own (first level)
#        -> the same two at the backup (hidden: only once the primary is
#           blocked, by either of its Flow IDs)
#        -> both blocked: the event fails (m+ = 0)
# Cases: the campaign's summary and tree; the deny rules are gone after
# the run; a campaign stopped with SIGTERM removes its rules, exits 3, and
# `--resume` completes it to the same tree.
set -u

NAME=netns-campaign
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
CLI=$BIN/iotprof
NS_D=iotpc-$$-d
NS_C=iotpc-$$-c
PIN=/sys/fs/bpf/iotprof-test-$$
DEV=10.205.0.2 PRIMARY=10.205.0.3 BACKUP=10.205.0.4 PORT=8080
SERVER_LIFETIME=240

failures=0
work=
cleaned=
server_pids=()
campaign_pid=

. "$(dirname "$0")/netns_lib.sh"

in_d() { timeout 60 nsenter --net="/run/netns/$NS_D" -- "$@"; }
bg_in() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" -- timeout "$SERVER_LIFETIME" "$@"; }

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	local pid
	[ -n "$campaign_pid" ] && kill -KILL "$campaign_pid" 2>/dev/null
	for pid in "${server_pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	teardown_home "$NS_D" "$NS_C" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
for req in ip:iproute2 nsenter:util-linux timeout:coreutils python3:python3 curl:curl ss:iproute2; do
	command -v "${req%%:*}" >/dev/null ||
		skip "'${req%%:*}' is not installed (Debian package ${req#*:})"
done
for b in "$LOAD" "$CLI"; do
	[ -x "$b" ] || skip "$b is not built"
done
work=$(mktemp -d /tmp/iotprof-netns-campaign.XXXXXX) || skip "mktemp failed"

# ---- the home ------------------------------------------------------------------

quiet_pair "$NS_D" "$NS_C" veth-d veth-c || { fail setup "the veth pair"; exit 1; }
ip -n "$NS_D" addr add "$DEV/24" dev veth-d
ip -n "$NS_D" link set veth-d up
ip -n "$NS_C" link set veth-c up
ip -n "$NS_D" link set lo up
ip -n "$NS_C" link set lo up
serve_addrs "$NS_C" veth-c "$NS_D" veth-d "$QUIET_MAC_Y" 24 "$PRIMARY" "$BACKUP" ||
	{ fail setup "addresses"; exit 1; }
ip -n "$NS_C" neigh replace "$DEV" lladdr "$QUIET_MAC_X" dev veth-c nud permanent
mkdir -p "$work/www" && echo pong >"$work/www/ping"
start_server "$NS_C" http tcp "$PORT" python3 -m http.server --bind 0.0.0.0 --directory "$work/www" "$PORT"

if ! in_d "$LOAD" --pin-dir "$PIN" veth-d >"$work/load.out" 2>&1; then
	fail setup "iotprof-load: $(oneline <"$work/load.out")"
	exit 1
fi

cat >"$work/device.sh" <<EOF
#!/bin/sh
# The device: the primary, else the backup; the outcome for the verification.
if curl -s --noproxy '*' -m 1 -o /dev/null http://$PRIMARY:$PORT/ping ||
   curl -s --noproxy '*' -m 1 -o /dev/null http://$BACKUP:$PORT/ping; then
	echo ok >"$work/state"
else
	echo fail >"$work/state"
fi
EOF
chmod +x "$work/device.sh"

cat >"$work/experiment.yaml" <<EOF
event: ping
device:
  name: testdev
  addresses: [$DEV]
interaction:
  kind: command
  command: "$work/device.sh"
  timeout: 10s
verify:
  kind: command
  command: "grep -qx ok $work/state"
iterations: 3
capture: 2.5s
pause: [0.1s, 0.2s]
pin-dir: $PIN
lease: 60s
seed: 7
interfaces: [veth-d]
save-pcap: true
EOF

expect_results() {	# DIR LABEL
	python3 - "$1" "$PRIMARY" "$BACKUP" <<'EOF'
import json, sys
d, primary, backup = sys.argv[1:4]
s = json.load(open(d + "/summary.json"))
t = json.load(open(d + "/tree.json"))
def short(f):
    return (f["src"], f["dst"], f["proto"], f["sport"], f["dport"], json.dumps(f["app"], sort_keys=True))
get = json.dumps({"http": {"method": "GET", "uri": "/ping"}}, sort_keys=True)
# The request, and the connection: the server's body is its first data.
want_first = sorted([("10.205.0.2", primary, "tcp", None, 8080, get), (primary, "10.205.0.2", "tcp", 8080, None, "null")])
want_hidden = sorted([("10.205.0.2", backup, "tcp", None, 8080, get), (backup, "10.205.0.2", "tcp", 8080, None, "null")])
problems = []
if sorted(short(f) for f in s["first_level"]) != want_first:
    problems.append("first_level %s" % s["first_level"])
if sorted(short(f) for f in s["hidden"]) != want_hidden:
    problems.append("hidden %s" % s["hidden"])
if s["robustness_score"] != 2 or s["failed_nodes"] != 2:
    problems.append("robustness %s failed %s" % (s["robustness_score"], s["failed_nodes"]))
shape = sorted((n["depth"], n["status"]) for n in t["nodes"])
if shape != [(0, "expanded"), (1, "expanded"), (1, "expanded"), (2, "failed"), (2, "failed"), (2, "pruned"),
             (2, "pruned")]:
    problems.append("tree %s" % shape)
print("; ".join(problems))
sys.exit(1 if problems else 0)
EOF
}

rules_left() { in_d "$CLI" --pin-dir "$PIN" deny list --json 2>/dev/null | grep -c '"id"'; }

# ---- an uninterrupted campaign -------------------------------------------------------

out=$work/campaign
if in_d "$CLI" --pin-dir "$PIN" run "$work/experiment.yaml" --out "$out" >"$work/run.out" 2>"$work/run.err"; then
	pass "run exits 0"
	grep -q "iteration 3/3" "$work/run.err" && pass "progress lines" ||
		fail "progress lines" "$(tail -3 "$work/run.err" | oneline)"
	why=$(expect_results "$out") && pass "tree: primary first-level, backup hidden, both blocked fail" ||
		fail "tree" "$why"
	# (The blocked request itself is dropped at TC egress, before packet
	# sockets see outgoing packets: the capture shows the fallback.)
	n=$(tshark -r "$out/nodes/001/trace-01.pcap" -Y "ip.dst == $BACKUP && http.request" 2>/dev/null | wc -l)
	[ "$n" -ge 1 ] && pass "save-pcap: node 1's capture holds the fallback request" ||
		fail "save-pcap" "$(ls "$out/nodes/001" | oneline)"
	n=$(grep -c " ping $DEV\$" "$out/triggers.log" 2>/dev/null)
	[ "$n" = 15 ] && pass "trigger log: one line per iteration (TIME EVENT DEVICE)" ||
		fail "trigger log" "$n lines in $out/triggers.log"
	[ -s "$out/nodes/001/trace-01.json.gz" ] && pass "snapshots written" ||
		fail "snapshots written" "$(ls -R "$out" | oneline)"
	zcat "$out/nodes/001/trace-01.json.gz" | python3 -c '
import json, sys
s = json.load(sys.stdin)
blocked = [f for f in s["flows"] if f["addrs"][1] == "10.205.0.3" and f["blocked"] > 0]
sys.exit(0 if blocked else 1)' && pass "the blocked primary's packets were dropped (node 1)" ||
		fail "blocked primary" "no dropped packets in node 1's snapshot"
else
	fail "run exits 0" "$(tail -5 "$work/run.err" | oneline)"
fi
n=$(rules_left)
[ "$n" = 0 ] && pass "no deny rule left after the run" || fail "rules left" "$n rules"

# ---- stopped and resumed ------------------------------------------------------------

out2=$work/campaign2
(exec nsenter --net="/run/netns/$NS_D" -- timeout 120 "$CLI" --pin-dir "$PIN" run "$work/experiment.yaml" \
	--out "$out2" >"$work/run2.out" 2>"$work/run2.err") &
campaign_pid=$!
# Stop it while node 1 (the primary blocked) is under way.
wait_for 200 grep -q "node 1 depth 1: iteration 1/3" "$work/run2.err"
in_d "$CLI" --pin-dir "$PIN" deny list >"$work/during.out" 2>&1
kill -TERM "$campaign_pid"
wait "$campaign_pid"
rc=$?
campaign_pid=
grep -q "$PRIMARY" "$work/during.out" && pass "the rule is installed while node 1 runs" ||
	fail "rule during node 1" "$(oneline <"$work/during.out")"
[ "$rc" = 3 ] && pass "SIGTERM: exit status 3 (resumable)" || fail "SIGTERM exit" "status $rc: $(tail -3 "$work/run2.err" | oneline)"
n=$(rules_left)
[ "$n" = 0 ] && pass "SIGTERM: the deny rule is removed" || fail "SIGTERM rules" "$n rules left"
if in_d "$CLI" --pin-dir "$PIN" run --resume "$out2" >"$work/run3.out" 2>"$work/run3.err"; then
	why=$(expect_results "$out2") && pass "resumed campaign gives the same tree" || fail "resumed tree" "$why"
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1] + "/state.json"))
ids = [e["id"] for e in s["experiments"]]
sys.exit(0 if ids == [0, 1, 2, 3, 4] and all(len(e["traces"]) == 3 for e in s["experiments"]) else 1)' "$out2" &&
		pass "resume repeated nothing" || fail "resume repeated" "$(cat "$out2/state.json" | head -c 600 | oneline)"
else
	fail "resume" "$(tail -5 "$work/run3.err" | oneline)"
fi

# ---- refusals ---------------------------------------------------------------------------

if in_d "$CLI" --pin-dir "$PIN" run "$work/experiment.yaml" --out "$out" >/dev/null 2>"$work/again.err"; then
	fail "existing campaign" "a second run into the same directory was accepted"
else
	grep -q -- "--resume" "$work/again.err" && pass "a second run into a campaign directory points to --resume" ||
		fail "existing campaign" "$(oneline <"$work/again.err")"
fi

[ "$failures" -eq 0 ]
