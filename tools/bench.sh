#!/usr/bin/env bash
# make bench: measures and writes docs/BENCHMARKS.md.  Numbers are reported,
# never asserted: the machine a test runs on is not the machine it ships to.
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${BENCH_REPEAT:-1000000}
out=docs/BENCHMARKS.md
mkdir -p docs

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
xdp_table=$(build/tools/bench_xdp "$repeat")

cat > "$out" <<MD
# Benchmarks

Written by \`make bench\` ($(date -u +%Y-%m-%d)); numbers are measured, never asserted by tests.

- kernel: $(uname -r)
- CPU: ${cpu} ($(nproc) cores)
- method: \`BPF_PROG_TEST_RUN\` with repeat = ${repeat}, median of 5 runs; the kernel
  reports the mean time per run.  The floor is an XDP program that only returns
  \`XDP_PASS\`, run the same way, so the ratio factors out the harness's own cost.
  The packet hits an existing flow record (the steady state of a flow).

## XDP per-packet cost, L2–L4 (target: ratio ≤ 2.0)

${xdp_table}
MD
echo "bench: wrote $out"
cat "$out"
