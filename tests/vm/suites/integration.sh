# shellcheck shell=sh
# Integration test of the swarm target on 4 emulated NVMe SSDs: lifecycle,
# data integrity, placement of known entries, flush and discard fan-out,
# and every bad table line.
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=integration
kernel_log_begin

check load modprobe dm-swarm
check target-registered sh -c 'dmsetup targets | grep -q "^swarm "'

N=4
i=0
while [ $i -lt $N ]; do
	eval "D$i=\$(nvme_dev $i)"
	i=$((i + 1))
done
echo "members: $D0 $D1 $D2 $D3"
SZ=$(dev_sectors /dev/$D0)	# every member has the same size
RAWLEN=$((SZ * N))
# Every slot after the metadata (superblocks, map areas): DS 4 KiB blocks.
set -- $(swarm_layout "$SZ" 8)
LEN=$(($1 * 8 * N))
DS=$(($2 / 8))
TABLE="0 $LEN swarm 8 $N /dev/$D0 /dev/$D1 /dev/$D2 /dev/$D3"
MAJMIN=""
for d in $D0 $D1 $D2 $D3; do
	MAJMIN="$MAJMIN $(cat /sys/block/$d/dev)"
done

check create dmsetup create swarm0 --table "$TABLE"
DM=$(dm_node swarm0)
check is-block-device test -b "$DM"
expect_eq table "0 $LEN swarm 8 $N$MAJMIN" "$(dmsetup table swarm0)"
expect_eq size "$LEN" "$(dev_sectors "$DM")"
DMN=$(basename "$DM")
expect_eq io-min 4096 "$(cat /sys/block/$DMN/queue/minimum_io_size)"
# Striped entries lie in runs of 128 (512 KiB): io_opt is a row of runs.
R=128
expect_eq io-opt $((4096 * R * N)) "$(cat /sys/block/$DMN/queue/optimal_io_size)"

# Status: <start> <len> swarm <nr_devs> (<dev> <r> <w> <rs> <ws>)...
expect_eq status-shape "$N$MAJMIN" "$(dmsetup status swarm0 | awk '{ s = $4; for (i = 0; i < $4; i++) s = s " " $(5 + i * 5); print s }')"

# snapshot: per member, the four swarm counters and the /sys/block stat
# reads and writes, on one line (one dmsetup call: exec is slow under TCG).
snapshot() {
	sys=""
	for d in $D0 $D1 $D2 $D3; do
		sys="$sys $(awk '{ print $1, $5 }' /sys/block/$d/stat)"
	done
	dmsetup status swarm0 | awk -v sys="$sys" '{
		split(sys, s, " ")
		for (i = 0; i < $4; i++) {
			b = 5 + i * 5
			printf "%s%s %s %s %s %s %s", (i ? " " : ""), $(b + 1), $(b + 2),
				$(b + 3), $(b + 4), s[2 * i + 1], s[2 * i + 2]
		}
		print ""
	}'
}

# delta BEFORE AFTER: per member "r w rs ws sysr sysw" differences.
delta() {
	echo "$1 $2" | awk -v n=$N '{
		for (i = 1; i <= n * 6; i++) printf "%s%d", (i > 1 ? " " : ""), $(i + n * 6) - $i
		print ""
	}'
}

# expected delta for one I/O of SECT sectors on member M: OP is r or w.
expected() {
	m=$1 op=$2 sect=$3
	s=""
	i=0
	while [ $i -lt $N ]; do
		if [ $i = "$m" ] && [ "$op" = r ]; then
			s="$s 1 0 $sect 0 1 0"
		elif [ $i = "$m" ]; then
			s="$s 0 1 0 $sect 0 1"
		else
			s="$s 0 0 0 0 0 0"
		fi
		i=$((i + 1))
	done
	echo "${s# }"
}

# The first write of a new set records in the superblocks that it holds
# data, before it lands: 2 superblock writes on every member, then the
# entry (entry 129: member 1).
b=$(snapshot)
dd if=/dev/zero of="$DM" bs=4096 seek=129 count=1 oflag=direct 2>/dev/null
a=$(snapshot)
expect_eq first-write-marks-superblocks "0 0 0 0 0 2 0 1 0 8 0 3 0 0 0 0 0 2 0 0 0 0 0 2" \
	"$(delta "$b" "$a")"
check status-has-data test "$(swarm_st swarm0 has_data)" = 1

# Known entries land where the runs put them, and nowhere else.
NE=$((LEN / 8))
for e in 0 1 127 128 384 511 512 1001 $((NE - 5)) $((NE - 1)); do
	set -- $(striped_loc $e $NE $N $R)
	m=$1
	slot=$2
	eval "mdev=/dev/\$D$m"
	printf 'dm-swarm entry %d' "$e" | dd of=/tmp/blk bs=4096 count=1 conv=sync 2>/dev/null
	b=$(snapshot)
	dd if=/tmp/blk of="$DM" bs=4096 seek="$e" count=1 oflag=direct 2>/dev/null
	a=$(snapshot)
	expect_eq "write-entry-$e-counters" "$(expected $m w 8)" "$(delta "$b" "$a")"
	got=$(dd if="$mdev" bs=4096 skip=$((DS + slot)) count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	expect_eq "write-entry-$e-on-member-$m-slot-$slot" "$(md5sum </tmp/blk | cut -d' ' -f1)" "$got"
	b=$(snapshot)
	got=$(dd if="$DM" bs=4096 skip="$e" count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	a=$(snapshot)
	expect_eq "read-entry-$e-counters" "$(expected $m r 8)" "$(delta "$b" "$a")"
	expect_eq "read-entry-$e-data" "$(md5sum </tmp/blk | cut -d' ' -f1)" "$got"
done

# A 64 KiB read within a run is one read of 16 entries on one member, one
# member request; a 256 KiB read across two runs (entries 96..159) is one
# read on each of members 0 and 1.
b=$(snapshot)
dd if="$DM" of=/dev/null bs=65536 count=1 iflag=direct 2>/dev/null
a=$(snapshot)
expect_eq read-64k-one-request "1 0 128 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" \
	"$(delta "$b" "$a")"
ONE="fio --name=one --filename=$DM --direct=1 --ioengine=psync --bs=256k --offset=393216 --size=256k"
b=$(snapshot)
$ONE --rw=read >/dev/null
a=$(snapshot)
expect_eq read-256k-two-runs "1 0 256 0 1 0 1 0 256 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0" \
	"$(delta "$b" "$a")"
b=$(snapshot)
$ONE --rw=write >/dev/null
a=$(snapshot)
expect_eq write-256k-two-runs "0 1 0 256 0 1 0 1 0 256 0 1 0 0 0 0 0 0 0 0 0 0 0 0" \
	"$(delta "$b" "$a")"

# Whole-device write and crc32c verify with fio (io_uring, O_DIRECT).
FIO="fio --output-format=terse --terse-version=3 --minimal --direct=1 --ioengine=io_uring --filename=$DM"
check fio-write-verify-64k $FIO --name=seq --rw=write --bs=64k --iodepth=16 \
	--verify=crc32c --do_verify=1 --size=100%
check fio-randwrite-verify-4k $FIO --name=rand --rw=randwrite --bs=4k --iodepth=32 \
	--verify=crc32c --do_verify=1 --offset=25% --size=10% --randrepeat=0
check fio-randwrite-verify-12k-unaligned $FIO --name=odd --rw=randwrite --bs=12k \
	--iodepth=8 --verify=crc32c --do_verify=1 --offset=50% --size=5% --randrepeat=0
# Rewrite the whole device so that the later verify-only passes know it.
check fio-rewrite $FIO --name=seq --rw=write --bs=64k --iodepth=16 \
	--verify=crc32c --do_verify=0 --size=100% --verify_state_save=0

# Flushes reach every member.
fl0=""
for d in $D0 $D1 $D2 $D3; do fl0="$fl0 $(blkstat "$d" 16)"; done
dd if=/dev/zero of=/tmp/z bs=4096 count=1 2>/dev/null
dd if="$DM" of=/tmp/save bs=4096 count=1 iflag=direct 2>/dev/null
dd if=/tmp/save of="$DM" bs=4096 count=1 oflag=direct conv=fsync 2>/dev/null
fl1=""
for d in $D0 $D1 $D2 $D3; do fl1="$fl1 $(blkstat "$d" 16)"; done
expect_eq flush-reaches-all-members "1 1 1 1" \
	"$(echo "$fl0 $fl1" | awk '{ print ($5 > $1), ($6 > $2), ($7 > $3), ($8 > $4) }')"

# Discards are cut at runs and reach the members that hold the range.
if [ "$(cat /sys/block/$DMN/queue/discard_max_bytes)" -gt 0 ]; then
	# The last 8 entries: the verify passes below leave them out.
	dc0=""
	for d in $D0 $D1 $D2 $D3; do dc0="$dc0 $(blkstat "$d" 12)"; done
	check discard blkdiscard -o $(((NE - 8) * 4096)) -l 16384 "$DM"
	dc1=""
	for d in $D0 $D1 $D2 $D3; do dc1="$dc1 $(blkstat "$d" 12)"; done
	want=""
	for i in 0 1 2 3; do
		hit=0
		for e in $((NE - 8)) $((NE - 7)) $((NE - 6)) $((NE - 5)); do
			[ "$(striped_loc $e $NE $N $R | cut -d' ' -f1)" = $i ] && hit=1
		done
		want="$want $hit"
	done
	expect_eq discard-4-entries-their-members "${want# }" \
		"$(echo "$dc0 $dc1" | awk '{ print ($5 > $1), ($6 > $2), ($7 > $3), ($8 > $4) }')"
else
	fail discard "the swarm device does not advertise discard"
fi

# Suspend, resume, reload.
check suspend dmsetup suspend swarm0
check suspended sh -c 'dmsetup info swarm0 | grep -q SUSPENDED'
check resume dmsetup resume swarm0
check reload dmsetup reload swarm0 --table "$TABLE"
check reload-resume dmsetup resume swarm0
expect_eq reload-table "0 $LEN swarm 8 $N$MAJMIN" "$(dmsetup table swarm0)"
# Everything but the 8 entries discarded above.
KEEP=$(((NE - 8) * 4096))
check verify-after-reload $FIO --name=seq --rw=write --bs=64k --iodepth=16 \
	--verify=crc32c --verify_only=1 --size=$KEEP
check remove dmsetup remove swarm0
check removed sh -c '! dmsetup info swarm0 >/dev/null 2>&1'

# The data is on the members, so a new swarm over them reads it back.
check recreate dmsetup create swarm1 --table "$TABLE"
DM=$(dm_node swarm1)
check verify-after-recreate $FIO --name=seq --rw=write --bs=64k --iodepth=16 \
	--verify=crc32c --verify_only=1 --size=$KEEP
check remove-again dmsetup remove swarm1

# A swarm behind another target, with 64 KiB entries over 3 members: the
# target offset and entry size are honoured. A new set: wipe the old one.
for d in $D1 $D2 $D3; do
	dd if=/dev/zero of=/dev/$d bs=4k count=2 conv=fsync 2>/dev/null
done
DS64=$(($(swarm_layout "$SZ" 128 | cut -d' ' -f2) / 128))
check create-offset-64k sh -c "printf '%s\n%s\n' '0 1024 error' \
	'1024 $((128 * 300)) swarm 128 3 /dev/$D1 /dev/$D2 /dev/$D3' | dmsetup create swarm2"
DM=$(dm_node swarm2)
# 64 KiB entries: runs of 8; 300 entries, whole rows up to 288.
for e in 0 1 7 8 10 287 288 299; do
	set -- $(striped_loc $e 300 3 8)
	m=$(($1 + 1))
	eval "mdev=/dev/\$D$m"
	printf 'swarm2 entry %d' "$e" | dd of=/tmp/blk bs=65536 count=1 conv=sync 2>/dev/null
	dd if=/tmp/blk of="$DM" bs=512 seek=$((1024 + e * 128)) count=128 oflag=direct 2>/dev/null
	got=$(dd if="$mdev" bs=65536 skip=$((DS64 + $2)) count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	expect_eq "entry64k-$e-on-member-$m" "$(md5sum </tmp/blk | cut -d' ' -f1)" "$got"
done
check remove-offset dmsetup remove swarm2

# The reads of an io_uring batch are held on the submitter's plug and
# sent sorted at unplug: suspends and resumes during large batched steps
# must neither hang nor lose or corrupt a read (every read is verified).
for d in $D0 $D1 $D2 $D3; do
	dd if=/dev/zero of=/dev/$d bs=4k count=2 conv=fsync 2>/dev/null
done
BE=$NE
[ "$BE" -gt 8192 ] && BE=8192
check create-batched dmsetup create swarm3 --table "$TABLE"
DM=$(dm_node swarm3)
check batched-populate swarm-bench populate "$DM" --entries "$BE" --seed 5
check batched-trace swarmctl trace gen -o /tmp/batched.trace --entries "$BE" \
	--steps 8 --frac 0.3 --seed 5
swarm-bench replay "$DM" /tmp/batched.trace --seed 5 --verify >/tmp/br.out 2>&1 &
RP=$!
NS=0
while kill -0 $RP 2>/dev/null && [ $NS -lt 30 ]; do
	dmsetup suspend swarm3 && dmsetup resume swarm3 && NS=$((NS + 1))
	sleep 0.1
done
if wait $RP; then
	pass batched-replay-verified
else
	fail batched-replay-verified "$(tail -n 3 /tmp/br.out)"
fi
echo "suspend + resume during the replay: $NS times"
check batched-suspended-during-replay test "$NS" -gt 0
check batched-active sh -c '! dmsetup info swarm3 | grep -q SUSPENDED'
check remove-batched dmsetup remove swarm3

# Each bad table line fails with its own message.
dmsetup create tiny --table "0 4 linear /dev/$D3 0"
TINY=$(dm_node tiny)
bad_table() {
	name=$1 table=$2 msg=$3
	dmesg -c >/dev/null
	if dmsetup create bad --table "$table" >/dev/null 2>&1; then
		dmsetup remove bad
		fail "bad-$name" "table accepted: $table"
	elif dmesg | grep -qF "swarm: $msg"; then
		pass "bad-$name"
	else
		fail "bad-$name" "no '$msg' in: $(dmesg | grep device-mapper | tail -n 2)"
	fi
}
M="/dev/$D0 /dev/$D1 /dev/$D2 /dev/$D3"
bad_table no-devices "0 8 swarm 8 4" "Not enough arguments"
bad_table entry-nan "0 8 swarm eight 4 $M" "Invalid entry size"
bad_table entry-not-pow2 "0 24 swarm 24 4 $M" "Entry size is not a power of two"
bad_table entry-too-small "0 8 swarm 4 4 $M" "Entry size out of range"
bad_table entry-too-large "0 4096 swarm 4096 4 $M" "Entry size out of range"
bad_table dev-count-zero "0 8 swarm 8 0 $M" "Invalid device count"
bad_table dev-count-65 "0 8 swarm 8 65 $M" "Invalid device count"
bad_table dev-count-short "0 8 swarm 8 5 $M" "Fewer devices given than the device count"
bad_table no-such-device "0 8 swarm 8 2 /dev/$D0 /dev/nonexistent" "Device lookup failed"
bad_table duplicate-device "0 8 swarm 8 2 /dev/$D0 /dev/$D0" "Duplicate device"
bad_table duplicate-by-number "0 8 swarm 8 2 /dev/$D0 $(cat /sys/block/$D0/dev)" "Duplicate device"
bad_table device-too-small "0 8 swarm 8 2 /dev/$D0 $TINY" "Device too small to hold one entry"
bad_table len-not-multiple "0 12 swarm 8 4 $M" "Target length is not a multiple of the entry size"
bad_table len-too-large "0 $((RAWLEN + 8)) swarm 8 4 $M" "Target length is larger than the devices hold"
bad_table feature-count "0 8 swarm 8 4 $M 2 x" "Feature argument count does not match"
bad_table feature-nan "0 8 swarm 8 4 $M x" "Invalid number of feature arguments"
bad_table feature-unknown "0 8 swarm 8 4 $M 1 frobnicate" "Unknown feature"
check no-bad-left sh -c '! dmsetup info bad >/dev/null 2>&1'
dmsetup remove tiny

check unload rmmod dm-swarm
kernel_log_clean
finish
