# shellcheck shell=sh
# Cluster maps on 4 emulated NVMe SSDs: upload through the control device,
# placement, writes to every copy, reads of the least-loaded copy,
# statistics, and every bad upload refused with its errno.
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=clustermap
kernel_log_begin

check load modprobe dm-swarm
check control-device test -c /dev/dm-swarm-control
check version sh -c 'swarmctl version | grep -q "kernel ABI 1.4.0"'

N=4
M=""
for i in 0 1 2 3; do
	eval "D$i=\$(nvme_dev $i)"
	eval "M=\"\$M /dev/\$D$i\""
done
NE=4096
LEN=$((NE * 8))
# Slots start after the metadata: DS, in 4 KiB blocks.
DS=$(($(swarm_layout "$(dev_sectors /dev/$D0)" 8 | cut -d' ' -f2) / 8))
TABLE="0 $LEN swarm 8 $N$M"

# Raw ioctls, on a swarm of its own (the test writes and commits maps).
check create-ioctl-dev dmsetup create swarmio --table "$TABLE"
check slow-migrations dmsetup message swarmio 0 migrate_rate 1
SUITE=ioctl
swarm-ioctl-test "$(dm_node swarmio)" "/dev/$D0" swarmio >/tmp/ioctl.out 2>&1
rc=$?
cat /tmp/ioctl.out
PASSED=$((PASSED + $(grep -c '^PASS:' /tmp/ioctl.out)))
FAILED=$((FAILED + $(grep -c '^FAIL:' /tmp/ioctl.out)))
[ $rc -le 1 ] || fail exit "swarm-ioctl-test exited with $rc"
SUITE=clustermap
check remove-ioctl-dev dmsetup remove swarmio
wipe_members

check create dmsetup create swarm0 --table "$TABLE"
DM=$(dm_node swarm0)

# status fields after the 4 member groups: generation clusters copies
# reads writes multi_copy_reads redirected_reads selector placement
st() {
	dmsetup status swarm0 | awk -v f="$1" '{ print $(4 + $4 * 5 + f) }'
}
expect_eq no-map-generation 0 "$(st 1)"
expect_eq no-map-copies $NE "$(st 3)"

# 64 clusters of 64 entries; cluster c starts at entry 48c, so it shares
# 16 entries with the next one: those 1008 entries get two copies.
awk 'BEGIN {
	print "# test map"
	for (c = 0; c < 64; c++) {
		s = c * 48
		printf "%d %d %d", c, s + 5, 100 - c
		for (i = 0; i < 64; i++) printf " %d", s + i
		printf "\n"
	}
	for (c = 0; c < 63; c++) printf "weight %d %d 10\n", c, c + 1
}' >/tmp/map.txt

check upload swarmctl map upload "$DM" /tmp/map.txt
expect_eq generation-1 1 "$(st 1)"
expect_eq clusters-64 64 "$(st 2)"
expect_eq copies $((NE + 63 * 16)) "$(st 3)"
check stats-json sh -c "swarmctl stats $DM --json | grep -q '\"clusters\":64'"

# Where entries live.
copies_of() { swarmctl map show "$DM" "$1" | sed 's/^[0-9]*: *//'; }
expect_eq shared-entry-2-copies 2 "$(copies_of 48 | wc -w)"
expect_eq shared-entry-distinct-members 2 "$(copies_of 48 | tr ' ' '\n' | cut -d/ -f1 | sort -u | wc -l)"
expect_eq single-entry-1-copy 1 "$(copies_of 0 | wc -w)"
expect_eq unclustered-entry-1-copy 1 "$(copies_of 4000 | wc -w)"
# Cluster 0 spreads evenly: 16 of its 64 members on each SSD.
expect_eq cluster-spread "16 16 16 16" "$(swarmctl map show "$DM" 0-63 |
	awk '{ split($2, a, "/"); n[a[1]]++ } END { print n[0], n[1], n[2], n[3] }')"

# Data: write everything, verify; each copy holds the data.
FIO="fio --output-format=terse --terse-version=3 --minimal --direct=1 --ioengine=io_uring --filename=$DM"
check fio-write-verify $FIO --name=all --rw=write --bs=64k --iodepth=16 \
	--verify=crc32c --do_verify=1 --size=100%
dd if="$DM" of=/tmp/e48 bs=4096 skip=48 count=1 iflag=direct 2>/dev/null
want=$(md5sum </tmp/e48 | cut -d' ' -f1)
k=0
for c in $(copies_of 48); do
	d=${c%/*}
	s=${c#*/}
	eval "mdev=/dev/\$D$d"
	got=$(dd if="$mdev" bs=4096 skip=$((DS + s)) count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	expect_eq "copy-$k-of-entry-48-holds-data" "$want" "$got"
	k=$((k + 1))
done

# A write to a two-copy entry reaches both members; a read one of them.
devwrites() { dmsetup status swarm0 | awk -v i="$1" '{ print $(7 + i * 5) }'; }
devreads() { dmsetup status swarm0 | awk -v i="$1" '{ print $(6 + i * 5) }'; }
c0=$(copies_of 48 | cut -d' ' -f1)
c1=$(copies_of 48 | cut -d' ' -f2)
w0=$(devwrites "${c0%/*}")
w1=$(devwrites "${c1%/*}")
dd if=/tmp/e48 of="$DM" bs=4096 seek=48 count=1 oflag=direct 2>/dev/null
expect_eq write-reaches-copy-0 $((w0 + 1)) "$(devwrites "${c0%/*}")"
expect_eq write-reaches-copy-1 $((w1 + 1)) "$(devwrites "${c1%/*}")"
c=$(copies_of 7)
r0=$(devreads "${c%/*}")
dd if="$DM" of=/dev/null bs=4096 skip=7 count=1 iflag=direct 2>/dev/null
expect_eq read-single-copy-member $((r0 + 1)) "$(devreads "${c%/*}")"

# Reads of sampled entries land on a member that holds a copy, only there;
# the content of every copy equals what the swarm device returns.
allreads() { dmsetup status swarm0 | awk '{ for (i = 0; i < $4; i++) printf "%s ", $(6 + i * 5); print "" }'; }
bad=0
badc=0
for e in 0 5 47 48 63 64 100 500 1000 1001 2000 3000 3087 3088 4000 4095; do
	cps=$(copies_of $e)
	b=$(allreads)
	dd if="$DM" of=/tmp/ent bs=4096 skip=$e count=1 iflag=direct 2>/dev/null
	a=$(allreads)
	went=$(echo "$b $a" | awk '{ for (i = 1; i <= 4; i++) if ($(i + 4) - $i == 1) d = d " " (i - 1); else if ($(i + 4) != $i) d = d " x"; print d }')
	case " $(echo "$cps" | tr ' ' '\n' | cut -d/ -f1 | tr '\n' ' ')" in
	*" ${went# } "*) ;;
	*) bad=$((bad + 1)); echo "entry $e: read went to '$went', copies $cps" ;;
	esac
	want=$(md5sum </tmp/ent | cut -d' ' -f1)
	for c in $cps; do
		eval "mdev=/dev/\$D${c%/*}"
		got=$(dd if="$mdev" bs=4096 skip=$((DS + ${c#*/})) count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || { badc=$((badc + 1)); echo "entry $e copy $c differs"; }
	done
done
expect_eq sampled-reads-on-a-copy 0 "$bad"
expect_eq sampled-copies-hold-data 0 "$badc"

# A bad map file changes nothing and names its line.
printf '0 1 1 1 2\n1 9 1 3 4\n' >/tmp/bad.txt
out=$(swarmctl map upload "$DM" /tmp/bad.txt 2>&1)
expect_eq bad-file-refused 1 "$(echo "$out" | grep -c '/tmp/bad.txt:2:')"
expect_eq bad-file-map-unchanged 1 "$(st 1)"
# The device holds data now: a new map migrates it.
check data-present-migrates swarmctl map upload --wait "$DM" /tmp/map.txt
expect_eq data-present-generation 2 "$(st 1)"
check verify-after-migration $FIO --name=all --rw=write --bs=64k --iodepth=16 \
	--verify=crc32c --verify_only=1 --size=100%

# Reload with the same table keeps the map and the data.
check reload dmsetup reload swarm0 --table "$TABLE"
check reload-resume dmsetup resume swarm0
expect_eq reload-keeps-map 2 "$(st 1)"
check verify-after-reload $FIO --name=all --rw=write --bs=64k --iodepth=16 \
	--verify=crc32c --verify_only=1 --size=100%

# Messages.
check msg-placement dmsetup message swarm0 0 placement roundrobin
expect_eq status-placement roundrobin "$(st 9)"
check msg-bad-selector sh -c '! dmsetup message swarm0 0 selector fastest'
check msg-unknown sh -c '! dmsetup message swarm0 0 frobnicate'

# Every entry of 0..255 in two clusters: two copies each. Many readers
# spread over both copies with least-loaded, never with static.
awk 'BEGIN {
	for (c = 0; c < 2; c++) {
		printf "%d %d 10", c, c
		for (i = 0; i < 256; i++) printf " %d", i
		printf "\n"
	}
}' >/tmp/dup.txt
check msg-coactivation dmsetup message swarm0 0 placement coactivation
check upload-drop-data swarmctl map upload --drop-data "$DM" /tmp/dup.txt
expect_eq generation-3 3 "$(st 1)"
expect_eq dup-copies $((NE + 256)) "$(st 3)"
# 4 readers x 512 random 4 KiB reads of the 256 entries, queue depth 16.
READERS="$FIO --name=readers --rw=randread --bs=4k --iodepth=16 --numjobs=4 --size=1M --io_size=2M"
check stats-reset swarmctl stats reset "$DM"
check readers-least-loaded $READERS
multi=$(st 6)
redir=$(st 7)
echo "least-loaded: $multi multi-copy reads, $redir redirected"
expect_eq least-loaded-multi-copy-reads 2048 "$multi"
expect_eq least-loaded-redirects-10pct 1 "$([ $((redir * 10)) -gt "$multi" ] && echo 1)"
check msg-static dmsetup message swarm0 0 selector static
check stats-reset-2 swarmctl stats reset "$DM"
check readers-static $READERS
echo "static: $(st 6) multi-copy reads, $(st 7) redirected"
expect_eq static-multi-copy-reads 2048 "$(st 6)"
expect_eq static-never-redirects 0 "$(st 7)"

check remove dmsetup remove swarm0
check unload rmmod dm-swarm
kernel_log_clean
finish
