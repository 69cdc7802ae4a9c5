#!/usr/bin/env bash
# netns-metrics: `iotprof metrics` against a real attach, read by real
# Prometheus parsers: node_exporter's textfile collector (Debian
# prometheus-node-exporter) and the Python client's parser
# (python3-prometheus-client).
#
#   ns gw (veth-g 10.220.0.1, iotprof-load --watch 10.220.0.2) <--veth--> ns dev
#
#   values      after pings and a deny rule that drops some: iotprof_up 1,
#               the kernel counters equal `iotprof stats --json`, the
#               watched host's packets and bytes equal the sums of
#               `iotprof flows --json`, the rule's hits `deny list --json`'s
#   campaign    a campaign checkpoint: experiments by status, the iteration
#               in progress; a directory without one: iotprof_campaign_up 0
#   textfile    --out into node_exporter's textfile directory: node_exporter
#               serves the metrics and reports no scrape error
#   listen      --listen 127.0.0.1:PORT: curl gets them with the exposition
#               format's content type; another path is 404; SIGTERM exits 0
#   not-loaded  another pin directory: iotprof_up 0, status 0
set -u

NAME=netns-metrics
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IOTPROF_BIN:-$ROOT/build}
LOAD=$BIN/iotprof-load
CLI=$BIN/iotprof
NS_G=iotpm-$$-g
NS_D=iotpm-$$-d
PIN=/sys/fs/bpf/iotprof-test-$$
GW=10.220.0.1 DEV=10.220.0.2
LIFETIME=60
NODE_EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter)

failures=0
work=
cleaned=
bg_pids=()

. "$(dirname "$0")/netns_lib.sh"

in_g() { timeout 20 nsenter --net="/run/netns/$NS_G" -- "$@"; }
in_d() { timeout 20 nsenter --net="/run/netns/$NS_D" -- "$@"; }
bg_in() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" -- timeout "$LIFETIME" "$@"; }
cli() { in_g "$CLI" --pin-dir "$PIN" "$@"; }

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	local pid
	for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	teardown_home "$NS_G" "$NS_D" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, BPF)"
for tool in ip nsenter timeout python3 curl ping; do
	command -v "$tool" >/dev/null || skip "'$tool' is not installed"
done
[ -n "$NODE_EXPORTER" ] || skip "prometheus-node-exporter is not installed"
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || skip "python3-prometheus-client is not installed"
for b in "$LOAD" "$CLI"; do
	[ -x "$b" ] || skip "$b is not built"
done
work=$(mktemp -d /tmp/iotprof-metrics.XXXXXX) || skip "mktemp failed"

quiet_pair "$NS_G" "$NS_D" veth-g veth-d || { fail setup "namespaces"; exit 1; }
ip -n "$NS_G" addr add "$GW/24" dev veth-g && ip -n "$NS_D" addr add "$DEV/24" dev veth-d &&
	ip -n "$NS_G" link set veth-g up && ip -n "$NS_D" link set veth-d up &&
	ip -n "$NS_G" link set lo up && ip -n "$NS_D" link set lo up &&
	ip -n "$NS_G" neigh replace "$DEV" lladdr "$QUIET_MAC_Y" dev veth-g nud permanent &&
	ip -n "$NS_D" neigh replace "$GW" lladdr "$QUIET_MAC_X" dev veth-d nud permanent ||
	{ fail setup "addresses"; exit 1; }
in_g "$LOAD" --pin-dir "$PIN" --watch "$DEV" veth-g >"$work/load.out" 2>&1 ||
	{ fail setup "iotprof-load: $(oneline <"$work/load.out")"; exit 1; }

# Traffic: 4 pings answered, then a rule on UDP port 9 and 3 datagrams it drops.
in_d ping -c 4 -i 0.2 "$GW" >/dev/null 2>&1 || fail setup "ping"
rule=$(cli deny add --dst "$GW" --proto udp --dport 9 2>&1 | grep -o '[0-9]*' | head -1)
for i in 1 2 3; do in_d bash -c "echo $i > /dev/udp/$GW/9"; done

# ---- values -------------------------------------------------------------------------------
cli metrics >"$work/m.txt" 2>"$work/m.err" && cli stats --json >"$work/stats.json" &&
	cli flows --json >"$work/flows.json" && cli deny list --json >"$work/deny.json" ||
	{ fail values "iotprof metrics: $(oneline <"$work/m.err")"; }
# check NAME METRICS-FILE PYTHON (m: {(name, frozenset(labels)): value}, fams: {family: type})
check() {
	local out
	if out=$(/usr/bin/python3 - "$2" "$work" "$3" 2>&1 <<'PY'
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams, m = {}, {}
for f in text_string_to_metric_families(text):
    fams[f.name] = f.type
    for s in f.samples:
        m[(s.name, frozenset(s.labels.items()))] = s.value
work = sys.argv[2]
def v(name, **labels):
    return m[(name, frozenset(labels.items()))]
exec(sys.argv[3])
PY
); then
		pass "$1"
	else
		fail "$1" "$(printf '%s' "$out" | tail -1)"
	fi
}
check "values: up, kernel counters = stats --json, host sums = flows --json, rule hits = deny list --json" \
	"$work/m.txt" "
st = json.load(open(work + '/stats.json'))
assert v('iotprof_up') == 1 and [m[k] for k in m if k[0] == 'iotprof_build_info'] == [1]
for name, n in st['counters'].items():
    assert v('iotprof_%s_total' % name) == n, (name, n)
    assert fams['iotprof_%s' % name] == 'counter', name
assert v('iotprof_flows') == st['flows_live'] and v('iotprof_flows_evicted_total') == st['flows_evicted']
assert v('iotprof_denied_total') == 3, v('iotprof_denied_total')
sent = recv = bsent = brecv = n = 0
for f in map(json.loads, open(work + '/flows.json')):
    i = 0 if f['src'] == '$DEV' else 1 if f['dst'] == '$DEV' else None
    if i is None:
        continue
    n += 1
    sent += f['packets'][i]; recv += f['packets'][1 - i]
    bsent += f['bytes'][i]; brecv += f['bytes'][1 - i]
assert n and (v('iotprof_host_packets', host='$DEV', direction='sent'), v('iotprof_host_packets', host='$DEV', direction='received')) == (sent, recv), (sent, recv)
assert (v('iotprof_host_bytes', host='$DEV', direction='sent'), v('iotprof_host_bytes', host='$DEV', direction='received')) == (bsent, brecv)
assert v('iotprof_host_flows', host='$DEV') == n and sent == 7 and recv == 4, (n, sent, recv)
rules = [json.loads(l) for l in open(work + '/deny.json')]
assert len(rules) == 1 and v('iotprof_deny_rule_packets_total', rule='$rule') == rules[0]['packets'] == 3, rules
assert 0 < v('iotprof_deny_rule_lease_seconds', rule='$rule') <= 600
"

# ---- campaigns ------------------------------------------------------------------------------
mkdir -p "$work/plug-toggle" "$work/empty"
cat >"$work/plug-toggle/state.json" <<'EOF'
{"version": 1, "experiment": "experiment.yaml", "experiment_dir": "/x", "source": "live",
 "status": "running", "wall_s": 754.5,
 "experiments": [{"id": 0, "blocked": [], "status": "expanded", "m_plus": 3, "signature": [], "traces": []},
                 {"id": 1, "blocked": [], "status": "failed", "m_plus": 0, "signature": [], "traces": []},
                 {"id": 2, "blocked": [], "status": "expanded", "m_plus": 3, "signature": [], "traces": []}],
 "current": {"id": 3, "blocked": [], "traces": [{"file": "a", "success": true}, {"file": "b", "success": false}]}}
EOF
cli metrics --campaign "$work/plug-toggle" --campaign "$work/empty" >"$work/c.txt" 2>&1
check "campaign: experiments by status, iteration in progress; no checkpoint: up 0" "$work/c.txt" "
c = 'plug-toggle'
assert v('iotprof_campaign_up', campaign=c) == 1 and v('iotprof_campaign_up', campaign='empty') == 0
assert v('iotprof_campaign_running', campaign=c) == 1 and v('iotprof_campaign_iteration', campaign=c) == 2
assert v('iotprof_campaign_experiments', campaign=c, status='expanded') == 2
assert v('iotprof_campaign_experiments', campaign=c, status='failed') == 1
assert v('iotprof_campaign_wall_seconds', campaign=c) == 754
"

# ---- node_exporter's textfile collector -------------------------------------------------------
mkdir -p "$work/textfile"
if cli metrics --out "$work/textfile/iotprof.prom" 2>"$work/out.err"; then
	(bg_in "$NS_G" "$NODE_EXPORTER" --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$work/textfile" --web.listen-address=127.0.0.1:9100) \
		>"$work/node_exporter.log" 2>&1 &
	bg_pids+=($!)
	if wait_for 100 listening "$NS_G" tcp 9100 &&
	   in_g curl -s http://127.0.0.1:9100/metrics >"$work/node.txt"; then
		check "textfile: node_exporter serves iotprof's metrics, no scrape error" "$work/node.txt" "
assert v('node_textfile_scrape_error') == 0
assert v('iotprof_up') == 1 and v('iotprof_denied_total') == 3
"
	else
		fail textfile "node_exporter: $(tail -3 "$work/node_exporter.log" | oneline)"
	fi
else
	fail textfile "--out: $(oneline <"$work/out.err")"
fi

# ---- --listen -----------------------------------------------------------------------------------
(bg_in "$NS_G" "$CLI" --pin-dir "$PIN" metrics --listen 127.0.0.1:9101) >"$work/listen.log" 2>&1 &
listen_pid=$!
if wait_for 100 listening "$NS_G" tcp 9101; then
	type=$(in_g curl -s -o "$work/l.txt" -w '%{content_type}' http://127.0.0.1:9101/metrics)
	code=$(in_g curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9101/other)
	[ "$type" = "text/plain; version=0.0.4; charset=utf-8" ] && [ "$code" = 404 ] &&
		check "listen: GET /metrics (exposition content type), 404 elsewhere" "$work/l.txt" "
assert v('iotprof_up') == 1 and v('iotprof_deny_rule_packets_total', rule='$rule') == 3
" || fail listen "content type '$type', /other $code"
	kill -TERM "$listen_pid"
	wait "$listen_pid"
	rc=$?
	[ "$rc" -eq 0 ] && pass "listen: SIGTERM exits 0" || fail listen "status $rc: $(oneline <"$work/listen.log")"
else
	fail listen "did not listen: $(oneline <"$work/listen.log")"
	kill "$listen_pid" 2>/dev/null
fi

# ---- not loaded --------------------------------------------------------------------------------
in_g "$CLI" --pin-dir "/sys/fs/bpf/iotprof-none-$$" metrics >"$work/n.txt" 2>&1
rc=$?
[ "$rc" -eq 0 ] && check "not-loaded: iotprof_up 0, status 0" "$work/n.txt" "
assert v('iotprof_up') == 0 and not any(k[0] == 'iotprof_packets_total' for k in m)
" || fail not-loaded "status $rc"

[ "$failures" -eq 0 ]
