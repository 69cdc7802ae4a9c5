#!/usr/bin/env bash
# iotprof deny add --hold: the rule lives while the command does, its lease
# renewed; SIGTERM and SIGINT remove it; SIGKILL leaves it to its lease.
set -u
NAME=deny-hold
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
NS=iotp-$$-h
PIN=/sys/fs/bpf/iotprof-test-$$
failures=0
hold_pid=
. "$(dirname "$0")/netns_lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v ip >/dev/null || skip "no ip (iproute2)"

cleanup() {
	[ -n "$hold_pid" ] && kill -KILL $(pgrep -P "$hold_pid") "$hold_pid" 2>/dev/null
	teardown_home "$NS" "$NS-none"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { timeout 20 nsenter --net="/run/netns/$NS" -- "$@"; }
iotprof() { in_ns "$BIN/iotprof" --pin-dir "$PIN" "$@"; }
rule_state() { iotprof deny list --json | python3 -c 'import json,sys
rules = [json.loads(l) for l in sys.stdin]
print("none" if not rules else "expired" if rules[0]["expired"] else "live")'; }

# Starts a holder of a 2 s lease; waits (bounded) until its rule exists.
start_hold() {
	nsenter --net="/run/netns/$NS" -- timeout 60 "$BIN/iotprof" --pin-dir "$PIN" \
		deny add --dport 9 --lease 2s --hold >/dev/null 2>&1 &
	hold_pid=$!
	for _ in $(seq 50); do [ "$(rule_state)" = live ] && return 0; sleep 0.1; done
	return 1
}

# Waits (bounded) until the holder is gone.
wait_gone() {
	for _ in $(seq 50); do kill -0 "$hold_pid" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

ip netns add "$NS"
ip -n "$NS" link add h0 type veth peer name h1
ip -n "$NS" link set h0 up
in_ns "$LOAD" --pin-dir "$PIN" --watch all h0 >/dev/null || { fail attach "iotprof-load failed"; exit 1; }

for sig in TERM INT; do
	if ! start_hold; then
		fail "hold-$sig" "the held rule never appeared"
		continue
	fi
	sleep 3	# longer than the lease: only renewal keeps it
	state=$(rule_state)
	[ "$state" = live ] && pass "renewed-$sig" || fail "renewed-$sig" "after 3 s of a 2 s lease: $state"
	kill -"$sig" "$hold_pid"
	wait_gone || fail "exit-$sig" "still running after SIG$sig"
	state=$(rule_state)
	[ "$state" = none ] && pass "removed-on-$sig" || fail "removed-on-$sig" "rule left: $state"
	hold_pid=
done

if start_hold; then
	# timeout(1) forwards TERM and INT, not KILL: kill iotprof itself.
	kill -KILL $(pgrep -P "$hold_pid") "$hold_pid" 2>/dev/null
	wait_gone
	hold_pid=
	[ "$(rule_state)" = live ] && pass "kill-leaves-lease" || fail "kill-leaves-lease" "rule gone at once"
	sleep 2.5
	state=$(rule_state)
	[ "$state" = expired ] && pass "lease-ends-it" || fail "lease-ends-it" "after the lease: $state"
else
	fail "hold-KILL" "the held rule never appeared"
fi
# Concurrent adds: every rule gets its own number and its own shape's mask.
iotprof deny flush >/dev/null
seq 1 400 | awk '{ printf "10.99.%d.%d\n", $1 / 200, $1 % 200 + 1 }' | xargs -P 32 -I{} nsenter --net="/run/netns/$NS" -- \
	timeout 20 "$BIN/iotprof" --pin-dir "$PIN" deny add --dst {} >/dev/null 2>&1 || true
count=$(iotprof deny list --json | python3 -c 'import json,sys
rules = [json.loads(l) for l in sys.stdin]
ids = {r["id"] for r in rules}
dsts = {r["dst"] for r in rules}
print(len(rules), len(ids), len(dsts))')
[ "$count" = "400 400 400" ] && pass concurrent-adds ||
	fail concurrent-adds "400 parallel adds gave rules/ids/destinations: $count"
exit $((failures > 0))
