#!/usr/bin/env bash
# make demo: iotprof on a small home built from network namespaces.
#
# A "device" namespace talks to a "gateway" namespace over a veth pair.
# iotprof-load attaches to the gateway's side, watching the device; the
# device asks the gateway's resolver (dnsmasq) for its cloud's name, fetches
# a page from it over HTTP, pings the gateway and sends UDP to a port nobody
# listens on (the gateway answers with ICMP port unreachable: a packet the
# gateway itself originates, seen at TC egress).  Then the flows are listed,
# live, with the names the kernel learned, and everything is removed again.
#
# When ../shared is present the demo also runs the same XDP program offline
# over the three real captures of a TP-Link plug toggle.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/build
SHARED=${IOTPROF_SHARED:-$(cd .. && pwd)/shared}
GW=iotprof-demo-gw DEV=iotprof-demo-dev PIN=/sys/fs/bpf/iotprof-demo
server_pid= dns_pid=

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (sudo make demo)" >&2; exit 1; }

cleanup() {
	set +e
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	[ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null
	[ -e /run/netns/$GW ] && nsenter --net=/run/netns/$GW "$BIN/iotprof-load" --pin-dir $PIN --detach >/dev/null 2>&1
	ip netns del $GW 2>/dev/null
	ip netns del $DEV 2>/dev/null
	rm -rf $PIN 2>/dev/null
}
trap cleanup EXIT INT TERM
cleanup
set -e

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
gw() { nsenter --net=/run/netns/$GW -- "$@"; }

step "building a two-host home: gateway 10.77.0.1, device 10.77.0.35"
ip netns add $GW
ip netns add $DEV
ip link add veth-gw netns $GW type veth peer name veth-dev netns $DEV
ip -n $GW addr add 10.77.0.1/24 dev veth-gw
ip -n $DEV addr add 10.77.0.35/24 dev veth-dev
ip -n $GW link set veth-gw up
ip -n $DEV link set veth-dev up
ip -n $GW link set lo up

step "iotprof-load veth-gw --watch 10.77.0.35"
gw "$BIN/iotprof-load" --pin-dir $PIN --watch 10.77.0.35 veth-gw
gw "$BIN/iotprof-load" --pin-dir $PIN --status

step "the device talks: a DNS lookup, one HTTP request, 3 pings, 2 UDP datagrams to a closed port"
nsenter --net=/run/netns/$GW -- python3 -m http.server 8080 --bind 10.77.0.1 >/dev/null 2>&1 &
server_pid=$!
nsenter --net=/run/netns/$GW -- dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null --user=root \
	--listen-address=10.77.0.1 --bind-interfaces --pid-file= \
	--address=/api.plug.example/10.77.0.1 >/dev/null 2>&1 &
dns_pid=$!
for _ in $(seq 50); do
	gw ss -ltn 2>/dev/null | grep -q ':8080' && gw ss -lun 2>/dev/null | grep -q '10.77.0.1:53' && break
	sleep 0.1
done
addr=$(ip netns exec $DEV dig +short +tries=1 +time=2 @10.77.0.1 api.plug.example A)
echo "api.plug.example is $addr"
ip netns exec $DEV curl -s -o /dev/null -w 'HTTP %{http_code}, %{size_download} bytes\n' \
	--resolve "api.plug.example:8080:$addr" http://api.plug.example:8080/status
ip netns exec $DEV ping -c 3 -i 0.2 -q 10.77.0.1
ip netns exec $DEV python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(2):
    s.sendto(b"where are you?", ("10.77.0.1", 123))
'
sleep 0.5

step "iotprof flows"
gw "$BIN/iotprof" --pin-dir $PIN flows
step "iotprof flows --json"
gw "$BIN/iotprof" --pin-dir $PIN flows --json
step "iotprof dns list"
gw "$BIN/iotprof" --pin-dir $PIN dns list
step "iotprof stats"
gw "$BIN/iotprof" --pin-dir $PIN stats

step "iotprof-load --detach"
gw "$BIN/iotprof-load" --pin-dir $PIN --detach

if [ -d "$SHARED/data/signature-extraction/test/traces" ]; then
	for trace in "$SHARED"/data/signature-extraction/test/traces/*.pcap; do
		step "offline: iotprof flows --pcap $(basename "$trace") --watch 192.168.1.135 (TP-Link plug toggle)"
		"$BIN/iotprof" flows --pcap "$trace" --watch 192.168.1.135
	done
else
	echo; echo "(../shared not found: skipping the offline flows of the recorded plug traces)"
fi
step "done: namespaces, programs and pins removed"
