# shellcheck shell=sh
# The demo: a swarm over 4 throttled NVMe SSDs. Write every entry, verify,
# measure, and show where the I/O went.
N=4
modprobe dm-swarm || exit 1
. /tests/lib.sh
M=""
for i in 0 1 2 3; do M="$M /dev/$(nvme_dev $i)"; done
SZ=$(dev_sectors $(echo $M | cut -d' ' -f1))
# 40% of the capacity, spare 50: room for replicas and for moving the data
# online when the map changes.
LEN=$((SZ * N * 2 / 5 / 8 * 8))
# fig NAME ARGS...: run a time-based fio job on $DEV, print "IOPS MiB/s".
fig() {
	fio --direct=1 --ioengine=io_uring --filename="$DEV" --output-format=terse \
		--terse-version=3 --time_based --runtime=10 --name="$@" |
		awk -F';' '{ printf "%d %.1f\n", $8 + $49, ($7 + $48) / 1024 }'
}
JOBS="write256k read256k rand4k"
job_args() {
	case $1 in
	write256k) echo "--rw=write --bs=256k --iodepth=16" ;;
	read256k) echo "--rw=read --bs=256k --iodepth=16" ;;
	rand4k) echo "--rw=randread --bs=4k --iodepth=32" ;;
	esac
}

echo
echo "### the baseline: dm-stripe with a 512 KiB chunk over the same members"
dmsetup create stripe0 --table "0 $((LEN / 4096 * 4096)) striped $N 1024 $(for d in $M; do printf '%s 0 ' "$d"; done)" || exit 1
DEV=$(dm_node stripe0)
for j in $JOBS; do
	# shellcheck disable=SC2046
	eval "S_$j=\"$(fig "$j" $(job_args "$j"))\""
	eval "echo \"    $j: \$S_$j (IOPS MiB/s)\""
done
dmsetup remove stripe0
# Blank members again for the swarm (dm-stripe wrote over them).
for d in $M; do dd if=/dev/zero of="$d" bs=1M count=4 oflag=direct 2>/dev/null; done

echo
echo "### dmsetup create swarm0 (4 KiB entries over$M, 40% of their capacity, spare 50)"
dmsetup create swarm0 --table "0 $LEN swarm 8 $N$M 2 spare 50" || exit 1
dmesg | grep 'swarm0: formatted' | sed 's/^\[[^]]*\] /    /'
DM=$(dm_node swarm0)
dmsetup table swarm0
FIO="fio --direct=1 --ioengine=io_uring --filename=$DM --group_reporting"
summ() { grep -E '^ *(READ|WRITE):|IOPS=|verify|err=' | grep -v 'clat\|lat (' | sed 's/^ */    /'; }

echo
echo "### the same fio jobs on the swarm (no map yet), beside dm-stripe 512K"
DEV=$DM
echo "job         dm-stripe 512K IOPS  MiB/s |  swarm IOPS  MiB/s |  swarm / stripe"
for j in $JOBS; do
	# shellcheck disable=SC2046
	w=$(fig "$j" $(job_args "$j"))
	eval "b=\$S_$j"
	echo "$j $b $w" | awk '{ printf "%-10s %20d %6.1f | %11d %6.1f | %14.2fx\n", $1, $2, $3, $4, $5, ($3 > 0 ? $5 / $3 : 0) }'
done

echo
echo "### write every entry (256 KiB sequential), then verify (crc32c)"
$FIO --name=fill --rw=write --bs=256k --iodepth=16 --size=100% \
	--verify=crc32c --do_verify=1 2>&1 | summ
echo
echo "### dmsetup status swarm0"
dmsetup status swarm0
echo
echo "per member      swarm reads   writes  MiB read  MiB written | /sys/block reads  writes"
dmsetup status swarm0 | awk '{ for (i = 0; i < $4; i++) { b = 5 + i * 5; print $b, $(b+1), $(b+2), $(b+3), $(b+4) } }' |
while read -r dev r w rs ws; do
	name=$(basename "$(readlink -f /sys/dev/block/$dev)")
	printf '%-8s %5s %10s %8s %9d %12d | %16s %7s\n' "$name" "$dev" "$r" "$w" \
		$((rs / 2048)) $((ws / 2048)) "$(blkstat "$name" 1)" "$(blkstat "$name" 5)"
done

echo
echo "### a cluster map: 1024 clusters of 32 entries, each sharing 8 with the next"
awk 'BEGIN {
	for (c = 0; c < 1024; c++) {
		s = c * 24
		printf "%d %d %d", c, s, 1024 - c
		for (i = 0; i < 32; i++) printf " %d", s + i
		printf "\n"
	}
	for (c = 0; c < 1023; c++) printf "weight %d %d 1\n", c, c + 1
}' >/tmp/demo.map
echo "(the device holds data: the upload moves it online with dm-kcopyd)"
swarmctl map upload --wait "$DM" /tmp/demo.map 2>/dev/null  # no progress line on the console
dmesg | grep 'swarm0: migrated' | sed 's/^\[[^]]*\] /    /'
swarmctl map show "$DM"
echo "entries 24-27 (in two clusters) and 100:"
swarmctl map show "$DM" 24-27 100 | sed 's/^/    /'
echo
echo "### verify every entry after the migration"
$FIO --name=fill --rw=write --bs=256k --iodepth=16 --size=100% \
	--verify=crc32c --verify_only 2>&1 | summ
echo
echo "### persistence: dmsetup remove, then swarmctl assemble from the superblocks"
dmsetup remove swarm0
swarmctl assemble --create swarm0 $(echo $M | tr ' ' '\n' | sort -r)
DM=$(dm_node swarm0)
FIO="fio --direct=1 --ioengine=io_uring --filename=$DM --group_reporting"
swarmctl map show "$DM"
$FIO --name=fill --rw=write --bs=256k --iodepth=16 --size=100% \
	--verify=crc32c --verify_only 2>&1 | summ
swarmctl stats reset "$DM"
echo
echo "### 4 KiB random reads of the clustered entries, 4 jobs x queue depth 16, 10 s"
$FIO --name=clustered --rw=randread --bs=4k --iodepth=16 --numjobs=4 \
	--size=$((24 * 1024 * 4096)) --time_based --runtime=10 2>&1 | summ
echo
echo "### swarmctl stats"
swarmctl stats "$DM"
dmsetup remove swarm0
