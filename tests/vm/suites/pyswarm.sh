# shellcheck shell=sh
# The Python binding (userspace/python, dmswarm) against a real swarm of 4
# emulated NVMe SSDs: needs vm-run.sh --python (Debian's python3 and the
# binding in the guest). The geometry it reads from the kernel, a batch
# written in one call and read back shuffled with both backends, where it
# landed (read through the block device), the map generation after a
# cluster map (the migration kept the data), the example kv_offload.py,
# and, after a member failed, a per-entry EIO for the lost entries only
# and a BatchError. The checks are in swarm-py-test.py.
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=pyswarm
if ! command -v python3 >/dev/null; then
	fail python "no python3 in the VM: run with vm-run.sh --python"
	finish
	exit 1
fi
kernel_log_begin

check load modprobe dm-swarm
members
E=$(swarm_entries 40)
check create dmsetup create pyswarm --table "0 $((E * 8)) swarm 8 4$M 2 spare 50"
DM=$(dm_node pyswarm)

# swarm-py-test.py prints its own PASS/FAIL lines (not in the count
# finish prints); a phase that failed fails the suite.
python3 /tests/swarm-py-test.py info pyswarm "$DM" "$E" 4 0 || FAILED=$((FAILED + 1))
python3 /tests/swarm-py-test.py write pyswarm "$DM" || FAILED=$((FAILED + 1))
python3 /tests/swarm-py-test.py verify pyswarm nomap || FAILED=$((FAILED + 1))
for be in uring threads; do
	out=$(SWARM_CLIENT_BACKEND=$be python3 /tests/kv_offload.py "$DM" 2>&1)
	echo "kv_offload.py: $out"
	case "$out" in
	*" over $be, 0 wrong" | *" over io_$be, 0 wrong") pass "kv-offload-py-$be" ;;
	*) fail "kv-offload-py-$be" "$out" ;;
	esac
done

check trace-gen swarmctl trace gen -o /tmp/t.trace --entries "$E" \
	--steps 100 --frac 0.01 --seed 3
check cluster swarmctl cluster /tmp/t.trace -o /tmp/t.map --quiet
check upload swarmctl map upload --wait pyswarm /tmp/t.map
python3 /tests/swarm-py-test.py verify pyswarm map || FAILED=$((FAILED + 1))
swarmctl map show pyswarm "0-$((E - 1))" >/tmp/place.txt

check fail-member dmsetup message pyswarm 0 fail_member 3
python3 /tests/swarm-py-test.py lost pyswarm 3 /tmp/place.txt || FAILED=$((FAILED + 1))

check remove dmsetup remove pyswarm
kernel_log_clean
finish
