#!/bin/bash
# Build dm-swarm.ko (and, where the kernel has KUnit, dm-swarm-test.ko) for
# one kernel, out of the source tree: build/mod-<kernel>/.
# Any compiler or modpost warning fails the build.
#
#   build-module.sh test|6.1|6.12
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/kernels.sh
. "$top/scripts/kernels.sh"
kernel_resolve "$1"

mkdir -p "$MODBUILD"
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--exclude '*.mod*' --exclude 'modules.order' --exclude 'Module.symvers' \
	--exclude 'build.log' \
	"$top/Kbuild" "$top/kmod" "$top/uapi" "$top/tests" "$MODBUILD/" 
out=$MODBUILD/build.log
if ! make -C "$KDIR" M="$MODBUILD" W=1 modules >"$out" 2>&1; then
	cat "$out" >&2
	echo "build-module: build for $1 ($KVER) failed" >&2
	exit 1
fi
if grep -iE 'warning:|error:' "$out" >&2; then
	echo "build-module: warnings building for $1 ($KVER)" >&2
	exit 1
fi
echo "build-module: $1 ($KVER): $(cd "$MODBUILD" && ls ./*.ko | xargs -n1 basename | tr '\n' ' ')" >&2
