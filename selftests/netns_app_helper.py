#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helper of test_netns_app.sh (not a test by itself).

  records FLOWS EXPECT      the application records of `iotprof flows --json`
  names NAMES STRINGS WANT  the names map, from `bpftool -j map dump pinned`
  names-list LIST WANT      the names map, from `iotprof dns list --json`

records: EXPECT holds one line per expected record, "CASE JSON": the JSON
object gives the record's endpoints (proto, src, sport, dst, dport; sport
may be left out when the client picks it) and any other fields of the record
it must have, each compared exactly, "app" as a whole.  In "app", "*"
accepts any value and {"has": [V, ...]} a list holding every V.  Lines with
the same endpoints and the same app kind are matched with the records in
order of first_ns, so a connection made twice is two lines.  Every record
of the table must be expected: the rest are reported under the case "stray".

names, names-list: WANT holds one line per expected entry, "ADDRESS NAME
SOURCE" (SOURCE dns, sni or import); the map must hold exactly those.

Each prints one line per case, "CASE ok" or "CASE problem..."; the exit
status is 1 when there is a problem.
"""
import ipaddress
import json
import sys

ENDPOINT = ("proto", "src", "sport", "dst", "dport")
# bpftool prints the source by its name (bpf/btf_view.h)
SOURCES = {"IOTPROF_NAME_FROM_DNS": "dns", "IOTPROF_NAME_FROM_SNI": "sni", "IOTPROF_NAME_FROM_IMPORT": "import"}


def load_lines(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out


def app_kind(app):
    return None if app is None else next(iter(app))


def app_matches(want, got, path="app"):
    """Problems of GOT against WANT ("*" and {"has": [...]} as documented)."""
    if want == "*":
        return []
    if isinstance(want, dict) and set(want) == {"has"}:
        if not isinstance(got, list) or any(v not in got for v in want["has"]):
            return [f"{path} expected to hold {json.dumps(want['has'])}, got {json.dumps(got)}"]
        return []
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path} expected {json.dumps(want)}, got {json.dumps(got)}"]
        out = []
        for k in sorted(set(want) | set(got)):
            if k not in got:
                out.append(f"{path}.{k} missing (expected {json.dumps(want[k])})")
            elif k not in want:
                out.append(f"{path}.{k} unexpected: {json.dumps(got[k])}")
            else:
                out += app_matches(want[k], got[k], f"{path}.{k}")
        return out
    if want != got or type(want) is not type(got):
        return [f"{path} expected {json.dumps(want)}, got {json.dumps(got)}"]
    return []


def describe(r):
    def ep(a, p):
        return a if p is None else f"[{a}]:{p}" if ":" in a else f"{a}:{p}"
    return (f"{r['proto']} {ep(r['src'], r.get('sport'))} -> {ep(r['dst'], r.get('dport'))} "
            f"app {json.dumps(r.get('app'))}")


def records(flows_path, expect_path):
    flows = sorted(load_lines(flows_path), key=lambda r: int(r["first_ns"]))
    claimed = [False] * len(flows)
    results = []
    with open(expect_path) as f:
        for line in f:
            if not line.strip():
                continue
            case, spec = line.split(None, 1)
            want = json.loads(spec)
            kind = app_kind(want.get("app"))
            pick = None
            for i, r in enumerate(flows):
                if claimed[i] or app_kind(r["app"]) != kind:
                    continue
                if all(r[k] == want[k] for k in ENDPOINT if k in want):
                    pick = i
                    break
            if pick is None:
                seen = [describe(r) for r in flows
                        if r["proto"] == want["proto"] and r["dst"] == want["dst"]]
                results.append((case, f"no record {describe(want)} "
                                      f"(records to that address: {'; '.join(seen) or 'none'})"))
                continue
            claimed[pick] = True
            r = flows[pick]
            problems = []
            for k in sorted(want):
                if k == "app":
                    problems += app_matches(want[k], r[k])
                elif k not in ENDPOINT and r.get(k) != want[k]:
                    problems.append(f"{k} expected {json.dumps(want[k])}, got {json.dumps(r.get(k))}")
            results.append((case, f"{describe(r)}: " + "; ".join(problems) if problems else None))
    stray = [describe(r) for i, r in enumerate(flows) if not claimed[i]]
    results.append(("stray", f"unexpected records: {' | '.join(stray)}" if stray else None))
    return report(results)


def formatted(entry):
    """bpftool prints BTF-typed maps' entries under "formatted"."""
    return entry.get("formatted", entry)


def text_of(v):
    if isinstance(v, str):
        return v
    return bytes(v).split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def names(names_path, strings_path, want_path):
    with open(names_path) as f:
        entries = [formatted(e) for e in json.load(f)]
    with open(strings_path) as f:
        strings = {formatted(e)["key"]: text_of(formatted(e)["value"]["name"]) for e in json.load(f)}
    got = {}
    for e in entries:
        k, v = e["key"], e["value"]
        raw = bytes(k["addr"]["v4"] if k["family"] == 4 else k["addr"]["v6"])
        got[str(ipaddress.ip_address(raw))] = (
            strings.get(v["id"], f"<id {v['id']} not in name_strings>"),
            SOURCES.get(v["source"], f"source {v['source']}"))
    return compare_names(got, want_path)


def names_list(list_path, want_path):
    got = {}
    for e in load_lines(list_path):
        addr = e["address"]
        if addr in got:
            return report([("names", f"{addr} listed twice")])
        got[addr] = (e["name"], e["source"])
    return compare_names(got, want_path)


def compare_names(got, want_path):
    want = {}
    with open(want_path) as f:
        for line in f:
            if line.strip():
                addr, name, source = line.split()
                want[str(ipaddress.ip_address(addr))] = (name, source)
    problems = []
    for addr in sorted(set(want) | set(got)):
        w, g = want.get(addr), got.get(addr)
        if w != g:
            problems.append(f"{addr}: expected {' '.join(w) if w else 'no entry'}, "
                            f"got {' '.join(g) if g else 'no entry'}")
    return report([("names", "; ".join(problems) or None)])


def report(results):
    bad = 0
    for case, problem in results:
        print(f"{case} {problem}" if problem else f"{case} ok")
        bad += problem is not None
    return 1 if bad else 0


if __name__ == "__main__":
    cmds = {"records": records, "names": names, "names-list": names_list}
    try:
        sys.exit(cmds[sys.argv[1]](*sys.argv[2:]))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        sys.exit(f"{sys.argv[1]}: {type(e).__name__}: {e}")
