# shellcheck shell=sh
# Online adaptation: a map change on a device filled to 80% of its slots
# moves only the entries whose placement changes (stable placement), while
# writes go on; the data survives; a migration interrupted by a table
# reload resumes from the boundary its journal recorded and finishes.
#   adapt.sh   (any disk size; 64 MiB members: about 50,000 entries)
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=adapt
kernel_log_begin

# The whole device in a pattern fio verifies, in 64 KiB blocks (16
# entries: fewer I/Os than swarm-lib.sh's 4 KiB, for the debug kernel).
adapt_fio() {
	fio --name=data --filename="$1" --bs=64k --direct=1 --ioengine=psync \
		--rw=write --verify=crc32c --randseed=1234 "$2" \
		>/tmp/fio-adapt.txt 2>&1 || { tail -n 20 /tmp/fio-adapt.txt; return 1; }
}
fio_write() { adapt_fio "$1" --do_verify=0; }
fio_verify() { adapt_fio "$1" --verify_only; }

check load modprobe dm-swarm
members
wipe_members
# 80% of the slots hold entries; spare 20 leaves no room for replicas, so
# the device stays at 80%: a full copy beside the live map cannot fit.
NE=$(($(swarm_entries 80) / 16 * 16))
LEN=$((NE * 8))
TABLE="0 $LEN swarm 8 4$M 2 spare 20"
check create dmsetup create swarma --table "$TABLE"
DM=$(dm_node swarma)
check write fio_write "$DM"

# Map 1: 32 clusters of 32 entries in the first half (gen_map's shape).
H=$((NE / 2))
awk -v ne="$H" 'BEGIN {
	srand(1)
	for (c = 0; c < 32; c++) {
		s = int(rand() * (ne - 32))
		printf "%d %d %d", c, s, 1 + int(rand() * 100)
		for (i = 0; i < 32; i++) printf " %d", s + i
		printf "\n"
	}
}' >/tmp/map1.txt
check upload-1 swarmctl map upload --wait "$DM" /tmp/map1.txt
expect_eq generation-1 1 "$(swarm_st swarma generation)"
m1=$(swarm_st swarma moved)
check map1-moved-few test "$m1" -gt 0 -a "$m1" -le 1024

# Map 2 = map 1 + new clusters over 10% of the entries, from the second
# half: clusters of 64 consecutive entries (one stripe run: all on one
# member, so 3/4 of each must move to spread it).
NEW=$((NE / 10 / 64))
cp /tmp/map1.txt /tmp/map2.txt
awk -v h="$H" -v n="$NEW" 'BEGIN {
	for (c = 0; c < n; c++) {
		s = h + c * 64
		printf "%d %d %d", 32 + c, s, 500
		for (i = 0; i < 64; i++) printf " %d", s + i
		printf "\n"
	}
}' >>/tmp/map2.txt
DELTA=$((NEW * 64))
swarmctl map show "$DM" 0-$((H - 1)) >/tmp/before.txt 2>&1

# Writes go on during the migration (same pattern: verifiable after).
fio --name=data --filename="$DM" --bs=64k --direct=1 --ioengine=psync \
	--rw=write --verify=crc32c --randseed=1234 --do_verify=0 \
	--rate_iops=50 --runtime=600 --time_based >/dev/null 2>&1 &
FIO=$!
check upload-2-at-80pct swarmctl map upload --wait "$DM" /tmp/map2.txt
kill $FIO 2>/dev/null
wait $FIO 2>/dev/null
expect_eq generation-2 2 "$(swarm_st swarma generation)"
moved=$(swarm_st swarma moved)
total=$(swarm_st swarma total)
bytes=$(swarmctl stats "$DM" --json | tr ',{}' '\n\n\n' | awk -F: '$1 ~ /"migrate_bytes"/ { print $2 }')
echo "delta $DELTA entries in $NEW new clusters: moved $moved of $NE entries, $bytes bytes"
expect_eq moved-all-planned "$total" "$moved"
# Each new cluster of 64 keeps at most 16 on its member: 48 move (a
# cluster across two runs keeps up to 16 on each).
check moved-within-delta test "$moved" -ge $((DELTA / 2)) -a "$moved" -le "$DELTA"
expect_eq bytes-are-moved-entries $((moved * 4096)) "$bytes"
swarmctl map show "$DM" 0-$((H - 1)) >/tmp/after.txt 2>&1
# The clusters of the first half did not change: hardly any of their
# entries gets a new copy (only where replicas had forced a cluster's
# spread over its cap, a move that improves it), at most 1 in 10 moved.
again=$(awk 'NR == FNR { for (i = 2; i <= NF; i++) had[$1 " " $i] = 1; next }
	{ for (i = 2; i <= NF; i++) if (!had[$1 " " $i]) { n++; break } }
	END { print n + 0 }' /tmp/before.txt /tmp/after.txt)
echo "entries of unchanged clusters moved: $again"
check unchanged-entries-stay test $((again * 10)) -le "$moved"
check verify-after-delta fio_verify "$DM"
check migrate-log sh -c 'dmesg | grep -q "swarma: migrated to generation 2: '"$moved"' of '"$NE"' entries moved"'

# Deltas are checked as whole maps: an entry twice in a cluster, an id
# that names no cluster.
m0=$(head -n 1 /tmp/map1.txt | cut -d' ' -f4)
echo "0 $m0 7 $m0" >/tmp/bad1.txt
check delta-dup-refused sh -c "! swarmctl map upload --delta $DM /tmp/bad1.txt 2>/tmp/bad1.out"
check delta-dup-eexist grep -q "File exists" /tmp/bad1.out
echo "drop $((32 + NEW + 1))" >/tmp/bad2.txt
check delta-range-refused sh -c "! swarmctl map upload --delta $DM /tmp/bad2.txt 2>/tmp/bad2.out"
check delta-range-erange grep -q "Numerical result out of range" /tmp/bad2.out
expect_eq delta-refused-generation 2 "$(swarm_st swarma generation)"

# A reload in the middle of a slow migration: the old table stops after
# the window in flight, the new one resumes from the boundary the journal
# (the superblocks) recorded, and the migration finishes; no byte is
# lost. The rate cap set by message is in the table line dmsetup prints,
# so the reloaded line keeps it: the resumed migration is capped too
# until the cap is lifted. Delta 3 adds clusters over 16% more
# entries (more than one 4 MiB window moves).
NEW3=$((NE * 16 / 100 / 64))
awk -v h="$((H + NEW * 64))" -v n="$NEW3" -v f="$((32 + NEW))" 'BEGIN {
	for (c = 0; c < n; c++) {
		s = h + c * 64
		printf "%d %d %d", f + c, s, 400
		for (i = 0; i < 64; i++) printf " %d", s + i
		printf "\n"
	}
}' >/tmp/delta3.txt
check rate-cap dmsetup message swarma 0 migrate_rate 1
check upload-3 swarmctl map upload --delta "$DM" /tmp/delta3.txt
sleep 1
check slow-running test "$(swarm_st swarma migration)" = running
m3=$(swarm_st swarma moved)
t3=$(swarm_st swarma total)
echo "before the reload: $m3 of $t3 entries moved"
check slow-partial test "$m3" -gt 0 -a "$m3" -lt "$t3"
RTABLE=$(dmsetup table swarma)
echo "table line: $RTABLE"
expect_eq rate-in-table "4 spare 20 migrate_rate 1" "$(echo "$RTABLE" | awk '{ $1 = $2 = $3 = $4 = $5 = $6 = $7 = $8 = $9 = ""; sub(/^ +/, ""); print }')"
check reload dmsetup reload swarma --table "$RTABLE"
check reload-resume dmsetup resume swarma
# The old table pauses after the window in flight: at m3, or at a later
# window boundary when the rate cap's wait before it ended first (a slow
# kernel); the new table resumes from what the journal held when it was
# made, at least m3 (a window copied twice is copied from current data:
# writes go to both copies during a migration).
p3=$(dmesg | sed -n 's/.*swarma: migration to map generation 3 paused (the next table resumes it) at \([0-9]*\) of '"$t3"' entries.*/\1/p' | tail -n 1)
r3=$(dmesg | sed -n 's/.*swarma: resuming migration to generation 3 at entry [1-9][0-9]*: \([0-9]*\) of '"$t3"' moved.*/\1/p' | tail -n 1)
echo "paused at ${p3:-?}, resumed at ${r3:-?} of $t3"
check paused-log test "${p3:-0}" -ge "$m3"
check resumed-log test "${r3:-0}" -ge "$m3" -a "${r3:-0}" -le "${p3:-0}"
expect_eq resumed-rate-kept 1048576 "$(swarmctl stats "$DM" --json | tr ',{}' '\n\n\n' | awk -F: '$1 ~ /"migrate_rate"/ { print $2 }')"
check lift-cap dmsetup message swarma 0 migrate_rate 0
check lifted-in-table sh -c "dmsetup table swarma | grep -q ' 4 spare 20 migrate_rate 0\$'"
check resumed-done wait_migration swarma
expect_eq resumed-state done "$(swarm_st swarma migration)"
expect_eq resumed-moved-all "$t3" "$(swarm_st swarma moved)"
check resumed-finish-log sh -c 'dmesg | grep -q "swarma: migrated to generation 3: '"$t3"' of '"$NE"' entries moved"'
check verify-after-resume fio_verify "$DM"
expect_eq generation-3 3 "$(swarm_st swarma generation)"
expect_eq clusters-3 $((32 + NEW + NEW3)) "$(swarm_st swarma clusters)"
# Dropping the new clusters (a delta) moves nothing: their entries keep
# a copy.
swarmctl map show "$DM" 0-$((NE - 1)) >/tmp/before.txt 2>&1
awk -v a=32 -v b=$((32 + NEW + NEW3)) 'BEGIN { for (c = a; c < b; c++) print "drop", c }' >/tmp/delta4.txt
check upload-4-drop swarmctl map upload --delta --wait "$DM" /tmp/delta4.txt
expect_eq generation-4 4 "$(swarm_st swarma generation)"
expect_eq clusters-4 32 "$(swarm_st swarma clusters)"
expect_eq drop-moves-nothing 0 "$(swarm_st swarma moved)"
swarmctl map show "$DM" 0-$((NE - 1)) >/tmp/after.txt 2>&1
check drop-keeps-slots cmp -s /tmp/before.txt /tmp/after.txt
check verify-after-drop fio_verify "$DM"
check remove dmsetup remove swarma
# After a module reload the map comes from the members, without its
# cluster map: a delta is refused (ENODATA), a whole map is needed.
check rmmod rmmod dm-swarm
check modprobe modprobe dm-swarm
check recreate dmsetup create swarma --table "$TABLE"
DM=$(dm_node swarma)
check delta-after-rmmod-refused sh -c "! swarmctl map upload --delta $DM /tmp/delta4.txt 2>/tmp/nodata.out"
check delta-after-rmmod-enodata grep -q "No data available" /tmp/nodata.out
check remove-again dmsetup remove swarma
kernel_log_clean
finish
