#!/usr/bin/env python3
"""The README and docs/ link only to files in the repository: a clone has
nothing beside it (the project's shared data is not part of it).  Every
relative link of README.md, docs/*.md and tools/*/README.md must name a
file or directory inside the clone that exists."""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def main():
    failed = 0
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + \
        sorted(glob.glob(os.path.join(ROOT, "tools", "*", "README.md")))
    for path in files:
        text = open(path).read()
        bad = []
        n = 0
        for target in LINK.findall(text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            n += 1
            dest = os.path.normpath(os.path.join(os.path.dirname(path), target.split("#")[0]))
            if not (dest == ROOT or dest.startswith(ROOT + os.sep)) or not os.path.exists(dest):
                bad.append(target)
        name = os.path.relpath(path, ROOT)
        if bad:
            failed += 1
            print("FAIL: doc links %s: %s" % (name, ", ".join(bad)))
        else:
            print("PASS: doc links %s (%d relative links inside the repository)" % (name, n))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
