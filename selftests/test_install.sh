#!/usr/bin/env bash
# install: `make install` into a DESTDIR, and the installed tree at work.
#
#   files       binaries, BPF objects, configuration, man pages, bash
#               completion and the systemd unit where PREFIX says
#   version     the installed binaries' --version is the build's
#   load-help   the installed `iotprof-load --help`
#   flows       the installed `iotprof flows --pcap` lists a capture's flows
#   data        the installed iotprof finds its well-known ports list in the
#               installed tree (a copy of the binary outside any tree warns
#               that it has none: the check can fail)
#   man         man(1) finds and renders the installed pages
#   completion  bash-completion completes commands and options from the
#               installed programs' --help
#   conf-kept   installing again keeps an edited iotprof.conf
#   uninstall   `make uninstall` leaves only the administrator's files
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${IOTPROF_BIN:-$ROOT/build}
FIX=$ROOT/selftests/pcap_fixture.py
failed=0
dir=$(mktemp -d /tmp/iotprof-install.XXXXXX)
trap 'rm -rf "$dir"' EXIT
dest=$dir/root

pass() { echo "PASS: install $1"; }
fail() { echo "FAIL: install $1"; failed=1; }

command -v make >/dev/null || { echo "SKIP: install: make is not installed"; exit 0; }
[ -x "$BIN/iotprof" ] || { echo "SKIP: install: $BIN/iotprof is not built"; exit 0; }

# The build's own prefix (/usr/local), so that nothing is rebuilt.
if ! make -s -C "$ROOT" install DESTDIR="$dest" >"$dir/install.out" 2>&1; then
	fail "files: make install: $(tail -3 "$dir/install.out" | tr '\n' ' ')"
	exit 1
fi
P=$dest/usr/local
expected=(
	sbin/iotprof sbin/iotprof-load lib/iotprof/iotprof.bpf.o lib/iotprof/xdp_pass.bpf.o
	share/iotprof/well-known-ports share/iotprof/privacy-events.yaml share/iotprof/experiments/plug-toggle.yaml
	share/man/man8/iotprof.8 share/man/man8/iotprof-load.8 share/man/man5/iotprof-experiment.5
	share/bash-completion/completions/iotprof share/bash-completion/completions/iotprof-load
	lib/systemd/system/iotprof.service
)
missing=()
for f in "${expected[@]}"; do [ -e "$P/$f" ] || missing+=("$f"); done
[ -e "$dest/etc/iotprof/iotprof.conf" ] || missing+=(/etc/iotprof/iotprof.conf)
[ ${#missing[@]} -eq 0 ] && pass "files: ${#expected[@]} under PREFIX and /etc/iotprof/iotprof.conf" ||
	fail "files: missing ${missing[*]}"

[ "$("$P/sbin/iotprof" --version)" = "$("$BIN/iotprof" --version)" ] &&
	[ "$("$P/sbin/iotprof-load" --version | head -1)" = "$("$BIN/iotprof-load" --version | head -1)" ] &&
	"$P/sbin/iotprof" --version | head -1 | grep -q '^iotprof [0-9]' &&
	pass "version: $("$P/sbin/iotprof" --version | head -1)" || fail "version"

if "$P/sbin/iotprof-load" --help >"$dir/load-help" 2>&1 && grep -q "^usage: iotprof-load" "$dir/load-help"; then
	pass "load-help: the installed iotprof-load --help"
else
	fail "load-help: $(head -2 "$dir/load-help" | tr '\n' ' ')"
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: install flows: needs root for BPF_PROG_TEST_RUN"
	echo "SKIP: install data: needs root for BPF_PROG_TEST_RUN"
else
	python3 "$FIX" "$dir/fixture.pcap"
	if IOTPROF_CONFIG=none "$P/sbin/iotprof" flows --pcap "$dir/fixture.pcap" >"$dir/flows" 2>&1 &&
	   tail -1 "$dir/flows" | grep -qx "6 flows" && grep -q "tls sni=api.plug.example" "$dir/flows"; then
		pass "flows: the installed iotprof flows --pcap lists the capture's 6 flows"
	else
		fail "flows: $(tail -3 "$dir/flows" | tr '\n' ' ')"
	fi
	IOTPROF_CONFIG=none "$P/sbin/iotprof" signature --device 10.9.0.2 "$dir/fixture.pcap" >/dev/null 2>"$dir/sig.err"
	mkdir -p "$dir/bare" && cp "$P/sbin/iotprof" "$dir/bare/"
	IOTPROF_CONFIG=none "$dir/bare/iotprof" signature --device 10.9.0.2 "$dir/fixture.pcap" >/dev/null 2>"$dir/bare.err"
	if ! grep -q "no well-known ports list" "$dir/sig.err" && grep -q "no well-known ports list" "$dir/bare.err"; then
		pass "data: found in the installed tree (and missed by a copy outside it)"
	else
		fail "data: installed: $(tr '\n' ' ' <"$dir/sig.err"); bare copy: $(tr '\n' ' ' <"$dir/bare.err")"
	fi
fi

if command -v man >/dev/null; then
	ok=1
	for page in iotprof iotprof-load iotprof-experiment; do
		f=$(MANPATH=$P/share/man man -w "$page" 2>/dev/null)
		[[ $f == "$P/share/man/"* ]] && MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null | grep -q . && ok=0
		[[ $f == "$P/share/man/"* ]] || ok=0
	done
	[ $ok = 1 ] && pass "man: man -w finds the 3 installed pages; they render without warnings" || fail "man"
else
	echo "SKIP: install man: man is not installed"
fi

if [ -r /usr/share/bash-completion/bash_completion ]; then
	complete_line() {	# WORDS...: what bash completes for the last word
		PATH=$P/sbin:$PATH IOTPROF_CONFIG=none bash -c '
			source /usr/share/bash-completion/bash_completion
			source "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			$(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/") "$1" "${!#}" "${@: -2:1}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$P/share/bash-completion/completions/iotprof" "$@" 2>/dev/null |
			sort | tr '\n' ' '
	}
	c1=$(complete_line iotprof met)
	c2=$(complete_line iotprof flows --fo)
	c3=$(complete_line iotprof-load --con)
	c4=$(complete_line iotprof export --ipfix x --p)
	if [ "$c1" = "metrics " ] && [ "$c2" = "--follow " ] && [ "$c3" = "--config " ] && [[ $c4 == *--pen* ]]; then
		pass "completion: 'iotprof met' -> metrics, 'flows --fo' -> --follow, 'iotprof-load --con' -> --config"
	else
		fail "completion: '$c1' '$c2' '$c3' '$c4'"
	fi
else
	echo "SKIP: install completion: bash-completion is not installed"
fi

echo "interfaces = eth9  # edited" >"$dest/etc/iotprof/iotprof.conf"
make -s -C "$ROOT" install DESTDIR="$dest" >/dev/null 2>&1
grep -q "edited" "$dest/etc/iotprof/iotprof.conf" && pass "conf-kept: installing again keeps the edited iotprof.conf" ||
	fail "conf-kept: the configuration was overwritten"

if make -s -C "$ROOT" uninstall DESTDIR="$dest" >"$dir/uninstall.out" 2>&1; then
	left=$(cd "$dest" && find . -type f -o -type l | sort | tr '\n' ' ')
	[ "$left" = "./etc/iotprof/iotprof.conf " ] && pass "uninstall: only /etc/iotprof/iotprof.conf is left" ||
		fail "uninstall: left $left"
else
	fail "uninstall: $(tail -3 "$dir/uninstall.out" | tr '\n' ' ')"
fi

exit $failed
