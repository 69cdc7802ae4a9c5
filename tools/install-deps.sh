#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the demo need.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

packages=(
	# build
	make gcc clang llvm libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev
	libpcap-dev libjson-c-dev libyaml-dev libpng-dev libssl-dev pkg-config
	# running and testing: attach, namespaces, peers, the tshark oracle
	xdp-tools iproute2 iputils-ping tshark python3 procps util-linux
	# the kNN oracle (scikit-learn) of the fingerprinting tests
	python3-sklearn python3-numpy
	dnsmasq-base libcoap3-bin openssl curl dnsutils graphviz time bc
	# the VM selftests (issue 8)
	qemu-system-x86 busybox-static
	# on a gateway (issue 16): IPFIX (libfixbuf), the man pages (scdoc), and
	# the tests' real collectors (nfdump's nfcapd, pmacct's nfacctd, node_exporter), MUD
	# validation (yanglint) and bash completion
	libfixbuf-dev libmicrohttpd-dev scdoc nfdump pmacct libyang2-tools bash-completion
	prometheus-node-exporter python3-prometheus-client
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (sudo make ...) or install them yourself" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
# nfdump and pmacct ship collector services: the tests run their own, in
# namespaces, so none is started here (policy-rc.d, when none is in place).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
