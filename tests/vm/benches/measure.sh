# shellcheck shell=sh
# Member request sizes: per setup, submission order and member scheduler,
# the replay's I/O time and the members' reads, merges and average size.
#   measure.sh STEPS SETUPS SCHEDS   (e.g. 200:206 stripe,map,oracle none)
# Needs /data/syn.trace, /data/syn.map, /data/syn.oracle.map (as
# scripts/bench.sh makes them); run on throttled members, e.g.
#   scripts/vm-run.sh --kernel 6.12 --disks 4 --disk-mib 2048 \
#     --bps 52428800 --iops 2000 --mem 3072 --file build/.../syn.trace \
#     --file .../syn.map --file .../syn.oracle.map tests/vm/benches/measure.sh \
#     200:206 stripe,map,oracle none
. /tests/lib.sh
SUITE=measure
STEPS=${1:-200:203}
SETUPS=$(echo ${2:-stripe,oracle} | tr , " ")
SCHEDS=$(echo ${3:-none,mq-deadline} | tr , " ")
ENTRIES=${ENTRIES:-200000}
modprobe dm-swarm || exit 1
ALL=""
for i in 0 1 2 3; do ALL="$ALL /dev/$(nvme_dev $i)"; done
echo "members:$ALL"
for d in $ALL; do cat /sys/block/$(basename $d)/queue/nr_requests /sys/block/$(basename $d)/queue/max_sectors_kb /sys/block/$(basename $d)/queue/max_segments | tr '\n' ' '; ls /sys/block/$(basename $d)/mq | wc -l; done
stat_sum() {
	r=0 m=0 s=0
	for _d in $ALL; do
		set -- $(cat /sys/block/$(basename $_d)/stat)
		r=$((r + $1)) m=$((m + $2)) s=$((s + $3))
	done
	echo "$r $m $s"
}
len=$((ENTRIES * 8))
for setup in $SETUPS; do
	for d in $ALL; do dd if=/dev/zero of=$d bs=1M count=4 oflag=direct 2>/dev/null; done
	case $setup in
	stripe) tbl="0 $len striped 4 8"; for d in $ALL; do tbl="$tbl $d 0"; done; dmsetup create bench --table "$tbl" || exit 1 ;;
	*) dmsetup create bench --table "0 $len swarm 8 4$ALL" || exit 1
	   [ $setup = oracle ] && { swarmctl map upload $(dm_node bench) /data/syn.oracle.map || exit 1; }
	   [ $setup = map ] && { swarmctl map upload $(dm_node bench) /data/syn.map || exit 1; } ;;
	esac
	dev=$(dm_node bench)
	swarm-bench populate $dev --entries $ENTRIES --seed 7 --json
	case $setup in
	stripe) awk -v n=$ENTRIES 'BEGIN { for (e = 0; e < n; e++) printf "%d: %d/%d\n", e, e % 4, int(e / 4) }' >/tmp/place.txt ;;
	*) swarmctl map show $dev 0-$((ENTRIES - 1)) >/tmp/place.txt ;;
	esac
	for sched in $SCHEDS; do
		for d in $ALL; do echo $sched >/sys/block/$(basename $d)/queue/scheduler; done
		for ord in id place; do
			oopt=""
			[ $ord = place ] && oopt="--order /tmp/place.txt"
			set -- $(stat_sum); r0=$1 m0=$2 s0=$3
			swarm-bench replay $dev /data/syn.trace --steps $STEPS --verify --seed 7 \
				--bw-limit 52428800 --devices 4 $oopt --json >/tmp/j 2>/tmp/e &
			pid=$!
			maxt=0
			while kill -0 $pid 2>/dev/null; do
				t=$(ls /proc/$pid/task 2>/dev/null | wc -l)
				[ "$t" -gt "$maxt" ] && maxt=$t
				sleep 0.2
			done
			wait $pid; rc=$?
			set -- $(stat_sum); dr=$(($1 - r0)) dm=$(($2 - m0)) ds=$(($3 - s0))
			io=$(sed -n 's/.*"io_time_s":\([0-9.]*\).*/\1/p' /tmp/j)
			ea=$(sed -n 's/.*"eagain_retries":\([0-9]*\).*/\1/p' /tmp/j)
			echo "RESULT setup=$setup sched=$sched order=$ord rc=$rc io_time_s=$io dev_reads=$dr merged=$dm sectors=$ds avg_kib=$(awk -v r=$dr -v s=$ds 'BEGIN { printf "%.2f", r ? s / 2 / r : 0 }') eagain=$ea max_threads=$maxt"
			[ $rc = 0 ] || { cat /tmp/e | head; }
		done
	done
	[ $setup = stripe ] || dmsetup status bench
	dmsetup remove bench
done
dmesg | grep -E 'BUG:|WARNING:|hung|Call Trace' | head
finish
