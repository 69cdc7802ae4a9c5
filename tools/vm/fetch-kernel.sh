#!/usr/bin/env bash
# fetch-kernel.sh SERIES: a Debian kernel of SERIES (6.1, 6.12, ...) ready to
# boot, in the cache.  Prints the kernel's directory:
#
#   $CACHE/kernels/KVER/vmlinuz        the kernel image
#   $CACHE/kernels/KVER/config         its configuration
#   $CACHE/kernels/KVER/package        the Debian package it came from
#   $CACHE/kernels/KVER/modules/*.ko   the modules the tests need (MODULES),
#                                      decompressed, with their dependencies
#   $CACHE/kernels/KVER/modules.order  the order to insmod them in
#
# The package is the newest linux-image-SERIES*-amd64 apt knows of (unsigned
# or signed, whichever downloads), fetched with `apt-get download` into
# $CACHE/debs and kept there.  Without apt or network the newest kernel of
# SERIES already in the cache is used.  Exit status 2 (and the reason on
# stderr) when there is none.
#
# CACHE is $IOTPROF_VM_CACHE, by default ~/.cache/iotprof-vm.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh SERIES}
CACHE=${IOTPROF_VM_CACHE:-${HOME:-/root}/.cache/iotprof-vm}
MODULES=${MODULES:-"veth sch_ingress cls_bpf"}

say() { echo "fetch-kernel: $*" >&2; }
give_up() { say "$*"; exit 2; }

[[ "$series" =~ ^[0-9]+\.[0-9]+$ ]] || give_up "bad series '$series' (want e.g. 6.1)"
mkdir -p "$CACHE/debs" "$CACHE/kernels"

# One fetch of a series at a time (two runs may share the cache).
exec 9>"$CACHE/lock-$series"
flock -w 600 9 || give_up "cache lock $CACHE/lock-$series held for 10 minutes"

re_series=${series//./\\.}
# linux-image-6.1.0-56-amd64, linux-image-6.12.117+deb12-amd64 (and -unsigned);
# not -dbg, -cloud or -rt.
pkg_re="^linux-image-(${re_series}\.[0-9]+(-[0-9]+|\+deb[0-9]+)?-amd64)(-unsigned)?\$"

# Kernel releases of the series that apt knows, newest first.
apt_releases() {
	{ apt-cache pkgnames linux-image- 2>/dev/null || true; } | { grep -E "$pkg_re" || true; } |
		sed -E "s/$pkg_re/\\1/" | sort -u | sort -rV
}

# Kernel releases of the series in the cache, newest first.
cached_releases() {
	local d
	for d in "$CACHE"/kernels/*/; do
		d=$(basename "$d")
		[[ "linux-image-$d" =~ $pkg_re ]] && [ -s "$CACHE/kernels/$d/vmlinuz" ] && echo "$d"
	done | sort -rV
}

have_modules() {
	local kdir=$1 m
	for m in $MODULES; do
		[ -s "$kdir/modules/$m.ko" ] || return 1
	done
	[ -s "$kdir/modules.order" ]
}

# extract DEB KVER: the image, the config and MODULES with their dependencies.
extract() {
	local deb=$1 kver=$2 tmp kdir=$CACHE/kernels/$2 m done_list=" "
	tmp=$(mktemp -d "$CACHE/extract.XXXXXX")
	TMP_EXTRACT=$tmp
	mkdir -p "$tmp/modules"
	# One pass over the package (decompressing it is the slow part).
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" "./boot/vmlinuz-$kver" "./boot/config-$kver" "./lib/modules/$kver/kernel" ||
		{ rm -rf "$tmp"; return 1; }
	# Each module's dependencies are in its .modinfo section ("depends=a,b"):
	# no depmod needed.  Dependencies are loaded before their users.
	: >"$tmp/order"
	load() {
		local m=$1 f d deps
		case "$done_list" in *" $m "*) return 0 ;; esac
		done_list+="$m "
		f=$(find "$tmp/lib/modules/$kver/kernel" -regextype posix-extended \
			-regex ".*/${m//_/[_-]}\.ko(\.xz|\.zst|\.gz)?" | sort | head -n1)
		[ -n "$f" ] || { say "$kver has no module $m"; return 1; }
		case "$f" in
		*.xz) xz -dc "$f" >"$tmp/modules/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$tmp/modules/$m.ko" ;;
		*.gz) gzip -dc "$f" >"$tmp/modules/$m.ko" ;;
		*) cp "$f" "$tmp/modules/$m.ko" ;;
		esac
		deps=$(objcopy -O binary --only-section=.modinfo "$tmp/modules/$m.ko" /dev/stdout |
			tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
		for d in $deps; do
			load "${d//-/_}" || return 1
		done
		echo "$m" >>"$tmp/order"
	}
	for m in $MODULES; do
		load "$m" || { rm -rf "$tmp"; return 1; }
	done
	rm -rf "$kdir"
	mkdir -p "$kdir"
	mv "$tmp/boot/vmlinuz-$kver" "$kdir/vmlinuz"
	mv "$tmp/boot/config-$kver" "$kdir/config"
	mv "$tmp/modules" "$kdir/modules"
	mv "$tmp/order" "$kdir/modules.order"
	basename "$deb" >"$kdir/package"
	rm -rf "$tmp"
	TMP_EXTRACT=
}

TMP_EXTRACT=
trap '[ -z "$TMP_EXTRACT" ] || rm -rf "$TMP_EXTRACT"' EXIT

releases=$(apt_releases)
if [ -z "$releases" ] && [ "$(id -u)" -eq 0 ] && [ -z "$(cached_releases)" ]; then
	# A machine that never ran apt-get update knows no package.
	say "apt knows no linux-image-$series*; running apt-get update"
	timeout 300 apt-get update -qq >/dev/null 2>&1 || true
	releases=$(apt_releases)
fi

tried=0
for kver in $releases; do
	kdir=$CACHE/kernels/$kver
	if [ -s "$kdir/vmlinuz" ] && have_modules "$kdir"; then
		echo "$kdir"
		exit 0
	fi
	for pkg in "linux-image-$kver-unsigned" "linux-image-$kver"; do
		deb=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			apt-cache show "$pkg" >/dev/null 2>&1 || continue
			say "downloading $pkg"
			(cd "$CACHE/debs" && timeout 600 apt-get download -o APT::Sandbox::User=root \
				-qq "$pkg" >/dev/null 2>&1) || { say "apt-get download $pkg failed"; continue; }
			deb=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
			[ -n "$deb" ] || continue
		fi
		if extract "$deb" "$kver"; then
			echo "$kdir"
			exit 0
		fi
		say "cannot extract $deb"
	done
	# Only the two newest releases: an older one is no better than the cache.
	tried=$((tried + 1))
	[ "$tried" -lt 2 ] || break
done

for kver in $(cached_releases); do
	if have_modules "$CACHE/kernels/$kver"; then
		say "no linux-image-$series* could be fetched: using the cached $kver"
		echo "$CACHE/kernels/$kver"
		exit 0
	fi
done
give_up "no Debian linux-image-$series*-amd64 package could be fetched (apt knows: ${releases:-none}) and none is cached in $CACHE"
