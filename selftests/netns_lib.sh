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
