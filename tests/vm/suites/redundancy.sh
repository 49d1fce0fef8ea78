# shellcheck shell=sh
# Redundancy on demand (issue 13): the table feature min_copies 2 gives
# every entry two copies on distinct members. On 4 emulated NVMe SSDs
# each under a dm-linear device fl<i> (swapped for dm-error to fail it):
#   - tables that cannot hold two copies of every entry, or ask for more
#     copies than members, are refused with their message;
#   - min_copies 2: the map (generation 1, no clusters) has two copies of
#     every entry, status and the table line show it;
#   - the whole device written with a pattern fio verifies; member 1
#     becomes dm-error while fio verifies: 0 errors, every byte verifies,
#     no lost read; the device is rewritten and verified degraded;
#   - a reload with another min_copies is refused (the superblocks say 2);
#   - a new device in member 1's place, by a table reload: the rebuild
#     copies every entry member 1 holds (none lost); with members 0 and 2
#     failed every entry then reads from members 1 and 3: fio verifies;
#   - a cluster map uploaded over it keeps two copies of every entry.
#
#   redundancy.sh [MAX_ENTRIES]   at most this many entries (a multiple
#                                 of 512; the debug kernel: 1536), else
#                                 3/4 of what the members hold twice
MAX_NE=${1:-0}
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=redundancy
kernel_log_begin

check load modprobe dm-swarm
members
linear_members
set -- $(swarm_layout "$S1" 8)
SLOTS=$1
# Two copies of NE entries in whole rows of runs of 128 entries, 3/4 of
# the slots (room for a map to move entries): each member holds NE / 2.
NE=$((SLOTS * 3 / 2 / 512 * 512))
[ "$MAX_NE" -gt 0 ] && [ "$MAX_NE" -lt "$NE" ] && NE=$((MAX_NE / 512 * 512))
NFULL=$((SLOTS * 2 / 512 * 512))
LEN=$((NE * 8))
echo "$SLOTS slots a member, $NE entries with two copies"

# Refused: one row of runs more than the members hold twice; more copies
# than members; min_copies above max_copies.
check too-long-refused sh -c "! dmsetup create sw --table '0 $(((NFULL + 1024) * 8)) swarm 8 4$L 2 min_copies 2'"
check too-long-message sh -c 'dmesg | grep -q "times min_copies is larger than the devices hold"'
check five-refused sh -c "! dmsetup create sw --table '0 $LEN swarm 8 4$L 2 min_copies 5'"
check five-message sh -c 'dmesg | grep -q "Invalid min_copies"'
check above-max-refused sh -c "! dmsetup create sw --table '0 $LEN swarm 8 4$L 4 max_copies 1 min_copies 2'"
check above-max-message sh -c 'dmesg | grep -q "min_copies is larger than max_copies"'

check create dmsetup create sw --table "0 $LEN swarm 8 4$L 2 min_copies 2"
DM=$(dm_node sw)
expect_eq table-shows 1 "$(dmsetup table sw | grep -c ' 2 min_copies 2$')"
expect_eq generation 1 "$(swarm_st sw generation)"
expect_eq copies "$((NE * 2))" "$(swarm_st sw copies)"
swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.txt
check two-distinct awk '{ if (NF != 3) exit 1; split($2, a, "/"); split($3, b, "/"); if (a[1] == b[1]) exit 1 }' /tmp/place.txt
# Member 1 holds NE / 2 copies.
ON1=$(awk '{ for (i = 2; i <= NF; i++) { split($i, a, "/"); if (a[1] == 1) n++ } } END { print n + 0 }' /tmp/place.txt)
expect_eq member1-holds "$((NE / 2))" "$ON1"

check fio-write fio_write "$DM"


# Member 1 becomes dm-error while fio verifies the device (twice). The
# static selector reads the first copy, so member 1 gets reads at once.
check selector-static dmsetup message sw 0 selector static
fio --name=data --filename="$DM" --bs=4k --direct=1 --ioengine=psync \
	--rw=write --verify=crc32c --randseed=1234 --verify_only --loops=2 \
	>/tmp/fio-bg.txt 2>&1 &
FIO=$!
sleep 1
check swap-1-error swap 1 "0 $S1 error"
wait $FIO
expect_eq fio-verify-under-failure 0 "$?"
grep -E "err=|verify" /tmp/fio-bg.txt | head -n 3
# Had fio finished before the swap: this read fails over.
check verify-fails-over fio_verify "$DM"
check selector-back dmsetup message sw 0 selector least-loaded
expect_eq member1-failed "ok failed ok ok" "$(swarm_members sw)"
expect_eq degraded degraded "$(swarm_st sw health)"
expect_eq no-lost-reads 0 "$(swarm_st sw lost_reads)"
expect_eq none-lost "lost 0 entries in 0 ranges, failed members 0x2" "$(swarmctl lost "$DM")"
echo "figure: $(swarm_st sw failovers) reads failed over, $(swarm_st sw lost_reads) lost"
check fio-verify-degraded fio_verify "$DM"
# Writes while degraded: every entry again, then verified.
check fio-write-degraded fio_write "$DM"
expect_eq member1-stale 0x2 "$(rb stale)"

# The superblocks say min_copies 2: a table with 1 (or none) is refused.
T2=$(dmsetup table sw)
T1=$(echo "$T2" | sed 's/ 2 min_copies 2$//')
check other-min-refused sh -c "! dmsetup load sw --table '$T1'"
check other-min-message sh -c 'dmesg | grep -q "min_copies differs from the set"'
expect_eq still-min2 "$T2" "$(dmsetup table sw)"

# A new device in member 1's place: rebuilt, nothing lost.
check new-device dmsetup create nw1 --table "0 $S1 linear /dev/$D1 0"
dd if=/dev/zero of="$(dm_node nw1)" bs=1M conv=fsync 2>/dev/null
OLD=$(dmsetup info -c --noheadings -o major,minor fl1 | tr -d ' ')
NEW=$(dmsetup info -c --noheadings -o major,minor nw1 | tr -d ' ')
t0=$(date +%s)
check reload-replaced reload "$(dmsetup table sw | sed "s/ $OLD / $NEW /")"
check rebuild-done wait_rebuild
echo "figure: rebuild of member 1 took $(($(date +%s) - t0)) s; $(rb copied) entries copied, $(rb lost) lost"
expect_eq rebuild-copied "$((NE / 2))" "$(rb copied)"
expect_eq rebuild-lost 0 "$(rb lost)"
expect_eq rebuilt-ok "ok ok ok ok" "$(swarm_members sw)"
check verify-rebuilt fio_verify "$DM"
# Members 1 and 3 alone hold a copy of every entry (copies on members
# d and d + 1): the rebuilt member serves half the device.
for i in 0 2; do
	dmsetup message sw 0 fail_member $i
done
expect_eq only-1-and-3 "failed ok failed ok" "$(swarm_members sw)"
check verify-from-1-and-3 fio_verify "$DM"
expect_eq still-no-lost-reads 0 "$(swarm_st sw lost_reads)"
for i in 0 2; do
	check "clear-member-$i" dmsetup message sw 0 clear_member $i
done

# A cluster map over it (16 overlapping clusters of 64 over the NE
# entries): migrated, two copies of every entry kept.
awk -v ne="$NE" 'BEGIN {
	for (c = 0; c < 16; c++) {
		st = (ne - 64) / 15
		if (st > 32)
			st = 32
		s = int(c * st)
		printf "%d %d %d", c, s, 10 + c
		for (i = 0; i < 64; i++) printf " %d", s + i
		printf "\n"
	}
}' >/tmp/rmap.txt
check upload swarmctl map upload --wait "$DM" /tmp/rmap.txt
check migrated wait_migration sw
swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place2.txt
check still-two-distinct awk '{ if (NF < 3) exit 1; for (i = 2; i <= NF; i++) { split($i, a, "/"); if (seen[NR, a[1]]++) exit 1 } }' /tmp/place2.txt
echo "figure: $(swarm_st sw copies) copies of $NE entries after the map"
check verify-after-map fio_verify "$DM"

check remove dmsetup remove sw
for i in 0 1 2 3; do
	dmsetup remove "fl$i"
done
dmsetup remove nw1
kernel_log_clean
finish
