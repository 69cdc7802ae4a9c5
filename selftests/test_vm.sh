#!/usr/bin/env bash
# vm: the BPF suite inside VMs booted on Debian's 6.1 and 6.12 kernels
# (tools/vm/, see tools/vm/README.md): every program through the verifier,
# the BPF_PROG_TEST_RUN tests, the parser on corpus captures against the
# host's output, and a live attach on a veth pair.  One line per in-VM case,
# the kernel first ("PASS: 6.1: test_parse: ...").  A kernel whose package
# can be neither fetched nor found in the cache is a SKIP.
#
# IOTPROF_VM_KERNELS overrides the series (e.g. "6.12"); IOTPROF_VM=0 skips.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${IOTPROF_VM:-1}" = 0 ]; then
	echo "SKIP: vm: IOTPROF_VM=0"
	exit 0
fi
# shellcheck disable=SC2086
exec "$ROOT/tools/vm/suite.sh" ${IOTPROF_VM_KERNELS:-6.1 6.12}
