#!/usr/bin/env bash
# The packet fuzzer (tools/fuzz_packets.c) at a CI size with a fixed seed, so
# a run is the same every time.  `make fuzz` sets FUZZ_COUNT (100000) for
# the long run; FUZZ_SEED picks another sequence.
set -u
cd "$(dirname "$0")/.."
bin=${IOTPROF_BIN:-$PWD/build}/tools/fuzz_packets
count=${FUZZ_COUNT:-20000}
seed=${FUZZ_SEED:-20251123}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: fuzz packets: needs root for BPF_PROG_TEST_RUN"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "FAIL: fuzz packets: $bin not built (run make)"
	exit 1
fi
"$bin" "$count" "$seed"
rc=$?
case $rc in
0) echo "PASS: fuzz packets $count (seed $seed)" ;;
1) echo "FAIL: fuzz packets $count (seed $seed): a malformed record, dumped above" ;;
*) echo "FAIL: fuzz packets $count (seed $seed): the fuzzer failed to run (status $rc)" ;;
esac
[ "$rc" -eq 0 ]
