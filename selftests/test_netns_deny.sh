#!/usr/bin/env bash
# netns-deny: the deny engine, live, seen from a client's side.
#
#   ns client (veth-c 10.204.0.2 fd00:204::2) <--veth--> ns server (veth-s)
#
# The server namespace has 10.204.0.1 (dnsmasq), 10.204.0.3 and fd00:204::3
# (api.iotprof.test), 10.204.0.4 and fd00:204::4 (other.iotprof.test) and
# 10.204.0.5 (late.iotprof.test); on every address an HTTPS server (openssl
# s_server, throwaway certificate) and TCP and UDP echo servers
# (netns_deny_helper.py) answer.  The client namespace has a TCP echo server
# too, for connections the server side opens.  iotprof-load attaches to
# veth-c with --watch all: the client's packets are dropped at TC egress,
# packets from the server at XDP ingress.
#
# Each case adds a rule with `iotprof deny add`, shows that the traffic it
# names gets no answer (curl, ping, dig, python clients, with short
# timeouts) while other traffic is answered, that the rule counted the
# dropped packets, and deletes it:
#   tcp-port, udp-port, sport, dst-addr, prefix, ipv6, icmp, flow-id
#   name       a rule on a host name learned from DNS (A and AAAA)
#   name-late  a rule on a name whose address is learned after the rule
#   lease      a 2 s lease: blocks, then no more (expired, deny_expired)
#   bidir      a rule written server -> client blocks both directions
#   del        deny del restores the traffic
#   flows      the blocked flows' records count the dropped packets
#   never-hit  a rule no traffic matched counted nothing
#   bad-*      refused input: unknown Flow ID member, "app", port 70000,
#              prefix /33, no field
#   masks      16 rule shapes fit, a 17th is refused, leaking nothing
#   detach     after iotprof-load --detach: no pins, the maps are gone,
#              the traffic a rule blocked passes
#
# Both veths are NOARP with permanent neighbour entries and IPv6 DAD,
# router solicitations and RA off.  Tools run in the namespaces through
# `nsenter --net` (never `ip netns exec`: it remounts /sys, and a bpffs
# mounted there would vanish).
set -u

NAME=netns-deny
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
CLI=$BIN/iotprof
HELPER=$ROOT/selftests/netns_deny_helper.py
NS_C=iotpd-$$-c
NS_S=iotpd-$$-s
PIN=/sys/fs/bpf/iotprof-test-$$
C4=10.204.0.2 C6=fd00:204::2
DNS4=10.204.0.1
API4=10.204.0.3 API6=fd00:204::3
OTHER4=10.204.0.4 OTHER6=fd00:204::4
LATE4=10.204.0.5
API=api.iotprof.test OTHER=other.iotprof.test LATE=late.iotprof.test
HTTPS_PORT=8443 ECHO1=7001 ECHO2=7002 CLIENT_ECHO=7101
T_PASS=4	# seconds an exchange that must be answered may take
T_DROP=1	# seconds an exchange that must not be answered is given
SERVER_LIFETIME=150	# the servers end by themselves should cleanup never run

failures=0
work=
cleaned=
server_pids=()
sport=41000	# the client's source ports: one new port per exchange

. "$(dirname "$0")/netns_lib.sh"

in_c() { timeout 20 nsenter --net="/run/netns/$NS_C" -- "$@"; }
in_s() { timeout 20 nsenter --net="/run/netns/$NS_S" -- "$@"; }
bg_in() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" -- timeout "$SERVER_LIFETIME" "$@"; }
cli() { in_c "$CLI" --pin-dir "$PIN" "$@"; }

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	local pid
	# timeout(1) passes the TERM on to the server it runs.
	for pid in "${server_pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	teardown_home "$NS_C" "$NS_S" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- prerequisites ---------------------------------------------------------

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
for req in ip:iproute2 ss:iproute2 tc:iproute2 nsenter:util-linux timeout:coreutils \
	   python3:python3 bpftool:bpftool dnsmasq:dnsmasq dig:dnsutils curl:curl \
	   openssl:openssl ping:iputils-ping; do
	command -v "${req%%:*}" >/dev/null ||
		skip "'${req%%:*}' is not installed (Debian package ${req#*:})"
done
for b in "$LOAD" "$CLI"; do
	[ -x "$b" ] || skip "$b is not built (make build/iotprof build/iotprof-load)"
done
"$CLI" deny --help 2>&1 | grep -q 'deny add' || skip "this iotprof has no 'deny' command"
[ -d /proc/sys/net/ipv6 ] || skip "the kernel has no IPv6"
[ -r "$HELPER" ] || skip "$HELPER is missing"

work=$(mktemp -d /tmp/iotprof-netns-deny.XXXXXX) || skip "mktemp failed"

# ---- helpers -----------------------------------------------------------------

wait_for() {	# wait_for N CMD...: polls CMD at most N times, 0.1 s apart
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

listening() {	# listening NS tcp|udp PORT
	local flag=-lnt
	[ "$2" = udp ] && flag=-lnu
	timeout 5 nsenter --net="/run/netns/$1" -- ss -H "$flag" "sport = :$3" | grep -q .
}
listening_or_gone() { ! kill -0 "$1" 2>/dev/null || listening "$2" "$3" "$4"; }

# start_server NS NAME PROTO PORT CMD...: runs CMD in NS, waits until it listens.
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

# reach KIND DST [PORT [NAME]]: one exchange from the client, answered within
# $reach_t seconds?  KIND is tcp or udp (echo), https (curl, NAME as the URL's
# host, default api.iotprof.test), ping, or dns (dig for the name PORT).  Each exchange has a source port of
# its own: $sport.
reach() {
	local kind=$1 dst=$2 port=${3:-} name=${4:-$API} src=$C4 host=$2
	case $dst in *:*) src=$C6 host="[$dst]" ;; esac
	sport=$((sport + 1))
	case $kind in
	tcp|udp) in_c python3 "$HELPER" "$kind" "$src" "$sport" "$dst" "$port" "$reach_t" ;;
	https)	 local code
		 code=$(in_c curl -sS -k --noproxy '*' --max-time "$reach_t" -o /dev/null \
			-w '%{http_code}' --local-port "$sport" --resolve "$name:$port:$host" \
			"https://$name:$port/")
		 echo "HTTP status $code"
		 [ "$code" = 200 ] ;;
	ping)	 in_c ping -n -q -c 1 -W "$reach_t" -I "$src" "$dst" ;;
	dns)	 local answer
		 answer=$(in_c dig -b "$src#$sport" @"$dst" "$port" A +tries=1 +time="$reach_t" +short)
		 echo "dig answered: $answer"
		 [ -n "$answer" ] && ! grep -q '^;' <<<"$answer" ;;
	esac >"$work/reach.out" 2>&1
}

describe() {	# describe KIND DST [PORT [NAME]]
	case $1 in
	https)	echo "curl https://${4:-$API}:$3/ at $2" ;;
	ping)	echo "ping $2" ;;
	dns)	echo "dig @$2 $3" ;;
	*)	echo "$1 to $2 port $3" ;;
	esac
}

# passes CASE KIND DST [PORT [NAME]]: the exchange must be answered.
passes() {
	local cs=$1
	shift
	reach_t=$T_PASS
	reach "$@" && return 0
	fail "$cs" "$(describe "$@"): expected an answer, got none: $(oneline <"$work/reach.out" | cut -c1-200)"
	return 1
}

# drops CASE KIND DST [PORT [NAME]]: the exchange must get no answer.
drops() {
	local cs=$1
	shift
	reach_t=$T_DROP
	reach "$@" || return 0
	fail "$cs" "$(describe "$@"): expected no answer (blocked), but it was answered"
	return 1
}

rules_json() { cli deny list --json >"$work/list.json" 2>"$work/list.err"; }

# rule_field ID FIELD: FIELD of rule ID in `deny list --json` (JSON), or absent.
rule_field() {
	if ! rules_json; then
		echo "(deny list --json failed: $(oneline <"$work/list.err"))"
		return
	fi
	python3 "$HELPER" rule "$work/list.json" "$1" "$2" 2>&1
}

rule_count() {
	if rules_json; then python3 "$HELPER" rules "$work/list.json" 2>&1; else echo "(list failed)"; fi
}

# hit CASE ID: rule ID counted dropped packets and bytes.
hit() {
	local p b
	p=$(rule_field "$2" packets)
	b=$(rule_field "$2" bytes)
	[[ $p =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] && [ "$p" -gt 0 ] && [ "$b" -gt 0 ] && return 0
	fail "$1" "rule $2 counted $p packets, $b bytes after blocked exchanges: expected both > 0"
}

# add CASE VAR ARGS...: deny add ARGS; VAR gets the rule's number.
add() {
	local cs=$1 var=$2 out
	shift 2
	printf -v "$var" '%s' ""
	if out=$(cli deny add "$@" 2>"$work/add.err") && [[ $out =~ ^[0-9]+$ ]]; then
		printf -v "$var" '%s' "$out"
		return 0
	fi
	fail "$cs" "deny add $*: $(printf '%s ' "$out" | oneline) $(oneline <"$work/add.err")"
	return 1
}

del() {	# del CASE ID
	[ -n "$2" ] || return 0
	cli deny del "$2" >"$work/del.out" 2>&1 ||
		fail "$1" "deny del $2: $(oneline <"$work/del.out")"
}

stat_of() { cli stats 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }

case_start() { case_failures=$failures; }
case_end() { [ "$failures" -eq "$case_failures" ] && pass "$1"; }

# ---- the namespaces --------------------------------------------------------------

ns_sysctl() { nsenter --net="/run/netns/$1" -- sh -c "echo $3 > /proc/sys/$(echo "$2" | tr . /)"; }

setup() {
	local ns key mac_c mac_s a
	ip netns add "$NS_C" && ip netns add "$NS_S" || return 1
	for ns in "$NS_C" "$NS_S"; do
		for key in net.ipv6.conf.all.disable_ipv6 net.ipv6.conf.default.disable_ipv6 \
			   net.ipv6.conf.all.accept_dad net.ipv6.conf.default.accept_dad \
			   net.ipv6.conf.all.accept_ra net.ipv6.conf.default.accept_ra \
			   net.ipv6.conf.default.router_solicitations; do
			ns_sysctl "$ns" "$key" 0 || return 1
		done
	done
	ip link add veth-c netns "$NS_C" type veth peer name veth-s netns "$NS_S" || return 1
	ip -n "$NS_C" link set veth-c arp off || return 1
	ip -n "$NS_S" link set veth-s arp off || return 1
	mac_c=$(ip -n "$NS_C" -br link show veth-c | awk '{ print $3 }')
	mac_s=$(ip -n "$NS_S" -br link show veth-s | awk '{ print $3 }')
	ip -n "$NS_C" addr add $C4/24 dev veth-c || return 1
	ip -n "$NS_C" addr add $C6/64 dev veth-c nodad || return 1
	for a in $DNS4 $API4 $OTHER4 $LATE4; do
		ip -n "$NS_S" addr add "$a/24" dev veth-s || return 1
		ip -n "$NS_C" neigh replace "$a" lladdr "$mac_s" dev veth-c nud permanent || return 1
	done
	for a in $API6 $OTHER6; do
		ip -n "$NS_S" addr add "$a/64" dev veth-s nodad || return 1
		ip -n "$NS_C" neigh replace "$a" lladdr "$mac_s" dev veth-c nud permanent || return 1
	done
	ip -n "$NS_S" neigh replace $C4 lladdr "$mac_c" dev veth-s nud permanent &&
	ip -n "$NS_S" neigh replace $C6 lladdr "$mac_c" dev veth-s nud permanent &&
	ip -n "$NS_C" link set veth-c up &&
	ip -n "$NS_S" link set veth-s up
}

setup || skip "cannot build the namespaces and the veth pair (no netns/veth support?)"

# ---- the servers ------------------------------------------------------------------

if ! timeout 20 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/key.pem" -out "$work/cert.pem" -days 1 -subj "/CN=$API" \
	>"$work/req.out" 2>&1; then
	fail "setup" "openssl req could not make a certificate: $(oneline <"$work/req.out")"
	exit 1
fi
start_server "$NS_S" dnsmasq udp 53 dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --no-poll --user=root --pid-file= --log-facility=- --log-queries \
	--bind-interfaces --listen-address=$DNS4 --port=53 \
	--address=/$API/$API4 --address=/$API/$API6 --address=/$OTHER/$OTHER4 \
	--address=/$OTHER/$OTHER6 --address=/$LATE/$LATE4
start_server "$NS_S" https tcp $HTTPS_PORT openssl s_server -accept $HTTPS_PORT \
	-cert "$work/cert.pem" -key "$work/key.pem" -www
start_server "$NS_S" echo tcp $ECHO2 python3 "$HELPER" server "$ECHO1,$ECHO2" "$SERVER_LIFETIME"
start_server "$NS_C" client-echo tcp $CLIENT_ECHO python3 "$HELPER" server "$CLIENT_ECHO" "$SERVER_LIFETIME"

# ---- attach ----------------------------------------------------------------------------

if in_c "$LOAD" --pin-dir "$PIN" --watch all veth-c >"$work/load.out" 2>&1 &&
   grep -q '^veth-c: attached' "$work/load.out"; then
	pass "attach"
else
	fail "attach" "iotprof-load --watch all veth-c: $(oneline <"$work/load.out")"
	exit 1
fi
note "$(grep '^veth-c: attached' "$work/load.out")"

# Everything the cases block is answered without rules.
case_start
passes baseline tcp $API4 $ECHO1
passes baseline udp $API4 $ECHO2
passes baseline https $API4 $HTTPS_PORT
passes baseline tcp $API6 $ECHO1
passes baseline ping $OTHER4
case_end baseline || exit 1

# A rule no traffic of the test matches: it must count nothing.
add setup decoy --dst 10.204.0.99 --proto tcp --dport 9

# ---- ports ------------------------------------------------------------------------------

case_start
if add tcp-port id --proto tcp --dport $ECHO1; then
	drops tcp-port tcp $API4 $ECHO1
	blocked_sport=$sport	# its record is checked in case flows
	drops tcp-port tcp $API6 $ECHO1	# no address: both families
	hit tcp-port "$id"
	passes tcp-port tcp $API4 $ECHO2
	passes tcp-port udp $API4 $ECHO1
	passes tcp-port https $API4 $HTTPS_PORT
fi
case_end tcp-port

# deny del: the same exchange is answered again, the rule is gone.
case_start
if [ -n "$id" ]; then
	del del "$id"
	passes del tcp $API4 $ECHO1
	[ "$(rule_field "$id" id)" = absent ] ||
		fail del "rule $id is still listed after deny del: $(oneline <"$work/list.json")"
	if cli deny del "$id" >"$work/del2.out" 2>&1 || ! grep -q "$id" "$work/del2.out"; then
		fail del "a second deny del $id: expected a failure naming the rule, got: $(oneline <"$work/del2.out")"
	fi
	case_end del
fi

case_start
if add udp-port id --proto udp --dport $ECHO2; then
	drops udp-port udp $API4 $ECHO2
	hit udp-port "$id"
	passes udp-port udp $API4 $ECHO1
	passes udp-port tcp $API4 $ECHO2
	del udp-port "$id"
	passes udp-port udp $API4 $ECHO2
fi
case_end udp-port

# A client source port: the next exchange's port is blocked, the one after not.
case_start
if add sport id --proto tcp --sport $((sport + 1)); then
	drops sport tcp $API4 $ECHO1
	hit sport "$id"
	passes sport tcp $API4 $ECHO1
	del sport "$id"
fi
case_end sport

# ---- addresses ----------------------------------------------------------------------------

case_start
if add dst-addr id --dst $OTHER4; then
	drops dst-addr tcp $OTHER4 $ECHO1
	drops dst-addr udp $OTHER4 $ECHO2
	drops dst-addr ping $OTHER4
	hit dst-addr "$id"
	passes dst-addr tcp $API4 $ECHO1
	passes dst-addr ping $API4
	passes dst-addr tcp $OTHER6 $ECHO1
	del dst-addr "$id"
fi
case_end dst-addr

# 10.204.0.4/30: other (.4) and late (.5), not api (.3) nor the DNS server (.1).
case_start
if add prefix id --dst 10.204.0.4/30; then
	drops prefix tcp $OTHER4 $ECHO1
	drops prefix udp $LATE4 $ECHO2
	hit prefix "$id"
	passes prefix tcp $API4 $ECHO1
	passes prefix dns $DNS4 $OTHER
	del prefix "$id"
fi
case_end prefix
