# shellcheck shell=sh
# md raid10 in the failure tests of dm-swarm (issue 13's closing note), for
# comparison; stock kernels only (the debug kernel has no md), not in make
# check:
#   1. hot-remove: md raid10 (near=2, 4 members, no bitmap) directly on
#      the 4 emulated NVMe SSDs, written with a pattern fio verifies;
#      while fio verifies it, member 1's PCI function is removed (as
#      hotremove.sh does to a swarm with min_copies 2); then a PCI rescan,
#      the SSD's old md superblock zeroed, mdadm --add, the recovery timed,
#      everything verified again;
#   2. dm-error: the same over dm-linear members fl0..fl3, fl1's table
#      swapped for dm-error under fio verify (as failure.sh does), then
#      dm-linear back, mdadm --remove/--add, recovery timed, verify.
# Prints "figure: ..." lines and PASS/FAIL for what was measured.
#
#   mdraid10.sh
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=mdraid10
kernel_log_begin
now() { cut -d' ' -f1 /proc/uptime; }

check load modprobe raid10
check load-dm modprobe dm-mod
members
echo "md speed limits: min $(cat /proc/sys/dev/raid/speed_limit_min) KiB/s, max $(cat /proc/sys/dev/raid/speed_limit_max) KiB/s (defaults)"

# md_create MEMBERS...: /dev/md0, raid10 near=2, no bitmap, no initial
# resync (fio writes every byte before anything is read).
md_create() {
	mdadm --create /dev/md0 --level=10 --layout=n2 --raid-devices=4 \
		--bitmap=none --assume-clean --run "$@" >/tmp/mdadm.out 2>&1 ||
		{ cat /tmp/mdadm.out; return 1; }
}
md_state() {
	mdadm --detail /dev/md0 | sed -n 's/^ *State : //p'
}
# md_degraded: "degraded" or "whole" (clean or active, no recovery).
md_degraded() {
	case $(md_state) in
	*degraded*) echo degraded ;;
	*recover*|*resync*) echo recovering ;;
	*) echo whole ;;
	esac
}
# verify_under NAME CMD: fio verify of md0 (2 loops) in the background,
# CMD after 1 s; prints fio's summary; true when fio found no error.
verify_under() {
	fio --name=data --filename=/dev/md0 --bs=4k --direct=1 --ioengine=psync \
		--rw=write --verify=crc32c --randseed=1234 --verify_only --loops=2 \
		>/tmp/fio-bg.txt 2>&1 &
	_fio=$!
	sleep 1
	check "$1-fio-running" kill -0 $_fio
	check "$1" sh -c "$2"
	wait $_fio
	_rc=$?
	grep -E "err=|verify:|bad|error" /tmp/fio-bg.txt | head -n 5
	return $_rc
}
# recover: until md0 is whole again (at most 300 s).
recover() {
	_t=0
	while [ "$(md_degraded)" != whole ] && [ $_t -lt 3000 ]; do
		sleep 0.1
		_t=$((_t + 1))
	done
}

# --- 1. PCI hot-remove.
check create md_create $M
MD_SZ=$(($(dev_sectors /dev/md0) / 2048))
check fio-write fio_write /dev/md0
PCI=$(readlink -f "/sys/block/$D1/device/../..")
BDF=${PCI##*/}
echo "md raid10 near=2 on$M: $MD_SZ MiB; member 1 $D1 at PCI $BDF"
verify_under hot-remove "echo 1 >/sys/bus/pci/devices/$BDF/remove"
expect_eq fio-verify-under-removal 0 "$?"
cat /proc/mdstat
echo "md state: $(md_state)"
expect_eq degraded degraded "$(md_degraded)"
check fio-write-degraded fio_write /dev/md0
check fio-verify-degraded fio_verify /dev/md0
check rescan sh -c 'echo 1 >/sys/bus/pci/rescan'
t=0
while ! [ -e "/sys/block/$(nvme_dev 1)" ] && [ $t -lt 100 ]; do
	sleep 0.1
	t=$((t + 1))
done
members
echo "member 1 is back as $D1"
mdadm /dev/md0 --remove failed >/dev/null 2>&1
mdadm /dev/md0 --remove detached >/dev/null 2>&1
expect_eq three-left 3 "$(mdadm --detail /dev/md0 | sed -n 's/^ *Total Devices : //p')"
check zero-superblock mdadm --zero-superblock "/dev/$D1"
u0=$(now)
check add mdadm /dev/md0 --add "/dev/$D1"
recover
u1=$(now)
cat /proc/mdstat
expect_eq recovered whole "$(md_degraded)"
echo "figure: md raid10 recovery onto the rescanned SSD: $((MD_SZ / 2)) MiB of member data in $(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.1f s, %.1f MiB/s", b - a, '"$MD_SZ"' / 2 / (b - a) }') (default speed limits, TCG)"
dmesg | grep -E "md/raid10|md: recovery|md: md0" | tail -n 8
check fio-verify-recovered fio_verify /dev/md0
check stop mdadm --stop /dev/md0
for d in $M; do
	mdadm --zero-superblock "$d" >/dev/null 2>&1
done

# --- 2. dm-error under member 1.
members
linear_members
check create-linear md_create $L
MD_SZ=$(($(dev_sectors /dev/md0) / 2048))
check fio-write-linear fio_write /dev/md0
verify_under swap-1-error "dmsetup load fl1 --table '0 $S1 error' && dmsetup suspend fl1 && dmsetup resume fl1"
expect_eq fio-verify-under-error 0 "$?"
cat /proc/mdstat
echo "md state: $(md_state)"
expect_eq degraded-error degraded "$(md_degraded)"
check fio-verify-degraded-error fio_verify /dev/md0
check swap-1-back swap 1 "0 $S1 linear /dev/$D1 0"
check remove-failed mdadm /dev/md0 --remove failed
check zero-superblock-1 mdadm --zero-superblock "$(dm_node fl1)"
u0=$(now)
check add-1 mdadm /dev/md0 --add "$(dm_node fl1)"
recover
u1=$(now)
expect_eq recovered-1 whole "$(md_degraded)"
echo "figure: md raid10 recovery of member 1 (dm-error, then dm-linear back): $((MD_SZ / 2)) MiB in $(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.1f s, %.1f MiB/s", b - a, '"$MD_SZ"' / 2 / (b - a) }')"
check fio-verify-recovered-1 fio_verify /dev/md0
check stop-1 mdadm --stop /dev/md0
for i in 0 1 2 3; do
	dmsetup remove "fl$i"
done
kernel_log_clean
finish
