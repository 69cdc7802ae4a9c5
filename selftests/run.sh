#!/usr/bin/env bash
# Runs every test and ends with the line "N passed, N failed, N skipped".
#
# A test is an executable: build/selftests/test_* (C) or selftests/test_*.sh
# and selftests/test_*.py (scripts).  It prints one line per case:
#   PASS: name
#   FAIL: name: why
#   SKIP: name: why (a missing kernel feature, ../shared absent, ...)
# and exits non-zero when a case failed.  A test that exits non-zero without
# printing FAIL counts as one failure, so a crash is never a pass.
#
# usage: selftests/run.sh [PATTERN]   only the tests whose name contains PATTERN
set -u
cd "$(dirname "$0")/.."
export IOTPROF_ROOT=$PWD
export IOTPROF_BIN=$PWD/build
export IOTPROF_SHARED=${IOTPROF_SHARED:-$(cd .. && pwd)/shared}
# The gateway's /etc/iotprof/iotprof.conf (a pin directory, a lease) is no
# input of the tests: those that test it give their own.
export IOTPROF_CONFIG=none
pattern=${1:-}

passed=0 failed=0 skipped=0
failures=()
tests=()
for t in build/selftests/test_* selftests/test_*.sh selftests/test_*.py; do
	[ -x "$t" ] || continue
	[ -z "$pattern" ] || [[ "$t" == *"$pattern"* ]] || continue
	tests+=("$t")
done

for t in "${tests[@]}"; do
	name=$(basename "$t")
	echo "=== $name"
	log=$(mktemp)
	start=$(date +%s)
	"$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name: exited with status $rc without naming a failed case"
		f=1
	fi
	while IFS= read -r line; do failures+=("$name: ${line#FAIL: }"); done < <(grep '^FAIL: ' "$log")
	[ "$rc" -ne 0 ] && [ "$(grep -c '^FAIL: ' "$log")" -eq 0 ] && failures+=("$name: exit status $rc")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	echo "--- $name: $p passed, $f failed, $s skipped ($(( $(date +%s) - start ))s)"
	rm -f "$log"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
