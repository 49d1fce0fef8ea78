# shellcheck shell=sh
# Figures for persistence (make bench-persist), on 4 emulated NVMe SSDs of
# about 1.2 GiB:
#   1. a map of 1M entries of 4 KiB: commit time, and the time to load it
#      from the members (dmsetup create after a module reload);
#   2. migration throughput: a map change on 64K entries (256 MiB) of data.
# Prints "figure: ..." lines and PASS/FAIL for what must hold.
. /tests/lib.sh
. /tests/swarm-lib.sh
SUITE=maptime
check load modprobe dm-swarm
members
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# 1. A 1M-entry map.
NE=1048576
wipe_members
check create-1m dmsetup create big --table "0 $((NE * 8)) swarm 8 4$M"
# 1024 clusters of 64 entries, each sharing 16 with the next: replicas.
awk 'BEGIN {
	for (c = 0; c < 1024; c++) {
		s = c * 48 * 16
		printf "%d %d %d", c, s, 2000 - c
		for (i = 0; i < 64; i++) printf " %d", s + (i < 48 ? i : 48 * 16 + i - 48)
		printf "\n"
	}
}' >/tmp/big.map
t0=$(now_ms)
check upload-1m swarmctl map upload "$(dm_node big)" /tmp/big.map
t1=$(now_ms)
echo "figure: commit of a map of $NE entries ($(swarm_st big copies) copies): $((t1 - t0)) ms (placement + writing it to 4 members)"
check remove-1m dmsetup remove big
check rmmod rmmod dm-swarm
check modprobe modprobe dm-swarm
t0=$(now_ms)
check assemble-1m swarmctl assemble --create big $M
t1=$(now_ms)
echo "figure: load of the map of $NE entries from the members (swarmctl assemble + dmsetup create): $((t1 - t0)) ms"
expect_eq loaded-generation 1 "$(swarm_st big generation)"
check remove-1m-again dmsetup remove big

# 2. Migration throughput.
NE=65536
wipe_members
check create-64k dmsetup create mig --table "0 $((NE * 8)) swarm 8 4$M"
DM=$(dm_node mig)
t0=$(now_ms)
check write-64k fio --name=w --filename="$DM" --bs=1M --direct=1 --ioengine=io_uring \
	--iodepth=8 --rw=write --verify=crc32c --do_verify=0
t1=$(now_ms)
echo "figure: fio write of $((NE * 4 / 1024)) MiB through swarm: $((t1 - t0)) ms"
gen_map 7 >/tmp/mig.map
t0=$(now_ms)
check migrate-64k swarmctl map upload --wait "$DM" /tmp/mig.map
t1=$(now_ms)
dmesg | grep "mig: migrated to generation" | tail -n 1 | sed 's/^.*mig: /figure: kernel: /'
echo "figure: migration of $NE entries, upload to done: $((t1 - t0)) ms"
check verify-64k fio --name=w --filename="$DM" --bs=1M --direct=1 --ioengine=io_uring \
	--iodepth=8 --rw=write --verify=crc32c --verify_only
check remove-64k dmsetup remove mig
finish
