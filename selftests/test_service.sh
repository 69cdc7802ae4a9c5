#!/usr/bin/env bash
# service: iotprof.service's commands, as systemd would run them, with a
# configuration file, in a network namespace (systemd itself does not run).
# The unit is the one `make install` writes (into a DESTDIR); its
# ExecStart/ExecReload/ExecStop lines are run with the DESTDIR in front of
# their paths.
#
#   verify      systemd-analyze verify accepts the unit
#   start       ExecStart attaches to the configured interfaces, with the
#               configured pin directory and watch list
#   cli-conf    iotprof reads the same file: its pin directory (no
#               --pin-dir) and the deny rules' default lease
#   stop        after `iotprof watch add`, ExecStop saves the watch list to
#               the state file and detaches: no pins, no XDP program
#   restart     ExecStart again: the added host is watched again
#   reload      ExecReload saves the watch list of the running iotprof
#   bad-conf    an unknown key: ExecStart fails naming FILE:LINE, and
#               nothing is attached
set -u

NAME=service
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
NS=iotpsvc-$$
OTHER=iotpsvc-$$-peer
PIN=/sys/fs/bpf/iotprof-test-$$

failures=0
work=
cleaned=
LOAD=/bin/false	# set once installed

. "$(dirname "$0")/netns_lib.sh"

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	teardown_home "$NS" "$OTHER" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
for tool in ip nsenter timeout make; do
	command -v "$tool" >/dev/null || skip "'$tool' is not installed"
done
[ -x "$BIN/iotprof-load" ] || skip "$BIN/iotprof-load is not built"
work=$(mktemp -d /tmp/iotprof-service.XXXXXX) || skip "mktemp failed"
dest=$work/root

# The default prefix: the build's, so nothing is rebuilt.
if ! make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/usr/local >"$work/install.out" 2>&1; then
	fail setup "make install: $(tail -3 "$work/install.out" | oneline)"
	exit 1
fi
unit=$dest/usr/local/lib/systemd/system/iotprof.service
conf=$dest/etc/iotprof/iotprof.conf
LOAD=$dest/usr/local/sbin/iotprof-load
CLI=$dest/usr/local/sbin/iotprof
[ -f "$unit" ] && [ -f "$conf" ] || { fail setup "no unit or configuration installed"; exit 1; }

# The unit's command lines, with the staging directory in front.
unit_cmd() {
	sed -n "s/^$1=//p" "$unit" | sed "s|/usr/local/sbin/|$dest/usr/local/sbin/|; s|/etc/iotprof/|$dest/etc/iotprof/|g"
}
run_unit() {	# EXEC-KEY: runs that line of the unit in the namespace
	local cmd
	cmd=$(unit_cmd "$1")
	[ -n "$cmd" ] || { echo "no $1 in the unit"; return 1; }
	# shellcheck disable=SC2086 # the unit's line is split as systemd splits it (no quoting in it)
	timeout 30 nsenter --net="/run/netns/$NS" -- $cmd
}

if command -v systemd-analyze >/dev/null; then
	cp "$unit" "$work/iotprof.service"
	sed -i "s|/usr/local/sbin/|$dest/usr/local/sbin/|; s|/etc/iotprof/|$dest/etc/iotprof/|g" "$work/iotprof.service"
	# It looks up the Documentation= pages with man(1): the staged ones.
	if MANPATH=$dest/usr/local/share/man systemd-analyze verify "$work/iotprof.service" >"$work/verify.out" 2>&1; then
		pass "verify: systemd-analyze accepts the unit"
	else
		fail verify "$(oneline <"$work/verify.out")"
	fi
else
	echo "SKIP: $NAME verify: systemd-analyze is not installed"
fi

quiet_pair "$NS" "$OTHER" eth-lan eth-dev || { fail setup "namespaces"; exit 1; }
ip link add eth-up netns "$NS" type veth peer name eth-up-peer netns "$NS" &&
	ip -n "$NS" link set eth-up up && ip -n "$NS" link set eth-up-peer up &&
	ip -n "$NS" link set eth-lan up || { fail setup "links"; exit 1; }

cat >"$conf" <<EOF
# a gateway with two interfaces
interfaces = eth-lan, eth-up
watch = 192.168.77.10 02:00:00:00:77:10
pin-dir = $PIN
mode = generic
flows = 4096
lease = 90s
state-file = $work/state/watch
EOF
mkdir -p "$work/state"

watched() { IOTPROF_CONFIG=$conf nsenter --net="/run/netns/$NS" -- "$CLI" watch --json; }

# ---- start ---------------------------------------------------------------------------------
if run_unit ExecStart >"$work/start.out" 2>&1; then
	st=$(timeout 20 nsenter --net="/run/netns/$NS" -- "$LOAD" --pin-dir "$PIN" --status 2>&1)
	if [[ $st == *"eth-lan (ifindex"*"XDP generic"* ]] && [[ $st == *"eth-up (ifindex"* ]] &&
	   watched | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not (not d["all"] and
	       sorted(d["hosts"]) == ["02:00:00:00:77:10", "192.168.77.10"]))'; then
		pass "start: ExecStart attached both interfaces (generic mode, configured pin dir) with the configured watch list"
	else
		fail start "status: $(printf '%s' "$st" | oneline); watch: $(watched 2>&1)"
	fi
else
	fail start "$(oneline <"$work/start.out")"
fi

# ---- the CLI reads the same file ------------------------------------------------------------------
id=$(IOTPROF_CONFIG=$conf nsenter --net="/run/netns/$NS" -- "$CLI" deny add --dport 7 2>&1 | grep -o '[0-9]*' | head -1)
lease=$(IOTPROF_CONFIG=$conf nsenter --net="/run/netns/$NS" -- "$CLI" deny list --json 2>/dev/null |
	python3 -c 'import json,sys; print([r["lease_s"] for r in map(json.loads, sys.stdin)][0])' 2>/dev/null)
if [ -n "$id" ] && [ -n "$lease" ] && [ "$lease" -gt 60 ] && [ "$lease" -le 90 ]; then
	pass "cli-conf: iotprof finds the pins from iotprof.conf and gives rules its lease (${lease}s of 90s)"
else
	fail cli-conf "rule '$id', lease '$lease'"
fi

# ---- stop: the watch list is saved ----------------------------------------------------------------
IOTPROF_CONFIG=$conf nsenter --net="/run/netns/$NS" -- "$CLI" watch add fd00:77::10 >/dev/null 2>&1
if run_unit ExecStop >"$work/stop.out" 2>&1; then
	if [ ! -e "$PIN" ] && ! ip -n "$NS" link show eth-lan | grep -q xdp &&
	   grep -qx "fd00:77::10" "$work/state/watch" && grep -qx "192.168.77.10" "$work/state/watch"; then
		pass "stop: ExecStop saved the watch list ($(grep -vc '^#' "$work/state/watch") hosts) and detached"
	else
		fail stop "pins: $(ls "$PIN" 2>&1 | oneline); state: $(oneline <"$work/state/watch" 2>&1)"
	fi
else
	fail stop "$(oneline <"$work/stop.out")"
fi

# ---- restart: the watch list comes back --------------------------------------------------------------
if run_unit ExecStart >"$work/start2.out" 2>&1 &&
   watched | grep -q '"fd00:77::10"' && watched | grep -q '"192.168.77.10"'; then
	pass "restart: the host added before the stop is watched again"
else
	fail restart "$(oneline <"$work/start2.out"); watch: $(watched 2>&1)"
fi

# ---- reload saves --------------------------------------------------------------------------------------
IOTPROF_CONFIG=$conf nsenter --net="/run/netns/$NS" -- "$CLI" watch add 192.168.77.99 >/dev/null 2>&1
if run_unit ExecReload >"$work/reload.out" 2>&1 && grep -qx "192.168.77.99" "$work/state/watch"; then
	pass "reload: ExecReload saves the running watch list"
else
	fail reload "$(oneline <"$work/reload.out")"
fi
run_unit ExecStop >/dev/null 2>&1

# ---- a bad configuration ------------------------------------------------------------------------------
printf 'interfaces = eth-lan\npin-dir = %s\nwatch-list = 10.0.0.1\n' "$PIN" >"$conf"
run_unit ExecStart >"$work/bad.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "iotprof.conf:3: unknown key 'watch-list'" "$work/bad.out" && [ ! -e "$PIN" ]; then
	pass "bad-conf: status $rc, FILE:LINE named, nothing attached"
else
	fail bad-conf "status $rc: $(oneline <"$work/bad.out")"
fi

[ "$failures" -eq 0 ]
