#!/usr/bin/env bash
# probe-accel.sh VMLINUZ: prints "kvm" when a guest really runs under KVM
# here, else "tcg".  /dev/kvm opening is not enough: under nested
# virtualisation it can open and yet the guest never gets past the firmware,
# so the kernel is booted (no initramfs) until it prints its banner, for at
# most PROBE_SECONDS (default 8).
set -uo pipefail

kernel=${1:?usage: probe-accel.sh VMLINUZ}
limit=${PROBE_SECONDS:-8}

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo tcg
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/iotprof-probe.XXXXXX")
pid=
stop() {
	[ -s "$dir/qemu.pid" ] && kill "$(cat "$dir/qemu.pid")" 2>/dev/null
	[ -n "$pid" ] && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap stop EXIT
: >"$dir/console"
# In a subshell, so that a qemu that aborts is not reported by this shell.
(timeout -k 2 "$limit" qemu-system-x86_64 -accel kvm -cpu host -smp 1 -m 256 \
	-nodefaults -no-user-config -display none -monitor none -no-reboot \
	-pidfile "$dir/qemu.pid" -kernel "$kernel" -append "console=ttyS0 panic=-1" \
	-serial "file:$dir/console" </dev/null >/dev/null 2>&1; exit 0) 2>/dev/null &
pid=$!
for ((i = 0; i < limit * 10; i++)); do
	if grep -aq 'Linux version' "$dir/console"; then
		echo kvm
		exit 0
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
echo tcg
