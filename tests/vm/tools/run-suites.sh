# shellcheck shell=sh
# Run several test suites in one VM boot (make check shares boots: a boot
# of the debug kernel under TCG costs more than most suites).
#
#   run-suites.sh SPEC...
#
# SPEC is a suite's name with its arguments after colons, for example
# "iopath:1" or "persist:all:5". Before each suite the VM is put back
# the way a fresh boot leaves it: no dm or md device, the swarm modules
# unloaded, the members' I/O scheduler and queue depth as they were, the
# members zeroed and the kernel log emptied (each suite checks its own).
# Each suite prints its own PASS/FAIL lines; one that exits non-zero
# without a FAIL line of its own gets "FAIL: <suite>.exit".

. /tests/lib.sh
SUITE=run-suites

# local_members: "<serial> <block>" of each emulated NVMe SSD (serial
# swarm<N>, vm-run.sh names them so), by serial: a suite that hot-removes
# one (hotremove.sh) brings it back with a PCI rescan, perhaps under
# another name (see nvme_dev in lib.sh).
local_members() {
	for c in /sys/class/nvme/nvme*; do
		s=$(tr -d ' ' <"$c/serial" 2>/dev/null)
		case $s in
		swarm[0-9]*) ;;
		*) continue ;;
		esac
		for n in "$c"/nvme*n*; do
			b=${n##*/}
			case $b in *c*|*p*) continue ;; esac
			[ -e "/sys/block/$b" ] && echo "$s $b"
		done
	done
}

NMEMBERS=$(local_members | wc -l)
BOOT_MEMBERS=$(local_members)
while read -r s b; do
	sched=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/block/$b/queue/scheduler")
	eval "SCHED_$s=\${sched:-none} NR_$s=\$(cat /sys/block/$b/queue/nr_requests)"
done <<EOF
$BOOT_MEMBERS
EOF

reset_vm() {
	dmsetup remove_all >/dev/null 2>&1
	mdadm --stop --scan >/dev/null 2>&1
	for m in dm_swarm_test dm_swarm; do
		grep -q "^$m " /proc/modules && rmmod "$m"
	done
	# A member a suite removed (echo 1 >.../remove) and did not bring back.
	if [ "$(local_members | wc -l)" -lt "$NMEMBERS" ]; then
		echo 1 >/sys/bus/pci/rescan
		t=0
		while [ "$(local_members | wc -l)" -lt "$NMEMBERS" ] && [ $t -lt 100 ]; do
			sleep 0.1
			t=$((t + 1))
		done
		[ "$(local_members | wc -l)" -ge "$NMEMBERS" ] ||
			fail "reset.members" "only $(local_members | wc -l) of $NMEMBERS NVMe members after a PCI rescan"
	fi
	local_members >/tmp/members.now
	while read -r s b; do
		eval "echo \$SCHED_$s" >"/sys/block/$b/queue/scheduler"
		eval "echo \$NR_$s" >"/sys/block/$b/queue/nr_requests" 2>/dev/null
		dd if=/dev/zero of="/dev/$b" bs=1M conv=fsync 2>/dev/null
	done </tmp/members.now
	rm -rf /tmp/* 2>/dev/null
	dmesg -c >/dev/null
}

rc=0
for spec in "$@"; do
	name=${spec%%:*}
	args=""
	[ "$name" = "$spec" ] || args=$(echo "${spec#*:}" | tr : ' ')
	reset_vm
	echo "== suite $name $args"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	{
		sh "/tests/$name.sh" $args
		echo $? >/tmp/suite.rc
	} 2>&1 | tee /tmp/suite.out
	src=$(cat /tmp/suite.rc)
	echo "== suite $name: exit $src, $(($(date +%s) - t0)) s"
	if [ "$src" != 0 ]; then
		rc=1
		grep -q '^FAIL: ' /tmp/suite.out || fail "$name.exit" "exit status $src"
	fi
done
exit $rc
