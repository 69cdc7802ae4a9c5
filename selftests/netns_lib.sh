# Shared by the netns tests (sourced, not run): reporting in the runner's
# format, and the teardown every test needs whatever else it started.
# The sourcing script sets NAME, LOAD (iotprof-load) and PIN (its own pin
# directory) and keeps failures in $failures.

pass() { echo "PASS: $NAME $1"; }
fail() { echo "FAIL: $NAME $1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP: $NAME: $1"; exit 0; }
note() { echo "# $NAME: $*"; }
oneline() { tr '\n' ' ' | sed 's/  */ /g; s/ $//'; }

# teardown_home NS_WITH_IOTPROF OTHER_NS [WORK_DIR]: detach, unpin and
# delete the namespaces.  Safe to call on a half-built home.
teardown_home() {
	local loaded=$1 other=$2 work=${3:-}

	if [ -d "$PIN" ] && [ -e "/run/netns/$loaded" ]; then
		timeout 20 nsenter --net="/run/netns/$loaded" -- "$LOAD" --pin-dir "$PIN" --detach \
			>/dev/null 2>&1
	fi
	# Last resort when the loader could not: unpin by hand.  The directory
	# is this run's own, so whatever is in it is ours.
	if [ -d "$PIN" ]; then
		rm -f -- "$PIN"/*
		rmdir -- "$PIN" 2>/dev/null
	fi
	# Deleting the namespaces takes the veth pair and anything attached to it.
	[ -e "/run/netns/$loaded" ] && ip netns del "$loaded" 2>/dev/null
	[ -e "/run/netns/$other" ] && ip netns del "$other" 2>/dev/null
	[ -n "$work" ] && rm -rf "$work"
	return 0
}

ns_sysctl() { nsenter --net="/run/netns/$1" -- sh -c "echo $3 > /proc/sys/$(echo "$2" | tr . /)"; }

# quiet_pair NS_X NS_Y IF_X IF_Y: two namespaces joined by a veth pair
# made inside them (the machine's own interfaces are never touched), with
# no IPv6 autoconfiguration, DAD, router solicitation or ARP, so that every
# packet on the wire is one the test sends.  Sets QUIET_MAC_X, QUIET_MAC_Y
# for the static neighbour entries the caller adds with its addresses.
quiet_pair() {
	local x=$1 y=$2 ifx=$3 ify=$4 ns key

	ip netns add "$x" && ip netns add "$y" || return 1
	for ns in "$x" "$y"; do
		for key in net.ipv6.conf.all.disable_ipv6 net.ipv6.conf.default.disable_ipv6 \
			   net.ipv6.conf.all.accept_dad net.ipv6.conf.default.accept_dad \
			   net.ipv6.conf.all.accept_ra net.ipv6.conf.default.accept_ra \
			   net.ipv6.conf.default.router_solicitations; do
			ns_sysctl "$ns" "$key" 0 || return 1
		done
	done
	ip link add "$ifx" netns "$x" type veth peer name "$ify" netns "$y" || return 1
	ip -n "$x" link set "$ifx" arp off || return 1
	ip -n "$y" link set "$ify" arp off || return 1
	QUIET_MAC_X=$(ip -n "$x" -br link show "$ifx" | awk '{ print $3 }')
	QUIET_MAC_Y=$(ip -n "$y" -br link show "$ify" | awk '{ print $3 }')
}

# first_of CMD...: the path of the first of the commands that is installed.
first_of() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null && { command -v "$c"; return 0; }
	done
	return 1
}

# wait_for N CMD...: polls CMD at most N times, 0.1 s apart.
wait_for() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# listening NS tcp|udp PORT: something in NS listens on PORT.
listening() {
	local flag=-lnt
	[ "$2" = udp ] && flag=-lnu
	timeout 5 nsenter --net="/run/netns/$1" -- ss -H "$flag" "sport = :$3" | grep -q .
}

listening_or_gone() { ! kill -0 "$1" 2>/dev/null || listening "$2" "$3" "$4"; }

# start_server NS NAME PROTO PORT CMD...: runs CMD in NS (through the
# script's bg_in, which bounds its lifetime), keeps its PID in server_pids
# and its output in $work/server-NAME.out, and waits until it listens (or
# has ended: no need to wait longer then).
start_server() {
	local ns=$1 name=$2 proto=$3 port=$4
	shift 4
	(bg_in "$ns" "$@") >"$work/server-$name.out" 2>&1 &
	server_pids+=($!)
	wait_for 50 listening_or_gone $! "$ns" "$proto" "$port"
	listening "$ns" "$proto" "$port" && return 0
	fail "setup" "$name did not listen on $proto port $port: $(oneline <"$work/server-$name.out")"
	exit 1
}

# make_cert DIR CN: a throwaway self-signed certificate, DIR/cert.pem and
# DIR/key.pem; a failure ends the test.
make_cert() {
	timeout 20 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$1/key.pem" -out "$1/cert.pem" -days 1 -subj "/CN=$2" >"$1/req.out" 2>&1 && return 0
	fail "setup" "openssl req could not make a certificate: $(oneline <"$1/req.out")"
	exit 1
}

# serve_addrs NS_SERVER IF_SERVER NS_CLIENT IF_CLIENT MAC PREFIXLEN ADDR...:
# each ADDR on the server's interface, and a static neighbour entry for it
# on the client's (the pair has no ARP or ND).
serve_addrs() {
	local ns=$1 dev=$2 peer=$3 peer_dev=$4 mac=$5 len=$6 a nodad=
	shift 6
	[ "$len" -gt 32 ] && nodad=nodad
	for a in "$@"; do
		ip -n "$ns" addr add "$a/$len" dev "$dev" $nodad || return 1
		ip -n "$peer" neigh replace "$a" lladdr "$mac" dev "$peer_dev" nud permanent || return 1
	done
}
