#!/usr/bin/env bash
# Event fingerprinting on the simulated home (tools/simhome), end to end:
# a lamp whose three events differ only in their `sizes`; iotprof-load on
# the gateway's ports; `iotprof events record` from the kernel's ring
# buffer while the events are triggered (the trigger log written as
# docs/EVENTS.md says); train, report (>= 99 % required), then `events
# detect --live` on new triggers, with a privacy alert.  Then the paper's
# suggested defence: random padding, applied to the recorded packets (each
# length + a uniform random 0..P bytes) and, for real, by the simulator
# (the spec's `padding: 64`); the accuracy is reported, not asserted.
# About a minute; EVENTS_SIMHOME_TRIGGERS sets the number of triggers.
set -u
cd "$(dirname "$0")/.."
BIN=${IOTPROF_BIN:-$PWD/build}
SIMHOME=$PWD/tools/simhome/simhome
export IOTPROF_BIN=$BIN SIMHOME_PREFIX=${EVENTS_SIMHOME_PREFIX:-shev}
PIN=/sys/fs/bpf/$SIMHOME_PREFIX
N=${EVENTS_SIMHOME_TRIGGERS:-100}
DEV=10.79.0.50
failed=0

skip() { echo "SKIP: events simhome: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
[ -x "$SIMHOME" ] && [ -x "${SIMHOME_SIM:-$BIN/tools/simhome/simhome-sim}" ] ||
	skip "the simulated home is not built ($BIN/tools/simhome/simhome-sim)"
"$BIN/iotprof" events --help >/dev/null 2>&1 || skip "$BIN/iotprof has no 'events' command"

dir=$(mktemp -d /tmp/iotprof-events-simhome.XXXXXX)
cleanup() {
	[ -n "${rec_pid:-}" ] && kill "$rec_pid" 2>/dev/null
	"$SIMHOME" down >/dev/null 2>&1
	[ "$failed" -eq 0 ] && rm -rf "$dir"
}
trap cleanup EXIT

cat >"$dir/lamp.yaml" <<'YAML'
home:
  lan: 10.79.0.0/24
  phone: 10.79.0.20
  timeout: 0.3
  cloud:
    net: 10.80.0.0/24
    names:
      api.lamp.example: [10.80.0.30]
      mqtt.lamp.example: [10.80.0.31]
    resolvers: [10.80.0.53]
devices:
  - name: lamp
    ip: 10.79.0.50
    events:
      turn_on:
        needs:
          - alternatives: [[ {from: phone, to: api.lamp.example, proto: tls} ]]
          - alternatives: [[ {from: device, to: mqtt.lamp.example, proto: tls, dport: 8883} ]]
        sizes: [[-180, 120]]
      turn_off:
        needs:
          - alternatives: [[ {from: phone, to: api.lamp.example, proto: tls} ]]
          - alternatives: [[ {from: device, to: mqtt.lamp.example, proto: tls, dport: 8883} ]]
        sizes: [[-150, 90]]
      dim:
        needs:
          - alternatives: [[ {from: phone, to: api.lamp.example, proto: tls} ]]
          - alternatives: [[ {from: device, to: mqtt.lamp.example, proto: tls, dport: 8883} ]]
        sizes: [[-200, 300, -40]]
YAML
cat >"$dir/privacy.yaml" <<YAML
events: [dim]
command: echo "\$IOTPROF_EVENT \$IOTPROF_DEVICE" >> $dir/alerts
YAML

"$SIMHOME" up "$dir/lamp.yaml" >/dev/null || { echo "FAIL: events simhome up: the home did not start"; failed=1; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
gw() { nsenter --net="/run/netns/$SIMHOME_PREFIX-gw" "$@"; }
# shellcheck disable=SC2046
gw "$BIN/iotprof-load" --pin-dir "$PIN" $("$SIMHOME" ports) >/dev/null 2>&1 ||
	{ echo "FAIL: events simhome load: iotprof-load on the gateway failed"; failed=1; exit 1; }

# Triggers: "TIME EVENT DEVICE" lines, the time taken just before.  The
# pause keeps events apart by more than the gap (0.3 s below).
trigger_some() {	# count log [EVENT...]: the events given, else random ones
	local i e n=$1 log=$2
	shift 2
	for i in $(seq 1 "$n"); do
		if [ $# -gt 0 ]; then e=$1; shift; else e=$(shuf -n1 -e turn_on turn_off dim); fi
		# simhome logs the trigger (TIME EVENT DEVICE) just before it
		SIMHOME_TRIGGER_LOG=$log timeout 20 "$SIMHOME" trigger --device lamp "$e" >/dev/null || return 1
		sleep 0.4
	done
}

# Started straight from nsenter (it execs): $! is iotprof itself, and the
# SIGTERM that ends the run reaches it.  timeout bounds a run gone wrong.
stop() {	# pid: SIGTERM, then the exit status
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}
timeout -s TERM 300 nsenter --net="/run/netns/$SIMHOME_PREFIX-gw" "$BIN/iotprof" --pin-dir "$PIN" \
	events record --device "$DEV" --out "$dir/packets" 2>"$dir/record.err" &
rec_pid=$!
sleep 0.5
trigger_some "$N" "$dir/triggers" || { echo "FAIL: events simhome trigger: a trigger failed"; failed=1; }
stop "$rec_pid"; rc=$?; rec_pid=
if [ $rc -ne 0 ] || grep -q "lost" "$dir/record.err"; then
	echo "FAIL: events simhome record: status $rc: $(tail -1 "$dir/record.err")"; failed=1
else
	echo "PASS: events simhome record: $(grep -vc '^#' "$dir/packets") lines for $N triggers"
fi

"$BIN/iotprof" events train --records "$dir/packets" --triggers "$dir/triggers" --gap 0.3s \
	--out "$dir/lamp.sig" >"$dir/train.out" || { echo "FAIL: events simhome train: $(tail -1 "$dir/train.out")"; failed=1; exit 1; }
acc=$("$BIN/iotprof" events report "$dir/lamp.sig" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])')
paired=$(sed -n 's/.* sequences, \([0-9]*\) paired.*/\1/p' "$dir/train.out")
if python3 -c "import sys; sys.exit(0 if $acc >= 0.99 else 1)"; then
	echo "PASS: events simhome accuracy $acc on the held-out 20 % (distinct sizes; $paired of $N)"
else
	echo "FAIL: events simhome accuracy $acc < 0.99 (signature kept in $dir)"; failed=1
fi

# Live detection: new triggers, the events printed with time and device,
# the privacy event raising its alert and its command.
timeout 60 nsenter --net="/run/netns/$SIMHOME_PREFIX-gw" "$BIN/iotprof" --pin-dir "$PIN" \
	events detect --live --device "$DEV" --signature "$dir/lamp.sig" \
	--privacy "$dir/privacy.yaml" >"$dir/detected" 2>"$dir/detect.err" &
rec_pid=$!
sleep 0.5
# A fixed order: the privacy event (dim) is always among them.
trigger_some 6 "$dir/live-triggers" turn_on dim turn_off dim turn_off turn_on
sleep 0.6	# more than the gap: the last sequence closes by the clock
stop "$rec_pid"; rec_pid=
want=$(awk '{print $2}' "$dir/live-triggers" | tr '\n' ' ')
got=$(awk '{print $3}' "$dir/detected" | tr '\n' ' ')
dims=$(grep -c ' dim ' "$dir/live-triggers")
if [ "$want" = "$got" ] && [ "$(grep -c "ALERT: privacy event 'dim' on $DEV" "$dir/detect.err")" -eq "$dims" ] &&
   [ "$(cat "$dir/alerts" 2>/dev/null | grep -c "^dim $DEV\$")" -eq "$dims" ] && grep -q " $DEV " "$dir/detected"; then
	echo "PASS: events simhome detect --live: $got($dims alerts)"
else
	echo "FAIL: events simhome detect --live: triggered '$want', detected '$got' (see $dir)"; failed=1
fi

# The defence, emulated on the records: every length + uniform 0..P bytes;
# the mean accuracy of 5 splits (one split holds out only 20 sequences).
mean_accuracy() {	# packets-file
	local seed sum=0 a
	for seed in 1 2 3 4 5; do
		"$BIN/iotprof" events train --records "$1" --triggers "$dir/triggers" --gap 0.3s \
			--seed $seed --out "$1.sig" --quiet || return 1
		a=$("$BIN/iotprof" events report "$1.sig" --json |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])') || return 1
		sum=$(python3 -c "print($sum + $a)")
	done
	python3 -c "print('%.3f' % ($sum / 5))"
}
line="" ok=1
for pad in 0 16 64 256; do
	python3 - "$dir/packets" "$pad" >"$dir/padded-$pad" <<'PY'
import random, sys
rng = random.Random(int(sys.argv[2]))
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) == 8 and w[0].isdigit():
        w[3] = str(int(w[3]) + rng.randint(0, int(sys.argv[2])))
        line = " ".join(w) + "\n"
    sys.stdout.write(line)
PY
	a=$(mean_accuracy "$dir/padded-$pad") || { ok=0; break; }
	line="$line ${pad}B $a,"
done
if [ $ok = 1 ]; then
	echo "PASS: events simhome random padding 0-P bytes per packet (emulated on the records), mean accuracy of 5 splits:${line%,}"
else
	echo "FAIL: events simhome padding: train or report failed (see $dir)"; failed=1
fi

# The defence for real: the same lamp with `padding: 64` (each payload of
# its sized exchanges 0-64 random bytes longer), recorded and trained anew.
gw "$BIN/iotprof-load" --pin-dir "$PIN" --detach >/dev/null 2>&1
sed 's/^\(        \)sizes: \(.*\)$/\1sizes: \2\n\1padding: 64/' "$dir/lamp.yaml" >"$dir/lamp-padded.yaml"
if "$SIMHOME" up "$dir/lamp-padded.yaml" >/dev/null &&
   gw "$BIN/iotprof-load" --pin-dir "$PIN" $("$SIMHOME" ports) >/dev/null 2>&1; then
	timeout -s TERM 300 nsenter --net="/run/netns/$SIMHOME_PREFIX-gw" "$BIN/iotprof" --pin-dir "$PIN" \
		events record --device "$DEV" --out "$dir/packets-padded" 2>"$dir/record-padded.err" &
	rec_pid=$!
	sleep 0.5
	trigger_some "$N" "$dir/triggers-padded"
	stop "$rec_pid"; rec_pid=
	cp "$dir/triggers-padded" "$dir/triggers"	# mean_accuracy pairs with $dir/triggers
	if a=$(mean_accuracy "$dir/packets-padded"); then
		echo "PASS: events simhome padding in the simulator (spec 'padding: 64'): mean accuracy $a of 5 splits (without: $acc)"
	else
		echo "FAIL: events simhome padding in the simulator: train or report failed (see $dir)"; failed=1
	fi
else
	echo "FAIL: events simhome padding in the simulator: the padded home did not start"; failed=1
fi
exit $failed
