#!/bin/sh
# Build (or reuse) the dm-swarm test kernel from Debian's linux-source-6.12.
#
# The kernel tree is cached outside the repository, keyed by the source
# tarball's version and the config fragment, so a second run is instant.
# Prints the path of the built tree on stdout.
set -e

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DM_SWARM_CACHE:-/var/cache/dm-swarm}
tarball=/usr/src/linux-source-6.12.tar.xz
frag=$top/tests/kernel.config

"$top/scripts/deps.sh" >&2
[ -f "$tarball" ] || { echo "build-kernel: $tarball missing" >&2; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
# Bump recipe when this script changes how the tree is built.
recipe=1
key=$( (echo "$srcver $recipe"; cat "$frag") | sha256sum | cut -c1-16)
tree=$cache/kernel-$key
if [ -f "$tree/.dm-swarm-built" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
# One build at a time: a second caller waits for the first and uses its tree.
exec 9>"$cache/.lock"
flock 9
if [ -f "$tree/.dm-swarm-built" ]; then
	echo "$tree"
	exit 0
fi
rm -rf "$tree"
mkdir -p "$tree"
echo "build-kernel: unpacking linux-source $srcver into $tree" >&2
tar -xJf "$tarball" -C "$tree" --strip-components=1
cd "$tree"
start=$(date +%s)
{
	make tinyconfig
	./scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config "$frag"
	make olddefconfig
} >"$cache/kernel-$key.log" 2>&1

# Fail loudly if the fragment asked for something Kconfig refused.
bad=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$frag" | while IFS='=' read -r sym val; do
	case "$val" in
	n) ! grep -q "^$sym=" .config || echo "$sym=n" ;;
	*) grep -q "^$sym=$val\$" .config || echo "$sym=$val" ;;
	esac
done)
if [ -n "$bad" ]; then
	echo "build-kernel: Kconfig did not take:" $bad >&2
	exit 1
fi

echo "build-kernel: building bzImage (about 5-8 minutes on 2 cores)" >&2
make -j"$(nproc)" bzImage modules >>"$cache/kernel-$key.log" 2>&1 ||
	{ tail -30 "$cache/kernel-$key.log" >&2; exit 1; }
make -j"$(nproc)" modules_prepare >>"$cache/kernel-$key.log" 2>&1
echo "build-kernel: done in $(($(date +%s) - start)) s" >&2
touch "$tree/.dm-swarm-built"
echo "$tree"
