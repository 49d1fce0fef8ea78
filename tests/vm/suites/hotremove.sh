# shellcheck shell=sh
# An NVMe SSD hot-removed while I/O runs (issue 13): a swarm with
# min_copies 2 directly on the 4 emulated NVMe SSDs (QEMU -device nvme),
# the whole device written with a pattern fio verifies; while fio
# verifies it (the static selector, so member 1 gets reads), member 1's
# PCI function is removed in the guest (echo 1 >/sys/bus/pci/devices/
# <bdf>/remove: the driver unbinds, in-flight I/O fails, the disk goes):
#   - fio sees 0 errors and every byte verifies, member 1 is failed, the
#     set degraded, no read was lost;
#   - the device is written and verified again, degraded;
#   - a PCI rescan brings the SSD back (a new controller with serial
#     swarm1), wiped and put in member 1's place by a table reload: the
#     rebuild copies every entry member 1 held, 0 lost, the set is ok
#     again and every byte verifies, read from member 1 too.
# run-suites.sh rescans the PCI bus if a member is still missing after
# a suite.
#
#   hotremove.sh [MAX_ENTRIES]   at most this many entries (multiple of 512)
MAX_NE=${1:-0}
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=hotremove
kernel_log_begin

check load modprobe dm-swarm
members
S=$(dev_sectors "/dev/$D1")
set -- $(swarm_layout "$S" 8)
NE=$(($1 * 3 / 2 / 512 * 512))
[ "$MAX_NE" -gt 0 ] && [ "$MAX_NE" -lt "$NE" ] && NE=$((MAX_NE / 512 * 512))
check create dmsetup create sw --table "0 $((NE * 8)) swarm 8 4$M 2 min_copies 2"
DM=$(dm_node sw)
check fio-write fio_write "$DM"

# Member 1's PCI function: /sys/block/nvmeXn1/device is the controller,
# its parent's parent the PCI device.
PCI=$(readlink -f "/sys/block/$D1/device/../..")
BDF=${PCI##*/}
echo "member 1: $D1 at PCI $BDF"
cat "/sys/block/$D1/dev" >/tmp/d1.dev
check member1-is-pci test -e "/sys/bus/pci/devices/$BDF/remove"

check selector-static dmsetup message sw 0 selector static
r0=$(dmsetup status sw | awk '{ print $11 }')
fio --name=data --filename="$DM" --bs=4k --direct=1 --ioengine=psync \
	--rw=write --verify=crc32c --randseed=1234 --verify_only --loops=2 \
	>/tmp/fio-bg.txt 2>&1 &
FIO=$!
sleep 1
check fio-running kill -0 $FIO
t0=$(date +%s)
check hot-remove sh -c "echo 1 >/sys/bus/pci/devices/$BDF/remove"
echo "figure: the PCI remove took $(($(date +%s) - t0)) s"
wait $FIO
expect_eq fio-verify-under-removal 0 "$?"
grep -E "err=|verify" /tmp/fio-bg.txt | head -n 3
check member1-read-before test "$(dmsetup status sw | awk '{ print $11 }')" -gt "$r0"
check disk-gone test ! -e "/sys/block/$D1"
check removal-logged sh -c 'dmesg | grep -q "sw: member 1 failed"'
# Had fio finished before the removal: this read fails over.
check verify-fails-over fio_verify "$DM"
check selector-back dmsetup message sw 0 selector least-loaded
expect_eq member1-failed "ok failed ok ok" "$(swarm_members sw)"
expect_eq degraded degraded "$(swarm_st sw health)"
expect_eq no-lost-reads 0 "$(swarm_st sw lost_reads)"
expect_eq none-lost "lost 0 entries in 0 ranges, failed members 0x2" "$(swarmctl lost "$DM")"
echo "figure: hot-removed member 1 under fio verify: $(swarm_st sw failovers) reads failed over, $(swarm_st sw lost_reads) lost"
check fio-write-degraded fio_write "$DM"
check fio-verify-degraded fio_verify "$DM"

# The SSD back, the swarm still up: a PCI rescan brings a new controller
# (serial swarm1, perhaps another name). Put in member 1's place by a
# table reload as it is, with member 1's old superblock and copies, it is
# not trusted (the member stays failed, no rebuild); wiped like a new
# device and reloaded again, it is rebuilt: every entry member 1 held is
# copied from its other copy.
check rescan sh -c 'echo 1 >/sys/bus/pci/rescan'
t=0
while ! [ -e "/sys/block/$(nvme_dev 1)" ] && [ $t -lt 100 ]; do
	sleep 0.1
	t=$((t + 1))
done
OLD=$(awk '{ print $1 }' /tmp/d1.dev)
members
expect_eq four-members-back 4 "$(for i in 0 1 2 3; do nvme_dev $i; done | grep -c '^nvme')"
echo "member 1 is back as $D1"
check member1-back-readable dd if="/dev/$D1" of=/dev/null bs=4k count=16 iflag=direct
NEW=$(cat "/sys/block/$D1/dev")
# As it came back, with member 1's old superblock and copies: not trusted.
check reload-back-unwiped reload "$(dmsetup table sw | sed "s/ $OLD / $NEW /")"
expect_eq back-unwiped-still-failed "ok failed ok ok" "$(swarm_members sw)"
expect_eq back-unwiped-no-rebuild idle "$(rb state)"
check wipe-back dd if=/dev/zero of="/dev/$D1" bs=1M count=$(($(dev_sectors "/dev/$D1") / 2048)) conv=fsync
# Entries with a copy on member 1: what the rebuild copies.
swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.txt
N1=$(awk '{ for (i = 2; i <= NF; i++) { split($i, a, "/"); if (a[1] == 1) { n++; break } } } END { print n + 0 }' /tmp/place.txt)
expect_eq still-failed "ok failed ok ok" "$(swarm_members sw)"
u0=$(cut -d' ' -f1 /proc/uptime)
check reload-replaced reload
check rebuild-done wait_rebuild
u1=$(cut -d' ' -f1 /proc/uptime)
expect_eq rebuild-member 1 "$(rb member)"
expect_eq rebuild-copied "$N1" "$(rb copied)"
expect_eq rebuild-lost 0 "$(rb lost)"
expect_eq rebuilt-ok "ok ok ok ok" "$(swarm_members sw)"
expect_eq rebuilt-health ok "$(swarm_st sw health)"
check rebuilt-logged sh -c 'dmesg | grep -q "sw: member 1 rebuilt"'
ms=$(dmesg | sed -n 's/.*sw: member 1 rebuilt: .* in \([0-9]*\) ms.*/\1/p' | tail -n 1)
echo "figure: rebuild onto the rescanned SSD: $(rb copied) entries ($((N1 * 4 / 1024)) MiB) in ${ms:-?} ms ($(awk -v m="${ms:-0}" -v n="$N1" 'BEGIN { if (m > 0) printf "%.1f", n * 4 / 1024 / (m / 1000); else print "?" }') MiB/s, no rate cap, TCG); reload to done $(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.1f", b - a }') s"
check fio-verify-rebuilt fio_verify "$DM"
# Reads go to the rebuilt member again (the static selector) and verify.
r1=$(dmsetup status sw | awk '{ print $11 }')
check selector-static-2 dmsetup message sw 0 selector static
check verify-from-rebuilt fio_verify "$DM"
check selector-back-2 dmsetup message sw 0 selector least-loaded
check member1-read-after test "$(dmsetup status sw | awk '{ print $11 }')" -gt "$r1"
check remove dmsetup remove sw
kernel_log_clean
finish
