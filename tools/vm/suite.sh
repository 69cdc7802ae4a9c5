#!/usr/bin/env bash
# suite.sh [SERIES...]: tools/vm/run-vm.sh for each kernel series (default
# 6.1 6.12), the VMs side by side (one vCPU each), their reports one after
# the other in the order given, then the total "N passed, N failed, N
# skipped".  Exit status 1 when a case failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- 6.1 6.12

tmp=$(mktemp -d "${TMPDIR:-/tmp}/iotprof-vm-suite.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# All at once: each VM has one vCPU (one host thread under TCG), and the
# output is kept per run and shown in order.
for s in "$@"; do
	"$here/run-vm.sh" "$s" >"$tmp/$s.out" 2>&1 &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
pids=()

passed=0 failed=0 skipped=0
for s in "$@"; do
	# Each run's own total is replaced by the one below.
	grep -v -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$tmp/$s.out"
	passed=$((passed + $(grep -c '^PASS: ' "$tmp/$s.out")))
	failed=$((failed + $(grep -c '^FAIL: ' "$tmp/$s.out")))
	skipped=$((skipped + $(grep -c '^SKIP: ' "$tmp/$s.out")))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "FAIL: vm: a run exited non-zero without naming a failed case"
	failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
