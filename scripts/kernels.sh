# shellcheck shell=bash
# Where each kernel dm-swarm is tested on lives. Sourced by the scripts.
#
# kernel_resolve NAME sets:
#   KIMAGE   the bootable image
#   KVER     its release string (uname -r)
#   KDIR     the tree or headers modules build against
#   KMODDIR  its own modules (stock kernels only)
#   MODBUILD where our modules for it are built
#   STOCK_MODULES modules (and their dependencies) copied into the initramfs
#   STOCK_PRELOAD modules loaded at boot
#   KAPPEND  extra kernel command-line arguments

kernel_stock_version() {
	# Newest installed Debian kernel of a series: 6.1 or 6.12.
	local series=$1 v
	for v in $(ls -1 /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V -r); do
		case "$v" in
		"$series".[0-9]*-amd64 | "$series".[0-9]*+deb*-amd64) echo "$v"; return 0 ;;
		esac
	done
	return 1
}

kernel_resolve() {
	local name=$1 top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	MODBUILD=$top/build/mod-$name
	STOCK_MODULES="" STOCK_PRELOAD="" KMODDIR="" KAPPEND=""
	case "$name" in
	test)
		KDIR=$("$top/scripts/build-kernel.sh")
		KIMAGE=$KDIR/arch/x86/boot/bzImage
		KVER=$(make -s --no-print-directory -C "$KDIR" kernelrelease)
		;;
	6.1 | 6.12)
		"$top/scripts/deps.sh" >&2
		KVER=$(kernel_stock_version "$name") ||
			{ echo "no Debian $name kernel in /boot" >&2; return 1; }
		KIMAGE=/boot/vmlinuz-$KVER
		KDIR=/lib/modules/$KVER/build
		KMODDIR=/lib/modules/$KVER
		# nvmet-tcp and nvme-tcp: NVMe/TCP members over the guest's
		# loopback (tests/vm/suites/nvmf.sh); copied, not loaded. raid0:
		# the benchmark's md RAID0; raid10: tests/vm/benches/mdraid10.sh.
		STOCK_MODULES="nvme dm-mod null_blk loop dm-mirror dm-flakey dm-delay dm-dust crc32c_generic md-mod raid0 raid10 nvmet-tcp nvme-tcp"
		STOCK_PRELOAD="nvme"
		;;
	*)
		echo "unknown kernel '$name' (test, 6.1 or 6.12)" >&2
		return 1
		;;
	esac
}
