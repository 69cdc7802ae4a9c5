#!/usr/bin/env python3
"""The man pages are in step with the programs.

Each page has one source, man/NAME.scd, that scdoc turns into
build/man/NAME (make).  Here:
- iotprof(8): its COMMANDS section has a subsection for every command of
  `iotprof --help`, and no other; each subsection names exactly the
  options of `iotprof COMMAND --help` (for export, of --mud's and
  --ipfix's help); OPTIONS names the global ones;
- iotprof-load(8): its OPTIONS section names exactly the options of
  `iotprof-load --help`;
- iotprof-experiment(5): it defines exactly the keys the experiment
  reader knows (user/experiment.c's key tables);
- every built page is what scdoc makes of its source now, and man(1)
  renders it without a warning.
The --help texts never touch the kernel, so this needs no root."""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("IOTPROF_BIN", os.path.join(ROOT, "build"))
failed = 0


def check(name, ok, why=""):
    global failed
    print(("PASS: man %s" % name) if ok else ("FAIL: man %s: %s" % (name, why)))
    failed += not ok


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, IOTPROF_CONFIG="none"))
    return r.stdout + r.stderr


def options(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text)) - {"--help"}


def sections(text, level):
    """{title: body} of the '# ' (level 1) or '## ' (level 2) headings."""
    mark = "#" * level + " "
    out, title = {}, None
    for line in text.splitlines():
        if line.startswith(mark):
            title = line[len(mark):].strip()
            out[title] = ""
        elif line.startswith("#") and level == 2 and line.startswith("# "):
            title = None
        elif title is not None:
            out[title] += line + "\n"
    return out


def diff(a, b):
    return "only in the man page: %s; only in --help: %s" % (sorted(a - b) or "-", sorted(b - a) or "-")


def case_iotprof():
    src = open(os.path.join(ROOT, "man", "iotprof.8.scd")).read()
    top = run(os.path.join(BIN, "iotprof"), "--help")
    commands = re.findall(r"^  ([a-z][a-z-]*) ", top.split("commands:", 1)[1], re.M)
    level1 = sections(src, 1)
    subs = sections(level1.get("COMMANDS", ""), 2)
    check("iotprof(8): a subsection for every command, and no other",
          set(subs) == set(commands), diff(set(subs), set(commands)))
    for c in commands:
        helptext = run(os.path.join(BIN, "iotprof"), c, "--help")
        if c == "export":
            helptext += run(os.path.join(BIN, "iotprof"), "export", "--ipfix", "x", "--help")
        want, got = options(helptext), options(subs.get(c, ""))
        check("iotprof(8) %s: the options of 'iotprof %s --help' (%d)" % (c, c, len(want)),
              want == got and want, diff(got, want))
    head, rest = top.split("commands:", 1)
    want = options(head + rest.split("\n\n", 1)[-1]) | {"--verbose"}
    got = options(level1.get("OPTIONS", ""))
    check("iotprof(8): the global options", want == got, diff(got, want))


def case_loader():
    src = open(os.path.join(ROOT, "man", "iotprof-load.8.scd")).read()
    want = options(run(os.path.join(BIN, "iotprof-load"), "--help"))
    got = options(sections(src, 1).get("OPTIONS", ""))
    check("iotprof-load(8): the options of 'iotprof-load --help' (%d)" % len(want), want == got and want,
          diff(got, want))


def case_experiment():
    src = open(os.path.join(ROOT, "man", "iotprof-experiment.5.scd")).read()
    code = open(os.path.join(ROOT, "user", "experiment.c")).read()
    want = set(re.findall(r'\.name = "([a-z-]+)"', code))
    got = set()
    for line in src.splitlines():
        if re.fullmatch(r"\*[a-z-]+\*(, \*[a-z-]+\*)*", line):
            got |= set(re.findall(r"\*([a-z-]+)\*", line))
    check("iotprof-experiment(5): every key of user/experiment.c (%d), and no other" % len(want),
          want == got and want, "only in the man page: %s; only in the code: %s" %
          (sorted(got - want) or "-", sorted(want - got) or "-"))


def case_built():
    if not shutil.which("scdoc"):
        print("SKIP: man built pages: scdoc is not installed")
        return
    for name in sorted(os.listdir(os.path.join(ROOT, "man"))):
        page = name[:-4]
        built = os.path.join(BIN, "man", page)
        with open(os.path.join(ROOT, "man", name)) as f:
            fresh = subprocess.run(["scdoc"], stdin=f, capture_output=True, text=True).stdout
        ok = os.path.exists(built) and open(built).read() == fresh
        check("%s: built from its source as it is now (make)" % page, ok, built)
        if ok and shutil.which("man"):
            r = subprocess.run(["man", "--warnings", "-l", built], capture_output=True, text=True,
                               env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
            check("%s: man renders it without a warning" % page, r.returncode == 0 and not r.stderr.strip()
                  and "NAME" in r.stdout, r.stderr.strip()[:300])


def main():
    for b in ("iotprof", "iotprof-load"):
        if not os.access(os.path.join(BIN, b), os.X_OK):
            print("FAIL: man: %s is not built" % os.path.join(BIN, b))
            return 1
    case_iotprof()
    case_loader()
    case_experiment()
    case_built()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
