#!/usr/bin/env bash
# vm-deps.sh: makes sure the VM tests' own tools are installed (qemu, a
# static busybox, xz); installs the missing ones when run as root.  Exit 1
# when something is still missing.  Does nothing, and needs no network, when
# all are there.
set -uo pipefail

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
if ! command -v busybox >/dev/null || ! file -L "$(command -v busybox)" 2>/dev/null | grep -q 'statically linked'; then
	need+=(busybox-static)
fi
command -v xz >/dev/null || need+=(xz-utils)
command -v file >/dev/null || need+=(file)
command -v objcopy >/dev/null || need+=(binutils)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vm-deps: missing packages: ${need[*]} (install them as root)" >&2
	exit 1
fi
echo "vm-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
	{ timeout 300 apt-get update -qq >/dev/null 2>&1 &&
		timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; } ||
	{ echo "vm-deps: could not install ${need[*]}" >&2; exit 1; }
