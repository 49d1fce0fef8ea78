# shellcheck shell=sh
# The I/O path under load, on 4 emulated NVMe SSDs with mq-deadline and a
# tiny request queue (nr_requests 4) on every member, so that completions
# go through blk_update_request and submitters meet tag pressure:
#   - large reads and writes reach the members as large requests;
#   - writes to entries with two copies complete, leave nothing counted in
#     flight on any member (the selector's load), and verify;
#   - io_uring writes at queue depth 128 with replicas never fail (held
#     and cloned writes must not keep REQ_NOWAIT);
#   - map changes (migrations) under a write-heavy io_uring verify job lose
#     no acknowledged write;
#   - batched reads of more than a plug holds verify.
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=iopath
kernel_log_begin

check load modprobe dm-swarm
members
for d in $M; do
	b=$(basename "$d")
	echo mq-deadline >"/sys/block/$b/queue/scheduler"
	echo 4 >"/sys/block/$b/queue/nr_requests"
done
check members-mq-deadline grep -q '\[mq-deadline\]' "/sys/block/$D0/queue/scheduler"
expect_eq members-nr-requests 4 "$(cat /sys/block/$D0/queue/nr_requests)"

SZ=$(dev_sectors "/dev/$D0")
set -- $(swarm_layout "$SZ" 8)
# 40% of the slots, in whole rows of runs: with spare 50, 10% for
# replicas, and room for the migrations.
NE=$(($1 * 4 * 2 / 5 / 512 * 512))
LEN=$((NE * 8))
TABLE="0 $LEN swarm 8 4 $M 4 max_copies 2 spare 50"
check create dmsetup create sw --table "$TABLE"
DM=$(dm_node sw)
FIO="fio --direct=1 --ioengine=io_uring --filename=$DM --output-format=terse --terse-version=3"

# member_stat: per member "reads read_sectors writes write_sectors".
member_stat() {
	for d in $D0 $D1 $D2 $D3; do
		awk '{ printf "%d %d %d %d ", $1, $3, $5, $7 }' "/sys/block/$d/stat"
	done
}

# avg_kib BEFORE AFTER OP: average member request size in KiB (r or w).
avg_kib() {
	echo "$1 $2" | awk -v op="$3" '{
		o = (op == "r") ? 1 : 3
		for (i = 0; i < 4; i++) {
			n += $(16 + i * 4 + o) - $(i * 4 + o)
			s += $(16 + i * 4 + o + 1) - $(i * 4 + o + 1)
		}
		print (n ? int(s / 2 / n) : 0)
	}'
}

# Large sequential writes and reads: 512 KiB runs, so 256 KiB requests.
b=$(member_stat)
check fill-1m $FIO --name=fill --rw=write --bs=1m --iodepth=8 --size=100% \
	--verify=crc32c --do_verify=1
a=$(member_stat)
w=$(avg_kib "$b" "$a" w)
echo "fill: average member write $w KiB"
check large-writes-large-requests test "$w" -ge 128
b=$(member_stat)
check read-256k $FIO --name=rd --rw=read --bs=256k --iodepth=16 --size=50%
a=$(member_stat)
r=$(avg_kib "$b" "$a" r)
echo "256 KiB reads: average member read $r KiB"
check large-reads-large-requests test "$r" -ge 128

# A map whose clusters overlap by half from entry 1024 on: 8 clusters of
# 64 entries, so the 224 entries in two clusters get two copies.
awk 'BEGIN {
	for (c = 0; c < 8; c++) {
		s = 1024 + 32 * c
		printf "%d %d %d", c, s, 10 + c
		for (i = 0; i < 64; i++) printf " %d", s + i
		printf "\n"
	}
}' >/tmp/map7.txt
check upload swarmctl map upload --wait "$DM" /tmp/map7.txt
expect_eq copies "$((NE + 224))" "$(swarm_st sw copies)"
check verify-after-migration $FIO --name=fill --rw=write --bs=1m --iodepth=8 \
	--size=100% --verify=crc32c --verify_only=1

# Writes to the clustered entries (1024..1311, 224 of them with two
# copies), with verify: the members get more than was written.
s0=$(member_stat)
check replicated-writes-verify $FIO --name=rep --rw=randwrite --bs=4k --iodepth=32 \
	--offset=$((1056 * 4096)) --size=$((224 * 4096)) --verify=crc32c \
	--do_verify=1 --randrepeat=0
s1=$(member_stat)
fan=$(echo "$s0 $s1" | awk '{ for (i = 0; i < 4; i++) n += $(16 + i * 4 + 4) - $(i * 4 + 4); print n }')
echo "sectors written to the members: $fan for $((224 * 8))"
expect_eq fan-out-two-copies "$((2 * 224 * 8))" "$fan"
expect_eq nothing-in-flight-after-fan-out "0:0:0 1:0:0 2:0:0 3:0:0" \
	"$(dmsetup message sw 0 load)"

# io_uring at queue depth 128 against 4 requests a member: writes with
# replicas wait for tags instead of failing with EAGAIN.
check replicated-writes-qd128 $FIO --name=qd --rw=randwrite --bs=4k --iodepth=128 \
	--offset=$((1024 * 4096)) --size=$((288 * 4096)) --io_size=4m \
	--verify=crc32c --do_verify=1 --randrepeat=0
check mixed-qd128 $FIO --name=mix --rw=randrw --bs=16k --iodepth=128 \
	--size=100% --io_size=16m --verify=crc32c --do_verify=1 --randrepeat=0
expect_eq nothing-in-flight-after-qd128 "0:0:0 1:0:0 2:0:0 3:0:0" \
	"$(dmsetup message sw 0 load)"

# Map changes while io_uring writes the whole device at depth 32 and
# verifies every entry at the end: no acknowledged write is lost to a
# copy made before it landed.
$FIO --name=conc --rw=randwrite --bs=4k --iodepth=32 --size=100% \
	--verify=crc32c --do_verify=1 --randseed=42 >/tmp/conc.txt 2>&1 &
fpid=$!
ok=0
for i in 11 12 13 14 15; do
	awk -v f="$i" '{ $3 = f; print }' /tmp/map7.txt >/tmp/map.txt
	gen_map "$i" | awk '{ if ($1 == "weight") next; $1 += 8; print }' >>/tmp/map.txt
	if swarmctl map upload --wait "$DM" /tmp/map.txt >/tmp/up.txt 2>&1; then
		ok=$((ok + 1))
	else
		cat /tmp/up.txt
	fi
done
wait $fpid
rc=$?
[ "$rc" = 0 ] || tail -n 20 /tmp/conc.txt
expect_eq migrations-under-writes 5 "$ok"
expect_eq writes-during-migrations-verify 0 "$rc"

# Batched reads: steps of about 2,400 reads (more than one plug holds).
check batched-trace swarmctl trace gen -o /tmp/b.trace --entries "$((NE < 8192 ? NE : 8192))" \
	--steps 6 --frac 0.3 --seed 3
check batched-populate swarm-bench populate "$DM" --entries "$((NE < 8192 ? NE : 8192))" --seed 3
check batched-replay-verify swarm-bench replay "$DM" /tmp/b.trace --seed 3 --verify
expect_eq nothing-in-flight-at-end "0:0:0 1:0:0 2:0:0 3:0:0" \
	"$(dmsetup message sw 0 load)"

check remove dmsetup remove sw
check unload rmmod dm-swarm
kernel_log_clean
finish
