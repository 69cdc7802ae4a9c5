#!/usr/bin/env bash
# run-vm.sh SERIES: the BPF suite inside a VM booted on Debian's SERIES
# kernel (6.1, 6.12).  Prints one line per in-VM case, the series first:
#
#   PASS: 6.1: test_parse: bpf-parse test_vlan_tags
#   FAIL: 6.1: verifier: iotprof_xdp (iotprof.bpf.o): EACCES ...
#   SKIP: 6.12: vm: no Debian linux-image-6.12* package ...
#
# and ends with "N passed, N failed, N skipped".  Exit status: 0 when no case
# failed, 1 otherwise; a panic, a hang (timeout) or a missing result is a
# failure, shown with the end of the console log.  Missing tools or kernel
# package (no network and nothing cached) give a SKIP and status 0.
#
# Environment:
#   IOTPROF_BIN        build directory (default ROOT/build)
#   IOTPROF_SHARED     shared/ with corpus/ (default ROOT/../shared)
#   IOTPROF_VM_CACHE   kernel cache (default ~/.cache/iotprof-vm)
#   IOTPROF_VM_ACCEL   kvm | tcg (default: tools/vm/probe-accel.sh decides)
#   IOTPROF_VM_TIMEOUT seconds the whole VM may run (default 180 kvm, 600 tcg)
#   IOTPROF_VM_LOGS    where the console logs are kept (default BIN/vm-logs)
#   VERIFY_OUT         if set, a file that receives the VERIFY lines and the
#                      timings (for tools/vm/verifier-report.sh)
set -uo pipefail

series=${1:?usage: run-vm.sh SERIES}
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
BIN=$(cd "$BIN" 2>/dev/null && pwd || echo "$BIN")
SHARED=${IOTPROF_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
LOGS=${IOTPROF_VM_LOGS:-$BIN/vm-logs}
TESTS="test_parse test_app_dns test_app_tls test_app_web test_app_names test_app_trunc test_deny test_events_bpf"
# A handful of captures: every parser, VLAN/QinQ, IPv6 fragments, pcapng,
# the loopback link type and a device's traffic.
CORPUS_PICK="dns/tcpdump_dns_udp.pcap dns/zeek_dns_mdns.pcap
tls/zeek_tls_chrome-34-google.pcap tls/ndpi_tls_ech_ipv6.pcapng
http/sv_base64_http_ipv6.pcap coap/ttproto_TD_COAP_OBS_10_PASS.pcap
coap/ttproto_coap_get_mingled_with_tcp_nulllink.pcap misc/tcpdump_802.1ad_QinQ.pcap
misc/zeek_ipv6-http-atomic-frag.pcap iot/pingpong_TP_LINK_LOCAL_ON.pcap"

P="$series: "
passed=0 failed=0 skipped=0
say() {	# say PASS|FAIL|SKIP CASE [WHY]
	case $1 in PASS) passed=$((passed + 1)) ;; FAIL) failed=$((failed + 1)) ;; SKIP) skipped=$((skipped + 1)) ;; esac
	echo "$1: $P$2${3:+: $3}"
}
summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

work=
vm_pid=
cleanup() {
	if [ -n "$vm_pid" ]; then
		[ -s "$work/qemu.pid" ] && kill "$(cat "$work/qemu.pid")" 2>/dev/null
		kill "$vm_pid" 2>/dev/null
		wait "$vm_pid" 2>/dev/null
	fi
	[ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- prerequisites ---------------------------------------------------------
if ! "$here/vm-deps.sh" >&2; then
	say SKIP vm "qemu-system-x86_64 or busybox-static is missing and cannot be installed"
	summary
fi
for b in iotprof iotprof-load; do
	[ -x "$BIN/$b" ] || { say FAIL vm "$BIN/$b is not built (make)"; summary; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/iotprof-vm.XXXXXX")
kdir=$("$here/fetch-kernel.sh" "$series" 2>"$work/fetch.err")
rc=$?
fetch_err=$(cat "$work/fetch.err")
[ -n "$fetch_err" ] && echo "$fetch_err" | sed "s/^/# $P/"
if [ "$rc" -ne 0 ] || [ ! -s "$kdir/vmlinuz" ]; then
	say SKIP vm "$(echo "$fetch_err" | tail -n1 | sed 's/^fetch-kernel: //')"
	summary
fi
kver=$(basename "$kdir")
echo "# ${P}kernel $kver from $(cat "$kdir/package" 2>/dev/null)"

mkdir -p "$work/stage/corpus" "$LOGS"

# bpf_verify: the build's, else compiled here.
verify_tool=$BIN/tools/vm/bpf_verify
if [ ! -x "$verify_tool" ] || [ "$here/bpf_verify.c" -nt "$verify_tool" ]; then
	verify_tool=$work/bpf_verify
	if ! ${CC:-gcc} -O2 -Wall -std=gnu11 -D_GNU_SOURCE "$here/bpf_verify.c" -o "$verify_tool" \
		-lbpf -lelf -lz 2>"$work/cc.err"; then
		say FAIL vm "cannot build bpf_verify: $(head -n3 "$work/cc.err" | tr '\n' ' ')"
		summary
	fi
fi

# ---- the corpus, run on the host first --------------------------------------
corpus='' corpus_skip=''
if [ ! -d "$SHARED/corpus" ]; then
	corpus_skip="$SHARED/corpus is absent"
else
	for c in $CORPUS_PICK; do
		[ -f "$SHARED/corpus/$c" ] || { echo "# ${P}corpus: $c is absent, left out"; continue; }
		mkdir -p "$work/stage/corpus/$(dirname "$c")"
		cp "$SHARED/corpus/$c" "$work/stage/corpus/$c"
		if timeout 120 "$BIN/iotprof" flows --pcap "$SHARED/corpus/$c" --json \
			>"$work/stage/corpus/$c.expected" 2>"$work/host.err"; then
			corpus+="$c "
		else
			say SKIP "corpus: $c" "the host itself could not run iotprof flows on it: $(head -n2 "$work/host.err" | tr '\n' ' ')"
			rm -f "$work/stage/corpus/$c" "$work/stage/corpus/$c.expected"
		fi
	done
	[ -n "$corpus" ] || corpus_skip="none of the chosen captures is in $SHARED/corpus"
fi

# ---- the machine -------------------------------------------------------------
accel=${IOTPROF_VM_ACCEL:-$("$here/probe-accel.sh" "$kdir/vmlinuz")}
# Bounds: per test inside, and the whole machine.  A TCG run of the suite
# takes 35-150 s here; the bounds leave room for a slower or busier machine.
if [ "$accel" = kvm ]; then
	test_timeout=60 vm_timeout=${IOTPROF_VM_TIMEOUT:-180} cpu=host
else
	test_timeout=240 vm_timeout=${IOTPROF_VM_TIMEOUT:-600} cpu=max
fi

if ! BIN=$BIN VERIFY_TOOL=$verify_tool TESTS=$TESTS CORPUS=$corpus CORPUS_SKIP=$corpus_skip \
	TEST_TIMEOUT=$test_timeout "$here/mkinitramfs.sh" "$kdir" "$work/stage" "$work/initramfs.cpio" \
	2>"$work/mkinitramfs.err"; then
	say FAIL vm "cannot build the initramfs: $(tail -n3 "$work/mkinitramfs.err" | tr '\n' ' ')"
	summary
fi

console=$work/console
results=$work/results
: >"$results"
echo "# ${P}booting $kver ($accel, initramfs $(($(stat -c %s "$work/initramfs.cpio") / 1048576)) MiB, timeout ${vm_timeout} s); console log: $LOGS/console-$series.log"
start=$(date +%s.%N)
# In the background, so that a signal to this script stops the VM at once
# (cleanup); in a subshell whose words about a qemu that died ("Aborted")
# go to qemu.out with qemu's.
(timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
	-accel "$accel" -cpu "$cpu" -smp 1 -m 1024 \
	-nodefaults -no-user-config -nographic -monitor none -no-reboot \
	-pidfile "$work/qemu.pid" \
	-kernel "$kdir/vmlinuz" -initrd "$work/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=4 rdinit=/init mitigations=off" \
	-serial "file:$console" -serial "file:$results" \
	</dev/null >"$work/qemu.out" 2>&1
echo $? >"$work/qemu.rc") 2>>"$work/qemu.out" &
vm_pid=$!
wait "$vm_pid"
vm_pid=
qrc=$(cat "$work/qemu.rc" 2>/dev/null || echo 1)
cp "$console" "$LOGS/console-$series.log" 2>/dev/null
console=$LOGS/console-$series.log
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

tr -d '\r' <"$results" >"$work/results.txt"
boot=$(sed -n 's/^# kernel .*, booted in \([0-9.]*\) s$/\1/p' "$work/results.txt")
suite=$(sed -n 's/^# suite ran \([0-9.]*\) s$/\1/p' "$work/results.txt")
echo "# ${P}VM ran ${wall} s (kernel boot ${boot:-?} s, suite ${suite:-?} s)"

while IFS= read -r line; do
	case $line in
	"PASS: "*) passed=$((passed + 1)); echo "PASS: $P${line#PASS: }" ;;
	"FAIL: "*) failed=$((failed + 1)); echo "FAIL: $P${line#FAIL: }" ;;
	"SKIP: "*) skipped=$((skipped + 1)); echo "SKIP: $P${line#SKIP: }" ;;
	"# "*) echo "# $P${line#\# }" ;;
	VERIFY*ok*)
		# shellcheck disable=SC2086
		set -- $line
		echo "# ${P}verifier: $3 ($2): $5 instructions verified, loaded in $6 ms ($7 xlated, JIT $8 bytes)" ;;
	esac
done <"$work/results.txt"

if ! grep -qx 'END-OF-RESULTS' "$work/results.txt"; then
	why="the VM gave no complete result"
	[ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] && why="the VM timed out after ${vm_timeout} s (hang)"
	grep -q 'Kernel panic' "$console" 2>/dev/null && why="kernel panic: $(grep -m1 'Kernel panic' "$console")"
	[ -s "$work/qemu.out" ] && why="$why; qemu: $(head -n3 "$work/qemu.out" | tr '\n' ' ')"
	say FAIL vm "$why"
	echo "# ${P}last lines of the console ($console):"
	tail -n 60 "$console" 2>/dev/null | tr -d '\r' | sed "s/^/#   /"
elif [ "$failed" -gt 0 ]; then
	echo "# ${P}console log: $console"
fi

if [ -n "${VERIFY_OUT:-}" ]; then
	{
		echo "KERNEL $series $kver $(cat "$kdir/package" 2>/dev/null)"
		echo "TIMING $series accel=$accel wall=$wall boot=${boot:-?} suite=${suite:-?}"
		# With the verifier's last words after a refused program.
		awk '/^VERIFY / { p = ($4 == "fail"); print; next }
		     p && /^#   / { print; next } { p = 0 }' "$work/results.txt"
	} >>"$VERIFY_OUT"
fi
summary
