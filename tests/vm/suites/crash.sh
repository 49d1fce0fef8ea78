# shellcheck shell=sh
# Power cuts during migrations, driven by scripts/crash-test.sh, which keeps
# the SSD images between boots and SIGKILLs QEMU at a random point after
# this script prints "MIGRATING". Each boot:
#   1. "setup": a new set, written with fio's verifiable pattern, with map
#      generation 1; otherwise: assemble the set left by the last cut and
#      check it: its map whole (the host checks the generation is the one
#      before the cut or the one after); a migration the journal recorded
#      resumes from its boundary and finishes (the host checks the map is
#      then the new one); every byte verified;
#   2. unless "last": commit map SEED, which starts a migration, with a
#      rewrite of the same data running beside it, and print progress
#      until the power goes.
#   crash.sh setup|check SEED [last]
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=crash
MODE=$1 SEED=$2 LAST=${3:-}
check load modprobe dm-swarm
members
NE=$(swarm_entries 25)
LEN=$((NE * 8))

if [ "$MODE" = setup ]; then
	wipe_members
	check create dmsetup create swarmc --table "0 $LEN swarm 8 4$M 2 spare 50"
	check write fio_write "$(dm_node swarmc)"
	gen_map 1 >/tmp/map.txt
	check upload-1 swarmctl map upload "$(dm_node swarmc)" /tmp/map.txt
	check migrated-1 wait_migration swarmc
else
	check assemble swarmctl assemble --create swarmc $M
	echo "generation-after-cut $(swarm_st swarmc generation)"
	st=$(swarm_st swarmc migration)
	at=$(dmesg | sed -n 's/.*swarmc: resuming migration to generation [0-9]* at entry \([0-9]*\):.*/\1/p' | tail -n 1)
	echo "migration-after-cut $st resumed-at ${at:--}"
	if [ -n "$at" ]; then
		check resumed-runs test "$st" = running -o "$st" = done
		check resumed-done wait_migration swarmc
		expect_eq resumed-state done "$(swarm_st swarmc migration)"
		expect_eq resumed-moved-all "$(swarm_st swarmc total)" "$(swarm_st swarmc moved)"
	else
		check no-migration test "$st" = idle
	fi
	echo "generation-after-resume $(swarm_st swarmc generation)"
	check metadata-ok test "$(swarm_st swarmc metadata)" = ok
	check verify fio_verify "$(dm_node swarmc)"
fi
kernel_log_clean
if [ -n "$LAST" ]; then
	finish
	exit $?
fi

DM=$(dm_node swarmc)
# About 3 s of copying, so that most cuts land in it.
check rate dmsetup message swarmc 0 migrate_rate $((NE * 4 / 1024 / 3 + 1))
fio --name=data --filename="$DM" --bs=4k --direct=1 --ioengine=psync \
	--rw=write --verify=crc32c --randseed=1234 --do_verify=0 \
	--rate_iops=300 --loops=100 >/dev/null 2>&1 &
gen_map "$SEED" >/tmp/map.txt
echo "generation-before-cut $(swarm_st swarmc generation)"
check upload swarmctl map upload "$DM" /tmp/map.txt
finish
echo "MIGRATING"
while :; do
	echo "progress $(swarm_st swarmc migration) $(swarm_st swarmc moved)/$NE generation $(swarm_st swarmc generation)"
	sleep 0.2
done
