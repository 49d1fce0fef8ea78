#!/bin/sh
# checkpatch --strict over the kernel sources, with the test kernel's copy
# of checkpatch.pl. Prints what it finds; fails if it finds anything.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$top/scripts/build-kernel.sh")
cd "$top"
files=$(ls kmod/*.c kmod/*.h uapi/linux/*.h tests/kunit/*.c tests/common/*.h 2>/dev/null || true)
# shellcheck disable=SC2086
out=$("$tree/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	-f $files 2>&1 | grep -v '^total:' || true)
[ -z "$out" ] && exit 0
echo "$out"
exit 1
