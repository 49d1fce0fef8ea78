#!/bin/bash
# DKMS for dm-swarm (dkms.conf).
#
#   dkms.sh add [DESTDIR]   copy the module's sources to
#                           DESTDIR/usr/src/dm-swarm-<version> and, without
#                           DESTDIR, register them with "dkms add" (make dkms);
#                           then "dkms install dm-swarm/<version>" builds and
#                           installs it for the running kernel, and DKMS
#                           rebuilds it for every kernel installed later
#   dkms.sh check KERNEL... "dkms build" in a private tree (build/dkms/, the
#                           system's DKMS untouched, no signing key made) for
#                           each kernel: 6.1 or 6.12 (the newest installed
#                           Debian kernel of the series, as scripts/kernels.sh
#                           finds it), a release string, or "test" (skipped:
#                           no headers package); one PASS:/FAIL: line each
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
name=dm-swarm
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
abi=$(awk '/define DM_SWARM_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v == "" ? "" : ".") $3 } END { print v }' uapi/linux/dm-swarm.h)

# The sources the module's Kbuild needs, into $1.
copy_src() {
	mkdir -p "$1" &&
	cp dkms.conf Kbuild "$1/" &&
	cp -r kmod uapi "$1/" &&
	mkdir -p "$1/tests" && cp -r tests/kunit tests/common "$1/tests/"
}

if [ "$ver" != "$abi" ]; then
	echo "dkms: dkms.conf says $ver, uapi/linux/dm-swarm.h $abi" >&2
	[ "${1:-}" = check ] && echo "FAIL: dkms.version"
	exit 1
fi

case "${1:-}" in
add)
	dest=${2:-}
	src=$dest/usr/src/$name-$ver
	rm -rf "$src"
	copy_src "$src" || exit 1
	echo "dkms: sources in $src"
	[ -n "$dest" ] && exit 0
	command -v dkms >/dev/null || { echo "dkms: no dkms (apt-get install dkms)" >&2; exit 1; }
	dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1
	dkms add -m "$name" -v "$ver" || exit 1
	echo "dkms: added $name/$ver; build and install with: dkms install $name/$ver"
	;;
check)
	shift
	command -v dkms >/dev/null || { echo "FAIL: dkms.installed"; exit 1; }
	echo "PASS: dkms.version"
	work=$top/build/dkms
	rm -rf "$work"
	mkdir -p "$work/src" "$work/tree" "$work/install"
	copy_src "$work/src/$name-$ver" || { echo "FAIL: dkms.add"; exit 1; }
	opts=(--sourcetree "$work/src" --dkmstree "$work/tree" --installtree "$work/install")
	# No signing: dkms would make a key in /var/lib/dkms for it.
	export sign_file=/nonexistent
	if dkms add -m "$name" -v "$ver" "${opts[@]}" >"$work/add.log" 2>&1; then
		echo "PASS: dkms.add"
	else
		cat "$work/add.log"
		echo "FAIL: dkms.add"
		exit 1
	fi
	rc=0
	# shellcheck source=scripts/kernels.sh
	. "$top/scripts/kernels.sh"
	for k in "$@"; do
		case "$k" in
		test) continue ;;
		6.1 | 6.12)
			r=$(kernel_stock_version "$k") || {
				echo "  no Debian $k kernel in /boot"
				echo "FAIL: dkms.build-$k"
				rc=1
				continue
			}
			k=$r
			;;
		esac
		log=""
		if dkms build -m "$name" -v "$ver" -k "$k" "${opts[@]}" >"$work/build-$k.log" 2>&1 &&
			ko=$(find "$work/tree/$name/$ver/$k" -name "$name.ko*" | head -n 1) &&
			log=$(find "$work/tree/$name/$ver/$k" -name make.log | head -n 1) &&
			[ -n "$ko" ] && [ -n "$log" ] && ! grep -iE 'warning:|error:' "$log"; then
			echo "PASS: dkms.build-$k"
		else
			tail -n 20 "$work/build-$k.log"
			[ -n "$log" ] && tail -n 20 "$log"
			echo "FAIL: dkms.build-$k"
			rc=1
		fi
	done
	dkms remove -m "$name" -v "$ver" --all "${opts[@]}" >/dev/null 2>&1
	exit $rc
	;;
*)
	echo "usage: dkms.sh add [DESTDIR] | check KVER..." >&2
	exit 2
	;;
esac
