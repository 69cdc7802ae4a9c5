#!/usr/bin/env bash
# netns-follow: the live JSON outputs, against a real attach.
#
#   ns gw (veth-g 10.216.0.1, iotprof-load --watch all) <--veth--> ns dev (veth-d 10.216.0.2)
#
# `iotprof flows --follow --json` runs in the gateway namespace while the
# device talks, and must stream, each line with "v":1 and times as strings:
#   dns-new    a DNS query to the gateway's port 53: a "new" record, not yet
#              answered (the test's server holds the answer back until the
#              stream has shown the query: no race, no timing)
#   dns-app    the answer: an "app" event for the same record, answered
#   tcp-fin    an HTTP fetch (curl, python's http.server): "new" for the
#              connection and its request, then "end" with reason "fin" and
#              the counters `iotprof flows --json` shows for it
#   udp-idle   the DNS record ends "idle" (--idle 1)
#   epoch      after `iotprof epoch --next`, a packet of the same exchange
#              ends it with reason "epoch" and starts it again
#   sigterm    SIGTERM ends the stream with status 0
# and the one-shot JSON outputs (docs/JSON.md):
#   epoch-json, watch-json, stats-json
# and what bpftool shows of the same maps (bpf/btf_view.h):
#   bpftool    `bpftool map dump` of flows and names: addresses as v4 bytes,
#              the application kind and the name source by name, the DNS
#              data under app.data.dns, named per-direction counters
set -u

NAME=netns-follow
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
CLI=$BIN/iotprof
NS_G=iotpf-$$-g
NS_D=iotpf-$$-d
PIN=/sys/fs/bpf/iotprof-test-$$
GW=10.216.0.1 DEV=10.216.0.2
LIFETIME=120	# seconds any background process of the test may live

failures=0
work=
cleaned=
server_pids=()
follow_pid=

. "$(dirname "$0")/netns_lib.sh"

in_g() { timeout 20 nsenter --net="/run/netns/$NS_G" -- "$@"; }
in_d() { timeout 20 nsenter --net="/run/netns/$NS_D" -- "$@"; }
bg_in() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" -- timeout "$LIFETIME" "$@"; }
cli() { in_g "$CLI" --pin-dir "$PIN" "$@"; }

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	local pid
	for pid in $follow_pid "${server_pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	teardown_home "$NS_G" "$NS_D" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
for tool in ip nsenter timeout python3 curl bpftool; do
	command -v "$tool" >/dev/null || skip "'$tool' is not installed"
done
for b in "$LOAD" "$CLI"; do
	[ -x "$b" ] || skip "$b is not built"
done
work=$(mktemp -d /tmp/iotprof-follow.XXXXXX) || skip "mktemp failed"

# ---- the namespaces -------------------------------------------------------------
quiet_pair "$NS_G" "$NS_D" veth-g veth-d || { fail setup "namespaces"; exit 1; }
ip -n "$NS_G" addr add "$GW/24" dev veth-g && ip -n "$NS_D" addr add "$DEV/24" dev veth-d &&
	ip -n "$NS_G" link set veth-g up && ip -n "$NS_D" link set veth-d up &&
	ip -n "$NS_G" link set lo up && ip -n "$NS_D" link set lo up &&
	ip -n "$NS_G" neigh replace "$DEV" lladdr "$QUIET_MAC_Y" dev veth-g nud permanent &&
	ip -n "$NS_D" neigh replace "$GW" lladdr "$QUIET_MAC_X" dev veth-d nud permanent ||
	{ fail setup "addresses"; exit 1; }
if ! in_g "$LOAD" --pin-dir "$PIN" --watch all veth-g >"$work/load.out" 2>&1; then
	fail setup "iotprof-load: $(oneline <"$work/load.out")"
	exit 1
fi

# ---- one-shot JSON -----------------------------------------------------------------
json_check() {	# CASE FILE PYTHON-ASSERTIONS (d is the parsed object)
	local case=$1 file=$2 code=$3 out
	if out=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $code" "$file" 2>&1); then
		pass "$case"
	else
		fail "$case" "$(oneline <"$file"): $(printf '%s' "$out" | tail -1)"
	fi
}
cli epoch --json >"$work/e0" 2>&1 && cli epoch --next --json >"$work/e1" 2>&1
json_check epoch-json "$work/e1" \
	"e0=json.load(open('$work/e0')); assert d=={'v':1,'epoch':e0['epoch']+1} and e0['v']==1, (e0,d)"
cli watch add "$DEV" --json >"$work/w" 2>&1
json_check watch-json "$work/w" "assert d=={'v':1,'all':True,'hosts':['$DEV']}, d"
cli watch del "$DEV" >/dev/null 2>&1

# ---- the stream ------------------------------------------------------------------
stream=$work/stream.jsonl
(bg_in "$NS_G" "$CLI" --pin-dir "$PIN" flows --follow --json --interval 0.1 --idle 1) \
	>"$stream" 2>"$work/follow.err" &
follow_pid=$!

# Waits until the stream has a line that the Python condition accepts (r is
# the parsed line).  A bound of 100 s only keeps a broken run from hanging.
await() {	# CASE CONDITION
	local i
	for ((i = 0; i < 1000; i++)); do
		python3 - "$stream" "$2" <<'PY' && return 0
import json, sys
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if eval(sys.argv[2]):
        sys.exit(0)
sys.exit(1)
PY
		kill -0 "$follow_pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "$1" "no line with $2 in the stream: $(tail -c 600 "$stream" | oneline) $(oneline <"$work/follow.err")"
	return 1
}

# A DNS exchange whose answer waits for a file: the stream shows the query
# first, whatever the timing.
cat >"$work/dns.py" <<'PY'
import os, socket, struct, sys, time
role, port, hold = sys.argv[1], 53, sys.argv[2]
name = b"\x04plug\x07example\x00"
query = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)
if role == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.216.0.1", port))
    open(hold + ".ready", "w").close()
    for _ in range(2):  # the exchange, and its repeat in the next epoch
        q, peer = s.recvfrom(512)
        while not os.path.exists(hold):
            time.sleep(0.05)
        ans = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:]
        ans += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 216, 0, 7])
        s.sendto(ans, peer)
        os.unlink(hold)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.216.0.2", 40053))
    s.settimeout(60)
    s.sendto(query, ("10.216.0.1", port))
    s.recvfrom(512)
PY
(bg_in "$NS_G" python3 "$work/dns.py" server "$work/hold") >"$work/dns-server.out" 2>&1 &
server_pids+=($!)
wait_for 100 test -e "$work/hold.ready" || { fail setup "the DNS server did not start"; exit 1; }
(bg_in "$NS_D" python3 "$work/dns.py" client x) >"$work/dns-client.out" 2>&1 &
client=$!
dns="r['proto']=='udp' and r['dport']==53 and r['sport']==40053 and (r['app'] or {}).get('dns',{}).get('qname')=='plug.example'"
await dns-new "r['event']=='new' and $dns and r['app']['dns']['response'] is False" && pass dns-new
touch "$work/hold"
await dns-app "r['event']=='app' and $dns and r['app']['dns']['response'] is True and r['app']['dns']['answers']==['10.216.0.7']" &&
	pass dns-app
wait "$client"
await udp-idle "r['event']=='end' and r['reason']=='idle' and $dns" && pass udp-idle

# An HTTP fetch: the connection ends with FIN.
start_server "$NS_G" http tcp 8080 python3 -m http.server --bind "$GW" 8080
in_d curl -s -o /dev/null "http://$GW:8080/" || fail tcp-fin "curl failed"
tcp="r['proto']=='tcp' and r['dport']==8080 and r['app'] is None"
if await tcp-fin "r['event']=='end' and r['reason']=='fin' and $tcp"; then
	cli flows --json >"$work/flows.json" 2>&1
	if python3 - "$stream" "$work/flows.json" <<'PY'
import json, sys
ends = [r for r in map(json.loads, open(sys.argv[1])) if r["event"] == "end" and r["reason"] == "fin"
        and r["proto"] == "tcp" and r["dport"] == 8080 and r["app"] is None]
now = [r for r in map(json.loads, open(sys.argv[2])) if r["proto"] == "tcp" and r["dport"] == 8080
       and r["app"] is None and r["sport"] == ends[0]["sport"]]
assert len(ends) == 1 and len(now) == 1, (ends, now)
assert ends[0]["packets"] == now[0]["packets"] and ends[0]["bytes"] == now[0]["bytes"], (ends, now)
assert ends[0]["packets"][0] >= 4 and ends[0]["packets"][1] >= 4, ends
news = [r for r in map(json.loads, open(sys.argv[1])) if r["event"] == "new" and r["proto"] == "tcp"
        and r["dport"] == 8080]
assert any(r["app"] and r["app"]["http"]["method"] == "GET" for r in news), news
PY
	then
		pass "tcp-fin: new connection and request, end 'fin' with the table's final counters"
	else
		fail tcp-fin "the end's counters differ from iotprof flows --json"
	fi
fi

# A new epoch: the same exchange again restarts its record.
cli epoch --next >/dev/null 2>&1
touch "$work/hold"
(bg_in "$NS_D" python3 "$work/dns.py" client x) >"$work/dns-client2.out" 2>&1 &
client=$!
await epoch "r['event']=='new' and $dns and r['epoch']>=2" && pass "epoch: the record starts again in the new epoch"
wait "$client"

# Every line: "v":1 and times as strings of digits.
if out=$(python3 - "$stream" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines
for l in lines:
    r = json.loads(l)
    assert r["v"] == 1 and list(r)[:2] == ["v", "event"], l
    assert r["event"] in ("new", "app", "end") and (("reason" in r) == (r["event"] == "end")), l
    assert isinstance(r["first_ns"], str) and r["first_ns"].isdigit() and r["last_ns"].isdigit(), l
PY
); then
	pass "schema: every line has \"v\":1, an event, and times as strings ($(wc -l <"$stream") lines)"
else
	fail schema "$(printf '%s' "$out" | tail -1)"
fi

kill -TERM "$follow_pid"
wait "$follow_pid"
rc=$?
follow_pid=
[ "$rc" -eq 0 ] && pass "sigterm: the stream ends with status 0" || fail sigterm "status $rc"

# stats --json after all this.
cli stats --json >"$work/stats.json" 2>&1
cli flows --json >"$work/flows.json" 2>&1
json_check stats-json "$work/stats.json" "
n=sum(1 for _ in open('$work/flows.json'))
names=['packets','recorded','not_watched','non_ip','truncated','malformed','fragments','frag_orphan',
       'flows_created','flow_errors','forwarded_egress_skipped','app_parsed','app_rejected',
       'app_truncated','names_learned','denied','deny_expired','events_lost']
assert d['v']==1 and list(d['counters'])==names, d
assert d['counters']['packets']>=10 and d['counters']['app_parsed']>=2, d
assert d['flows_live']==n and d['flows_capacity']==65536, (d, n)
assert d['flows_evicted']==d['counters']['flows_created']-n, d"

# What bpftool shows: the same records, readable.
if bpftool -j map dump pinned "$PIN/flows" >"$work/bpftool-flows.json" 2>"$work/bpftool.err" &&
   bpftool -j map dump pinned "$PIN/names" >"$work/bpftool-names.json" 2>>"$work/bpftool.err" &&
   out=$(python3 - "$work/bpftool-flows.json" "$work/bpftool-names.json" 2>&1 <<'PY'
import json, sys
flows = [r["formatted"] for r in json.load(open(sys.argv[1]))]
dns = [r for r in flows if r["value"]["app"]["kind"] == "IOTPROF_APP_KIND_DNS"
       and r["value"]["app"]["data"]["dns"]["qname"] == "plug.example"]
assert dns, "no DNS record named by kind"
k, v = dns[0]["key"], dns[0]["value"]
assert {tuple(k["addr_lo"]["v4"]), tuple(k["addr_hi"]["v4"])} == {(10, 216, 0, 1), (10, 216, 0, 2)}, k
assert k["proto"] == "IOTPROF_PROTO_UDP" and k["family"] == 4, k
assert v["initiator"] in ("IOTPROF_INITIATOR_LO", "IOTPROF_INITIATOR_HI"), v["initiator"]
assert v["packets"]["from_initiator"] >= 1 and v["packets"]["from_responder"] >= 1, v["packets"]
d = v["app"]["data"]["dns"]
assert d["response"] == 1 and d["answer_family"][0] == 4 and d["answers"][0]["v4"] == [10, 216, 0, 7], d
names = [r["formatted"] for r in json.load(open(sys.argv[2]))]
assert any(n["key"]["addr"]["v4"] == [10, 216, 0, 7] and n["value"]["source"] == "IOTPROF_NAME_FROM_DNS"
           for n in names), names
PY
); then
	pass "bpftool: addresses as v4, kinds and sources by name, app.data.dns, named counters"
else
	fail bpftool "$(printf '%s' "$out" | tail -1) $(oneline <"$work/bpftool.err")"
fi

[ "$failures" -eq 0 ]
