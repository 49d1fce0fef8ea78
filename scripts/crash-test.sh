#!/bin/bash
# Power cuts during migrations (tests/vm/suites/crash.sh): RUNS times,
# QEMU is SIGKILLed at a random point 0..4 s after a map commit started a
# migration; the next boot assembles the set, checks that its map is the
# old or the new generation, whole, that a migration its journal recorded
# resumes and ends with the new generation, and verifies every byte of
# data.
#
#   crash-test.sh [RUNS (default 10)] [KERNEL (default 6.12)]
#
# Prints PASS/FAIL lines, and per cut where it came (the last progress
# line the VM printed) and the generation the set came back with.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10} kernel=${2:-6.12}
work=$(mktemp -d /tmp/dm-swarm-crash.XXXXXX)
trap 'rm -rf "$work"' EXIT
logs=$top/build/logs/crash
rm -rf "$logs"
mkdir -p "$logs"

before="" fails=0 acked=- resumes=0
for i in $(seq 0 "$runs"); do
	mode=check last=""
	[ "$i" = 0 ] && mode=setup
	[ "$i" = "$runs" ] && last=last
	log=$logs/boot-$i.log
	args=(--kernel "$kernel" --disk-mib 32 --images "$work/ssd" --log "$log")
	delay=""
	if [ -z "$last" ]; then
		delay=$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", r % 400 / 100 }')
		args+=(--crash-at "MIGRATING:$delay")
	fi
	"$top/scripts/vm-run.sh" "${args[@]}" "$top/tests/vm/suites/crash.sh" \
		"$mode" $((i + 2)) "$acked" $last >"$logs/boot-$i.out" 2>&1
	grep -E '^(PASS|FAIL): ' "$log" | sed "s/^\(PASS\|FAIL\): crash\./\1: crash.boot$i./"
	if [ "$i" -gt 0 ]; then
		after=$(sed -n 's/^generation-after-cut //p' "$log")
		if [ -n "$after" ] && { [ "$after" = "$before" ] || [ "$after" = $((before + 1)) ]; }; then
			echo "PASS: crash.cut$i.old-or-new-map"
		else
			echo "FAIL: crash.cut$i.old-or-new-map"
			fails=$((fails + 1))
		fi
		# A migration the journal recorded resumes and commits the new
		# map; without one (a cut before its first record, or after
		# its commit) the map stays what it was after the cut.
		resumed=$(sed -n 's/^migration-after-cut .* resumed-at //p' "$log" | tr -d '\r')
		final=$(sed -n 's/^generation-after-resume //p' "$log")
		want=$after
		if [ -n "$resumed" ] && [ "$resumed" != - ]; then
			want=$((before + 1))
			resumes=$((resumes + 1))
		fi
		if [ -n "$final" ] && [ "$final" = "$want" ]; then
			echo "PASS: crash.cut$i.map-after-resume"
		else
			echo "FAIL: crash.cut$i.map-after-resume"
			fails=$((fails + 1))
		fi
		echo "  cut $i: $where; map generation $before before, ${after:-?} after the cut, resumed at entry ${resumed:-?}, ${final:-?} after; last write acknowledged $acked"
	fi
	grep -q '^FAIL: ' "$log" && fails=$((fails + 1))
	if [ -z "$last" ] && ! grep -q '^MIGRATING' "$log"; then
		echo "FAIL: crash.boot$i.migration-started"
		fails=$((fails + 1))
	fi
	before=$(sed -n 's/^generation-before-cut //p' "$log" | tr -d '\r')
	# The last numbered write the VM printed as acknowledged: a whole
	# line (the last line may be cut short), of this boot's numbers.
	acked=$(head -n -1 "$log" | tr -d '\r' | awk -v base=$(((i + 2) * 1000000)) '
		/^acked [0-9]+$/ && $2 + 0 >= base { n = $2 } END { print n == "" ? "-" : n }')
	where="SIGKILL $delay s after the commit, last seen: $(grep '^progress' "$log" | tail -n 1 || true)"
done
echo "  $resumes of $runs cuts left a migration that the next boot resumed"
[ "$fails" = 0 ]
