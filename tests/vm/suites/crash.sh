# shellcheck shell=sh
# Power cuts during migrations, driven by scripts/crash-test.sh, which keeps
# the SSD images between boots and SIGKILLs QEMU at a random point after
# this script prints "MIGRATING". Each boot:
#   1. "setup": a new set, written with fio's verifiable pattern, with map
#      generation 1; otherwise: assemble the set left by the last cut and
#      check it: its map whole (the host checks the generation is the one
#      before the cut or the one after); a migration the journal recorded
#      resumes from its boundary and finishes (the host checks the map is
#      then the new one); every byte verified, and every numbered write
#      the last boot saw acknowledged is there;
#   2. unless "last": commit a map that moves about 3/4 of the entries in
#      several windows (about 3 s of copying under the rate cap), with a
#      rewrite of the same data and numbered writes beside it, and print
#      progress until the power goes.
#   crash.sh setup|check SEED ACKED [last]
# ACKED: the last "acked N" line the previous boot printed, or "-".
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=crash
MODE=$1 SEED=$2 ACKED=${3:--} LAST=${4:-}
check load modprobe dm-swarm
members
NE=$(swarm_entries 25)
LEN=$((NE * 8))
# The last ACK entries take numbered writes ("ack N", one a block, N =
# SEED * 1000000 + k for the k-th write of a boot, to entry k mod ACK of
# them), each printed as "acked N" once dd (O_DIRECT, fsync) returned; the
# others hold fio's pattern.
ACK=64
DATA=$(((NE - ACK) * 4096))

# cfio DEV FIO-OPTIONS...: fio's pattern on all but the numbered entries.
cfio() {
	dev=$1
	shift
	fio --name=data --filename="$dev" --bs=4k --direct=1 --ioengine=psync \
		--rw=write --verify=crc32c --randseed=1234 --size=$DATA "$@" \
		>/tmp/fio-crash.txt 2>&1 || { tail -n 20 /tmp/fio-crash.txt; return 1; }
}

# ack_write DEV N: numbered write N, to its entry; fails if dd does.
ack_write() {
	printf 'ack %d\n' "$2" | dd of="$1" bs=4096 seek=$((NE - ACK + $2 % 1000000 % ACK)) \
		conv=sync,notrunc,fsync oflag=direct 2>/dev/null
}

# ack_check DEV LAST: each numbered entry holds the newest write to it the
# last boot saw acknowledged (LAST, the last one), or one sent after it;
# without LAST, any numbered write.
ack_check() {
	dd if="$1" bs=4096 skip=$((NE - ACK)) count=$ACK iflag=direct 2>/dev/null |
		tr -d '\000' | awk -v last="$2" -v ack=$ACK '
		# Decimal without leading zeros: busybox awk reads 0123 as octal.
		$1 != "ack" || $2 !~ /^(0|[1-9][0-9]*)$/ { bad++; next }
		{
			j = NR - 1; v = $2 + 0
			if (last == "-")
				next
			base = last - last % 1000000; k = last - base + 1
			if (k <= j)	# none to this entry acknowledged
				next
			want = base + j + ack * int((k - 1 - j) / ack)
			if (v < want || v > last + 2 || (v - base) % ack != j) {
				printf "entry %d: ack %d, want %d (last acknowledged %d)\n", j, v, want, last
				bad++
			}
		}
		END { if (NR != ack) { printf "%d numbered entries read\n", NR; bad++ }; exit bad > 0 }'
}

# crash_map DEV SEED: for each member, clusters of 64 entries whose first
# copy is on it: 3/4 of each move to spread it (about 3/4 of the entries,
# several 4 MiB windows).
crash_map() {
	swarmctl map show "$1" 0-$((NE - 1)) | awk -v seed="$2" '
		{ sub(":", "", $1); split($2, c, "/"); d = c[1]; m[d, n[d]++] = $1 }
		END {
			k = 0
			for (d = 0; d < 4; d++)
				for (i = 0; i + 64 <= n[d]; i += 64) {
					printf "%d %d %d", k, m[d, i], 1 + (k * 7 + seed) % 100
					for (j = 0; j < 64; j++) printf " %d", m[d, i + j]
					printf "\n"
					k++
				}
		}'
}

if [ "$MODE" = setup ]; then
	wipe_members
	check create dmsetup create swarmc --table "0 $LEN swarm 8 4$M 2 spare 50"
	DM=$(dm_node swarmc)
	check write cfio "$DM" --do_verify=1
	i=0
	while [ $i -lt $ACK ]; do
		ack_write "$DM" $i || break
		i=$((i + 1))
	done
	expect_eq ack-init $ACK $i
	crash_map "$DM" 1 >/tmp/map.txt
	check upload-1 swarmctl map upload "$DM" /tmp/map.txt
	check migrated-1 wait_migration swarmc
else
	# The map the cut left, from the superblocks (the newest member's):
	# the resumed migration may end before assemble returns.
	# shellcheck disable=SC2086
	swarmctl examine $M >/tmp/examine.txt 2>&1
	echo "generation-after-cut $(awk '$1 == "generation" && $2 > g { g = $2 } END { print g + 0 }' /tmp/examine.txt)"
	grep -m 1 "migrating      to" /tmp/examine.txt
	check assemble swarmctl assemble --create swarmc $M
	DM=$(dm_node swarmc)
	st=$(swarm_st swarmc migration)
	at=$(dmesg | sed -n 's/.*swarmc: resuming migration to generation [0-9]* at entry \([0-9]*\):.*/\1/p' | tail -n 1)
	echo "migration-after-cut $st resumed-at ${at:--}"
	# The acknowledged writes read back (through the old map or, if the
	# resumed migration ended already, the new one).
	check acked-writes-survive ack_check "$DM" "$ACKED"
	if [ -n "$at" ]; then
		check resumed-runs test "$st" = running -o "$st" = done
		check resumed-done wait_migration swarmc
		expect_eq resumed-state done "$(swarm_st swarmc migration)"
		expect_eq resumed-moved-all "$(swarm_st swarmc total)" "$(swarm_st swarmc moved)"
		check acked-writes-after-resume ack_check "$DM" "$ACKED"
	else
		check no-migration test "$st" = idle
	fi
	echo "generation-after-resume $(swarm_st swarmc generation)"
	check metadata-ok test "$(swarm_st swarmc metadata)" = ok
	check verify cfio "$DM" --verify_only
fi
kernel_log_clean
if [ -n "$LAST" ]; then
	finish
	exit $?
fi

crash_map "$DM" "$SEED" >/tmp/map.txt
echo "map $SEED: $(wc -l </tmp/map.txt) clusters of 64 entries"
# About 3 s of copying (3/4 of the entries, in MiB, over 3 s), so that
# most cuts land in it.
check rate dmsetup message swarmc 0 migrate_rate $((NE * 3 / 4 / 256 / 3 + 1))
fio --name=data --filename="$DM" --bs=4k --direct=1 --ioengine=psync \
	--rw=write --verify=crc32c --randseed=1234 --size=$DATA --do_verify=0 \
	--rate_iops=300 --loops=100 >/dev/null 2>&1 &
echo "generation-before-cut $(swarm_st swarmc generation)"
check upload swarmctl map upload "$DM" /tmp/map.txt
finish
echo "MIGRATING"
(
	i=$((SEED * 1000000))
	while ack_write "$DM" $i; do
		echo "acked $i"
		i=$((i + 1))
	done
) &
while :; do
	echo "progress $(swarm_st swarmc migration) $(swarm_st swarmc moved)/$(swarm_st swarmc total) generation $(swarm_st swarmc generation)"
	sleep 0.2
done
