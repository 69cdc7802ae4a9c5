#!/usr/bin/env bash
# netns-app: the application parsers, live, against real clients and servers.
#
#   ns client (veth-c 10.202.0.2 fd00:202::2) <--veth--> ns server (veth-s)
#
# The server namespace has 10.202.0.1 and fd00:202::1 (dnsmasq, coap-server),
# 10.202.0.3 and fd00:202::3 (api.iotprof.test), 10.202.0.4
# (other.iotprof.test), 10.202.0.5 (named by a TLS SNI only) and 10.202.0.6
# (edge.iotprof.test, the target of the CNAME cdn.iotprof.test); one HTTP
# server (python3 http.server), one HTTPS server (openssl s_server with a
# throwaway certificate) and one CoAP server listen on all of them.
# iotprof-load attaches to veth-c with --watch all: what the client sends is
# seen at TC egress, the replies at XDP ingress.
#
# The client resolves with dig (A over IPv4, AAAA over IPv6, a CNAME, DNS
# over TCP) and with glibc (getent, in a mount namespace whose
# /etc/resolv.conf names our dnsmasq),
# then makes HTTP, HTTPS (curl, openssl s_client) and CoAP (coap-client)
# requests.  Each shows its fields in `iotprof flows --json`, and the names
# map links each address to the name it was resolved from or contacted by.
#
# Cases: attach, each exchange (dns-a, dns-aaaa, dns-cname, dns-tcp,
# dns-getent, http, http-other, https, https-v6, tls-sni, http-sni-named, coap,
# coap-v6, and *-conn for the connection records of TCP), stray (no record the test did not make),
# names-dns (after the lookups), names (at the end), dns-list (`iotprof dns
# list` says the same), detach.
#
# Tools run in the namespaces through `nsenter --net` (never `ip netns exec`:
# it remounts /sys, and a bpffs mounted there would vanish).
set -u

NAME=netns-app
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
CLI=$BIN/iotprof
HELPER=$ROOT/selftests/netns_app_helper.py
NS_C=iotp-$$-c
NS_S=iotp-$$-s
PIN=/sys/fs/bpf/iotprof-test-$$
C4=10.202.0.2 C6=fd00:202::2
DNS4=10.202.0.1 DNS6=fd00:202::1
API4=10.202.0.3 API6=fd00:202::3
OTHER4=10.202.0.4 SNI4=10.202.0.5 EDGE4=10.202.0.6
API=api.iotprof.test OTHER=other.iotprof.test SNI_ONLY=sni-only.iotprof.test
CDN=cdn.iotprof.test EDGE=edge.iotprof.test
HTTP_PORT=8080 HTTPS_PORT=8443 COAP_PORT=5683
# Client ports are fixed where the client lets us, so each record is known
# by its endpoints; getent's are the kernel's choice.
DIG4_SPORT=40311 DIG6_SPORT=40312 DIG_CNAME_SPORT=40313 DIG_TCP_SPORT=40314
HTTP_SPORT=40321 HTTP_OTHER_SPORT=40322 HTTP_SNI_SPORT=40323
HTTPS_SPORT=40331 HTTPS6_SPORT=40332 SCLIENT_SPORT=40333
COAP_SPORT=40341 COAP6_SPORT=40342
COAP_TOKEN=tok4 COAP6_TOKEN=tok6	# -T: the token's first bytes
SERVER_LIFETIME=90	# the servers end by themselves should cleanup never run

failures=0
work=
cleaned=
server_pids=()

. "$(dirname "$0")/netns_lib.sh"

# Every command is bounded in time; background ones bound themselves.
in_c() { timeout 20 nsenter --net="/run/netns/$NS_C" -- "$@"; }
in_s() { timeout 20 nsenter --net="/run/netns/$NS_S" -- "$@"; }
bg_in() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" -- timeout "$SERVER_LIFETIME" "$@"; }

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
for req in ip:iproute2 ss:iproute2 nsenter:util-linux unshare:util-linux mount:mount \
	   timeout:coreutils python3:python3 bpftool:bpftool getent:libc-bin \
	   dnsmasq:dnsmasq dig:dnsutils curl:curl openssl:openssl; do
	command -v "${req%%:*}" >/dev/null ||
		skip "'${req%%:*}' is not installed (Debian package ${req#*:})"
done
# Debian's libcoap3-bin names its programs after the TLS library.
COAP_CLIENT=$(first_of coap-client coap-client-notls coap-client-openssl coap-client-gnutls) ||
	skip "no coap-client (Debian package libcoap3-bin)"
COAP_SERVER=$(first_of coap-server coap-server-notls coap-server-openssl coap-server-gnutls) ||
	skip "no coap-server (Debian package libcoap3-bin)"
for b in "$LOAD" "$CLI"; do
	[ -x "$b" ] || skip "$b is not built (make build/iotprof build/iotprof-load)"
done
[ -d /proc/sys/net/ipv6 ] || skip "the kernel has no IPv6"
[ -r "$HELPER" ] || skip "$HELPER is missing"

work=$(mktemp -d /tmp/iotprof-netns-app.XXXXXX) || skip "mktemp failed"

# ---- helpers -------------------------------------------------------------------





traffic_ok=1
# run CASE CMD...: a client command in the client namespace; its output is
# kept in $work/CASE.out.
run() {
	local cs=$1
	shift
	if ! in_c "$@" >"$work/$cs.out" 2>&1; then
		traffic_ok=0
		fail "$cs" "$* failed: $(oneline <"$work/$cs.out" | cut -c1-300)"
		return 1
	fi
}

# check_names CASE WANT: the names map holds exactly WANT's entries
# ("ADDRESS NAME SOURCE" lines), read with bpftool: BTF-typed, independent
# of iotprof's own reading.
check_names() {
	local cs=$1
	printf '%s\n' "$2" >"$work/$cs.want"
	if ! bpftool -j map dump pinned "$PIN/names" >"$work/$cs.names" 2>&1 ||
	   ! bpftool -j map dump pinned "$PIN/name_strings" >"$work/$cs.strings" 2>&1; then
		fail "$cs" "bpftool map dump: $(cat "$work/$cs.names" "$work/$cs.strings" | oneline)"
		return
	fi
	helper_verdict "$cs" names "$work/$cs.names" "$work/$cs.strings" "$work/$cs.want"
}

# helper_verdict CASE HELPER-ARGS...: one case of the helper's, "names ok" or
# "names PROBLEM".
helper_verdict() {
	local cs=$1 out
	shift
	out=$(python3 "$HELPER" "$@" 2>&1)
	case $out in
	"names ok") pass "$cs" ;;
	"names "*)  fail "$cs" "${out#names }" ;;
	*)          fail "$cs" "the helper failed: $(printf '%s' "$out" | oneline)" ;;
	esac
}

expect=
# expect CASE JSON: a record the flow table must hold (netns_app_helper.py).
expect() { expect+="$1 $(printf '%s' "$2" | tr '\n\t' '  ')"$'\n'; }

# ---- the namespaces --------------------------------------------------------------


setup() {
	local ns mac_c mac_s a
	quiet_pair "$NS_C" "$NS_S" veth-c veth-s || return 1
	mac_c=$QUIET_MAC_X mac_s=$QUIET_MAC_Y
	ip -n "$NS_C" addr add $C4/24 dev veth-c || return 1
	ip -n "$NS_C" addr add $C6/64 dev veth-c nodad || return 1
	serve_addrs "$NS_S" veth-s "$NS_C" veth-c "$mac_s" 24 $DNS4 $API4 $OTHER4 $SNI4 $EDGE4 || return 1
	serve_addrs "$NS_S" veth-s "$NS_C" veth-c "$mac_s" 64 $DNS6 $API6 || return 1
	ip -n "$NS_S" neigh replace $C4 lladdr "$mac_c" dev veth-s nud permanent &&
	ip -n "$NS_S" neigh replace $C6 lladdr "$mac_c" dev veth-s nud permanent &&
	ip -n "$NS_C" link set veth-c up &&
	ip -n "$NS_S" link set veth-s up
}

setup || skip "cannot build the namespaces and the veth pair (no netns/veth support?)"

# ---- the servers ------------------------------------------------------------------

make_cert "$work" "$API"
# The body starts in lower case: a segment starting with a capital letter
# is tried as an HTTP request (and rejected, but it is not what is tested here).
mkdir "$work/www" && printf 'hello from the netns-app server\n' >"$work/www/hello"

start_server "$NS_S" dnsmasq udp 53 dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --no-poll --user=root --pid-file= --log-facility=- --log-queries \
	--bind-interfaces --listen-address=$DNS4 --listen-address=$DNS6 --port=53 \
	--address=/$API/$API4 --address=/$API/$API6 --address=/$OTHER/$OTHER4 \
	--host-record=$EDGE,$EDGE4 --cname=$CDN,$EDGE
# Wildcard listeners: one server of each kind answers on every address.
start_server "$NS_S" https tcp $HTTPS_PORT openssl s_server -accept $HTTPS_PORT \
	-cert "$work/cert.pem" -key "$work/key.pem" -www
start_server "$NS_S" http tcp $HTTP_PORT python3 -m http.server --bind :: \
	--directory "$work/www" $HTTP_PORT
start_server "$NS_S" coap udp $COAP_PORT "$COAP_SERVER" -p $COAP_PORT

# ---- attach ----------------------------------------------------------------------------

if in_c "$LOAD" --pin-dir "$PIN" --watch all veth-c >"$work/load.out" 2>&1 &&
   grep -q '^veth-c: attached' "$work/load.out"; then
	pass "attach"
else
	fail "attach" "iotprof-load --watch all veth-c: $(oneline <"$work/load.out")"
	exit 1
fi
note "$(grep '^veth-c: attached' "$work/load.out")"

# ---- name lookups ------------------------------------------------------------------

dig_opts=(+tries=1 +time=2 +short)
if run dns-a dig -b "$C4#$DIG4_SPORT" @$DNS4 $API A "${dig_opts[@]}" &&
   [ "$(cat "$work/dns-a.out")" != "$API4" ]; then
	fail "dns-a" "dig $API A: expected $API4, dnsmasq answered: $(oneline <"$work/dns-a.out")"
fi
if run dns-aaaa dig -b "$C6#$DIG6_SPORT" @$DNS6 $API AAAA "${dig_opts[@]}" &&
   [ "$(cat "$work/dns-aaaa.out")" != "$API6" ]; then
	fail "dns-aaaa" "dig $API AAAA: expected $API6, dnsmasq answered: $(oneline <"$work/dns-aaaa.out")"
fi
# The answer is the CNAME and the A record of its target: the address takes
# the name that was asked for.
if run dns-cname dig -b "$C4#$DIG_CNAME_SPORT" @$DNS4 $CDN A "${dig_opts[@]}" &&
   [ "$(oneline <"$work/dns-cname.out")" != "$EDGE. $EDGE4" ]; then
	fail "dns-cname" "dig $CDN A: expected '$EDGE. $EDGE4', dnsmasq answered: $(oneline <"$work/dns-cname.out")"
fi
# Length-prefixed, on a TCP connection of its own.
if run dns-tcp dig +tcp -b "$C4#$DIG_TCP_SPORT" @$DNS4 $OTHER A "${dig_opts[@]}" &&
   [ "$(cat "$work/dns-tcp.out")" != "$OTHER4" ]; then
	fail "dns-tcp" "dig +tcp $OTHER A: expected $OTHER4, dnsmasq answered: $(oneline <"$work/dns-tcp.out")"
fi
# glibc's stub resolver, pointed at dnsmasq in a mount namespace of its own:
# the machine's /etc/resolv.conf is never touched.
printf 'nameserver %s\noptions timeout:2 attempts:1\n' $DNS4 >"$work/resolv.conf"
if run dns-getent unshare --mount --propagation private sh -c \
	'mount --bind "$1" /etc/resolv.conf && exec getent ahostsv4 "$2"' sh "$work/resolv.conf" $OTHER &&
   ! grep -q "^$OTHER4 " "$work/dns-getent.out"; then
	fail "dns-getent" "getent ahostsv4 $OTHER: expected $OTHER4: $(oneline <"$work/dns-getent.out")"
fi

# Before any TLS: every name comes from a DNS answer.
check_names names-dns "$API4 $API dns
$API6 $API dns
$OTHER4 $OTHER dns
$EDGE4 $CDN dns"

expect dns-a '{"proto": "udp", "src": "'$C4'", "sport": '$DIG4_SPORT', "dst": "'$DNS4'", "dport": 53,
	"packets": [1, 1], "src_name": null, "dst_name": null,
	"app": {"dns": {"qname": "'$API'", "qtype": "A", "response": true, "rcode": 0, "answers": ["'$API4'"]}}}'
expect dns-aaaa '{"proto": "udp", "src": "'$C6'", "sport": '$DIG6_SPORT', "dst": "'$DNS6'", "dport": 53,
	"packets": [1, 1], "src_name": null, "dst_name": null,
	"app": {"dns": {"qname": "'$API'", "qtype": "AAAA", "response": true, "rcode": 0, "answers": ["'$API6'"]}}}'
expect dns-cname '{"proto": "udp", "src": "'$C4'", "sport": '$DIG_CNAME_SPORT', "dst": "'$DNS4'", "dport": 53,
	"packets": [1, 1], "src_name": null, "dst_name": null,
	"app": {"dns": {"qname": "'$CDN'", "qtype": "A", "response": true, "rcode": 0, "answers": ["'$EDGE4'"]}}}'
# One segment each way carries the message (dig and dnsmasq write the length
# and the message at once); the handshake and the close count to the
# connection's own record.
expect dns-tcp '{"proto": "tcp", "src": "'$C4'", "sport": '$DIG_TCP_SPORT', "dst": "'$DNS4'", "dport": 53,
	"packets": [1, 1], "src_name": null, "dst_name": null,
	"app": {"dns": {"qname": "'$OTHER'", "qtype": "A", "response": true, "rcode": 0, "answers": ["'$OTHER4'"]}}}'
expect dns-tcp-conn '{"proto": "tcp", "src": "'$C4'", "sport": '$DIG_TCP_SPORT', "dst": "'$DNS4'", "dport": 53,
	"src_name": null, "dst_name": null, "app": null}'
expect dns-getent '{"proto": "udp", "src": "'$C4'", "dst": "'$DNS4'", "dport": 53,
	"packets": [1, 1], "src_name": null, "dst_name": null,
	"app": {"dns": {"qname": "'$OTHER'", "qtype": "A", "response": true, "rcode": 0, "answers": ["'$OTHER4'"]}}}'

# ---- HTTP and HTTPS: the connections take the names just learned ----------------------

curl_opts=(-sS --noproxy '*' --max-time 10 -o /dev/null -w '%{http_code}\n')
if run http curl "${curl_opts[@]}" --local-port $HTTP_SPORT --resolve "$API:$HTTP_PORT:$API4" \
	"http://$API:$HTTP_PORT/hello?x=1" && [ "$(cat "$work/http.out")" != 200 ]; then
	fail "http" "curl http://$API:$HTTP_PORT/hello?x=1: expected status 200, got $(oneline <"$work/http.out")"
fi
if run http-other curl "${curl_opts[@]}" --local-port $HTTP_OTHER_SPORT --resolve "$OTHER:$HTTP_PORT:$OTHER4" \
	"http://$OTHER:$HTTP_PORT/" && [ "$(cat "$work/http-other.out")" != 200 ]; then
	fail "http-other" "curl http://$OTHER:$HTTP_PORT/: expected status 200, got $(oneline <"$work/http-other.out")"
fi
if run https curl "${curl_opts[@]}" -k --local-port $HTTPS_SPORT --resolve "$API:$HTTPS_PORT:$API4" \
	"https://$API:$HTTPS_PORT/" && [ "$(cat "$work/https.out")" != 200 ]; then
	fail "https" "curl https://$API:$HTTPS_PORT/: expected status 200, got $(oneline <"$work/https.out")"
fi
if run https-v6 curl "${curl_opts[@]}" -k --local-port $HTTPS6_SPORT --resolve "$API:$HTTPS_PORT:[$API6]" \
	"https://$API:$HTTPS_PORT/" && [ "$(cat "$work/https-v6.out")" != 200 ]; then
	fail "https-v6" "curl -6 https://$API:$HTTPS_PORT/: expected status 200, got $(oneline <"$work/https-v6.out")"
fi
# A name known from the SNI alone: it names the TLS connection's server, and
# a later plain connection to that address is created knowing it.
run tls-sni openssl s_client -connect $SNI4:$HTTPS_PORT -bind "$C4:$SCLIENT_SPORT" \
	-servername $SNI_ONLY -brief </dev/null
if run http-sni-named curl "${curl_opts[@]}" --local-port $HTTP_SNI_SPORT "http://$SNI4:$HTTP_PORT/" &&
   [ "$(cat "$work/http-sni-named.out")" != 200 ]; then
	fail "http-sni-named" "curl http://$SNI4:$HTTP_PORT/: expected status 200, got $(oneline <"$work/http-sni-named.out")"
fi

http_conn() {	# the connection's own record: no app, the name of its peer
	echo '{"proto": "tcp", "src": "'$1'", "sport": '$2', "dst": "'$3'", "dport": '$4',
	"src_name": null, "dst_name": '$5', "app": null}'
}
expect http '{"proto": "tcp", "src": "'$C4'", "sport": '$HTTP_SPORT', "dst": "'$API4'", "dport": '$HTTP_PORT',
	"src_name": null, "dst_name": "'$API'",
	"app": {"http": {"method": "GET", "uri": "/hello?x=1", "host": "'$API:$HTTP_PORT'"}}}'
expect http-conn "$(http_conn $C4 $HTTP_SPORT $API4 $HTTP_PORT "\"$API\"")"
expect http-other '{"proto": "tcp", "src": "'$C4'", "sport": '$HTTP_OTHER_SPORT', "dst": "'$OTHER4'", "dport": '$HTTP_PORT',
	"src_name": null, "dst_name": "'$OTHER'",
	"app": {"http": {"method": "GET", "uri": "/", "host": "'$OTHER:$HTTP_PORT'"}}}'
expect http-other-conn "$(http_conn $C4 $HTTP_OTHER_SPORT $OTHER4 $HTTP_PORT "\"$OTHER\"")"
# TLS 1.3 (772): OpenSSL 3 offers it by default.
expect https '{"proto": "tcp", "src": "'$C4'", "sport": '$HTTPS_SPORT', "dst": "'$API4'", "dport": '$HTTPS_PORT',
	"src_name": null, "dst_name": "'$API'",
	"app": {"tls": {"sni": "'$API'", "versions": {"has": [772]}}}}'
expect https-v6 '{"proto": "tcp", "src": "'$C6'", "sport": '$HTTPS6_SPORT', "dst": "'$API6'", "dport": '$HTTPS_PORT',
	"src_name": null, "dst_name": "'$API'",
	"app": {"tls": {"sni": "'$API'", "versions": {"has": [772]}}}}'
expect tls-sni '{"proto": "tcp", "src": "'$C4'", "sport": '$SCLIENT_SPORT', "dst": "'$SNI4'", "dport": '$HTTPS_PORT',
	"src_name": null, "dst_name": "'$SNI_ONLY'",
	"app": {"tls": {"sni": "'$SNI_ONLY'", "versions": {"has": [772]}}}}'
expect http-sni-named '{"proto": "tcp", "src": "'$C4'", "sport": '$HTTP_SNI_SPORT', "dst": "'$SNI4'", "dport": '$HTTP_PORT',
	"src_name": null, "dst_name": "'$SNI_ONLY'",
	"app": {"http": {"method": "GET", "uri": "/", "host": "'$SNI4:$HTTP_PORT'"}}}'
expect http-sni-named-conn "$(http_conn $C4 $HTTP_SNI_SPORT $SNI4 $HTTP_PORT "\"$SNI_ONLY\"")"

# ---- CoAP ----------------------------------------------------------------------------------

# coap_expect CASE SRC SPORT DST URI HOST: the request as coap-client's log
# (-v 7) shows it sent: libcoap picks the message id and derives the token
# from -T's text, so both are read there.
coap_expect() {
	local mid token
	read -r mid token < <(sed -n 's/^v:1 t:CON c:GET i:\([0-9a-f]*\) {\([0-9a-f]*\)}.*/\1 \2/p' \
		"$work/$1.out" | head -1)
	if [ -z "$mid" ]; then
		fail "$1" "coap-client's log shows no request sent: $(oneline <"$work/$1.out" | cut -c1-300)"
		return
	fi
	expect "$1" '{"proto": "udp", "src": "'$2'", "sport": '$3', "dst": "'$4'", "dport": '$COAP_PORT',
		"packets": [1, 1], "src_name": null, "dst_name": null,
		"app": {"coap": {"type": "CON", "code": "0.01", "uri": "'$5'", "host": '$6',
			"message_id": '$((16#$mid))', "token": "'$token'"}}}'
}

# No such resource: the server answers 4.04, the request's URI shows all the same.
coap_opts=(-m get -B 5 -v 7)
run coap "$COAP_CLIENT" "${coap_opts[@]}" -p $COAP_SPORT -T $COAP_TOKEN "coap://$DNS4/some/path" &&
	coap_expect coap $C4 $COAP_SPORT $DNS4 /some/path null
# Uri-Host (option 3) as a proxy-aware client would send it.
run coap-v6 "$COAP_CLIENT" "${coap_opts[@]}" -p $COAP6_SPORT -T $COAP6_TOKEN -O "3,$API" \
	"coap://[$DNS6]/v6/path" &&
	coap_expect coap-v6 $C6 $COAP6_SPORT $DNS6 /v6/path "\"$API\""

[ "$traffic_ok" -eq 1 ] && pass "traffic"
sleep 0.3	# the last ACK of a TCP close may still be on its way

# ---- the records ---------------------------------------------------------------------------

printf '%s' "$expect" >"$work/expect"
if in_c "$CLI" --pin-dir "$PIN" flows --json >"$work/flows.json" 2>"$work/flows.err"; then
	python3 "$HELPER" records "$work/flows.json" "$work/expect" >"$work/records.out" 2>&1
	while read -r cs problem; do
		if [ "$problem" = ok ]; then pass "$cs"; else fail "$cs" "$problem"; fi
	done <"$work/records.out"
	grep -q '^stray ' "$work/records.out" ||
		fail "records" "the helper failed: $(oneline <"$work/records.out")"
else
	fail "records" "iotprof flows --json failed: $(oneline <"$work/flows.err")"
fi

# The SNIs relinked the addresses of the HTTPS servers: the last word wins.
names_final="$API4 $API sni
$API6 $API sni
$OTHER4 $OTHER dns
$SNI4 $SNI_ONLY sni
$EDGE4 $CDN dns"
check_names names "$names_final"

# iotprof's own listing says the same (when this iotprof has it).
if in_c "$CLI" --pin-dir "$PIN" dns --help 2>/dev/null | grep -q 'dns list \[--json\]'; then
	printf '%s\n' "$names_final" >"$work/dns-list.want"
	if in_c "$CLI" --pin-dir "$PIN" dns list --json >"$work/dns-list.json" 2>"$work/dns-list.err"; then
		helper_verdict dns-list names-list "$work/dns-list.json" "$work/dns-list.want"
	else
		fail "dns-list" "iotprof dns list --json failed: $(oneline <"$work/dns-list.err")"
	fi
else
	note "this iotprof has no 'dns list --json': case dns-list not run"
fi
in_c "$CLI" --pin-dir "$PIN" stats >"$work/stats" 2>&1
note "stats: $(grep -E '^(app_|names_|flows_created|flow_errors)' "$work/stats" | oneline)"

# ---- detach -------------------------------------------------------------------------------------

if in_c "$LOAD" --pin-dir "$PIN" --detach >"$work/detach.out" 2>&1 &&
   grep -q '^veth-c: detached' "$work/detach.out" && [ ! -e "$PIN" ]; then
	pass "detach"
else
	fail "detach" "iotprof-load --detach: $(oneline <"$work/detach.out"); pins: $(find "$PIN" 2>/dev/null | oneline)"
fi

[ "$failures" -eq 0 ]
