# shellcheck shell=sh
# A failed member (issue 13), on 4 emulated NVMe SSDs each under a
# dm-linear device, so that a member can be swapped for dm-error or
# dm-flakey under the swarm (dmsetup load, suspend, resume):
#   - a map with max_copies 2 where about 2,000 entries have two copies;
#     the whole device written with a pattern (swarm-bench populate);
#   - member 3 becomes dm-error under large reads: those that fail are
#     read again from other copies and nothing read is wrong; member 3
#     comes back and is cleared;
#   - member 1 becomes dm-error: every entry with a copy elsewhere reads
#     back right (0 mismatches), the entries whose only copy was on
#     member 1 fail with EIO, exactly those, and fast; status says member
#     1 failed and the set degraded; a dm event was raised;
#   - writes to entries with a copy elsewhere succeed and read back;
#     writes to entries only member 1 held fail at once;
#   - member 2 becomes dm-flakey failing writes: a write to an entry with
#     a copy on member 2 and one on a healthy member succeeds, and member
#     2 is failed by it;
#   - fail_member / clear_member; clear_member refuses a stale member.
#
#   failure.sh [MAX_FAIL_MS]   the slowest a lost read may take (default 10)
MAX_MS=${1:-10}
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=failure
kernel_log_begin

check load modprobe dm-swarm
modprobe dm-flakey 2>/dev/null
members
# fl0..fl3: dm-linear over the namespaces; L: their nodes.
linear_members

set -- $(swarm_layout "$S1" 8)
# 40% of the slots, in whole rows of runs; spare 50 leaves room for the
# replicas.
NE=$(($1 * 4 * 2 / 5 / 512 * 512))
LEN=$((NE * 8))
check create dmsetup create sw --table "0 $LEN swarm 8 4$L 4 max_copies 2 spare 50"
DM=$(dm_node sw)
expect_eq fresh-health ok "$(swarm_st sw health)"

# 64 clusters of 64 entries, each overlapping the next by half: the
# 2,016 entries 32..2047 are in two clusters and get two copies, as many
# as the spare slots allow (all of them on 32 MiB members).
awk 'BEGIN {
	for (c = 0; c < 64; c++) {
		s = 32 * c
		printf "%d %d %d", c, s, 10 + c
		for (i = 0; i < 64; i++) printf " %d", s + i
		printf "\n"
	}
}' >/tmp/fmap.txt
check upload swarmctl map upload --wait "$DM" /tmp/fmap.txt
C=$(swarm_st sw copies)
echo "$NE entries, $C copies"
check replicas test "$C" -gt $((NE + 1000)) -a "$C" -le $((NE + 2016))
check populate swarm-bench populate "$DM" --seed 7
check verify-healthy swarm-bench verify "$DM" --seed 7

# Large reads (256 KiB, 64 entries) in flight when member 3 starts
# failing: those that fail go to the other copies in pieces, and nothing
# read is wrong. Member 3 then comes back, missed no write, and is
# cleared: everything verifies again.
S3=$(dev_sectors "$(dm_node fl3)")
check swap-3-error swap 3 "0 $S3 error"
swarm-bench verify "$DM" --seed 7 --keep-going >/tmp/v0.txt 2>/tmp/v0.err
expect_eq large-reads-no-mismatch 0 "$?"
cat /tmp/v0.txt
expect_eq member3-failed "ok ok ok failed" "$(swarm_members sw)"
check large-reads-failed-over test "$(swarm_st sw failovers)" -ge 1
check swap-3-back swap 3 "0 $S3 linear /dev/$D3 0"
check clear-member-3 dmsetup message sw 0 clear_member 3
expect_eq member3-ok "ok ok ok ok" "$(swarm_members sw)"
expect_eq health-ok-again ok "$(swarm_st sw health)"
check verify-after-clear swarm-bench verify "$DM" --seed 7

# Where every entry lives: "<entry>: <dev>/<slot>...".
swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.txt
# Entries only member 1 holds (lost with it), and entries with a copy on
# member 1 and one elsewhere (read elsewhere).
awk '{ on1 = 0; other = 0
	for (i = 2; i <= NF; i++) { split($i, a, "/"); if (a[1] == 1) on1 = 1; else other = 1 }
	sub(":", "", $1)
	if (on1 && !other) print $1 > "/tmp/lost.txt"
	if (on1 && other) print $1 > "/tmp/rep1.txt"
}' /tmp/place.txt
NLOST=$(wc -l </tmp/lost.txt)
NREP1=$(wc -l </tmp/rep1.txt)
echo "member 1 holds $NLOST entries alone and $NREP1 with another copy"
check some-replicated-on-1 test "$NREP1" -ge 200

# rewrite E: write a random block to entry E, read it back, then put the
# entry's pattern back (so that a later verify holds); true if all went.
dd if=/dev/urandom of=/tmp/pat bs=4k count=1 2>/dev/null
rewrite() {
	dd if="$DM" of=/tmp/orig bs=4k skip="$1" count=1 iflag=direct 2>/dev/null ||
		{ echo "entry $1: read failed"; return 1; }
	dd if=/tmp/pat of="$DM" bs=4k seek="$1" count=1 oflag=direct conv=notrunc 2>/dev/null ||
		{ echo "entry $1: write failed"; return 1; }
	dd if="$DM" of=/tmp/back bs=4k skip="$1" count=1 iflag=direct 2>/dev/null ||
		{ echo "entry $1: read back failed"; return 1; }
	cmp -s /tmp/pat /tmp/back || { echo "entry $1: reads back wrong"; return 1; }
	dd if=/tmp/orig of="$DM" bs=4k seek="$1" count=1 oflag=direct conv=notrunc 2>/dev/null ||
		{ echo "entry $1: write back failed"; return 1; }
}

# member_reads I: read bios the swarm sent to member I (status).
member_reads() {
	dmsetup status sw | awk -v i="$1" '{ print $(6 + i * 5) }'
}

# Member 1 becomes dm-error under the swarm.
EV0=$(dmsetup info -c --noheadings -o events sw)
swap 1 "0 $S1 error"
expect_eq member1-is-error error "$(dmsetup table fl1 | awk '{ print $3 }')"

# Every entry: those with a surviving copy verify, the others fail.
swarm-bench verify "$DM" --seed 7 --io-size 4k --keep-going >/tmp/v1.txt 2>/tmp/v1.err
expect_eq degraded-verify-no-mismatch 0 "$?"
cat /tmp/v1.txt
sed -n 's/^swarm-bench: read of entries \([0-9]*\)\.\..*/\1/p' /tmp/v1.err | sort -n >/tmp/failed.txt
expect_eq unreadable-are-the-lost "$NLOST" "$(wc -l </tmp/failed.txt)"
check unreadable-exactly-lost cmp -s /tmp/failed.txt /tmp/lost.txt
# swarmctl lost (DM_SWARM_LOST) lists exactly them.
swarmctl lost "$DM" >/tmp/lost-ranges.txt
awk -F- '/^[0-9]/ { for (e = $1 + 0; e <= $2 + 0; e++) print e }' /tmp/lost-ranges.txt >/tmp/listed.txt
check lost-listed-exactly cmp -s /tmp/listed.txt /tmp/lost.txt
expect_eq lost-summary "lost $NLOST entries" "$(tail -n 1 /tmp/lost-ranges.txt | awk '{ print $1, $2, $3 }')"
check lost-json sh -c "swarmctl lost $DM --json | grep -q '\"lost\":$NLOST,'"
echo "figure: swarmctl lost: $(tail -n 1 /tmp/lost-ranges.txt)"
expect_eq health-degraded degraded "$(swarm_st sw health)"
expect_eq member1-failed "ok failed ok ok" "$(swarm_members sw)"
check failovers test "$(swarm_st sw failovers)" -ge 1
check lost-reads-counted test "$(swarm_st sw lost_reads)" -ge "$NLOST"
check event-raised test "$(dmsetup info -c --noheadings -o events sw)" -gt "$EV0"
check event-wait timeout 5 dmsetup wait sw "$EV0"
check failed-logged sh -c 'dmesg | grep -q "sw: member 1 failed"'
check swarmctl-degraded sh -c "swarmctl stats $DM | grep -q '^health  *degraded'"
expect_eq swarmctl-failed-devs '"failed_devs":2' \
	"$(swarmctl stats "$DM" --json | grep -o '"failed_devs":[0-9]*')"

# Again, now that member 1 is known failed: lost reads fail in map().
l0=$(swarm_st sw lost_reads)
b1=$(member_reads 1)
swarm-bench verify "$DM" --seed 7 --io-size 4k --keep-going >/tmp/v2.txt 2>/tmp/v2.err
expect_eq again-no-mismatch 0 "$?"
cat /tmp/v2.txt
expect_eq again-unreadable "$NLOST" "$(grep -c '^swarm-bench: read of' /tmp/v2.err)"
expect_eq again-lost-reads "$NLOST" "$(($(swarm_st sw lost_reads) - l0))"
expect_eq no-reads-to-failed-member "$b1" "$(member_reads 1)"
ms=$(awk '/^unreadable/ { print $NF == "ms" ? $(NF - 1) : "x" }' /tmp/v2.txt)
echo "figure: slowest lost read at queue depth 32: $ms ms ($NLOST lost entries)"
# One read at a time, so that each failed read is timed alone.
swarm-bench verify "$DM" --seed 7 --io-size 4k --qd 1 --entries 4096 \
	--keep-going >/tmp/v2q.txt 2>/dev/null
ms=$(awk '/^unreadable/ { print $NF == "ms" ? $(NF - 1) : "x" }' /tmp/v2q.txt)
echo "figure: slowest lost read at queue depth 1: $ms ms ($(awk '/^unreadable/ { print $2 }' /tmp/v2q.txt) lost entries of 0..4095)"
check lost-read-fast awk -v m="$ms" -v max="$MAX_MS" 'BEGIN { exit !(m + 0 < max) }'

# Writes: to entries with a copy elsewhere they succeed and read back.
w_ok=0
for e in $(awk -v n="$NREP1" 'NR % int(n / 16) == 1' /tmp/rep1.txt | head -n 16); do
	rewrite "$e" && w_ok=$((w_ok + 1))
done
expect_eq replicated-writes-succeed 16 "$w_ok"
check degraded-writes-counted test "$(swarm_st sw degraded_writes)" -ge 32
# To entries only member 1 held they fail.
e=$(head -n 1 /tmp/lost.txt)
check lost-write-fails sh -c "! dd if=/tmp/pat of=$DM bs=4k seek=$e count=1 oflag=direct conv=notrunc 2>/dev/null"

# clear_member refuses member 1: it missed writes.
check clear-stale-refused sh -c '! dmsetup message sw 0 clear_member 1'
expect_eq still-failed "ok failed ok ok" "$(swarm_members sw)"
check bad-index-refused sh -c '! dmsetup message sw 0 fail_member 4'

# fail_member / clear_member on a member that missed nothing.
check fail-member-0 dmsetup message sw 0 fail_member 0
expect_eq member0-failed "failed failed ok ok" "$(swarm_members sw)"
check clear-member-0 dmsetup message sw 0 clear_member 0
expect_eq member0-ok "ok failed ok ok" "$(swarm_members sw)"

# dm-flakey failing writes under member 2: a write to an entry with copies
# on member 2 and on member 0 or 3 succeeds and fails member 2.
if dmsetup targets | grep -q '^flakey'; then
	awk '{ two = 0; good = 0
		for (i = 2; i <= NF; i++) { split($i, a, "/"); if (a[1] == 2) two = 1; else if (a[1] != 1) good = 1 }
		sub(":", "", $1)
		if (two && good) print $1
	}' /tmp/place.txt >/tmp/rep2.txt
	S2=$(dev_sectors "$(dm_node fl2)")
	check swap-2-flakey swap 2 "0 $S2 flakey /dev/$D2 0 0 3600 1 error_writes"
	dw=$(swarm_st sw degraded_writes)
	w_ok=0
	n2=$(wc -l </tmp/rep2.txt)
	for e in $(awk -v n="$n2" 'NR % int(n / 8) == 1' /tmp/rep2.txt | head -n 8); do
		rewrite "$e" && w_ok=$((w_ok + 1))
	done
	expect_eq flakey-writes-succeed 8 "$w_ok"
	expect_eq flakey-member2-failed "ok failed failed ok" "$(swarm_members sw)"
	check flakey-degraded-writes test "$(swarm_st sw degraded_writes)" -ge $((dw + 16))
	# Entries with a copy on member 0 or 3 still verify (the rest of
	# the device: lost entries of members 1 and 2 fail).
	swarm-bench verify "$DM" --seed 7 --io-size 4k --keep-going >/tmp/v3.txt 2>/tmp/v3.err
	expect_eq two-failed-no-mismatch 0 "$?"
	cat /tmp/v3.txt
else
	echo "no dm-flakey: its variant skipped"
fi

check remove dmsetup remove sw
for i in 0 1 2 3; do
	dmsetup remove "fl$i"
done
kernel_log_clean
finish
