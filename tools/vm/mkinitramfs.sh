#!/usr/bin/env bash
# mkinitramfs.sh KDIR STAGE OUT.cpio: the test VM's initramfs (newc cpio,
# uncompressed: unpacking is faster than decompressing under TCG).
#
#   /init                      tools/vm/init
#   /bin/busybox, /bin/sh      busybox-static (its applets are linked at boot)
#   /usr/sbin/ip               the host's iproute2 (busybox ip lacks netns, veth)
#   /iotprof/bin/              iotprof, iotprof-load, bpf_verify
#   /iotprof/tests/            the BPF_PROG_TEST_RUN tests named in TESTS
#   /iotprof/bpf/              the BPF objects (*.bpf.o of BIN)
#   /iotprof/corpus/           STAGE/corpus: captures and the host's output
#   /lib/modules/              KDIR's modules and their load order
#   /usr/lib/.../bpf/xdp-dispatcher.o   libxdp's dispatcher
#   shared libraries           every one ldd names for the binaries above
#   /etc/vm.conf               what /init runs
#
# Environment: BIN (build directory), VERIFY_TOOL (bpf_verify binary), TESTS,
# CORPUS (capture names under STAGE/corpus), CORPUS_SKIP (why none),
# TEST_TIMEOUT (seconds per test inside the VM).
set -euo pipefail

kdir=${1:?usage: mkinitramfs.sh KDIR STAGE OUT.cpio}
stage=${2:?}
out=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
: "${BIN:?}" "${VERIFY_TOOL:?}" "${TESTS:?}"
CORPUS=${CORPUS:-} CORPUS_SKIP=${CORPUS_SKIP:-} TEST_TIMEOUT=${TEST_TIMEOUT:-300}

root=$stage/root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,run,root,usr/sbin,usr/lib64,lib/modules} \
	"$root"/usr/lib/x86_64-linux-gnu/bpf "$root"/iotprof/{bin,tests,bpf,corpus}
# Debian 12 is merged-/usr: /lib is usr/lib.
rmdir "$root/lib/modules" "$root/lib"
mkdir -p "$root/usr/lib/modules"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
mkdir -p "$root/var"
ln -s ../run "$root/var/run"	# ip netns keeps its namespaces in /var/run/netns

install -m 0755 "$here/init" "$root/init"
busybox=$(command -v busybox)
file -L "$busybox" | grep -q 'statically linked' || {
	echo "mkinitramfs: $busybox is not static (install busybox-static)" >&2
	exit 1
}
cp -L "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

elves=()
add_elf() {	# add_elf SRC DEST: a binary, stripped (the BPF skeletons stay)
	cp -L "$1" "$2"
	strip --strip-debug "$2" 2>/dev/null || true
	elves+=("$2")
}
add_elf "$(command -v ip)" "$root/usr/sbin/ip"
add_elf "$BIN/iotprof" "$root/iotprof/bin/iotprof"
add_elf "$BIN/iotprof-load" "$root/iotprof/bin/iotprof-load"
add_elf "$VERIFY_TOOL" "$root/iotprof/bin/bpf_verify"
for t in $TESTS; do
	[ -x "$BIN/selftests/$t" ] && add_elf "$BIN/selftests/$t" "$root/iotprof/tests/$t"
done
cp "$BIN"/*.bpf.o "$root/iotprof/bpf/"

dispatcher=/usr/lib/x86_64-linux-gnu/bpf/xdp-dispatcher.o
[ -f "$dispatcher" ] && cp "$dispatcher" "$root$dispatcher"

# Shared libraries, at the paths the host's loader resolved them to.
for e in "${elves[@]}"; do
	ldd "$e" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'
done | sort -u | while read -r lib; do
	real=$(readlink -f "$lib")
	mkdir -p "$root$(dirname "$real")"
	cp -L "$lib" "$root$real"
	# The name the binaries ask for (libbpf.so.1, /lib64/ld-linux-x86-64.so.2)
	# where they ask for it.
	asked=$(readlink -f "$(dirname "$lib")")/$(basename "$lib")
	if [ ! -e "$root$asked" ]; then
		mkdir -p "$root$(dirname "$asked")"
		ln -s "$real" "$root$asked"
	fi
done

# The modules, in load order.
cp "$kdir"/modules/*.ko "$root/usr/lib/modules/"
cp "$kdir/modules.order" "$root/usr/lib/modules/order"

# The corpus captures and the host's output for each.
[ -d "$stage/corpus" ] && cp -r "$stage/corpus/." "$root/iotprof/corpus/"

cat >"$root/etc/vm.conf" <<EOF
TESTS="$TESTS"
CORPUS="$CORPUS"
CORPUS_SKIP="$CORPUS_SKIP"
TEST_TIMEOUT=$TEST_TIMEOUT
EOF
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"

# Sorted, owned by root, so that the same inputs give the same archive.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) >"$out"
