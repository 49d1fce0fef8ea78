# shellcheck shell=sh
# Persistence and online migration on 4 emulated NVMe SSDs:
#   - a blank set is formatted; data and map survive a table reload,
#     dmsetup remove + create, and a module reload;
#   - a map committed on a device with data migrates it online (reads and
#     writes go on), and 20 map changes under a concurrent fio
#     write-and-verify job lose nothing;
#   - suspend/resume during a migration, the rate cap, a second commit
#     refused while one runs; a module reload during a (suspended)
#     migration resumes it from its journal; a damaged journal is
#     dropped, the committed map and the data kept;
#   - every member-mismatch case fails with its message.
# Args: "all" (default) [<map changes, default 20>], or "reboot-1" /
# "reboot-2" for the two boots of the reboot test (the host keeps the SSD
# images between them).
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=persist
MODE=${1:-all}
CHANGES=${2:-20}
kernel_log_begin

check load modprobe dm-swarm
members
# A quarter of the slots, so a map with replicas and the migration to the
# next one both fit beside the live map.
NE=$(swarm_entries 25)
LEN=$((NE * 8))
TABLE="0 $LEN swarm 8 4$M 2 spare 50"

if [ "$MODE" = reboot-2 ]; then
	check assemble swarmctl assemble --create swarmr $M
	DM=$(dm_node swarmr)
	expect_eq reboot-generation 1 "$(swarm_st swarmr generation)"
	expect_eq reboot-has-data 1 "$(swarm_st swarmr has_data)"
	check reboot-verify fio_verify "$DM"
	check reboot-remove dmsetup remove swarmr
	kernel_log_clean
	finish
	exit $?
fi

wipe_members
check create dmsetup create swarm0 --table "$TABLE"
DM=$(dm_node swarm0)
check formatted-log sh -c 'dmesg | grep -q "swarm0: formatted set"'
expect_eq fresh-no-data 0 "$(swarm_st swarm0 has_data)"
check fresh-migration-idle test "$(swarm_st swarm0 migration)" = idle
check write fio_write "$DM"
expect_eq written-has-data 1 "$(swarm_st swarm0 has_data)"

if [ "$MODE" = reboot-1 ]; then
	gen_map 1 >/tmp/map1.txt
	check reboot1-upload swarmctl map upload "$DM" /tmp/map1.txt
	check reboot1-migrated wait_migration swarm0
	expect_eq reboot1-generation 1 "$(swarm_st swarm0 generation)"
	check reboot1-verify fio_verify "$DM"
	check reboot1-remove dmsetup remove swarm0
	kernel_log_clean
	finish
	exit $?
fi

# Reload, remove + create: the data and the (striped) layout stay.
check reload dmsetup reload swarm0 --table "$TABLE"
check reload-resume dmsetup resume swarm0
check verify-after-reload fio_verify "$DM"
check remove dmsetup remove swarm0
check recreate dmsetup create swarm0 --table "$TABLE"
DM=$(dm_node swarm0)
expect_eq recreate-has-data 1 "$(swarm_st swarm0 has_data)"
check verify-after-recreate fio_verify "$DM"

# A map on a device with data: a migration, online.
gen_map 1 >/tmp/map1.txt
check migrate-upload swarmctl map upload "$DM" /tmp/map1.txt
check migrate-done wait_migration swarm0
expect_eq migrate-generation 1 "$(swarm_st swarm0 generation)"
check migrate-moved test "$(swarm_st swarm0 moved)" = "$(swarm_st swarm0 total)"
check migrate-log sh -c 'dmesg | grep -q "swarm0: migrated to generation 1"'
check verify-after-migration fio_verify "$DM"

# Module reload: the map comes back from the members.
check remove-for-rmmod dmsetup remove swarm0
check rmmod rmmod dm-swarm
check modprobe-again modprobe dm-swarm
check recreate-after-rmmod dmsetup create swarm0 --table "$TABLE"
DM=$(dm_node swarm0)
expect_eq rmmod-generation 1 "$(swarm_st swarm0 generation)"
check rmmod-load-log sh -c 'dmesg | grep -q "swarm0: set .*: map generation 1"'
check verify-after-rmmod fio_verify "$DM"

# One member's copy of the map records lost: the mirror on the next member
# serves, and every byte is still there.
gen=$(swarm_st swarm0 generation)
check remove-for-damage dmsetup remove swarm0
set -- $(swarm_layout "$(dev_sectors /dev/$D1)" 8)
area=$(awk -v n="$1" 'BEGIN { print 2 * int((8 * n + 4095) / 4096) * 8 }')
dd if=/dev/urandom of=/dev/$D1 bs=512 seek=$((16 + gen % 2 * area)) count=8 \
	conv=notrunc,fsync 2>/dev/null
check create-with-damaged-records dmsetup create swarm0 --table "$TABLE"
check mirror-used sh -c 'dmesg | grep -q "map records of member 1 are damaged, using the copy on member 2"'
DM=$(dm_node swarm0)
expect_eq mirror-generation "$gen" "$(swarm_st swarm0 generation)"
check verify-with-mirror fio_verify "$DM"

# Suspend and resume in the middle of a slow migration; a second commit
# is refused meanwhile. Only entries whose copies change move (stable
# placement), so map 2 has 4 clusters, one of the entries striped on
# each member (3/4 of them move), and 4 more, entry e in cluster 4 + e % 4
# (a second copy of every entry): several windows of about 7 MiB, even
# on 8 MiB members.
check rate-cap dmsetup message swarm0 0 migrate_rate 1
awk -v ne="$NE" 'BEGIN {
	f = ne - ne % 512
	for (e = 0; e < ne; e++) {
		d = e < f ? int(e / 128) % 4 : (e - f) % 4
		m[d] = m[d] " " e
		if (!(d in first))
			first[d] = e
		m[4 + e % 4] = m[4 + e % 4] " " e
		if (!((4 + e % 4) in first))
			first[4 + e % 4] = e
	}
	for (d = 0; d < 8; d++)
		print d, first[d], 10 + d m[d]
}' >/tmp/map2.txt
check slow-upload swarmctl map upload "$DM" /tmp/map2.txt
sleep 1
check slow-running test "$(swarm_st swarm0 migration)" = running
check second-commit-refused sh -c "! swarmctl map upload $DM /tmp/map1.txt 2>/tmp/busy.txt"
check second-commit-says-busy grep -qi "busy\|migration" /tmp/busy.txt
check suspend-mid-migration dmsetup suspend swarm0
check paused test "$(swarm_st swarm0 migration)" = paused
a=$(swarm_st swarm0 moved)
t=$(swarm_st swarm0 total)
sleep 1
expect_eq paused-no-progress "$a" "$(swarm_st swarm0 moved)"
# A module reload in the middle of it, from the suspended table (so that
# no window runs meanwhile, however slow the kernel): the superblocks
# recorded the migration (its journal); the next table resumes it from
# its boundary, without the old table's rate cap, and it finishes.
echo "before the module reload: $a of $t entries moved"
check partly-moved test "$a" -gt 0 -a "$a" -lt "$t"
check remove-mid-migration dmsetup remove swarm0
check examine-pending sh -c "swarmctl examine /dev/$D0 | grep -q 'migrating      to generation 2 (map area 0), entries below [1-9][0-9]* copied'"
check rmmod-mid-migration rmmod dm-swarm
check modprobe-mid-migration modprobe dm-swarm
check recreate-mid-migration dmsetup create swarm0 --table "$TABLE"
DM=$(dm_node swarm0)
check rmmod-resumed-log sh -c 'dmesg | grep -q "swarm0: resuming migration to generation 2 at entry [1-9][0-9]*: '"$a of $t"' moved"'
check read-during-migration dd if="$DM" of=/dev/null bs=4k count=64 iflag=direct
check slow-done wait_migration swarm0
expect_eq slow-moved-all "$t" "$(swarm_st swarm0 moved)"
expect_eq slow-generation 2 "$(swarm_st swarm0 generation)"
check verify-after-suspend fio_verify "$DM"

# CHANGES map changes under a concurrent write-and-verify job over the whole
# device: fio writes every entry once, in random order, at a bounded rate,
# and verifies every one at the end.
fio --name=conc --filename="$DM" --bs=4k --direct=1 --ioengine=psync \
	--rw=randwrite --verify=crc32c --randseed=99 --rate_iops=400 \
	--do_verify=1 >/tmp/conc.txt 2>&1 &
fpid=$!
ok=0
for i in $(seq 3 $((CHANGES + 2))); do
	gen_map "$i" >/tmp/map.txt
	if swarmctl map upload "$DM" /tmp/map.txt >/tmp/up.txt 2>&1 &&
	   wait_migration swarm0 &&
	   [ "$(swarm_st swarm0 generation)" = "$i" ]; then
		ok=$((ok + 1))
	else
		cat /tmp/up.txt
	fi
done
expect_eq "$CHANGES-map-changes" "$CHANGES" "$ok"
wait $fpid
rc=$?
expect_eq concurrent-fio-verify 0 "$rc"
[ "$rc" = 0 ] || tail -n 20 /tmp/conc.txt
check concurrent-fio-wrote sh -c "grep -q 'WRITE: bw' /tmp/conc.txt"
check concurrent-reverify fio --name=conc --filename="$DM" --bs=4k --direct=1 \
	--ioengine=psync --rw=randwrite --verify=crc32c --randseed=99 \
	--verify_only

# A damaged journal: a migration stopped half way (suspend, remove), then
# the pending map's area overwritten on members 1 and 2, so member 1's
# records are lost on both copies. The next table drops the migration
# (logged), keeps the committed map and every byte, and takes a new map.
G=$(swarm_st swarm0 generation)
P=$((G + 1))
check damaged-rate dmsetup message swarm0 0 migrate_rate 1
# Map 2 again (every entry gets a second copy: several 4 MiB windows
# even on 16 MiB members), so the cap stops it half way.
cp /tmp/map2.txt /tmp/mapd.txt
check damaged-upload swarmctl map upload "$DM" /tmp/mapd.txt
sleep 1
check damaged-suspend dmsetup suspend swarm0
a=$(swarm_st swarm0 moved)
check damaged-partly-moved test "$a" -gt 0 -a "$a" -lt "$(swarm_st swarm0 total)"
check damaged-remove dmsetup remove swarm0
# "map areas      16 and 528, 512 sectors each": the pending one is P mod 2.
area=$(swarmctl examine "/dev/$D1" | awk -v p="$((P % 2))" '/map areas/ {
	gsub(",", ""); print (p ? $5 : $3), $6 }')
echo "pending map area (sector, sectors): $area"
# Only a pending area is damaged: were the migration done, that area
# would be the committed map's.
if swarmctl examine "/dev/$D1" | grep -q "migrating      to generation $P (map area $((P % 2)))"; then
	pass damaged-examine-pending
	for d in "$D1" "$D2"; do
		set -- $area
		check "damage-area-$d" dd if=/dev/urandom of="/dev/$d" bs=512 \
			seek="$1" count="$2" oflag=direct conv=notrunc
	done
else
	fail damaged-examine-pending "no migration to generation $P pending"
fi
check damaged-create dmsetup create swarm0 --table "$TABLE"
DM=$(dm_node swarm0)
check damaged-dropped-log sh -c 'dmesg | grep -q "swarm0: pending migration to generation '"$P"' dropped (-[0-9]*); map '"$G"' kept"'
expect_eq damaged-keeps-generation "$G" "$(swarm_st swarm0 generation)"
expect_eq damaged-migration-idle idle "$(swarm_st swarm0 migration)"
check damaged-journal-cleared sh -c "! swarmctl examine /dev/$D0 | grep -q migrating"
check damaged-verify fio --name=conc --filename="$DM" --bs=4k --direct=1 \
	--ioengine=psync --rw=randwrite --verify=crc32c --randseed=99 \
	--verify_only
check damaged-new-map swarmctl map upload --wait "$DM" /tmp/mapd.txt
expect_eq damaged-new-generation "$P" "$(swarm_st swarm0 generation)"
check damaged-new-map-verify fio --name=conc --filename="$DM" --bs=4k \
	--direct=1 --ioengine=psync --rw=randwrite --verify=crc32c \
	--randseed=99 --verify_only

# A device filled up to the slots swarm_entries() counts (the few slots
# its estimate leaves are all that is free): the map is taken, entries
# move only into those free slots, the others stay; nothing lost.
check remove-before-full dmsetup remove swarm0
wipe_members
check create-full dmsetup create swarmf --table "0 $(($(swarm_entries 100) * 8)) swarm 8 4$M"
check full-write fio_write "$(dm_node swarmf)"
check full-upload swarmctl map upload --wait "$(dm_node swarmf)" /tmp/map1.txt
expect_eq full-generation 1 "$(swarm_st swarmf generation)"
expect_eq full-moved-planned "$(swarm_st swarmf total)" "$(swarm_st swarmf moved)"
check full-verify fio_verify "$(dm_node swarmf)"
check remove-full dmsetup remove swarmf

# Member mismatches, on the set made by the test above.
mismatch() {
	name=$1 msg=$2
	shift 2
	if dmsetup create swarmx --table "$*" 2>/dev/null; then
		fail "$name" "created: $*"
		dmsetup remove swarmx
	elif dmesg | tail -n 20 | grep -q "$msg"; then
		pass "$name"
	else
		fail "$name" "no '$msg' in the log"
	fi
}
FULL="0 $(($(swarm_entries 100) * 8)) swarm 8"
mismatch wrong-order "Members are given in the wrong order" \
	"$FULL 4 /dev/$D1 /dev/$D0 /dev/$D2 /dev/$D3"
mismatch missing-member "does not give every member" \
	"0 $LEN swarm 8 3 /dev/$D0 /dev/$D1 /dev/$D2"
mismatch other-geometry "geometry differs" "0 $LEN swarm 8 4$M"
# Another set on member 3 only.
dd if=/dev/zero of=/dev/$D3 bs=4k count=2 2>/dev/null
check other-set dmsetup create swarmo --table "0 8 swarm 8 1 /dev/$D3"
check other-set-remove dmsetup remove swarmo
mismatch different-sets "Members belong to different sets" "$FULL 4$M"
# Someone else's data on a blank-looking member needs "format".
wipe_members
echo "not a swarm" | dd of=/dev/$D2 conv=notrunc 2>/dev/null
mismatch foreign-data "holds other data" "$FULL 4$M"
check format-feature dmsetup create swarmx --table "$FULL 4$M 1 format"
check format-status sh -c 'dmsetup table swarmx | grep -q " 1 format$"'
check format-remove dmsetup remove swarmx
# Both superblock copies damaged.
printf 'XXXX' | dd of=/dev/$D1 bs=1 seek=100 conv=notrunc 2>/dev/null
printf 'XXXX' | dd of=/dev/$D1 bs=1 seek=4196 conv=notrunc 2>/dev/null
mismatch damaged-superblock "superblocks are damaged" "$FULL 4$M"

kernel_log_clean
finish
