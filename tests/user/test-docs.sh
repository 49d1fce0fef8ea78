#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The man pages (man/): they render without warnings; every command and
# option swarmctl has (its --help and the options its sources parse) is in
# swarmctl(8); make install-user puts everything under DESTDIR. Run from
# the top of the tree after make userspace; one PASS:/FAIL: line a case.
set -uo pipefail

SWARMCTL=${SWARMCTL:-build/user/swarmctl}
pass=0
fail=0
result() {
	if [ "$2" = ok ]; then
		echo "PASS: docs.$1"
		pass=$((pass + 1))
	else
		echo "FAIL: docs.$1"
		fail=$((fail + 1))
	fi
}

# Rendered as plain text on one long line per paragraph, unhyphenated.
render() {
	groff -man -Tascii -P-cbou -rLL=2000n -rHY=0 "$1" 2>&1
}

for page in man/swarmctl.8 man/dm-swarm.4; do
	w=$(groff -man -Tascii -ww -z "$page" 2>&1)
	if [ -z "$w" ]; then
		result "renders-$(basename "$page")" ok
	else
		echo "  $page: $w"
		result "renders-$(basename "$page")" bad
	fi
done

man8=$(render man/swarmctl.8)

# Every command of swarmctl --help: "  map upload [...]" gives "map
# upload", "  trace gen|convert|... ..." each of "trace gen", ...
cmds=$("$SWARMCTL" --help | sed -n 's/^  \([a-z][a-z |]*[a-z]\)\( .*\)\?$/\1/p' |
	sed 's/  .*//; s/ [^a-z].*//' | while read -r a b; do
		if [ -n "${b:-}" ]; then
			for s in ${b//|/ }; do echo "$a $s"; done
		else
			echo "$a"
		fi
	done)
missing=""
n=0
while read -r c; do
	[ -z "$c" ] && continue
	n=$((n + 1))
	grep -qF "swarmctl $c" <<<"$man8" || missing="$missing '$c'"
done <<<"$cmds"
if [ "$n" -ge 10 ] && [ -z "$missing" ]; then
	result swarmctl-commands ok
else
	echo "  $n commands in --help; not in swarmctl(8):$missing"
	result swarmctl-commands bad
fi

# Every option: in --help, and every "--option" the sources compare.
opts=$( { "$SWARMCTL" --help; cat userspace/cli/*.c; } |
	grep -o -- '--[a-z][a-z-]*' | sort -u)
missing=""
for o in $opts; do
	grep -qF -- "$o" <<<"$man8" || missing="$missing $o"
done
if [ -z "$missing" ] && [ -n "$opts" ]; then
	result swarmctl-options ok
else
	echo "  not in swarmctl(8):$missing"
	result swarmctl-options bad
fi

# The exit statuses swarmctl documents (cli/cli.h): 0, 1, 2.
if grep -q '^EXIT STATUS' <<<"$man8" &&
	grep -q 'EXIT_USAGE.*2' userspace/cli/cli.h; then
	result swarmctl-exit-status ok
else
	result swarmctl-exit-status bad
fi

# make install-user DESTDIR=...: the files, and man finds the pages.
d=$(mktemp -d /tmp/dm-swarm-install-XXXXXX)
if make -s install-user DESTDIR="$d" PREFIX=/usr >"$d.log" 2>&1 &&
	[ -x "$d/usr/sbin/swarmctl" ] && [ -f "$d/usr/lib/libswarm.so" ] &&
	[ -f "$d/usr/include/swarm-client.h" ] &&
	[ -f "$d/usr/include/linux/dm-swarm.h" ] &&
	MANPATH="$d/usr/share/man" MANWIDTH=80 man swarmctl 2>/dev/null | grep -q 'stats reset' &&
	MANPATH="$d/usr/share/man" MANWIDTH=80 man 4 dm-swarm 2>/dev/null | grep -q 'DM_SWARM_PLACEMENT'; then
	result install-user ok
else
	echo "  install-user into $d:"; sed 's/^/  /' "$d.log"; find "$d" | sed 's/^/  /'
	result install-user bad
fi
rm -rf "$d" "$d.log"

echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
