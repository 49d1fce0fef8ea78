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

blocks=""
for b in /sys/block/nvme*n1; do
	[ -e "$b" ] && blocks="$blocks ${b##*/}"
done
for b in $blocks; do
	sched=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/block/$b/queue/scheduler")
	eval "SCHED_$b=\${sched:-none} NR_$b=\$(cat /sys/block/$b/queue/nr_requests)"
done

reset_vm() {
	dmsetup remove_all >/dev/null 2>&1
	mdadm --stop --scan >/dev/null 2>&1
	for m in dm_swarm_test dm_swarm; do
		grep -q "^$m " /proc/modules && rmmod "$m"
	done
	for b in $blocks; do
		eval "echo \$SCHED_$b" >"/sys/block/$b/queue/scheduler"
		eval "echo \$NR_$b" >"/sys/block/$b/queue/nr_requests" 2>/dev/null
		dd if=/dev/zero of="/dev/$b" bs=1M conv=fsync 2>/dev/null
	done
	rm -rf /tmp/* 2>/dev/null
	dmesg -C
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
