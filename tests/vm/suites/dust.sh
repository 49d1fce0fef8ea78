# shellcheck shell=sh
# Bad sectors on one member (issue 13), with dm-dust under member 1 (4
# emulated NVMe SSDs each under a dm-linear device fl<i>; fl1's table is
# swapped for dm-dust over the same namespace, 4 KiB blocks). Bad blocks
# are added at the slots of some entries after the data is written, then
# enabled, and every entry is read with a verify:
#   - default policy (max_copies 2, about 2,000 entries with a second
#     copy): the first read of a bad block fails member 1 (the target has
#     no per-sector error handling: a read error fails the whole member,
#     as dm-error would), is sent again to another copy where there is
#     one; nothing read is wrong, every entry with a copy elsewhere
#     verifies (those on bad blocks too), the single-copy entries on bad
#     blocks fail with EIO, and once member 1 is failed every entry it
#     held alone fails fast and is listed by swarmctl lost;
#   - min_copies 2: 0 read errors, every byte verifies, member 1 failed,
#     the set degraded, no lost read.
# Needs dm-dust (the debug kernel has it built in; Debian's kernels have
# no dm-dust module): without it the suite says so and passes nothing.
#
#   dust.sh [MAX_ENTRIES]   at most this many entries (multiple of 512;
#                           default 8192)
MAX_NE=${1:-8192}
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=dust
kernel_log_begin

modprobe dm-dust 2>/dev/null
if ! dmsetup targets | grep -q '^dust'; then
	echo "dust: no dm-dust target in this kernel: suite skipped"
	finish
	exit
fi
check load modprobe dm-swarm
members
linear_members
set -- $(swarm_layout "$S1" 8)
SLOTS=$1
DSTART=$2

# dust_member1: fl1 becomes dm-dust over member 1's namespace, 4 KiB
# blocks (block b = sectors 8b..8b+7), bad blocks bypassed until enabled.
dust_member1() {
	swap 1 "0 $S1 dust /dev/$D1 0 4096" &&
		dmsetup status fl1 | grep -q ' bypass'
}
# add_bad FILE: a bad block at the member 1 slot of each entry of FILE
# ("<entry> <slot>" lines); prints how many were added.
add_bad() {
	_n=0
	while read -r _e _s; do
		dmsetup message fl1 0 addbadblock $((DSTART / 8 + _s)) 2>/dev/null && _n=$((_n + 1))
	done <"$1"
	echo "$_n"
}
# slot1 ENTRIES: "<entry> <slot>" of the copy on member 1 of each entry
# listed in ENTRIES (from /tmp/place.txt).
slot1() {
	awk 'NR == FNR { want[$1] = 1; next }
	{ e = $1; sub(":", "", e); if (!(e in want)) next
	  for (i = 2; i <= NF; i++) { split($i, a, "/"); if (a[1] == 1) print e, a[2] } }' "$1" /tmp/place.txt
}

# subset A B: every line of A is a line of B.
subset() {
	awk 'NR == FNR { b[$1] = 1; next } !($1 in b) { print "not in " FILENAME ": " $1; bad = 1 } END { exit bad }' "$2" "$1"
}

# --- The default policy: max_copies 2 over a map of overlapping clusters.
NE=$((SLOTS * 4 * 2 / 5 / 512 * 512))
[ "$NE" -gt "$MAX_NE" ] && NE=$MAX_NE
check create dmsetup create sw --table "0 $((NE * 8)) swarm 8 4$L 4 max_copies 2 spare 50"
DM=$(dm_node sw)
awk 'BEGIN {
	for (c = 0; c < 64; c++) {
		s = 32 * c
		printf "%d %d %d", c, s, 10 + c
		for (i = 0; i < 64; i++) printf " %d", s + i
		printf "\n"
	}
}' >/tmp/fmap.txt
check upload swarmctl map upload --wait "$DM" /tmp/fmap.txt
check populate swarm-bench populate "$DM" --seed 7
swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.txt
awk '{ on1 = 0; other = 0
	for (i = 2; i <= NF; i++) { split($i, a, "/"); if (a[1] == 1) on1 = 1; else other = 1 }
	sub(":", "", $1)
	if (on1 && !other) print $1 > "/tmp/lost.txt"
	if (on1 && other) print $1 > "/tmp/rep1.txt"
}' /tmp/place.txt
NLOST=$(wc -l </tmp/lost.txt)
NREP1=$(wc -l </tmp/rep1.txt)
echo "$NE entries; member 1 holds $NLOST alone and $NREP1 with another copy"
check some-replicated-on-1 test "$NREP1" -ge 64

# Bad blocks under 16 replicated entries and 16 single-copy ones, spread.
awk -v n="$NREP1" 'NR % int(n / 16) == 1' /tmp/rep1.txt | head -n 16 >/tmp/badrep.txt
awk -v n="$NLOST" 'NR % int(n / 16) == 1' /tmp/lost.txt | head -n 16 >/tmp/badlost.txt
slot1 /tmp/badrep.txt >/tmp/badrep-slots.txt
slot1 /tmp/badlost.txt >/tmp/badlost-slots.txt
check dust-1 dust_member1
check verify-bypassed swarm-bench verify "$DM" --seed 7
expect_eq bad-blocks-added 32 "$(($(add_bad /tmp/badrep-slots.txt) + $(add_bad /tmp/badlost-slots.txt)))"
check dust-enable dmsetup message fl1 0 enable
# A bad block fails the read of the slot's block (dm-dust itself).
b=$((DSTART / 8 + $(awk 'NR == 1 { print $2 }' /tmp/badlost-slots.txt)))
check dust-block-fails sh -c "! dd if=$(dm_node fl1) of=/dev/null bs=4k skip=$b count=1 iflag=direct 2>/dev/null"

swarm-bench verify "$DM" --seed 7 --io-size 4k --keep-going >/tmp/v1.txt 2>/tmp/v1.err
expect_eq default-no-mismatch 0 "$?"
cat /tmp/v1.txt
sed -n 's/^swarm-bench: read of entries \([0-9]*\)\.\..*/\1/p' /tmp/v1.err | sort -n >/tmp/failed.txt
expect_eq member1-failed "ok failed ok ok" "$(swarm_members sw)"
expect_eq health-degraded degraded "$(swarm_st sw health)"
check failed-logged sh -c 'dmesg | grep -q "sw: member 1 failed"'
check failed-over test "$(swarm_st sw failovers)" -ge 1
# Failed reads: only single-copy entries of member 1, and all of those on
# bad blocks (the entries with a copy elsewhere on bad blocks verified).
check failed-are-single-copy subset /tmp/failed.txt /tmp/lost.txt
check bad-single-copy-fail subset /tmp/badlost.txt /tmp/failed.txt
echo "figure: default policy, dm-dust with 32 bad blocks on member 1 (16 under single-copy entries): $(wc -l </tmp/failed.txt) of $NE reads failed, $(swarm_st sw failovers) failed over, 0 wrong; member 1 failed"
# Member 1 failed: now every entry it held alone fails, fast, listed.
swarm-bench verify "$DM" --seed 7 --io-size 4k --keep-going >/tmp/v2.txt 2>/tmp/v2.err
expect_eq again-no-mismatch 0 "$?"
sed -n 's/^swarm-bench: read of entries \([0-9]*\)\.\..*/\1/p' /tmp/v2.err | sort -n >/tmp/failed2.txt
sort -n /tmp/lost.txt >/tmp/lost-sorted.txt
check again-unreadable-are-lost cmp -s /tmp/failed2.txt /tmp/lost-sorted.txt
swarmctl lost "$DM" >/tmp/lost-ranges.txt
awk -F- '/^[0-9]/ { for (e = $1 + 0; e <= $2 + 0; e++) print e }' /tmp/lost-ranges.txt >/tmp/listed.txt
check lost-listed-exactly cmp -s /tmp/listed.txt /tmp/lost-sorted.txt
echo "figure: then $(wc -l </tmp/failed2.txt) unreadable (all $NLOST entries member 1 held alone); swarmctl lost: $(tail -n 1 /tmp/lost-ranges.txt)"
check remove-default dmsetup remove sw

# --- min_copies 2: a fresh set, bad blocks under 32 entries' copies on
# member 1 (every entry has another copy).
check linear-1-back swap 1 "0 $S1 linear /dev/$D1 0"
for i in 0 1 2 3; do
	dd if=/dev/zero of="$(dm_node "fl$i")" bs=4k count=2 conv=fsync 2>/dev/null
done
NE=$((SLOTS * 3 / 2 / 512 * 512))
[ "$NE" -gt "$MAX_NE" ] && NE=$MAX_NE
check create-min2 dmsetup create sw --table "0 $((NE * 8)) swarm 8 4$L 2 min_copies 2"
DM=$(dm_node sw)
check populate-min2 swarm-bench populate "$DM" --seed 9
swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.txt
awk '{ for (i = 2; i <= NF; i++) { split($i, a, "/"); if (a[1] == 1) { sub(":", "", $1); print $1 } } }' \
	/tmp/place.txt >/tmp/on1.txt
N1=$(wc -l </tmp/on1.txt)
awk -v n="$N1" 'NR % int(n / 32) == 1' /tmp/on1.txt | head -n 32 >/tmp/bad2.txt
slot1 /tmp/bad2.txt >/tmp/bad2-slots.txt
check dust-1-min2 dust_member1
expect_eq min2-bad-blocks-added 32 "$(add_bad /tmp/bad2-slots.txt)"
check dust-enable-min2 dmsetup message fl1 0 enable
swarm-bench verify "$DM" --seed 9 --io-size 4k --keep-going >/tmp/v3.txt 2>/tmp/v3.err
expect_eq min2-verify-clean 0 "$?"
cat /tmp/v3.txt
expect_eq min2-no-read-error "unreadable 0" "$(awk '/^unreadable/ { print $1, $2 }' /tmp/v3.txt)"
expect_eq min2-member1-failed "ok failed ok ok" "$(swarm_members sw)"
expect_eq min2-degraded degraded "$(swarm_st sw health)"
expect_eq min2-no-lost-reads 0 "$(swarm_st sw lost_reads)"
check min2-failed-over test "$(swarm_st sw failovers)" -ge 1
# Large reads (256 KiB) verify too, from the surviving copies.
check min2-verify-large swarm-bench verify "$DM" --seed 9
echo "figure: min_copies 2, dm-dust with 32 bad blocks on member 1: 0 of $NE reads failed, $(swarm_st sw failovers) failed over, 0 wrong; member 1 failed"

check remove dmsetup remove sw
for i in 0 1 2 3; do
	dmsetup remove "fl$i"
done
kernel_log_clean
finish
