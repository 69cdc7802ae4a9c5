"""Runs the Forest authors' signature extractor on node directories, the way
their experiment script calls it after each node's captures; prints one JSON
object per node: {"node": DIR, "policies": [...]} or {"node": DIR, "error": ...}.

Run it with ../shared/oracles/reference-python (which makes the authors'
package importable); it is a test-time oracle, never shipped or linked.

usage: reference-python extract_node.py DEVICE_IP NODE_DIR...
"""
import glob
import json
import os
import sys


def main():
    from signature_extraction.event_signature_extraction import pcaps_to_signature_pattern

    device = sys.argv[1]
    for node in sys.argv[2:]:
        pcaps = sorted(glob.glob(os.path.join(node, "traces", "*.pcap")))
        out = {"node": node, "pcaps": len(pcaps)}
        try:
            # dns_table {} (the dataset keeps no resolver cache), the 20 s packet
            # timeout of the authors' configuration, match-random-ports false.
            pattern = pcaps_to_signature_pattern(pcaps, {}, 20, False)
            out["policies"] = [f.extract_policy(device) for f in pattern.get_flows()]
        except Exception as e:  # the package raises ValueError on empty signatures
            out["error"] = "%s: %s" % (type(e).__name__, e)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
