# shellcheck shell=sh
# Helpers for the test scripts that run inside the VM (busybox sh).
# Each check prints one "PASS: name" or "FAIL: name" line; the host counts
# them. Scripts exit non-zero when any check failed.

FAILED=0
PASSED=0

pass() { PASSED=$((PASSED + 1)); echo "PASS: $SUITE.$1"; }
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $SUITE.$1"
	shift
	[ $# -gt 0 ] && echo "  $*"
	return 0
}

# check NAME CMD...: pass when CMD succeeds.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "command: $* -> $out"
	fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

finish() {
	echo "$SUITE: $PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
}

# The NVMe namespace whose controller has serial swarm<N> (vm-run.sh
# names them so): nvme<subsystem>n<head>, not always n1 (a controller
# hot-removed and found again by a PCI rescan while its old namespace is
# still open gets the next head instance, nvme1n2), never a multipath
# path (nvme1c1n1) or a partition.
nvme_dev() {
	for c in /sys/class/nvme/nvme*; do
		if [ "$(cat "$c/serial" 2>/dev/null | tr -d ' ')" = "swarm$1" ]; then
			for n in "$c"/nvme*n*; do
				_b=${n##*/}
				case $_b in *c*|*p*) continue ;; esac
				[ -e "/sys/block/$_b" ] || continue
				echo "$_b"
				return 0
			done
		fi
	done
	return 1
}

# Field N (1-based) of /sys/block/DEV/stat.
blkstat() {
	awk -v f="$2" '{ print $f }' "/sys/block/$1/stat"
}

# The /dev/dm-N node of a dm device; dmsetup makes /dev/mapper/NAME itself
# without udev, but a block node under /dev is what we trust.
dm_node() {
	echo "/dev/$(dmsetup info -c --noheadings -o blkdevname "$1")"
}

# Sectors of a block device.
dev_sectors() {
	blockdev --getsz "$1"
}
