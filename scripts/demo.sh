#!/bin/bash
# make demo: build the module for Debian's stock 6.12 kernel and run the
# demo in a VM on 4 emulated NVMe SSDs, each throttled to 50 MiB/s and
# 2000 IOPS (an IOPS-bound SSD model; see README.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernel=${DEMO_KERNEL:-6.12}
scripts/build-module.sh "$kernel"
log=build/logs/demo-$kernel.log
rc=0
scripts/vm-run.sh --kernel "$kernel" --disks 4 --disk-mib 128 \
	--bps $((50 << 20)) --iops 2000 --log "$log" tests/vm/benches/demo.sh || rc=$?
sed -n '/^== dm-swarm VM/,/^DM-SWARM-VM-EXIT/p' "$log" | grep -v '^DM-SWARM-VM-EXIT'
exit "$rc"
