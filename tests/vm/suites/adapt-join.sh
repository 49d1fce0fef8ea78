# shellcheck shell=sh
# Online adaptation, Eq. 9 (swarmctl adapt --once): entries written after
# the map was made and read with a cluster's medoid join that cluster
# (one delta upload, a small migration that moves only them); random
# noise joins nothing; the data stays.
#   adapt-join.sh   (any disk size from 16 MiB; 4096 entries)
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=adapt-join
kernel_log_begin

check load modprobe dm-swarm
members
wipe_members
NE=4096
check create dmsetup create swarmj --table "0 $((NE * 8)) swarm 8 4$M"
DM=$(dm_node swarmj)
check write dd if=/dev/urandom of="$DM" bs=64k count=$((NE / 16)) oflag=direct

# The map: 8 clusters of 16 consecutive entries (0..127), medoid first.
awk 'BEGIN {
	for (c = 0; c < 8; c++) {
		printf "%d %d %d", c, 16 * c, 10
		for (i = 0; i < 16; i++) printf " %d", 16 * c + i
		printf "\n"
	}
}' >/tmp/map.txt
check upload swarmctl map upload --wait "$DM" /tmp/map.txt
expect_eq generation-1 1 "$(swarm_st swarmj generation)"

# New entries, written after the map: group A (2000..2007) is read with
# cluster 2, group B (3000..3007) with cluster 5; noise from 1000..1999.
dd if=/dev/urandom of=/tmp/new.bin bs=4096 count=8 2>/dev/null
check write-new-a dd if=/tmp/new.bin of="$DM" bs=4096 seek=2000 count=8 oflag=direct conv=notrunc
check write-new-b dd if=/tmp/new.bin of="$DM" bs=4096 seek=3000 count=8 oflag=direct conv=notrunc
sum_before=$(dd if="$DM" bs=64k iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
swarmctl map show "$DM" 0-127 >/tmp/old-before.txt 2>&1
swarmctl map show "$DM" 2000-2007 3000-3007 >/tmp/new-before.txt 2>&1

# 80 steps, two clusters each (2 and 5 in turn with the others), the
# groups with their clusters, 3 noise reads a step.
awk 'BEGIN {
	srand(3)
	for (s = 0; s < 80; s++) {
		a = s % 2 ? 2 : 5
		b = int(rand() * 8)
		if (b == a) b = (b + 3) % 8
		line = ""
		for (i = 0; i < 16; i++) line = line " " (16 * a + i) " " (16 * b + i)
		if (a == 2 || b == 2) for (i = 0; i < 8; i++) line = line " " (2000 + i)
		if (a == 5 || b == 5) for (i = 0; i < 8; i++) line = line " " (3000 + i)
		for (i = 0; i < 3; i++) line = line " " (1000 + int(rand() * 1000))
		print substr(line, 2)
	}
}' >/tmp/steps.trace

# Steps 150 ms apart, a new step after 60 ms without a read (trace.sh);
# the debug kernel: 300 and 120 ms.
PAUSE=150000 GAP=60000
[ "$KVER_NAME" = test ] && PAUSE=300000 GAP=120000
swarmctl adapt "$DM" --map /tmp/map.txt --once --interval 600 \
	--gap-us $GAP --rate 64 >/tmp/adapt.out 2>/tmp/adapt.err &
ad=$!
sleep 0.5
check replay swarm-bench replay "$DM" /tmp/steps.trace --entry-size 4096 --pause-us $PAUSE
sleep 0.3
kill -INT $ad
wait $ad
expect_eq adapt-once 0 $?
cat /tmp/adapt.out /tmp/adapt.err

# Every entry of A joined cluster 2, of B cluster 5; no noise entry.
na=$(grep -c "^adapt: entry 200[0-7] joins cluster 2 " /tmp/adapt.out)
nb=$(grep -c "^adapt: entry 300[0-7] joins cluster 5 " /tmp/adapt.out)
nall=$(grep -c "joins cluster" /tmp/adapt.out)
expect_eq group-a-joins-2 8 "$na"
expect_eq group-b-joins-5 8 "$nb"
expect_eq noise-joins-none 16 "$nall"
check drift-printed grep -q "drift 0\.[0-9]* (" /tmp/adapt.out
check totals grep -q "^adapt: totals: 1 rounds, watched [0-9]*, joined 16, moved" /tmp/adapt.out
# The map file holds them as members; the device took the delta.
check map-file-a sh -c "grep '^2 32 ' /tmp/map.txt | grep -q ' 2000 2001 2002 2003 2004 2005 2006 2007\$'"
check map-file-b sh -c "grep '^5 80 ' /tmp/map.txt | grep -q ' 3000 3001 3002 3003 3004 3005 3006 3007\$'"
expect_eq generation-2 2 "$(swarm_st swarmj generation)"
expect_eq clusters-8 8 "$(swarm_st swarmj clusters)"
expect_eq rate-capped 67108864 "$(swarmctl stats "$DM" --json | tr ',{}' '\n\n\n' | awk -F: '$1 ~ /"migrate_rate"/ { print $2 }')"
# Only joined entries moved: at most the 16, and the old clusters stay.
moved=$(swarm_st swarmj moved)
echo "moved $moved entries"
check moved-some test "$moved" -gt 0 -a "$moved" -le 16
check moved-logged grep -q "^adapt: generation 2: 16 joins into 2 clusters, $moved entr" /tmp/adapt.out
swarmctl map show "$DM" 0-127 >/tmp/old-after.txt 2>&1
check old-clusters-stay cmp -s /tmp/old-before.txt /tmp/old-after.txt
# The entries the migration moved are new entries with new slots.
swarmctl map show "$DM" 2000-2007 3000-3007 >/tmp/new-after.txt 2>&1
changed=$(awk 'NR == FNR { had[$1] = $0; next } had[$1] != $0 { n++ } END { print n + 0 }' /tmp/new-before.txt /tmp/new-after.txt)
expect_eq moved-are-new-entries "$moved" "$changed"
# Where the clusters and their new entries live (information).
for g in "2 2000 32-47" "5 3000 80-95"; do
	set -- $g
	swarmctl map show "$DM" "$3" | awk '{ for (i = 2; i <= NF; i++) { split($i, a, "/"); print a[1] } }' | sort -u >/tmp/cdevs
	swarmctl map show "$DM" "$2-$(($2 + 7))" | awk '{ for (i = 2; i <= NF; i++) { split($i, a, "/"); print a[1] } }' | sort -u >/tmp/gdevs
	echo "cluster $1 on members $(tr '\n' ' ' </tmp/cdevs), its new entries on $(tr '\n' ' ' </tmp/gdevs)"
done
sum_after=$(dd if="$DM" bs=64k iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
expect_eq data-verifies "$sum_before" "$sum_after"

# A second round on the same reads (from a file): nothing new to join.
check adapt-again swarmctl adapt "$DM" --map /tmp/map.txt --trace /tmp/steps.trace
check adapt-again-none sh -c "swarmctl adapt $DM --map /tmp/map.txt --trace /tmp/steps.trace | grep -q ' 0 joins$'"
check bad-map-refused sh -c "! swarmctl adapt $DM --map /nonexistent --once 2>/dev/null"
check remove dmsetup remove swarmj
kernel_log_clean
finish
