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
