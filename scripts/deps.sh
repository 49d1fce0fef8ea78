#!/bin/sh
# Install every Debian package dm-swarm needs. Idempotent; silent when all
# packages are present.
set -e

PKGS="build-essential make gcc bc flex bison libelf-dev libssl-dev dwarves
cpio kmod xz-utils rsync qemu-system-x86 qemu-utils busybox-static
linux-source-6.12 linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64
liburing-dev fio dmsetup gnuplot-nox mdadm dkms python3"

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or stale on a fresh machine.
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
