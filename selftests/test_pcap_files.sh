#!/usr/bin/env bash
# pcap-files: `iotprof flows --pcap` on several captures and on gzip-
# compressed ones.  The captures are written by selftests/pcap_fixture.py,
# which also says what they hold (packets and bytes per flow): the oracle.
#
#   whole      the fixture in one file: every flow with the fixture's counters
#   split      its two halves as two files (the second gzip-compressed) give
#              the same records as the whole, with --pcap A B and with
#              --pcap A --pcap B
#   magic      a gzip file named .pcap and a plain file named .gz: the
#              content decides, not the name
#   cut-gz     a gzip capture cut short: the file and packet are named, the
#              flows before the cut are listed, status 1
#   missing    a second file that does not exist: an error before any output
set -u
cd "$(dirname "$0")/.."
BIN=${IOTPROF_BIN:-$PWD/build}/iotprof
FIX=selftests/pcap_fixture.py
failed=0
dir=$(mktemp -d /tmp/iotprof-pcaps.XXXXXX)
trap 'rm -rf "$dir"' EXIT

pass() { echo "PASS: pcap-files $1"; }
fail() { echo "FAIL: pcap-files $1"; failed=1; }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: pcap-files: needs root for BPF_PROG_TEST_RUN"; exit 0; }
[ -x "$BIN" ] || { echo "SKIP: pcap-files: $BIN is not built"; exit 0; }

python3 "$FIX" "$dir/whole.pcap" && python3 "$FIX" "$dir/a.pcap" --part 1 &&
	python3 "$FIX" "$dir/b.pcap.gz" --part 2 --gzip && python3 "$FIX" "$dir/gz-named.pcap" --gzip &&
	python3 "$FIX" "$dir/plain-named.pcap.gz" && python3 "$FIX" x --expect >"$dir/expect.jsonl" ||
	{ fail "fixture: pcap_fixture.py failed"; exit 1; }

# same_flows NAME FLOWS.jsonl: the records are the fixture's flows.
same_flows() {
	python3 - "$2" "$dir/expect.jsonl" <<'PY'
import json, sys
got = sorted((r["proto"], r["src"], r["sport"], r["dst"], r["dport"], tuple(r["packets"]), tuple(r["bytes"]))
             for r in map(json.loads, open(sys.argv[1])))
want = sorted((r["proto"], r["src"], r["sport"], r["dst"], r["dport"], tuple(r["packets"]), tuple(r["bytes"]))
              for r in map(json.loads, open(sys.argv[2])))
if got != want:
    print("got", got, "want", want)
    sys.exit(1)
PY
}

run() { "$BIN" flows --json "$@" 2>"$dir/err"; }

run --pcap "$dir/whole.pcap" >"$dir/whole.json" && out=$(same_flows whole "$dir/whole.json") &&
	pass "whole: the fixture's $(wc -l <"$dir/whole.json") flows and counters" || fail "whole: $out $(cat "$dir/err")"

run --pcap "$dir/a.pcap" "$dir/b.pcap.gz" >"$dir/split1.json" &&
run --pcap "$dir/a.pcap" --pcap "$dir/b.pcap.gz" >"$dir/split2.json" &&
	out=$(same_flows split "$dir/split1.json") && cmp -s "$dir/split1.json" "$dir/split2.json" &&
	cmp -s <(sort "$dir/split1.json") <(sort "$dir/whole.json") &&
	pass "split: two files (the second gzip) = the whole capture, both ways of naming them" ||
	fail "split: $out $(cat "$dir/err")"

run --pcap "$dir/gz-named.pcap" >"$dir/m1.json" && run --pcap "$dir/plain-named.pcap.gz" >"$dir/m2.json" &&
	cmp -s "$dir/m1.json" "$dir/whole.json" && cmp -s "$dir/m2.json" "$dir/whole.json" &&
	pass "magic: the content decides, not the name" || fail "magic: $(cat "$dir/err")"

python3 "$FIX" "$dir/full.pcap.gz" --gzip
head -c "$(( $(stat -c %s "$dir/full.pcap.gz") * 2 / 3 ))" "$dir/full.pcap.gz" >"$dir/cut.pcap.gz"
run --pcap "$dir/cut.pcap.gz" >"$dir/cut.json"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "cut.pcap.gz: packet [0-9]*:" "$dir/err" && [ -s "$dir/cut.json" ]; then
	pass "cut-gz: $(cat "$dir/err" | head -1 | sed 's|.*/||'); $(wc -l <"$dir/cut.json") flows before the cut listed"
else
	fail "cut-gz: status $rc, $(cat "$dir/err")"
fi

run --pcap "$dir/a.pcap" "$dir/nonexistent.pcap" >"$dir/missing.json"
rc=$?
if [ "$rc" -eq 1 ] && [ ! -s "$dir/missing.json" ] && grep -q "nonexistent.pcap: No such file" "$dir/err"; then
	pass "missing: refused before any output"
else
	fail "missing: status $rc, $(wc -l <"$dir/missing.json") lines, $(cat "$dir/err")"
fi

exit $failed
