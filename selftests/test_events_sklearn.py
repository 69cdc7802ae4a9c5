#!/usr/bin/python3
"""The kNN of `iotprof events` against scikit-learn's KNeighborsClassifier.

For each data set (the public IoTEvents files when ../shared is there, and a
synthetic one made of few distinct lengths so that equal distances and equal
votes are everywhere), each method (paper, pad, nearest), some seeds and
every k from 1 to 6: `iotprof events train` makes the split, `iotprof events
report --json --predictions` gives our prediction of every held-out sample,
and scikit-learn (brute force, Euclidean, uniform weights, the same k; per
length group for paper and nearest, as docs/EVENTS.md says) predicts the
same samples from the training samples of the signature file.  They must be
equal, sample for sample.  The split and both predictions are exported to
a directory that is kept, and named, when a case fails.

Runs with Debian's python3 (python3-sklearn)."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.neighbors import KNeighborsClassifier
except ImportError:
    print("SKIP: events sklearn: python3-sklearn is not installed (apt-get install python3-sklearn)")
    sys.exit(0)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("IOTPROF_BIN", os.path.join(ROOT, "build")), "iotprof")
SHARED = os.environ.get("IOTPROF_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
failed = 0


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def read_signature(path):
    """The samples of a signature file (docs/EVENTS.md), in file order."""
    head, samples = {}, []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#") or w[0] == "iotprof-events-signature":
                continue
            if w[0] == "s":
                n = int(w[5])
                samples.append({"test": w[1] == "test", "label": w[2], "x": [int(v) for v in w[6:6 + n]]})
            else:
                head[w[0]] = w[1:]
    return head, samples


def fit(v, length):
    return (v + [0] * length)[:length]


def sklearn_predict(samples, method, k):
    """Prediction of every held-out sample (None: not classified)."""
    train = [s for s in samples if not s["test"]]
    groups = {}
    for s in train:
        groups.setdefault(0 if method == "pad" else len(s["x"]), []).append(s)
    pad_len = max(len(s["x"]) for s in train)
    out = []
    for s in samples:
        if not s["test"]:
            continue
        n = len(s["x"])
        if method == "pad":
            g, length = groups[0], pad_len
        elif n in groups:
            g, length = groups[n], n
        elif method == "paper":
            out.append(None)
            continue
        else:  # nearest: the nearest length, the shorter on a tie
            length = min(groups, key=lambda m: (abs(m - n), m))
            g = groups[length]
        clf = KNeighborsClassifier(n_neighbors=min(k, len(g)), algorithm="brute", metric="euclidean")
        clf.fit(np.array([fit(t["x"], length) for t in g], dtype=np.float64), [t["label"] for t in g])
        out.append(str(clf.predict(np.array([fit(s["x"], length)], dtype=np.float64))[0]))
    return out


def synthetic(path, seed):
    """An IoTEvents-format file whose vectors repeat: ties everywhere."""
    rng = random.Random(seed)
    t = 1577670000.0
    with open(path, "w", newline="") as f:
        for _ in range(90):
            for _ in range(rng.choice([2, 3, 3, 4, 5])):
                t += 0.01
                f.write("\t%.6f\t1.0\t%d\t%d\t\r\n" % (t, rng.randint(0, 1), rng.choice([60, 60, 100, 140])))
            f.write(rng.choice(["on", "off", "dim"]) + "\r\n")
            t += 100


def check(name, data, method, seed, work):
    global failed
    sig = os.path.join(work, "%s-%s-%d.sig" % (name, method, seed))
    r = run("events", "train", "--iotevents", data, "--out", sig, "--seed", str(seed),
            "--method", method, "--quiet")
    if r.returncode:
        print("FAIL: events sklearn %s %s seed %d: train failed: %s" % (name, method, seed, r.stderr.strip()))
        failed += 1
        return
    head, samples = read_signature(sig)
    text = open(sig).read()
    bad = []
    for k in range(1, 7):
        sig_k = sig + ".k%d" % k
        with open(sig_k, "w") as f:
            f.write(text.replace("\nk %s\n" % head["k"][0], "\nk %d\n" % k, 1))
        r = run("events", "report", sig_k, "--json", "--predictions")
        if r.returncode:
            bad.append("k=%d: report failed: %s" % (k, r.stderr.strip()))
            continue
        ours = [p["predicted"] for p in json.loads(r.stdout)["predictions"]]
        theirs = sklearn_predict(samples, method, k)
        with open(sig_k + ".predictions.json", "w") as f:
            json.dump({"iotprof": ours, "sklearn": theirs}, f)
        diff = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
        if diff or len(ours) != len(theirs):
            bad.append("k=%d: %d of %d held-out predictions differ (first: #%s ours %s, sklearn %s)" % (
                k, len(diff), len(theirs), diff[0] if diff else "-", ours[diff[0]] if diff else "-",
                theirs[diff[0]] if diff else "-"))
    if bad:
        failed += 1
        print("FAIL: events sklearn %s %s seed %d: %s (split and predictions kept in %s)" % (
            name, method, seed, "; ".join(bad), work))
    else:
        print("PASS: events sklearn %s %s seed %d (%d held out, k 1-6)" % (
            name, method, seed, sum(s["test"] for s in samples)))


def main():
    r = run("events", "--help")
    if r.returncode:
        print("SKIP: events sklearn: %s has no 'events' command (%s)" % (BIN, r.stderr.strip()[:80]))
        return 0
    work = tempfile.mkdtemp(prefix="iotprof-sklearn-")
    sets = []
    syn = os.path.join(work, "synthetic.txt")
    synthetic(syn, 7)
    sets.append(("synthetic", syn))
    iot = os.path.join(SHARED, "data", "iotevents")
    for f in ["12_27jdgn_cz.txt", "12_30tplink_cz.txt"]:
        if os.path.exists(os.path.join(iot, f)):
            sets.append((f[:-4], os.path.join(iot, f)))
    if len(sets) == 1:
        print("SKIP: events sklearn iotevents: %s not found" % iot)
    for name, data in sets:
        for method in ["paper", "pad", "nearest"]:
            for seed in [1, 2, 3]:
                check(name, data, method, seed, work)
    if not failed:
        shutil.rmtree(work)
    return 1 if failed else 0


sys.exit(main())
