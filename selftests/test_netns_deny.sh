#!/usr/bin/env bash
# netns-deny: the deny engine, live, seen from a client's side.
#
#   ns client (veth-c 10.204.0.2 fd00:204::2) <--veth--> ns server (veth-s)
#
# The server namespace has 10.204.0.1 (dnsmasq), 10.204.0.3 and fd00:204::3
# (api.iotprof.test), 10.204.0.4 and fd00:204::4 (other.iotprof.test) and
# 10.204.0.5 (late.iotprof.test); on every address an HTTPS server (openssl
# s_server, throwaway certificate), a second HTTPS server that serves each
# connection in a thread of its own (for the SNI rules: a connection they
# cut off would hold up s_server, which serves one at a time), an HTTP server
# (python3 -m http.server), a CoAP server (libcoap's coap-server) and TCP and
# UDP echo servers (netns_deny_helper.py) answer.  The client namespace has
# a TCP and UDP echo server too, for what the server side sends.
# iotprof-load attaches to veth-c with --watch all: the client's packets are
# dropped at TC egress, packets from the server at XDP ingress.
#
# Each case adds a rule with `iotprof deny add`, shows that each exchange it
# names times out (curl, ping, dig, coap-client, python clients, short
# timeouts) and that the rule's counter grew with it, that other exchanges
# are answered, and deletes the rule:
#   baseline   all of it answered before any rule
#   tcp-port, udp-port, sport, dst-addr, prefix, ipv6, icmp, flow-id
#   name       a rule on a host name learned from DNS (A and AAAA)
#   name-late  a rule on a name whose address is learned after the rule
#   lease      a 2 s lease: blocks, then no more (expired, deny_expired)
#   bidir      a rule written server -> client blocks both directions
#   del        deny del restores the traffic
#   flows      the blocked flows' records count the dropped packets
#   never-hit  a rule no traffic matched counted nothing
# Rules on application data:
#   dns-name   --dns-name: the query (any type, any letter case, also over
#              TCP) and an answer carrying the name are dropped; other
#              names are answered
#   dns-suffix --dns-name '*.iotprof.test': names under it (one label or
#              more) dropped; the bare iotprof.test, notiotprof.test and
#              api.other-zone.test answered
#   dns-type   --dns-name with --dns-type AAAA: AAAA dropped, A answered
#   sni        --sni: a ClientHello naming it dropped (IPv4 and IPv6), one
#              naming other.iotprof.test on the same address answered, and
#              a connection whose handshake was done before the rule gets
#              no answer to its next request
#   sni-no-sni a connection to the same address without any SNI (curl to an
#              address) is answered: SNI rules do not match on addresses
#   http       --http-method GET --http-uri /secret: GET /secret dropped,
#              GET /public and HEAD /secret answered
#   http-prefix  --http-uri '/api/*': /api/x dropped, /apix answered
#   coap       --coap-code 0.01 --coap-uri /blocked/path: that GET dropped,
#              GET /other/path and PUT /blocked/path answered
#   flow-app   the same kinds of rules through --flow: a DNS name and type
#              given literally, and the "app" of an HTTP request's record
#              as `iotprof flows --json` shows it
# then:
#   bad-*      refused input: unknown Flow ID member, an unknown application
#              protocol, two protocols in one rule, an SNI wildcard, a bad
#              DNS type, HTTP method, CoAP code, port 70000, prefix /33, no
#              field
#   masks      16 rule shapes fit, a 17th is refused, leaking nothing
#   hold       SIGTERM to `deny add --hold` removes its rule (when the
#              CLI has --hold)
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
ZONE=iotprof.test NOT_ZONE=notiotprof.test OUTSIDE=api.other-zone.test
HTTPS_PORT=8443 TLS_PORT=8444 HTTP_PORT=8080 COAP_PORT=5683
ECHO1=7001 ECHO2=7002 CLIENT_ECHO=7101
T_PASS=4	# seconds an exchange that must be answered may take
T_DROP=0.5	# seconds an exchange that must not be answered is given (dig and coap-client: 1)
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
# Rules on application data, when this iotprof has them.
app_rules=
"$CLI" deny --help 2>&1 | grep -q -- '--dns-name' && app_rules=1
COAP_CLIENT=$(first_of coap-client coap-client-notls coap-client-openssl coap-client-gnutls)
COAP_SERVER=$(first_of coap-server coap-server-notls coap-server-openssl coap-server-gnutls)
[ -d /proc/sys/net/ipv6 ] || skip "the kernel has no IPv6"
[ -r "$HELPER" ] || skip "$HELPER is missing"

work=$(mktemp -d /tmp/iotprof-netns-deny.XXXXXX) || skip "mktemp failed"

# ---- helpers -----------------------------------------------------------------




# reach KIND DST [ARG [ARG2]]: one exchange from the client within $reach_t
# seconds: status 0 when answered, 1 when not (timed out), 2 when the
# client failed otherwise.  KIND is
#   tcp|udp DST PORT       echo
#   https DST PORT [NAME]  curl, NAME as the URL's host and the SNI (default
#                          api.iotprof.test); NAME "-": curl to the address
#                          itself, with no SNI
#   http DST URI [METHOD]  curl to the HTTP server, GET (default) or HEAD
#   ping DST
#   dns DST QNAME [QTYPE]  dig for QNAME, type A by default
#   dnstcp DST QNAME       the same over TCP
#   dnsresp - QNAME        not the client's: api sends the client's UDP echo
#                          a DNS response (QNAME A 192.0.2.1) from port 53,
#                          and waits for it to come back
#   coap DST URI [METHOD]  coap-client, GET (default) or another method;
#                          any response counts (4.04 too)
# Each exchange has a source port of its own: $sport.
reach() {
	local kind=$1 dst=$2 port=${3:-} arg=${4:-} src=$C4 host=$2 rc secs=${reach_t%.*}
	case $dst in *:*) src=$C6 host="[$dst]" ;; esac
	# dig and coap-client wait whole seconds
	[ "$secs" = "$reach_t" ] || secs=$((secs + 1))
	sport=$((sport + 1))
	case $kind in
	tcp|udp) in_c python3 "$HELPER" "$kind" "$src" "$sport" "$dst" "$port" "$reach_t"
		 rc=$? ;;
	https|http)
		 local code url opts=(-g)
		 if [ "$kind" = http ]; then
			url="http://$host:$HTTP_PORT$port"
			[ "$arg" = HEAD ] && opts+=(-I)
		 elif [ "$arg" = - ]; then
			url="https://$host:$port/"
		 else
			url="https://${arg:-$API}:$port/"
			opts+=(--resolve "${arg:-$API}:$port:$host")
		 fi
		 code=$(in_c curl -sS -k --noproxy '*' --max-time "$reach_t" -o /dev/null \
			-w '%{http_code}' --local-port "$sport" "${opts[@]}" "$url")
		 rc=$?
		 echo "curl exit $rc, HTTP status $code"
		 # 28: timed out
		 rc=$(( rc == 28 ? 1 : rc == 0 && code == 200 ? 0 : 2 )) ;;
	ping)	 in_c ping -n -q -c 1 -W "$reach_t" -I "$src" "$dst"
		 rc=$? ;;	# 1: no reply
	dns|dnstcp)
		 local answer tcp=()
		 [ "$kind" = dnstcp ] && tcp=(+tcp)
		 answer=$(in_c dig "${tcp[@]}" -b "$src#$sport" @"$dst" "$port" "${arg:-A}" \
			+tries=1 +time="$secs" +short)
		 rc=$?
		 echo "dig exit $rc: $answer"
		 # 9: no reply from the server
		 rc=$(( rc == 9 ? 1 : rc == 0 ? 0 : 2 ))
		 [ "$rc" = 0 ] && { [ -z "$answer" ] || grep -q '^;' <<<"$answer"; } && rc=2 ;;
	dnsresp) in_s python3 "$HELPER" dnsresp $API4 53 $C4 $CLIENT_ECHO "$port" "$reach_t"
		 rc=$? ;;
	coap)	 local log
		 log=$(in_c "$COAP_CLIENT" -m "${arg:-get}" -B "$secs" -v 7 -p "$sport" \
			"coap://$host$port" 2>&1)
		 printf '%s\n' "$log"
		 # It exits 0 whatever happens: its log tells.
		 if grep -q '^v:1 t:ACK' <<<"$log"; then rc=0
		 elif grep -q 'sending CoAP request' <<<"$log" && grep -q ' timeout$' <<<"$log"; then rc=1
		 else rc=2
		 fi ;;
	esac >"$work/reach.out" 2>&1
	[ "$rc" -le 2 ] || rc=2
	return "$rc"
}

describe() {	# describe KIND DST [ARG [ARG2]]
	case $1 in
	https)	case ${4:-} in
		-) echo "curl https://$2:$3/ (no SNI)" ;;
		*) echo "curl https://${4:-$API}:$3/ at $2" ;;
		esac ;;
	http)	echo "curl ${4:+-X $4 }http://$2:$HTTP_PORT$3" ;;
	ping)	echo "ping $2" ;;
	dns)	echo "dig @$2 $3 ${4:-A}" ;;
	dnstcp)	echo "dig +tcp @$2 $3" ;;
	dnsresp) echo "a DNS response for $3 from $API4 port 53 to the client's UDP echo" ;;
	coap)	echo "coap-client -m ${4:-get} coap://$2$3" ;;
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

# drops CASE ID KIND DST [PORT [NAME]]: the exchange must get no answer,
# and rule ID count packets for it.
drops() {
	local cs=$1 id=$2 before after rc
	shift 2
	before=$(rule_field "$id" packets)
	reach_t=$T_DROP
	reach "$@"
	rc=$?
	case $rc in
	0) fail "$cs" "$(describe "$@"): expected no answer (blocked), but it was answered"
	   return 1 ;;
	2) fail "$cs" "$(describe "$@"): expected no answer (blocked), but the client failed otherwise: $(oneline <"$work/reach.out" | cut -c1-200)"
	   return 1 ;;
	esac
	after=$(rule_field "$id" packets)
	[[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] && [ "$after" -gt "$before" ] && return 0
	fail "$cs" "$(describe "$@"): no answer, but rule $id counted $before packets before and $after after"
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


setup() {
	local ns key mac_c mac_s a
	quiet_pair "$NS_C" "$NS_S" veth-c veth-s || return 1
	mac_c=$QUIET_MAC_X mac_s=$QUIET_MAC_Y
	ip -n "$NS_C" addr add $C4/24 dev veth-c || return 1
	ip -n "$NS_C" addr add $C6/64 dev veth-c nodad || return 1
	serve_addrs "$NS_S" veth-s "$NS_C" veth-c "$mac_s" 24 $DNS4 $API4 $OTHER4 $LATE4 || return 1
	serve_addrs "$NS_S" veth-s "$NS_C" veth-c "$mac_s" 64 $API6 $OTHER6 || return 1
	ip -n "$NS_S" neigh replace $C4 lladdr "$mac_c" dev veth-s nud permanent &&
	ip -n "$NS_S" neigh replace $C6 lladdr "$mac_c" dev veth-s nud permanent &&
	ip -n "$NS_C" link set veth-c up &&
	ip -n "$NS_S" link set veth-s up
}

setup || skip "cannot build the namespaces and the veth pair (no netns/veth support?)"

# ---- the servers ------------------------------------------------------------------

make_cert "$work" "$API"
start_server "$NS_S" dnsmasq udp 53 dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --no-poll --user=root --pid-file= --log-facility=- --log-queries \
	--bind-interfaces --listen-address=$DNS4 --port=53 \
	--address=/$API/$API4 --address=/$API/$API6 --address=/$OTHER/$OTHER4 \
	--address=/$OTHER/$OTHER6 --address=/$LATE/$LATE4 --address=/$OUTSIDE/$OTHER4 \
	--host-record=$ZONE,$OTHER4 --host-record=$NOT_ZONE,$OTHER4
start_server "$NS_S" https tcp $HTTPS_PORT openssl s_server -accept $HTTPS_PORT \
	-cert "$work/cert.pem" -key "$work/key.pem" -www
start_server "$NS_S" echo tcp $ECHO2 python3 "$HELPER" server "$ECHO1,$ECHO2" "$SERVER_LIFETIME"
start_server "$NS_C" client-echo tcp $CLIENT_ECHO python3 "$HELPER" server "$CLIENT_ECHO" "$SERVER_LIFETIME"
if [ -n "$app_rules" ]; then
	start_server "$NS_S" tls tcp $TLS_PORT python3 "$HELPER" tls-server $TLS_PORT \
		"$work/cert.pem" "$work/key.pem" "$SERVER_LIFETIME"
	# Bodies in lower case: a segment starting with a capital letter is
	# tried as an HTTP request.
	mkdir -p "$work/www/api" && for f in public secret apix api/x; do
		echo "body of /$f" >"$work/www/$f"
	done
	start_server "$NS_S" http tcp $HTTP_PORT python3 -m http.server --bind :: \
		--directory "$work/www" $HTTP_PORT
	if [ -n "$COAP_SERVER" ] && [ -n "$COAP_CLIENT" ]; then
		start_server "$NS_S" coap udp $COAP_PORT "$COAP_SERVER" -p $COAP_PORT
	fi
fi

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
if [ -n "$app_rules" ]; then
	passes baseline https $API4 $TLS_PORT -	# TLS without SNI
	passes baseline http $API4 /secret
fi
case_end baseline || exit 1

# A rule no traffic of the test matches: it must count nothing.
add setup decoy --dst 10.204.0.99 --proto tcp --dport 9

# ---- ports ------------------------------------------------------------------------------

case_start
if add tcp-port id --proto tcp --dport $ECHO1; then
	drops tcp-port "$id" tcp $API4 $ECHO1
	blocked_sport=$sport	# its record is checked in case flows
	drops tcp-port "$id" tcp $API6 $ECHO1	# no address: both families
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
	drops udp-port "$id" udp $API4 $ECHO2
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
	drops sport "$id" tcp $API4 $ECHO1
	hit sport "$id"
	passes sport tcp $API4 $ECHO1
	del sport "$id"
fi
case_end sport

# ---- addresses ----------------------------------------------------------------------------

case_start
if add dst-addr id --dst $OTHER4; then
	drops dst-addr "$id" tcp $OTHER4 $ECHO1
	drops dst-addr "$id" udp $OTHER4 $ECHO2
	drops dst-addr "$id" ping $OTHER4
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
	drops prefix "$id" tcp $OTHER4 $ECHO1
	drops prefix "$id" udp $LATE4 $ECHO2
	hit prefix "$id"
	passes prefix tcp $API4 $ECHO1
	passes prefix dns $DNS4 $OTHER
	del prefix "$id"
fi
case_end prefix

case_start
if add ipv6 id --dst $API6 --proto tcp; then
	drops ipv6 "$id" tcp $API6 $ECHO1
	drops ipv6 "$id" https $API6 $HTTPS_PORT
	hit ipv6 "$id"
	passes ipv6 udp $API6 $ECHO2
	passes ipv6 tcp $OTHER6 $ECHO1
	passes ipv6 tcp $API4 $ECHO1
	del ipv6 "$id"
fi
case_end ipv6

# A protocol alone: ICMP, not ICMPv6, not TCP.
case_start
if add icmp id --proto icmp; then
	drops icmp "$id" ping $API4
	hit icmp "$id"
	passes icmp ping $API6
	passes icmp tcp $API4 $ECHO1
	del icmp "$id"
fi
case_end icmp

# A rule given as a Flow ID (the shape of a flow record's endpoints).
case_start
printf '{"src": null, "dst": "%s", "proto": "udp", "sport": null, "dport": %s, "app": null}\n' \
	$API4 $ECHO2 >"$work/flow-id.json"
if add flow-id id --flow-file "$work/flow-id.json"; then
	drops flow-id "$id" udp $API4 $ECHO2
	hit flow-id "$id"
	passes flow-id udp $OTHER4 $ECHO2
	passes flow-id tcp $API4 $ECHO2
	del flow-id "$id"
fi
case_end flow-id

# ---- host names ------------------------------------------------------------------------------

# learn CASE NAME TYPE WANT: the client resolves NAME through dnsmasq (and
# iotprof learns the answer on the wire).
learn() {
	local out
	out=$(in_c dig -b "$C4" @$DNS4 "$2" "$3" +tries=1 +time=2 +short 2>&1)
	[ "$out" = "$4" ] && return 0
	fail "$1" "dig $2 $3: expected $4, dnsmasq answered: $(printf '%s' "$out" | oneline)"
	return 1
}

# A name matches every address linked to it: both of api's.
case_start
learn name $API A $API4
learn name $API AAAA $API6
if add name id --dst $API --dport $HTTPS_PORT; then
	drops name "$id" https $API4 $HTTPS_PORT $API
	drops name "$id" https $API6 $HTTPS_PORT $API
	hit name "$id"
	passes name https $OTHER4 $HTTPS_PORT $OTHER
	passes name tcp $API4 $ECHO1
	[ "$(rule_field "$id" dst)" = "\"$API\"" ] ||
		fail name "deny list shows the rule's dst as $(rule_field "$id" dst), expected \"$API\""
	del name "$id"
	passes name https $API4 $HTTPS_PORT $API
fi
case_end name

# The rule comes first; the name's address is learned after it.
case_start
if add name-late id --dst $LATE; then
	# Nothing links 10.204.0.5 to the name yet: answered, nothing counted.
	passes name-late tcp $LATE4 $ECHO1
	p=$(rule_field "$id" packets)
	[ "$p" = 0 ] || fail name-late "before the lookup, the rule counted $p packets, expected 0"
	if learn name-late $LATE A $LATE4; then
		drops name-late "$id" tcp $LATE4 $ECHO1
		drops name-late "$id" https $LATE4 $HTTPS_PORT $LATE
		hit name-late "$id"
		passes name-late tcp $OTHER4 $ECHO1
	fi
	del name-late "$id"
fi
case_end name-late

# ---- lease ---------------------------------------------------------------------------------

now_ms() { date +%s%3N; }
case_start
t0=$(now_ms)
if add lease id --dst $API4 --proto tcp --dport $ECHO1 --lease 2s; then
	e=$(rule_field "$id" expired) l=$(rule_field "$id" lease_s)
	[ "$e" = false ] && [[ $l =~ ^[12]$ ]] ||
		fail lease "right after adding: expected expired false and lease_s 1 or 2, got $e and $l"
	drops lease "$id" tcp $API4 $ECHO1
	hit lease "$id"
	expired0=$(stat_of deny_expired)
	# Until it is answered: T_DROP per try, at most 8 s in all.
	reach_t=$T_DROP
	answered=
	while [ $(($(now_ms) - t0)) -lt 8000 ]; do
		if reach tcp $API4 $ECHO1; then
			answered=$(($(now_ms) - t0))
			break
		fi
	done
	if [ -z "$answered" ]; then
		fail lease "8 s after a 2 s lease, tcp to $API4 port $ECHO1 still gets no answer"
	elif [ "$answered" -lt 1500 ]; then
		fail lease "answered $answered ms after the rule was added: the lease was 2 s"
	else
		note "lease: answered again $answered ms after a 2 s rule was added"
	fi
	e=$(rule_field "$id" expired) l=$(rule_field "$id" lease_s)
	[ "$e" = true ] && [ "$l" = 0 ] ||
		fail lease "after the lease: expected expired true and lease_s 0, got $e and $l"
	expired1=$(stat_of deny_expired)
	[[ $expired0 =~ ^[0-9]+$ && $expired1 =~ ^[0-9]+$ ]] && [ "$expired1" -gt "$expired0" ] ||
		fail lease "stats deny_expired was '$expired0' before the lease ran out and '$expired1' after, expected it to grow"
	del lease "$id"
fi
case_end lease

# ---- both directions ---------------------------------------------------------------------------

# Written server -> client: the client's own connections to api are dropped
# at TC egress (the rule's other direction), api's connections to the client
# at XDP ingress (as written); other's pass.
case_start
if add bidir id --src $API4 --dst $C4; then
	drops bidir "$id" tcp $API4 $ECHO1
	bidir_sport=43001
	before=$(rule_field "$id" packets)
	out=$(in_s python3 "$HELPER" tcp $API4 $bidir_sport $C4 $CLIENT_ECHO $T_DROP 2>&1)
	rc=$? after=$(rule_field "$id" packets)
	if [ "$rc" -ne 1 ]; then
		fail bidir "tcp from $API4 to the client port $CLIENT_ECHO: expected no answer (blocked), got: $out"
	elif ! [[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] || [ "$after" -le "$before" ]; then
		fail bidir "tcp from $API4 to the client: no answer, but rule $id counted $before packets before and $after after"
	fi
	hit bidir "$id"
	out=$(in_s python3 "$HELPER" tcp $OTHER4 43002 $C4 $CLIENT_ECHO $T_PASS 2>&1) ||
		fail bidir "tcp from $OTHER4 to the client port $CLIENT_ECHO: expected an answer, got: $out"
	passes bidir tcp $OTHER4 $ECHO1
	del bidir "$id"
fi
case_end bidir

# ---- records and counters --------------------------------------------------------------------

# The blocked flows are still recorded: their packets counted, the dropped
# ones also as blocked.  check_record CASE A APORT B BPORT DIRECTION
# (0: A's packets were dropped, 1: B's).
check_record() {
	local cs=$1 rec pk bl
	rec=$(python3 "$HELPER" flow "$work/flows.json" "$2" "$3" "$4" "$5" 2>&1)
	if ! [[ $rec =~ ^packets=\[([0-9]+),\ ([0-9]+)\]\ blocked=([0-9]+)$ ]]; then
		fail "$cs" "the record of $2:$3 <-> $4:$5: expected one record, got: $(printf '%s' "$rec" | oneline)"
		return
	fi
	pk=$((BASH_REMATCH[1] + BASH_REMATCH[2])) bl=${BASH_REMATCH[3]}
	note "flows: $2:$3 <-> $4:$5: $rec"
	[ "$bl" -gt 0 ] && [ "$pk" -ge "$bl" ] ||
		fail "$cs" "the record of $2:$3 <-> $4:$5 has $rec: expected blocked > 0 and the blocked packets among those counted"
}
case_start
if cli flows --json >"$work/flows.json" 2>"$work/flows.err"; then
	# Dropped at TC egress (tcp-port) and at XDP ingress (bidir).
	[ -n "${blocked_sport:-}" ] && check_record flows $C4 "$blocked_sport" $API4 $ECHO1
	[ -n "${bidir_sport:-}" ] && check_record flows $API4 "$bidir_sport" $C4 $CLIENT_ECHO
else
	fail flows "iotprof flows --json: $(oneline <"$work/flows.err")"
fi
case_end flows

case_start
d=$(stat_of denied)
[[ $d =~ ^[0-9]+$ ]] && [ "$d" -gt 0 ] || fail stats "stats denied is '$d', expected > 0"
case_end stats

if [ -n "$decoy" ]; then
	case_start
	p=$(rule_field "$decoy" packets) b=$(rule_field "$decoy" bytes)
	[ "$p" = 0 ] && [ "$b" = 0 ] ||
		fail never-hit "rule $decoy (--dst 10.204.0.99 --proto tcp --dport 9) counted $p packets, $b bytes: expected 0"
	case_end never-hit
fi

# ---- rules on application data ----------------------------------------------------------------

# listed CASE ID TEXT...: `deny list --json` shows rule ID's application part
# with each TEXT in it.
listed() {
	local cs=$1 id=$2 app t
	shift 2
	app=$(rule_field "$id" app)
	for t in "$@"; do
		[[ $app == *"$t"* ]] && continue
		fail "$cs" "deny list --json shows rule $id's app as $app: expected it to name '$t'"
		return 1
	done
}

if [ -n "$app_rules" ]; then

# The query (whatever its type, letters or transport) is dropped at TC
# egress; an answer naming the name, at XDP ingress.
case_start
if add dns-name id --dns-name $API; then
	listed dns-name "$id" dns $API
	drops dns-name "$id" dns $DNS4 $API A
	drops dns-name "$id" dns $DNS4 Api.IoTprof.TEST AAAA
	drops dns-name "$id" dnstcp $DNS4 $API
	drops dns-name "$id" dnsresp - $API
	hit dns-name "$id"
	passes dns-name dns $DNS4 $OTHER A
	passes dns-name dns $DNS4 deep.$API A	# an exact name: not the names under it
	passes dns-name dnsresp - $OTHER
	passes dns-name tcp $API4 $ECHO1	# not a rule on api's address
	del dns-name "$id"
	passes dns-name dns $DNS4 $API A
fi
case_end dns-name

# Every name under the suffix, at any depth; not the suffix itself, nor a
# name that only ends in the same letters.
case_start
if add dns-suffix id --dns-name "*.$ZONE"; then
	listed dns-suffix "$id" dns "*.$ZONE"
	drops dns-suffix "$id" dns $DNS4 $API A
	drops dns-suffix "$id" dns $DNS4 deep.$API AAAA
	hit dns-suffix "$id"
	passes dns-suffix dns $DNS4 $OUTSIDE A
	passes dns-suffix dns $DNS4 $ZONE A
	passes dns-suffix dns $DNS4 $NOT_ZONE A
	del dns-suffix "$id"
fi
case_end dns-suffix

case_start
if add dns-type id --dns-name $API --dns-type AAAA; then
	listed dns-type "$id" dns AAAA $API
	drops dns-type "$id" dns $DNS4 $API AAAA
	hit dns-type "$id"
	passes dns-type dns $DNS4 $API A
	passes dns-type dns $DNS4 $OTHER AAAA
	del dns-type "$id"
fi
case_end dns-type

# TLS on $TLS_PORT: each connection in a thread of its own, any SNI.  One
# connection finishes its handshake before the rule and waits: after the
# rule, its request gets no answer.
case_start
sni_gate=$work/sni-gate nosni_f=0 nosni_ok=
sport=$((sport + 1))
(exec nsenter --net="/run/netns/$NS_C" -- timeout 30 python3 "$HELPER" tls-gated $C4 $sport \
	$API4 $TLS_PORT $API $T_PASS "$sni_gate" $T_DROP) >"$work/sni-later.out" 2>&1 &
later_pid=$!
server_pids+=("$later_pid")
handshaken() { grep -q 'handshake done' "$work/sni-later.out" || ! kill -0 "$later_pid" 2>/dev/null; }
wait_for 50 handshaken
if ! grep -q 'handshake done' "$work/sni-later.out"; then
	fail sni "a TLS connection (SNI $API) before the rule: no handshake: $(oneline <"$work/sni-later.out")"
	touch "$sni_gate"
elif add sni id --sni $API; then
	listed sni "$id" tls $API
	passes sni https $API4 $TLS_PORT $OTHER	# the same address, another SNI
	drops sni "$id" https $API4 $TLS_PORT $API
	drops sni "$id" https $API6 $TLS_PORT $API
	# No SNI, and the names map links $API4 to $API (the SNI of the
	# ClientHellos just blocked): a rule on SNIs has nothing to match.
	nosni_f=$failures
	passes sni-no-sni https $API4 $TLS_PORT - && nosni_ok=1
	nosni_f=$((failures - nosni_f))
	before=$(rule_field "$id" packets)
	touch "$sni_gate"
	gone() { ! kill -0 "$later_pid" 2>/dev/null; }
	wait_for 60 gone
	wait "$later_pid"
	rc=$? after=$(rule_field "$id" packets)
	if [ "$rc" -ne 1 ]; then
		fail sni "a request on a TLS connection (SNI $API) made before the rule: expected no answer (blocked), got status $rc: $(oneline <"$work/sni-later.out")"
	elif ! [[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] || [ "$after" -le "$before" ]; then
		fail sni "a request on a TLS connection made before the rule: no answer, but rule $id counted $before packets before and $after after"
	fi
	hit sni "$id"
	del sni "$id"
	passes sni https $API4 $TLS_PORT $API
fi
touch "$sni_gate"
[ $((failures - nosni_f)) -eq "$case_failures" ] && pass sni
[ -n "$nosni_ok" ] && pass sni-no-sni

case_start
if add http id --http-method GET --http-uri /secret; then
	listed http "$id" http /secret
	passes http http $API4 /public
	drops http "$id" http $API4 /secret
	drops http "$id" http $API6 /secret
	hit http "$id"
	passes http http $API4 /secret HEAD
	del http "$id"
	passes http http $API4 /secret
fi
case_end http

case_start
if add http-prefix id --http-uri '/api/*'; then
	listed http-prefix "$id" http '/api/*'
	drops http-prefix "$id" http $OTHER4 /api/x
	hit http-prefix "$id"
	passes http-prefix http $OTHER4 /apix
	passes http-prefix http $OTHER4 /public
	del http-prefix "$id"
	passes http-prefix http $OTHER4 /api/x
fi
case_end http-prefix

if [ -n "$COAP_SERVER" ] && [ -n "$COAP_CLIENT" ]; then
	# No such resources: the server answers 4.04 (or 4.05), an answer all the same.
	case_start
	if add coap id --coap-code 0.01 --coap-uri /blocked/path; then
		listed coap "$id" coap 0.01 /blocked/path
		drops coap "$id" coap $API4 /blocked/path
		hit coap "$id"
		passes coap coap $API4 /other/path
		passes coap coap $API4 /blocked/path put
		del coap "$id"
		passes coap coap $API4 /blocked/path
	fi
	case_end coap
else
	note "no coap-client or coap-server (Debian package libcoap3-bin): case coap not run"
fi

# A Flow ID's "app": written out, and as a flow record shows it.
case_start
if add flow-app id --flow '{"src": null, "dst": null, "proto": null, "sport": null, "dport": null, "app": {"dns": {"qname": "'$API'", "qtype": "A"}}}'; then
	drops flow-app "$id" dns $DNS4 $API A
	hit flow-app "$id"
	passes flow-app dns $DNS4 $API AAAA
	passes flow-app dns $DNS4 $OTHER A
	del flow-app "$id"
fi
if ! cli flows --json >"$work/flows-app.json" 2>"$work/flows.err"; then
	fail flow-app "iotprof flows --json: $(oneline <"$work/flows.err")"
elif ! python3 "$HELPER" flow-id-of "$work/flows-app.json" http uri /public >"$work/flow-app.json" 2>&1; then
	fail flow-app "no record of GET /public in iotprof flows --json: $(oneline <"$work/flow-app.json")"
elif add flow-app id --flow-file "$work/flow-app.json"; then
	drops flow-app "$id" http $API4 /public
	hit flow-app "$id"
	passes flow-app http $API4 /secret
	del flow-app "$id"
fi
case_end flow-app

else
	note "this iotprof has no rules on application data (deny add --dns-name): those cases not run"
fi

# ---- refused input ------------------------------------------------------------------------

# refused CASE WORD ARGS...: deny add ARGS must fail, say WORD, add nothing.
refused() {
	local cs=$1 word=$2 before after rc f0=$failures
	shift 2
	before=$(rule_count)
	cli deny add "$@" >"$work/refused.out" 2>&1
	rc=$?
	after=$(rule_count)
	if [ "$rc" -eq 0 ]; then
		fail "$cs" "deny add $*: accepted (exit 0): $(oneline <"$work/refused.out")"
	elif ! grep -qiF -- "$word" "$work/refused.out"; then
		fail "$cs" "deny add $*: exit $rc, but the message does not name '$word': $(oneline <"$work/refused.out")"
	fi
	[ "$before" = "$after" ] ||
		fail "$cs" "deny add $*: refused, but the rules went from $before to $after"
	[ "$failures" -eq "$f0" ] && pass "$cs"
}
refused bad-member vlan --flow '{"src": null, "dst": "'$API4'", "proto": "tcp", "sport": null, "dport": 7001, "app": null, "vlan": 7}'
if [ -n "$app_rules" ]; then
	refused bad-app app --flow '{"src": null, "dst": null, "proto": null, "sport": null, "dport": null, "app": {"mqtt": {"topic": "x"}}}'
	refused bad-app-two "one application protocol" --dns-name $API --sni $API
	refused bad-sni-wildcard "*.$ZONE" --sni "*.$ZONE"
	refused bad-dns-type BOGUS --dns-name $API --dns-type BOGUS
	refused bad-http-method get --http-method get
	refused bad-coap-code 9.99 --coap-code 9.99
else
	# Without rules on application data, a Flow ID's "app" is refused.
	refused bad-app app --flow '{"src": null, "dst": "'$API4'", "proto": "udp", "sport": null, "dport": 53, "app": {"dns": {"qname": "'$API'"}}}'
fi
refused bad-port 70000 --dst $API4 --dport 70000
refused bad-prefix /33 --dst 10.204.0.0/33
refused bad-prefix6 /129 --dst fd00:204::/129
refused bad-empty field --lease 30s

# ---- masks ---------------------------------------------------------------------------------

# --src A/P --dst B/P is one shape per P (both directions alike): P = 17..32
# are 16.  Addresses nothing of the test uses.
shape() { echo "--src 10.250.$1.0/$2 --dst 10.251.$1.0/$2"; }
case_start
if cli deny flush >"$work/flush.out" 2>&1 && [ "$(rule_count)" = 0 ]; then
	for p in $(seq 18 32); do
		# shellcheck disable=SC2046
		add masks id $(shape 0 $p) || break
	done
	n=$(rule_count)
	[ "$n" = 15 ] || fail masks "15 rule shapes: $n rules listed"
	# A shape of two masks (it is not the same both ways) with one left.
	refused masks-two-left "too many" --dst 10.252.0.1 --proto udp --dport 9
	# shellcheck disable=SC2046
	add masks id $(shape 0 17)	# the 16th shape: the refused rule kept no mask
	# shellcheck disable=SC2046
	add masks id $(shape 128 17)	# a shape in use takes more rules
	refused masks-17th "too many" --proto 200
	n=$(rule_count)
	[ "$n" = 17 ] || fail masks "16 shapes, 17 rules: $n rules listed"
	passes masks tcp $API4 $ECHO1
	cli deny flush >"$work/flush.out" 2>&1 && [ "$(rule_count)" = 0 ] ||
		fail masks "deny flush: $(oneline <"$work/flush.out"); $(rule_count) rules left"
	# Every mask is free again: a shape new to the table fits.
	add masks id --dst 10.252.0.1 --proto udp --dport 9 && del masks "$id"
else
	fail masks "deny flush: $(oneline <"$work/flush.out"); $(rule_count) rules left"
fi
case_end masks

# ---- a held rule: SIGTERM removes it ---------------------------------------------------------

# `deny add --hold` keeps its rule while it runs and removes it on SIGTERM:
# answered again at once, long before the rule's 30 s lease would end it.
hold_started() { [ -s "$work/hold.out" ] && [[ $(rule_field "$(head -1 "$work/hold.out")" id) =~ ^[0-9]+$ ]]; }
if "$CLI" deny --help 2>&1 | grep -q -- '--hold'; then
	case_start
	(exec nsenter --net="/run/netns/$NS_C" -- timeout 30 "$CLI" --pin-dir "$PIN" deny add \
		--dst $OTHER4 --proto tcp --dport $ECHO1 --lease 30s --hold) >"$work/hold.out" 2>"$work/hold.err" &
	hold_pid=$!
	server_pids+=("$hold_pid")
	if wait_for 50 hold_started; then
		id=$(head -1 "$work/hold.out")
		drops hold "$id" tcp $OTHER4 $ECHO1
		kill -TERM "$hold_pid"
		gone() { ! kill -0 "$hold_pid" 2>/dev/null; }
		if wait_for 50 gone; then
			wait "$hold_pid"
			rc=$?
			[ "$rc" -eq 0 ] || fail hold "deny add --hold exited with status $rc on SIGTERM: $(oneline <"$work/hold.err")"
			[ "$(rule_field "$id" id)" = absent ] ||
				fail hold "rule $id is still listed after its holder got SIGTERM: $(oneline <"$work/list.json")"
			passes hold tcp $OTHER4 $ECHO1
		else
			fail hold "deny add --hold still runs 5 s after SIGTERM"
		fi
	else
		fail hold "deny add --hold: no rule appeared: $(cat "$work/hold.out" "$work/hold.err" | oneline)"
	fi
	case_end hold
else
	note "this iotprof has no 'deny add --hold': case hold not run"
fi

# ---- detach ----------------------------------------------------------------------------------

# A rule without a lease, then --detach: no pins left, the maps freed, the
# traffic it blocked answered.
case_start
if add detach id --dst $API4 --lease none; then
	drops detach "$id" tcp $API4 $ECHO1
	map_id=$(bpftool map show pinned "$PIN/deny_rules" 2>/dev/null | sed -n 's/^\([0-9]*\):.*/\1/p')
	if in_c "$LOAD" --pin-dir "$PIN" --detach >"$work/detach.out" 2>&1 &&
	   grep -q '^veth-c: detached' "$work/detach.out"; then
		[ ! -e "$PIN" ] ||
			fail detach "$PIN is still there after --detach: $(find "$PIN" | oneline)"
		passes detach tcp $API4 $ECHO1
		passes detach https $API4 $HTTPS_PORT
		map_gone() { ! bpftool map show id "$map_id" >/dev/null 2>&1; }
		if [ -z "$map_id" ]; then
			fail detach "bpftool did not show the pinned deny_rules map before --detach"
		elif ! wait_for 50 map_gone; then
			fail detach "the deny_rules map (id $map_id) still exists 5 s after --detach: $(bpftool map show id "$map_id" | oneline)"
		fi
		ip -n "$NS_C" link show veth-c | grep -q xdp &&
			fail detach "veth-c still has an XDP program: $(ip -n "$NS_C" link show veth-c | oneline)"
		[ -z "$(tc -n "$NS_C" filter show dev veth-c egress 2>/dev/null)" ] ||
			fail detach "veth-c still has an egress filter: $(tc -n "$NS_C" filter show dev veth-c egress | oneline)"
	else
		fail detach "iotprof-load --detach: $(oneline <"$work/detach.out")"
	fi
fi
case_end detach

[ "$failures" -eq 0 ]
