# shellcheck shell=sh
# Run the dm-swarm KUnit suites (dm-swarm-test.ko) and turn each KTAP test
# case result into a PASS/FAIL line.
. /tests/lib.sh
SUITE=kunit

if ! modprobe dm-swarm-test; then
	fail load "modprobe dm-swarm-test failed"
	finish
	exit 1
fi
n=0
for d in /sys/kernel/debug/kunit/dm-swarm-*; do
	[ -f "$d/results" ] || continue
	n=$((n + 1))
	suite=$(basename "$d")
	echo "--- KTAP $suite"
	cat "$d/results"
	# Test-case lines are indented one level inside the suite.
	grep -E '^    (not )?ok [0-9]+ ' "$d/results" >/tmp/cases
	while read -r a b c; do
		if [ "$a" = not ]; then
			name=$(echo "$c" | cut -d' ' -f2)
			fail "$suite.$name"
		else
			name=$(echo "$c" | cut -d' ' -f1)
			pass "$suite.$name"
		fi
	done </tmp/cases
done
expect_eq suites-found 6 "$n"
check unload rmmod dm-swarm-test
finish
