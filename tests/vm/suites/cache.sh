# shellcheck shell=sh
# The DRAM tier (issue 15), on 4 emulated NVMe SSDs, entries of 4 KiB,
# striped (no map), "cache_mb 4":
#   - reads of a region that fits are served from memory the second time
#     (hits counted, bytes served) and return what the members hold;
#   - fio writes with verify (verify_backlog: each block is read back soon
#     after it is written) on a region the cache holds, while two readers
#     keep reading and populating it: no verify error, and afterwards the
#     region read through the cache equals the region read with the
#     cache off;
#   - a new pattern written with dd while readers run: read back through
#     the cache, it is the new one;
#   - suspend/resume keeps the cache; a reload makes a new one (the table
#     line keeps cache_mb);
#   - "cache <MiB>" resizes, "cache_policy lru" switches (hits counted
#     under lru), "cache 0" turns it off;
#   - a shrinker run (drop_caches) gives memory back;
#   - the kernel log is clean (KASAN, lockdep, kmemleak on the debug kernel).
#
#   cache.sh [REGION_MIB]   the region read and written (default 2)
REG=${1:-2}
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=cache
kernel_log_begin

check load modprobe dm-swarm
members
SZ=$(dev_sectors "/dev/$D0")
set -- $(swarm_layout "$SZ" 8)
# 40% of the slots, whole rows of runs.
NE=$(($1 * 4 * 2 / 5 / 512 * 512))
LEN=$((NE * 8))
check create dmsetup create sw --table "0 $LEN swarm 8 4 $M 2 cache_mb 4"
DM=$(dm_node sw)
REGK=$((REG * 256))	# 4 KiB blocks in the region

# cst FIELD: a DRAM tier field of the status line (after the members).
cst() {
	dmsetup status sw | awk -v f="$1" '{
		b = 4 + $4 * 5 + 18 + $4
		split("policy bytes entries cb_hits cb_misses cb_hit_bytes cb_evictions lru_hits lru_misses lru_hit_bytes lru_evictions", n, " ")
		for (i = 1; i <= 11; i++) if (n[i] == f) { print $(b + i); exit }
		print "no-field-" f
	}'
}

# rd FILE: the region, read in 4 KiB direct reads.
rd() {
	dd if="$DM" of="$1" bs=4k count="$REGK" iflag=direct 2>/dev/null
}

expect_eq table-line "cache_mb 4" "$(dmsetup table sw | grep -o 'cache_mb 4')"
expect_eq policy-cb cb "$(cst policy)"
expect_eq bytes-4mib 4194304 "$(cst bytes)"
expect_eq message-cache "cb 4 4194304 0" \
	"$(dmsetup message sw 0 cache | awk '{ print $1, $2, $3, $4 }')"

# A pattern over the region, then two passes of reads.
check write-pattern dd if=/dev/urandom of=/tmp/pat bs=4k count="$REGK"
check write-region dd if=/tmp/pat of="$DM" bs=64k oflag=direct conv=fsync
check read-1 rd /tmp/r1
check read-2 rd /tmp/r2
check read-1-right cmp /tmp/pat /tmp/r1
check read-2-right cmp /tmp/pat /tmp/r2
H=$(cst cb_hits)
echo "cb: hits $H, misses $(cst cb_misses), entries $(cst entries), served $(cst cb_hit_bytes)"
check hits-counted test "$H" -ge $((REGK / 2))
check hit-bytes test "$(cst cb_hit_bytes)" -ge $((H * 4096))
check entries-held test "$(cst entries)" -ge $((REGK / 2))

# fio writes that read each block back soon (verify_backlog), on the
# region the cache holds, with two readers populating it meanwhile.
FIO="fio --direct=1 --ioengine=psync --filename=$DM --size=${REG}m"
H0=$(cst cb_hits)
$FIO --name=rd --rw=randread --bs=4k --numjobs=2 --time_based --runtime=8 \
	>/tmp/fio-rd.txt 2>&1 &
RP=$!
check fio-write-verify $FIO --name=wv --rw=randwrite --bs=4k \
	--verify=crc32c --verify_backlog=16 --do_verify=1 --loops=2 \
	--randseed=99
wait $RP
echo "during fio: $(($(cst cb_hits) - H0)) hits, $(cst entries) entries held"
check fio-readers-ok grep -q "rd: (groupid" /tmp/fio-rd.txt
check hits-while-writing test "$(cst cb_hits)" -gt "$H0"
check read-after-fio rd /tmp/r3
check cache-off-0 dmsetup message sw 0 cache 0
expect_eq off-bytes 0 "$(cst bytes)"
check read-off rd /tmp/r4
check fio-cache-equals-members cmp /tmp/r3 /tmp/r4

# A new pattern with dd while readers populate: read back, it is new.
check cache-on-4 dmsetup message sw 0 cache 4
check prime rd /tmp/r5
check new-pattern dd if=/dev/urandom of=/tmp/pat2 bs=4k count="$REGK"
$FIO --name=rd2 --rw=randread --bs=16k --numjobs=2 --time_based \
	--runtime=4 >/tmp/fio-rd2.txt 2>&1 &
RP=$!
check write-while-reading dd if=/tmp/pat2 of="$DM" bs=4k oflag=direct
wait $RP
check read-new rd /tmp/r6
check read-new-again rd /tmp/r7
check new-pattern-1 cmp /tmp/pat2 /tmp/r6
check new-pattern-2 cmp /tmp/pat2 /tmp/r7

# Suspend and resume keep the cache; a reload makes a new, empty one.
E=$(cst entries)
check suspend dmsetup suspend sw
check resume dmsetup resume sw
expect_eq kept-over-resume "$E" "$(cst entries)"
check after-resume rd /tmp/r8
check after-resume-right cmp /tmp/pat2 /tmp/r8
check reload sh -c "dmsetup table sw | dmsetup load sw && dmsetup suspend sw && dmsetup resume sw"
expect_eq reload-bytes 4194304 "$(cst bytes)"
expect_eq reload-empty 0 "$(cst entries)"
check after-reload-1 rd /tmp/r9
check after-reload-2 rd /tmp/r9
check after-reload-right cmp /tmp/pat2 /tmp/r9

# Resize, switch policy, off.
check resize-2 dmsetup message sw 0 cache 2
expect_eq resized 2097152 "$(cst bytes)"
check policy-lru dmsetup message sw 0 cache_policy lru
expect_eq lru lru "$(cst policy)"
expect_eq lru-keeps-size 2097152 "$(cst bytes)"
check lru-read-1 rd /tmp/r10
check lru-read-2 rd /tmp/r10
check lru-right cmp /tmp/pat2 /tmp/r10
echo "lru: hits $(cst lru_hits), misses $(cst lru_misses), evictions $(cst lru_evictions)"
check lru-hits test "$(cst lru_hits)" -gt 0
check bad-size sh -c "! dmsetup message sw 0 cache 99999999 2>/dev/null"
check bad-policy sh -c "! dmsetup message sw 0 cache_policy mru 2>/dev/null"
check swarmctl-stats sh -c "swarmctl stats $DM | grep -q 'cache lru'"
check swarmctl-json sh -c "swarmctl stats --json $DM | grep -q '\"cache_lru_hits\":[1-9]'"

# The shrinker gives memory back.
check policy-cb dmsetup message sw 0 cache_policy cb
check cache-8 dmsetup message sw 0 cache 8
check fill rd /tmp/r11
B=$(cst bytes)
sync
echo 2 >/proc/sys/vm/drop_caches
A=$(cst bytes)
echo "shrinker: $B bytes before, $A after"
check shrinker-gave-back test "$A" -lt "$B"
check after-shrink rd /tmp/r12
check after-shrink-right cmp /tmp/pat2 /tmp/r12

check remove dmsetup remove sw
check bad-cache-mb sh -c "! dmsetup create sw2 --table '0 $LEN swarm 8 4 $M 2 cache_mb x' 2>/dev/null"
kernel_log_clean
finish
