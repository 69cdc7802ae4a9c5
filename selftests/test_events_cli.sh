#!/usr/bin/env bash
# `iotprof events` end to end on real data, with tshark's fields and the
# published labels as the truth:
# - record --pcap on a smart lock's capture (corpus/iot/ioc_schlage-lock-01)
#   gives one record per packet of the lock, with tshark's frame.len and
#   direction, in order;
# - train from those records and the lock's published event times (an
#   external CSV log, ISO 8601), report --json has the contract's keys;
# - detect --pcap says exactly what detect --records says;
# - the IoTEvents files train, report and detect; the paper's method
#   leaves unseen lengths unclassified, pad does not;
# - bad input: file:line errors, refused training sets with a reason,
#   usage errors with status 2.
set -u
cd "$(dirname "$0")/.."
BIN=${IOTPROF_BIN:-$PWD/build}/iotprof
SHARED=${IOTPROF_SHARED:-$(cd .. && pwd)/shared}
failed=0
dir=$(mktemp -d /tmp/iotprof-events-cli.XXXXXX)
trap '[ $failed -eq 0 ] && rm -rf "$dir"' EXIT

pass() { echo "PASS: events cli $1"; }
fail() { echo "FAIL: events cli $1"; failed=1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

"$BIN" events --help >/dev/null 2>&1 || { echo "SKIP: events cli: $BIN has no 'events' command"; exit 0; }

# ---- real capture: the lock ------------------------------------------------
pcap=$SHARED/corpus/iot/ioc_schlage-lock-01.pcap
lock=192.168.1.122
if [ ! -f "$pcap" ]; then
	echo "SKIP: events cli lock: $pcap not found"
elif [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: events cli lock: needs root for BPF_PROG_TEST_RUN"
else
	if "$BIN" events record --pcap "$pcap" --device "$lock" --out "$dir/lock.rec" 2>"$dir/err"; then
		# tshark's truth: frame.len (field 27) and who sent it, for every IPv4 packet of the lock
		awk -F'\t' -v d="$lock" 'NR > 1 && ($2 == d || $4 == d) { print ($2 == d ? "out" : "in"), $27 }' \
			"$pcap.tshark.tsv" >"$dir/truth"
		awk '$1 ~ /^[0-9]+$/ { print $3, $4 }' "$dir/lock.rec" >"$dir/ours"
		if cmp -s "$dir/truth" "$dir/ours"; then
			pass "record --pcap: $(wc -l <"$dir/ours") records = tshark's packets of the lock, lengths and directions"
		else
			fail "record --pcap: differs from tshark ($(diff "$dir/truth" "$dir/ours" | head -3 | tr '\n' ' '))"
		fi
	else
		fail "record --pcap: $(tail -1 "$dir/err")"
	fi
	(echo "time,event,device"; awk -F'\t' -v d="$lock" '$2 == "schlage-lock-01" { print $6 "," $3 "," d }' \
		"$SHARED/corpus/iot/labels.tsv") >"$dir/lock.csv"
	if "$BIN" events train --records "$dir/lock.rec" --triggers "$dir/lock.csv" --pair-window 5s \
		--out "$dir/lock.sig" >"$dir/train.out" 2>&1 &&
	   "$BIN" events report "$dir/lock.sig" --json >"$dir/report.json"; then
		keys=$(json "$dir/report.json" "' '.join(k for k in ['accuracy','k','per_label','samples'] if k in d)")
		labels=$(json "$dir/report.json" "' '.join(sorted(d['per_label']))")
		if [ "$keys" = "accuracy k per_label samples" ] && [[ "$labels" == *event_lock* ]] &&
		   grep -q "^method pad$" "$dir/lock.sig"; then
			pass "train --records --triggers CSV, report --json: accuracy $(json "$dir/report.json" "d['accuracy']"), lock leakage $(json "$dir/report.json" "d['leakage']['$lock']")"
		else
			fail "report --json: keys '$keys', labels '$labels'"
		fi
		"$BIN" events detect --signature "$dir/lock.sig" --records "$dir/lock.rec" >"$dir/d1" 2>/dev/null
		"$BIN" events detect --signature "$dir/lock.sig" --pcap "$pcap" --device "$lock" >"$dir/d2" 2>/dev/null
		if [ -s "$dir/d1" ] && cmp -s "$dir/d1" "$dir/d2"; then
			pass "detect --pcap = detect --records ($(wc -l <"$dir/d1") events)"
		else
			fail "detect --pcap and detect --records differ (or found nothing)"
		fi
	else
		fail "train or report on the lock: $(tail -2 "$dir/train.out" | tr '\n' ' ')"
	fi
fi

# ---- IoTEvents files -------------------------------------------------------
iot=$SHARED/data/iotevents
if [ -f "$iot/12_30tplink_cz.txt" ]; then
	ok=1
	for f in "$iot"/*.txt; do
		"$BIN" events train --iotevents "$f" --out "$dir/i.sig" --seed 3 --quiet &&
		"$BIN" events report "$dir/i.sig" --json >"$dir/i.json" &&
		"$BIN" events detect --signature "$dir/i.sig" --iotevents "$f" >/dev/null 2>"$dir/i.err" &&
		grep -q "the file's labels agree with" "$dir/i.err" || { ok=0; fail "iotevents $(basename "$f")"; }
	done
	[ $ok = 1 ] && pass "iotevents: train, report, detect on every file"
	# detect --json: the same events, one JSON object each (docs/JSON.md)
	f=$iot/12_30tplink_cz.txt
	"$BIN" events detect --signature "$dir/i.sig" --iotevents "$f" --all >"$dir/t.txt" 2>/dev/null
	"$BIN" events detect --signature "$dir/i.sig" --iotevents "$f" --all --json >"$dir/t.json" 2>/dev/null
	if python3 - "$dir/t.txt" "$dir/t.json" <<'PY'
import json, sys
text = [l.split() for l in open(sys.argv[1])]
objs = [json.loads(l) for l in open(sys.argv[2])]
assert text and len(text) == len(objs), (len(text), len(objs))
for t, o in zip(text, objs):
    assert o["v"] == 1 and isinstance(o["time_ns"], str) and o["time_ns"].isdigit(), o
    assert [o["time"], o["device"], o["event"], "packets=%d" % o["packets"]] == t[:4], (t, o)
    assert ("truth=" + o["truth"]) == t[4] and o["alert"] is False, (t, o)
PY
	then
		pass "detect --json: the text lines' events as JSON ($(wc -l <"$dir/t.json") lines)"
	else
		fail "detect --json differs from the text output"
	fi
	"$BIN" events train --iotevents "$iot/12_30tplink_cz.txt" --out "$dir/p.sig" --method paper --seed 4 --quiet
	"$BIN" events train --iotevents "$iot/12_30tplink_cz.txt" --out "$dir/q.sig" --method pad --seed 4 --quiet
	u_paper=$("$BIN" events report "$dir/p.sig" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["unclassified"])')
	u_pad=$("$BIN" events report "$dir/q.sig" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["unclassified"])')
	if [ "$u_paper" -gt 0 ] && [ "$u_pad" -eq 0 ]; then
		pass "paper leaves $u_paper unseen lengths unclassified (TP-Link, seed 4), pad none"
	else
		fail "unclassified: paper $u_paper, pad $u_pad"
	fi
else
	echo "SKIP: events cli iotevents: $iot not found"
fi

# ---- bad input -------------------------------------------------------------
expect_error() {	# name status pattern command...
	local name=$1 status=$2 pattern=$3 rc
	shift 3
	"$@" >"$dir/out" 2>"$dir/err"; rc=$?
	if [ $rc -eq "$status" ] && grep -q -- "$pattern" "$dir/err"; then
		pass "refuses $name"
	else
		fail "$name: status $rc, said '$(head -2 "$dir/err" | tr '\n' ' ')', wanted $status and '$pattern'"
	fi
}
printf 'iotprof-packets 1\n1 10.0.0.2 in 60 6 - 0 0\n2 10.0.0.2 up 60 6 - 0 0\n' >"$dir/bad.rec"
printf '1 toggle\n' >"$dir/t.log"
expect_error "a malformed record file" 1 "bad.rec:3: dir is neither" \
	"$BIN" events train --records "$dir/bad.rec" --triggers "$dir/t.log" --out "$dir/x.sig"
printf '\t1.0\t1\t0\t60\t\r\non\r\n\t2.0\t1\t1\t60\r\noff\r\n\t3.0\t1\t1\tsixty\r\non\r\n' >"$dir/bad.txt"
expect_error "a malformed sequence file" 1 "bad.txt:5: len 'sixty'" \
	"$BIN" events train --iotevents "$dir/bad.txt" --out "$dir/x.sig"
printf 'iotprof-events-signature 1\nmethod pad\nk 1\nsamples 2\ns train on d 0 1 60\n' >"$dir/bad.sig"
expect_error "a truncated signature" 1 "bad.sig:5: the file ends after 1 of its 2 samples" \
	"$BIN" events report "$dir/bad.sig"
for i in 1 2 3 4 5 6; do printf '\t%d.0\t1\t0\t60\t\r\non\r\n' $i; done >"$dir/one.txt"
expect_error "a single-class training set" 1 "every sequence is labelled 'on'" \
	"$BIN" events train --iotevents "$dir/one.txt" --out "$dir/x.sig"
printf 'iotprof-packets 1\n' >"$dir/empty.rec"
expect_error "an empty training set" 1 "no sequences: nothing to train on" \
	"$BIN" events train --records "$dir/empty.rec" --triggers "$dir/t.log" --out "$dir/x.sig"
expect_error "an unknown method" 2 "not paper, pad or nearest" \
	"$BIN" events train --iotevents "$dir/one.txt" --out "$dir/x.sig" --method svm
expect_error "detect without a source" 2 "usage: iotprof events detect" \
	"$BIN" events detect --signature "$dir/bad.sig"
[ -e "$dir/x.sig" ] && fail "a refused training wrote a signature"
exit $failed
