# shellcheck shell=sh
# The I/O path under load, on 4 emulated NVMe SSDs with mq-deadline and a
# tiny request queue (nr_requests 4) on every member, so that completions
# go through blk_update_request and submitters meet tag pressure:
#   - large reads and writes reach the members as large requests, also
#     over clusters whose entries alternate members (parts);
#   - writes to entries with two copies complete, leave nothing counted in
#     flight on any member (the selector's load), and verify;
#   - io_uring writes at queue depth 128 with replicas never fail (held
#     and cloned writes must not keep REQ_NOWAIT);
#   - map changes (migrations) under a write-heavy io_uring verify job lose
#     no acknowledged write;
#   - io_uring reads over clusters verify while map() cannot allocate
#     parts (fault injection, debug kernel only);
#   - batched reads of more than a plug holds verify;
#   - reads are held only while held reads merge (random reads pause it).
#
#   iopath.sh [MIGRATIONS]   map changes under the write job (default 5;
#                            the debug kernel runs 1: it copies slowly)
MIGRATIONS=${1:-5}
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

# Parts map() cannot allocate (a fault injected where allocation may not
# sleep, on kernels with CONFIG_FAULT_INJECTION_DEBUG_FS: the debug
# kernel). dm core cuts these 1 MiB reads at runs and sends the pieces one
# after the other; an io_uring (REQ_NOWAIT) piece failed with EAGAIN after
# an earlier one was sent completes the read in interrupt context, where
# io_uring does not reissue it: such reads go to the worker instead.
F=/sys/kernel/debug/dm_swarm_fail_nowait
if [ -d $F ]; then
	echo 0 >$F/verbose
	echo 1 >$F/interval
	echo 50 >$F/probability
	echo 1000000 >$F/times
	check nowait-parts-failing-verify $FIO --name=fill --rw=write --bs=1m \
		--iodepth=8 --size=100% --verify=crc32c --verify_only=1 --loops=2
	n=$((1000000 - $(cat $F/times)))
	echo 0 >$F/probability
	echo "parts allocations failed by injection: $n"
	check nowait-faults-injected test "$n" -gt 0
elif [ -e /sys/kernel/debug/kmemleak ]; then
	# The debug kernel has fault injection: the knob must be there.
	fail nowait-knob "no $F on a kernel with kmemleak (the debug kernel)"
fi

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

# Large I/O over the clusters: their entries alternate members, so a
# 256 KiB bio is cut into one part per member run (each member's share
# lies in consecutive slots), not into 4 KiB pieces.
b=$(member_stat)
check clustered-256k-writes-verify $FIO --name=cw --rw=write --bs=256k --iodepth=8 \
	--offset=$((1024 * 4096)) --size=$((288 * 4096)) --verify=crc32c --do_verify=1
a=$(member_stat)
w=$(avg_kib "$b" "$a" w)
echo "256 KiB writes over clusters: average member write $w KiB"
check clustered-writes-large-requests test "$w" -ge 32
b=$(member_stat)
check clustered-256k-reads $FIO --name=cr --rw=read --bs=256k --iodepth=8 \
	--offset=$((1024 * 4096)) --size=$((288 * 4096)) --loops=4
a=$(member_stat)
r=$(avg_kib "$b" "$a" r)
echo "256 KiB reads over clusters: average member read $r KiB"
check clustered-reads-large-requests test "$r" -ge 32
expect_eq nothing-in-flight-after-parts "0:0:0 1:0:0 2:0:0 3:0:0" \
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
for i in $(seq 11 $((10 + MIGRATIONS))); do
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
expect_eq migrations-under-writes "$MIGRATIONS" "$ok"
expect_eq writes-during-migrations-verify 0 "$rc"

# Batched reads: steps of about 1,200 reads (more than one plug holds).
check batched-trace swarmctl trace gen -o /tmp/b.trace --entries 4096 \
	--steps 3 --frac 0.3 --seed 3
check batched-populate swarm-bench populate "$DM" --entries 4096 --seed 3
check batched-replay-verify swarm-bench replay "$DM" /tmp/b.trace --seed 3 --verify
expect_eq nothing-in-flight-at-end "0:0:0 1:0:0 2:0:0 3:0:0" \
	"$(dmsetup message sw 0 load)"

# Gathers (issue 12): a step's held reads on one member, a slot apart,
# go down as one read of them and of the gaps between them when read_gap
# allows it. A set without a map: entries 0..127 are one run of
# consecutive slots on member 0.
check gap-remove dmsetup remove sw
wipe_members
check gap-create dmsetup create sw --table "0 $LEN swarm 8 4 $M"
DM=$(dm_node sw)
FIO="fio --direct=1 --ioengine=io_uring --filename=$DM --output-format=terse --terse-version=3"
expect_eq gap-auto-default auto "$(dmsetup message sw 0 gaps | awk '{ print $1 }')"
check gap-populate swarm-bench populate "$DM" --entries 1024 --seed 9
echo "0 2 4 6" >/tmp/gap.trace

# gap_bytes: the gap bytes read so far.
gap_bytes() {
	dmsetup message sw 0 gaps | awk '{ print $3 }'
}

# gap_step KIB: read_gap KIB, then the step of /tmp/gap.trace as one
# io_uring batch, verified. Sets GAP_RC, and for the step GAP_REQS
# (member 0's read requests) and GAP_BYTES (gap bytes read).
gap_step() {
	dmsetup message sw 0 read_gap "$1"
	_g=$(gap_bytes)
	_r=$(blkstat "$D0" 1)
	swarm-bench replay "$DM" /tmp/gap.trace --seed 9 --verify >/tmp/gap.out 2>&1
	GAP_RC=$?
	[ "$GAP_RC" = 0 ] || cat /tmp/gap.out
	GAP_REQS=$(($(blkstat "$D0" 1) - _r))
	GAP_BYTES=$(($(gap_bytes) - _g))
	echo "read_gap $1: $GAP_REQS member requests for 4 reads, $GAP_BYTES gap bytes"
}
gap_step 64
expect_eq gap-64-verify 0 "$GAP_RC"
check gap-64-fewer-requests test "$GAP_REQS" -lt 4
expect_eq gap-64-gap-bytes 12288 "$GAP_BYTES"
expect_eq gap-64-forced 64 "$(dmsetup message sw 0 gaps | awk '{ print $1 }')"
gap_step 0
expect_eq gap-0-verify 0 "$GAP_RC"
expect_eq gap-0-one-request-a-read 4 "$GAP_REQS"
expect_eq gap-0-no-gap-bytes 0 "$GAP_BYTES"
# A gap of one entry is more than 3 KiB allows.
gap_step 3
expect_eq gap-3-verify 0 "$GAP_RC"
expect_eq gap-3-no-gap-bytes 0 "$GAP_BYTES"
check gap-bad-value-refused sh -c '! dmsetup message sw 0 read_gap 2048'
check gap-bad-word-refused sh -c '! dmsetup message sw 0 read_gap often'

# Batches of 16 with gaps, larger steps (the batched trace), then the
# measured threshold: every read verifies and nothing stays in flight.
dmsetup message sw 0 read_gap 64
check gap-batched-trace swarmctl trace gen -o /tmp/g.trace --entries 1024 \
	--steps 20 --frac 0.3 --seed 9
check gap-batched-replay-verify swarm-bench replay "$DM" /tmp/g.trace --seed 9 --verify
check gap-auto dmsetup message sw 0 read_gap auto
check gap-auto-replay-verify swarm-bench replay "$DM" /tmp/g.trace --seed 9 --verify
echo "gaps after auto: $(dmsetup message sw 0 gaps)"
expect_eq nothing-in-flight-after-gathers "0:0:0 1:0:0 2:0:0 3:0:0" \
	"$(dmsetup message sw 0 load)"

# Partial entries: 4 KiB reads of the first half of 8 KiB entries, 4 KiB
# apart, 16 to a batch (fio's verify pass): one gather serves each batch,
# and every block verifies.
check gap-remove-4k dmsetup remove sw
wipe_members
check gap-create-8k dmsetup create sw --table "0 $LEN swarm 16 4 $M"
DM=$(dm_node sw)
FIO="fio --direct=1 --ioengine=io_uring --filename=$DM --output-format=terse --terse-version=3"
check gap-half-write $FIO --name=half --rw=write:4k --bs=4k --size=512k \
	--verify=crc32c --do_verify=0
check gap-half-64 dmsetup message sw 0 read_gap 64
g0=$(gap_bytes)
r0=$(blkstat "$D0" 1)
check gap-half-verify $FIO --name=half --rw=write:4k --bs=4k --size=512k \
	--verify=crc32c --verify_only=1 --iodepth=16 --iodepth_batch_submit=16
r1=$(blkstat "$D0" 1)
g1=$(gap_bytes)
echo "half entries: $((r1 - r0)) member requests for 64 reads, $((g1 - g0)) gap bytes"
check gap-half-gathered test "$((g1 - g0))" -gt 0
check gap-half-fewer-requests test "$((r1 - r0))" -lt 64
expect_eq nothing-in-flight-after-half "0:0:0 1:0:0 2:0:0 3:0:0" \
	"$(dmsetup message sw 0 load)"

# Holding reads pays only when they merge: random 4 KiB reads over the
# whole device, batches of 32, pause it (hold pauses counted); 200 ms
# later the half entries' batches are held and gathered again.
hold_pauses() {
	dmsetup message sw 0 gaps | awk '{ print $4 }'
}
h0=$(hold_pauses)
check hold-random-reads $FIO --name=rr --rw=randread --bs=4k --iodepth=32 \
	--iodepth_batch_submit=32 --number_ios=2048 --norandommap
h1=$(hold_pauses)
echo "random reads: $((h1 - h0)) hold pauses"
check hold-paused-for-random-reads test "$((h1 - h0))" -gt 0
sleep 0.3
g0=$(gap_bytes)
check hold-again-verify $FIO --name=half --rw=write:4k --bs=4k --size=512k \
	--verify=crc32c --verify_only=1 --iodepth=16 --iodepth_batch_submit=16
g1=$(gap_bytes)
check hold-again-gathered test "$((g1 - g0))" -gt 0
expect_eq nothing-in-flight-after-random "0:0:0 1:0:0 2:0:0 3:0:0" \
	"$(dmsetup message sw 0 load)"

check remove dmsetup remove sw
check unload rmmod dm-swarm
kernel_log_clean
finish
