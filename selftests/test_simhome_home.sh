#!/usr/bin/env bash
# The simulated home with real traffic: simhome up, trigger, state, down.
# The oracle is independent of iotprof: dumpcap on the gateway's bridge and
# tshark's dissectors.  Blocking is independent too: blackhole routing rules
# (ip rule) in the namespace that would receive the packets.
#
# PASS/FAIL/SKIP lines; exit status 1 when a case failed.  Its own prefix
# (shmt), so a home someone brought up is left alone; removed on every exit.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
export IOTPROF_BIN=${IOTPROF_BIN:-$ROOT/build}
export SIMHOME_PREFIX=shmt
S=$ROOT/tools/simhome/simhome
SIM=${SIMHOME_SIM:-$IOTPROF_BIN/tools/simhome/simhome-sim}
GW=$SIMHOME_PREFIX-gw
CFG=$ROOT/configs/simhome
PHONE=10.77.0.20 PLUG=10.77.0.35 GWADDR=10.77.0.1
failures=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failures=$((failures + 1)); }
check() { if [ "$2" = 1 ]; then pass "$1"; else fail "$1" "${3:-}"; fi; }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: simhome home: needs root (namespaces)"; exit 0; }
[ -x "$SIM" ] || { echo "SKIP: simhome home: $SIM is not built"; exit 0; }
for t in dumpcap tshark dnsmasq openssl; do
	command -v $t >/dev/null || { echo "SKIP: simhome home: $t is missing (tools/install-deps.sh)"; exit 0; }
done

TMP=$(mktemp -d)
cleanup() {
	"$S" down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# capture NAME CMD...: runs CMD while dumpcap records the gateway's bridge.
capture() {
	local pcap=$TMP/$1.pcap pid rc
	shift
	ip netns exec "$GW" timeout 60 dumpcap -q -i br0 -w "$pcap" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -s "$pcap" ] && break; sleep 0.05; done
	sleep 0.2
	"$@"
	rc=$?
	sleep 0.3
	kill -INT $pid 2>/dev/null
	wait $pid 2>/dev/null
	return $rc
}
# count NAME FILTER: packets of capture NAME that match a display filter
count() { tshark -r "$TMP/$1.pcap" -Y "$2" 2>/dev/null | wc -l; }
has() { [ "$(count "$1" "$2")" -gt 0 ] && echo 1 || echo 0; }
hasnt() { [ "$(count "$1" "$2")" -eq 0 ] && echo 1 || echo 0; }
block() {	# NS RULE...: drop what the rule selects when NS receives or routes it
	ip -n "$1" rule show pref 100 | grep -q . || {
		ip -n "$1" rule add pref 100 lookup local
		ip -n "$1" rule del pref 0
	}
	shift 1
	ip -n "$NS" rule add pref 10 "$@" blackhole
}
unblock() { ip -n "$1" rule flush pref 10 2>/dev/null; }
now() { date +%s.%N; }

# ---- up -------------------------------------------------------------------------

t0=$(now)
"$S" up "$CFG/tplink-plug.yaml" >"$TMP/up.log" 2>&1
rc=$?
t=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
check "up builds the TP-Link home (in ${t}s)" "$([ $rc -eq 0 ] && echo 1 || echo 0)" "$(tail -3 "$TMP/up.log")"
[ $rc -eq 0 ] || exit 1
n=$(ip netns list | grep -cE "^$SIMHOME_PREFIX-(gw|cloud|phone|dev-tplink-plug)( |$)")
check "up: gateway, cloud, phone and device namespaces" "$([ "$n" -eq 4 ] && echo 1 || echo 0)" "$n namespaces"
check "up: the gateway's ports for iotprof-load" "$([ "$("$S" ports)" = "lan0 lan1 wan0" ] && echo 1 || echo 0)" \
	"$("$S" ports)"
"$S" state --device tplink-plug >/dev/null 2>&1
check "state before any event: not successful" "$([ $? -ne 0 ] && echo 1 || echo 0)"

# ---- the toggle: the default path ------------------------------------------------------

capture toggle "$S" trigger --device tplink-plug toggle >"$TMP/t.log" 2>&1
check "trigger toggle succeeds" "$([ $? -eq 0 ] && echo 1 || echo 0)" "$(cat "$TMP/t.log")"
"$S" state --device tplink-plug >/dev/null
check "state toggle: exit 0" "$([ $? -eq 0 ] && echo 1 || echo 0)"
check "oracle: the app's discovery broadcast and mDNS" \
	"$(( $(has toggle "ip.src==$PHONE && ip.dst==255.255.255.255 && udp.dstport==9999") &
	     $(has toggle "ip.src==$PHONE && ip.dst==224.0.0.251 && udp.srcport==5353 && udp.dstport==5353") ))"
check "oracle: the phone resolves its analytics through the gateway's dnsmasq" \
	"$(has toggle "ip.src==$GWADDR && ip.dst==$PHONE && dns.flags.response==1 && dns.qry.name==\"app.tplinkcloud.example\" && dns.a==10.78.0.13")"
check "oracle: TLS with SNI app.tplinkcloud.example, and the server's hello" \
	"$(( $(has toggle "ip.src==$PHONE && ip.dst==10.78.0.13 && tls.handshake.extensions_server_name==\"app.tplinkcloud.example\"") &
	     $(has toggle "ip.src==10.78.0.13 && tls.handshake.type==2") ))"
check "oracle: local control on TCP 9999 with the spec's sizes (the plug sends 120, the app 90)" \
	"$(( $(has toggle "ip.src==$PLUG && ip.dst==$PHONE && tcp.srcport==9999 && tcp.len==120") &
	     $(has toggle "ip.src==$PHONE && ip.dst==$PLUG && tcp.dstport==9999 && tcp.len==90") ))"
check "oracle: the plug resolves its cloud and reports over TLS" \
	"$(( $(has toggle "ip.src==$GWADDR && ip.dst==$PLUG && dns.qry.name==\"devs.tplinkcloud.example\" && dns.a==10.78.0.10") &
	     $(has toggle "ip.src==$PLUG && tls.handshake.extensions_server_name==\"devs.tplinkcloud.example\"") ))"
check "oracle: no fallback when nothing is blocked" "$(hasnt toggle "ip.addr==10.78.0.11 || ip.addr==10.78.0.12")"
check "oracle: no ICMP, no IPv6 (no flow that the spec does not say)" "$(hasnt toggle "icmp || ipv6")"

# ---- blocked flows make the fallbacks happen ---------------------------------------------

NS=$SIMHOME_PREFIX-dev-tplink-plug
block "$NS" from $PHONE ipproto tcp dport 9999
capture local "$S" trigger --device tplink-plug toggle >"$TMP/t.log" 2>&1
check "local control blocked: the toggle still succeeds" "$([ $? -eq 0 ] && echo 1 || echo 0)" "$(cat "$TMP/t.log")"
check "oracle: the app's SYNs to 9999 get no answer" \
	"$(( $(has local "ip.src==$PHONE && tcp.dstport==9999 && tcp.flags.syn==1") &
	     $(hasnt local "ip.src==$PLUG && tcp.srcport==9999") ))"
check "oracle: the cloud path: the app resolves and reaches the relay, the plug its command server (no SNI)" \
	"$(( $(has local "ip.src==$PHONE && dns.qry.name==\"wap.tplinkcloud.example\"") &
	     $(has local "ip.src==$PHONE && tls.handshake.extensions_server_name==\"wap.tplinkcloud.example\"") &
	     $(has local "ip.src==$PLUG && ip.dst==10.78.0.12 && tls.handshake.type==1 && !tls.handshake.extensions_server_name") ))"

NS=$GW
block "$NS" from $PLUG to $GWADDR ipproto udp dport 53
t0=$(now)
capture resolver "$S" trigger --device tplink-plug toggle >"$TMP/t.log" 2>&1
rc=$?
t=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
check "the gateway's resolver blocked too: the toggle succeeds, after the timeouts (${t}s >= 0.6s)" \
	"$([ $rc -eq 0 ] && awk -v t="$t" 'BEGIN { exit !(t >= 0.6) }' && echo 1 || echo 0)" "$(cat "$TMP/t.log")"
check "oracle: the plug asks the public resolver 10.78.0.53 after the gateway's" \
	"$(( $(has resolver "ip.src==$PLUG && ip.dst==$GWADDR && dns.qry.name==\"devs.tplinkcloud.example\"") &
	     $(has resolver "ip.src==10.78.0.53 && ip.dst==$PLUG && dns.a==10.78.0.10") &
	     $(has resolver "ip.src==$PLUG && tls.handshake.extensions_server_name==\"devs.tplinkcloud.example\"") ))"
block "$NS" to 10.78.0.11 ipproto tcp dport 443
"$S" trigger --device tplink-plug toggle >"$TMP/t.log" 2>&1
rc=$?
"$S" state --device tplink-plug >"$TMP/s.log" 2>&1
src=$?
check "local control and the relay blocked: the toggle fails, state says so" \
	"$([ $rc -eq 1 ] && [ $src -eq 1 ] && grep -q "need 1" "$TMP/s.log" && echo 1 || echo 0)" "$(cat "$TMP/t.log" "$TMP/s.log")"
unblock "$GW"
unblock "$SIMHOME_PREFIX-dev-tplink-plug"

# ---- noise: never in two runs in a row (the window of simhome up, default 2) -----------

noise_runs() {
	for i in 1 2 3 4 5 6 7 8; do
		"$S" trigger --device tplink-plug toggle >/dev/null || return 1
		sleep 0.25
	done
}
capture noise noise_runs
# each run begins with the app's broadcast; which runs carried the NTP noise?
runs=$(tshark -r "$TMP/noise.pcap" -Y "(ip.dst==255.255.255.255 && udp.dstport==9999) || (ip.dst==10.78.0.123 && udp.dstport==123)" \
	-T fields -e ip.dst 2>/dev/null | awk '/255.255.255.255/ {n++; next} {seen[n]=1} END {for (i = 1; i <= n; i++) printf "%d", seen[i]; print ""}')
check "noise: NTP in some of 8 runs, never in two in a row (${runs})" \
	"$([ ${#runs} -eq 8 ] && ! echo "$runs" | grep -q 11 && echo 1 || echo 0)" "$runs"

# ---- boot: the device process starts again ---------------------------------------------

pid=$(cat /run/$SIMHOME_PREFIX/pid/dev-tplink-plug)
capture boot "$S" trigger --device tplink-plug boot >"$TMP/t.log" 2>&1
check "boot: succeeds, in the same process started again (exec)" \
	"$([ $? -eq 0 ] && tr '\0' ' ' </proc/"$pid"/cmdline | grep -q -- "--boot boot" && echo 1 || echo 0)" "$(cat "$TMP/t.log")"
check "oracle: boot: the plug's broadcast from port 9999, NTP by address, its cloud" \
	"$(( $(has boot "ip.src==$PLUG && ip.dst==255.255.255.255 && udp.srcport==9999") &
	     $(has boot "ip.src==$PLUG && ip.dst==10.78.0.123 && udp.dstport==123") &
	     $(has boot "ip.src==$PLUG && tls.handshake.extensions_server_name==\"devs.tplinkcloud.example\"") ))"
"$S" trigger --device tplink-plug toggle >/dev/null 2>&1
check "after a boot the device takes triggers again" "$([ $? -eq 0 ] && echo 1 || echo 0)"

# ---- the hub: CoAP and HTTP local control --------------------------------------------------

"$S" up "$CFG/hub.yaml" >"$TMP/up.log" 2>&1
check "up the hub's home (the previous home is replaced)" "$([ $? -eq 0 ] && echo 1 || echo 0)" "$(cat "$TMP/up.log")"
HUB=10.77.0.60
capture coap "$S" trigger --device hub light_on >"$TMP/t.log" 2>&1
check "oracle: CoAP discovery by multicast, CoAP CON PUT answered by ACK 2.05" \
	"$(( $(has coap "ip.dst==224.0.1.187 && coap.type==1 && coap.opt.uri_path_recon==\"/.well-known/core\"") &
	     $(has coap "ip.src==$PHONE && ip.dst==$HUB && coap.type==0 && coap.code==3 && coap.opt.uri_path_recon==\"/15001/65537\"") &
	     $(has coap "ip.src==$HUB && coap.type==2 && coap.code==69") &
	     $(hasnt coap "http || tls") ))"
NS=$SIMHOME_PREFIX-dev-hub
block "$NS" from $PHONE ipproto udp dport 5683
capture http "$S" trigger --device hub light_on >"$TMP/t.log" 2>&1
check "oracle: CoAP blocked -> the HTTP API: PUT /api/lights/1/state, 200" \
	"$(( $(has http "ip.src==$PHONE && http.request.method==\"PUT\" && http.request.uri==\"/api/lights/1/state\"") &
	     $(has http "ip.src==$HUB && http.response.code==200") ))"
block "$NS" from $PHONE ipproto tcp dport 80
capture hubcloud "$S" trigger --device hub light_on >"$TMP/t.log" 2>&1
check "oracle: CoAP and HTTP blocked -> through the cloud (TLS from the app and the hub)" \
	"$(( $(has hubcloud "ip.src==$PHONE && tls.handshake.extensions_server_name==\"cloud.hub.example\"") &
	     $(has hubcloud "ip.src==$HUB && tls.handshake.extensions_server_name==\"cloud.hub.example\"") ))"
capture report "$S" trigger --device hub sensor_report >"$TMP/t.log" 2>&1
check "oracle: the hub's report: HTTP POST /v1/events to its cloud" \
	"$(has report "ip.src==$HUB && ip.dst==10.78.0.40 && http.request.method==\"POST\" && http.request.uri==\"/v1/events\"")"

# ---- down ----------------------------------------------------------------------------

"$S" down
left=$(ip netns list | grep -c "^$SIMHOME_PREFIX-")
procs=$(pgrep -f -- "--run /run/$SIMHOME_PREFIX " | wc -l)
check "down: no namespace, process or run directory left" \
	"$([ "$left" -eq 0 ] && [ "$procs" -eq 0 ] && [ ! -e /run/$SIMHOME_PREFIX ] && echo 1 || echo 0)" \
	"$left namespaces, $procs processes"

# a killed run: the run directory is gone, namespaces and processes remain
"$S" up "$CFG/bulb.yaml" >/dev/null 2>&1
rm -rf /run/$SIMHOME_PREFIX
"$S" down
left=$(ip netns list | grep -c "^$SIMHOME_PREFIX-")
procs=$(pgrep -f -- "--run /run/$SIMHOME_PREFIX " | wc -l)
check "down cleans what a killed run left (no run directory)" \
	"$([ "$left" -eq 0 ] && [ "$procs" -eq 0 ] && echo 1 || echo 0)" "$left namespaces, $procs processes"

printf 'home:\n  lan: 10.77.0.0/24\n  bogus: 1\ndevices: []\n' >"$TMP/bad.yaml"
"$S" up "$TMP/bad.yaml" >"$TMP/up.log" 2>&1
rc=$?
check "up refuses a bad spec, naming file:line:col, and builds nothing" \
	"$([ $rc -ne 0 ] && grep -q "bad.yaml:3:3" "$TMP/up.log" && [ "$(ip netns list | grep -c "^$SIMHOME_PREFIX-")" -eq 0 ] && echo 1 || echo 0)" \
	"$(cat "$TMP/up.log")"

[ $failures -eq 0 ]
