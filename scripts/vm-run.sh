#!/bin/bash
# Boot a kernel under QEMU (TCG) on emulated NVMe SSDs and run one test
# script inside it.
#
#   vm-run.sh [options] <script> [args...]
#
#   --kernel test|6.1|6.12  which kernel to boot (default: test)
#   --disks N               number of emulated NVMe SSDs (default: 4)
#   --disk-mib M            size of each SSD in MiB (default: 256)
#   --bps B --iops I        per-SSD throttle, bytes/s and IOPS (default: none)
#   --mem M                 guest memory in MiB (default: 2048)
#   --log FILE              console log (default: build/logs/<script>-<kernel>.log)
#   --timeout S             kill QEMU after S seconds (default: 900)
#   --images DIR            keep the SSD images in DIR and reuse them if they
#                           exist (reboots, crash tests); default: fresh ones
#   --crash-after S         SIGKILL QEMU S seconds (may be fractional) after it
#                           started, like a power cut; the exit status is 0
#   --crash-at MARK:S       SIGKILL QEMU S seconds after the console prints a
#                           line starting with MARK; the exit status is 0
#   --file PATH             copy PATH into the VM's /data (repeatable)
#   --python                add Debian's python3 (the standard library less
#                           its tests and GUI) and the dmswarm binding
#                           (userspace/python, with build/user/libswarm.so)
#
# <script>: usually one of tests/vm/suites/ (the test suites) or
# tests/vm/benches/ (benchmarks, figures, the demo); any sh script will do.
#
# The initramfs holds busybox, dmsetup, fio, kmod (and mdadm for the stock
# kernels), the dm-swarm modules built for that kernel, the userspace tools
# in build/user/ and the files of tests/vm/ (suites/, benches/, tools/),
# all in one flat /tests, where the script runs: scripts source their
# helpers as /tests/lib.sh and such, wherever they are in tests/vm/.
# The script's exit status becomes ours; the console log is kept.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel=test disks=4 disk_mib=256 bps=0 iops=0 mem=2048 log="" timeout=900
images="" crash_after="" crash_at="" files=() python=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--disks) disks=$2; shift 2 ;;
	--disk-mib) disk_mib=$2; shift 2 ;;
	--bps) bps=$2; shift 2 ;;
	--iops) iops=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--images) images=$2; shift 2 ;;
	--crash-after) crash_after=$2; shift 2 ;;
	--crash-at) crash_at=$2; shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--python) python=1; shift ;;
	--) shift; break ;;
	-*) echo "vm-run: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: vm-run.sh [options] <script> [args...]" >&2; exit 2; }
script=$1; shift
[ -f "$script" ] || { echo "vm-run: no script $script" >&2; exit 2; }

# shellcheck source=scripts/kernels.sh
. "$top/scripts/kernels.sh"
kernel_resolve "$kernel"	# sets KIMAGE KVER KMODDIR MODBUILD

[ -f "$MODBUILD/dm-swarm.ko" ] || { echo "vm-run: $MODBUILD/dm-swarm.ko not built" >&2; exit 2; }
name=$(basename "$script" .sh)
[ -n "$log" ] || log=$top/build/logs/$name-$kernel.log
mkdir -p "$(dirname "$log")"

work=$(mktemp -d /tmp/dm-swarm-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,tests,mnt}

# Copy a binary and the shared libraries it needs.
add_bin() {
	local bin=$1 dest=${2:-/usr/bin}
	cp -L "$bin" "$root$dest/"
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

cp /bin/busybox "$root/bin/busybox"
for b in /sbin/dmsetup /usr/bin/fio /bin/kmod; do
	add_bin "$b"
done
# md RAID0, the baseline the benchmark compares with (stock kernels: the
# test kernel has no md).
if [ -n "$KMODDIR" ]; then
	md=$(command -v mdadm) || { echo "vm-run: no mdadm (scripts/deps.sh installs it)" >&2; exit 2; }
	add_bin "$md" /sbin
fi
for t in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -s /usr/bin/kmod "$root/usr/sbin/$t"
done
if [ -d "$top/build/user" ]; then
	find "$top/build/user" -maxdepth 1 -type f -perm -u+x | while read -r b; do
		add_bin "$b"
	done
fi
# More host binaries, for a developer's run (perf, say):
# VM_EXTRA_BINS="/usr/bin/perf" scripts/vm-run.sh ...
for b in ${VM_EXTRA_BINS:-}; do
	add_bin "$b"
done
# Python, for the binding's tests in the VM (opt-in: it makes the
# initramfs about 20 MB bigger).
if [ "$python" = 1 ]; then
	py=$(readlink -f /usr/bin/python3)
	pyv=$(basename "$py")
	[ -x "$py" ] && [ -d "/usr/lib/$pyv" ] ||
		{ echo "vm-run: no Debian python3 (apt-get install python3)" >&2; exit 2; }
	add_bin "$py"
	ln -s "$pyv" "$root/usr/bin/python3"
	(cd /usr/lib && find "$pyv" \( -name __pycache__ -o -name test -o -name tests \
		-o -name idlelib -o -name tkinter -o -name turtledemo -o -name ensurepip \
		-o -name lib2to3 -o -name pydoc_data -o -name 'config-*' \
		-o -name site-packages -o -name dist-packages \) -prune -o -print |
		cpio -pdm --quiet "$root/usr/lib")
	# Not the modules that pull in big libraries (TLS, databases,
	# terminals): about 10 MB less to unpack under TCG.
	rm -f "$root/usr/lib/$pyv"/lib-dynload/{_ssl,_hashlib,_sqlite3,_dbm,_gdbm,_curses,_curses_panel,readline,nis}.cpython-*.so
	for so in "$root/usr/lib/$pyv"/lib-dynload/*.so; do
		{ ldd "$so" 2>/dev/null | grep -o '/[^ ]*' || true; } | while read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
	pkg=$root/usr/lib/python3/dist-packages
	mkdir -p "$pkg"
	cp -r "$top/userspace/python/dmswarm" "$pkg/"
	rm -rf "$pkg/dmswarm/__pycache__"
	cp "$top/build/user/libswarm.so" "$pkg/dmswarm/"
	cp "$top"/userspace/examples/*.py "$root/tests/"
fi
# Flat: two files of one name in tests/vm/ would overwrite each other.
while read -r f; do
	b=$(basename "$f")
	if [ -e "$root/tests/$b" ]; then
		echo "vm-run: two files named $b in tests/vm/" >&2
		exit 2
	fi
	cp "$f" "$root/tests/"
done < <(find "$top/tests/vm" -type f)
mkdir -p "$root/data"
for f in "${files[@]}"; do
	cp -L "$f" "$root/data/"
done

# Modules: the kernel's own (for stock kernels) and ours, with modules.dep.
mdir=$root/lib/modules/$KVER
mkdir -p "$mdir/extra"
for f in modules.builtin modules.builtin.modinfo modules.order; do
	if [ -f "${KMODDIR:-$KDIR}/$f" ]; then
		cp "${KMODDIR:-$KDIR}/$f" "$mdir/"
	else
		: >"$mdir/$f"
	fi
done
if [ -n "$KMODDIR" ]; then
	for m in $STOCK_MODULES; do
		# Not every kernel has every module (Debian has no dm-dust).
		modprobe -S "$KVER" --show-depends "$m" 2>/dev/null || true
	done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r m; do
		rel=${m#"$KMODDIR"/}
		mkdir -p "$mdir/$(dirname "$rel")"
		cp "$m" "$mdir/$rel"
	done
fi
cp "$MODBUILD"/*.ko "$mdir/extra/"
depmod -b "$root" "$KVER"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
echo 8 >/proc/sys/kernel/printk
for m in $(cat /etc/preload-modules); do modprobe "$m" || echo "init: modprobe $m failed"; done
export DM_DISABLE_UDEV=1 KVER_NAME="$(cat /etc/kernel-name)"
echo "== dm-swarm VM: kernel $(uname -r) ($KVER_NAME), $(nproc) CPUs =="
cd /tests
sh "/tests/$(cat /etc/test-script)" $(cat /etc/test-args)
rc=$?
echo "DM-SWARM-VM-EXIT: $rc"
sync
poweroff -f
INIT
chmod +x "$root/init"
echo "$STOCK_PRELOAD" >"$root/etc/preload-modules"
echo "$kernel" >"$root/etc/kernel-name"
basename "$script" >"$root/etc/test-script"
echo "$*" >"$root/etc/test-args"
cp "$script" "$root/tests/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

imgdir=$work
if [ -n "$images" ]; then
	mkdir -p "$images"
	imgdir=$images
fi
drives=()
for i in $(seq 0 $((disks - 1))); do
	img=$imgdir/nvme$i.img
	[ -f "$img" ] || truncate -s "${disk_mib}M" "$img"
	thr=""
	[ "$bps" != 0 ] && thr="$thr,throttling.bps-total=$bps"
	[ "$iops" != 0 ] && thr="$thr,throttling.iops-total=$iops"
	drives+=(-drive "file=$img,if=none,id=nvm$i,format=raw$thr"
		 -device "nvme,serial=swarm$i,drive=nvm$i")
done

# The QEMU command line, one for every variant below.
qemu=(qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp 2 -m "$mem"
	-kernel "$KIMAGE" -initrd "$work/initrd.gz"
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 $KAPPEND"
	-nographic -no-reboot -nic none "${drives[@]}")

echo "vm-run: $name on kernel $kernel ($KVER), $disks x ${disk_mib} MiB NVMe" \
	"(bps=$bps iops=$iops), log $log" >&2
start=$(date +%s)
set +e
# reached_test: the kernel got as far as our init (under TCG a stock
# kernel very rarely oopses in early boot, before any of our code runs;
# such a boot is tried again, once).
reached_test() { grep -q '== dm-swarm VM:' "$log"; }
for attempt in 1 2; do
	[ "$attempt" = 1 ] || {
		mv "$log" "$log.early-boot-failure"
		echo "vm-run: the VM failed before reaching the test (see $log.early-boot-failure); booting again" >&2
	}
	if [ -n "$crash_at" ]; then
		mark=${crash_at%:*} delay=${crash_at##*:}
		"${qemu[@]}" </dev/null >"$log" 2>&1 &
		qpid=$!
		waited=0
		until grep -q "^$mark" "$log" 2>/dev/null; do
			kill -0 $qpid 2>/dev/null || break
			sleep 0.05
			waited=$((waited + 1))
			[ $waited -lt $((timeout * 20)) ] || break
		done
		if grep -q "^$mark" "$log"; then
			sleep "$delay"
			kill -9 $qpid 2>/dev/null
		fi
		wait $qpid 2>/dev/null
		tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
		reached_test || continue
		echo "vm-run: QEMU killed $delay s after '$mark'" >&2
		grep -E '^(PASS|FAIL): |^  ' "$log" || true
		exit 0
	fi
	if [ -n "$crash_after" ]; then
		# A power cut: SIGKILL, so QEMU flushes nothing of its own.
		timeout --foreground -s KILL "$crash_after" \
			"${qemu[@]}" </dev/null >"$log" 2>&1
		qrc=$?
		tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
		echo "vm-run: QEMU killed after $crash_after s (status $qrc)" >&2
		grep -E '^(PASS|FAIL): |^  ' "$log" || true
		grep -q '^DM-SWARM-VM-EXIT: ' "$log" && echo "vm-run: the test finished before the crash" >&2
		exit 0
	fi
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" </dev/null >"$log" 2>&1
	qrc=$?
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	reached_test && break
done
if [ -n "$crash_at" ]; then
	echo "vm-run: the VM never reached the test" >&2
	exit 0
fi
set -e
echo "vm-run: QEMU exited with $qrc after $(($(date +%s) - start)) s" >&2
# The test's verdicts, for whoever counts them (scripts/check.sh).
grep -E '^(PASS|FAIL): |^  ' "$log" || true
rc=$(sed -n 's/^DM-SWARM-VM-EXIT: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$rc" ]; then
	echo "vm-run: the test did not finish (see $log)" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
exit "$rc"
