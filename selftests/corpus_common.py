"""What the two corpus tests share (imported; not a test itself): where the
captures and the binaries are, the checks before a run, and which capture
files are byte-identical copies of others."""
import hashlib
import os
import shutil

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("IOTPROF_SHARED") or os.path.join(REPO, "..", "shared")
BIN = os.environ.get("IOTPROF_BIN") or os.path.join(REPO, "build")
CAPTURE_DIRS = ("corpus", os.path.join("data", "captures"))   # the first one is required


def preflight(name):
    """None when the test can run; else the exit status, having said why."""
    if not os.path.isdir(SHARED):
        print("SKIP: %s: ../shared not found" % name)
        return 0
    if not os.access(os.path.join(BIN, "iotprof"), os.X_OK):
        print("FAIL: %s: %s/iotprof not built (make build/iotprof)" % (name, BIN))
        return 1
    why = "BPF_PROG_TEST_RUN needs root" if os.geteuid() else \
        None if shutil.which("tshark") else "tshark not installed"
    if why:
        print("SKIP: %s: %s" % (name, why))
        return 0
    return None


def captures():
    """Every capture under CAPTURE_DIRS, as paths relative to SHARED."""
    return sorted(os.path.relpath(os.path.join(root, name), SHARED)
                  for top in CAPTURE_DIRS for root, _, files in os.walk(os.path.join(SHARED, top))
                  for name in files if name.endswith((".pcap", ".pcapng")))


def originals(rels):
    """rel -> the first of rels with the same bytes (data/captures repeats
    some corpus files byte for byte)."""
    by_hash, original = {}, {}
    for rel in rels:
        with open(os.path.join(SHARED, rel), "rb") as fh:
            original[rel] = by_hash.setdefault(hashlib.sha256(fh.read()).hexdigest(), rel)
    return original
