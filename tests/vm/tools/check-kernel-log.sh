# shellcheck shell=sh
# Sourced at the end of a VM test: the kernel log must hold no warning,
# lockdep splat, KASAN report or leak.
# Forget what kmemleak found before the test started.
kernel_log_begin() {
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
	fi
}

kernel_log_clean() {
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		sleep 1
		echo scan >/sys/kernel/debug/kmemleak
		if grep -q unreferenced /sys/kernel/debug/kmemleak; then
			cat /sys/kernel/debug/kmemleak
			fail kmemleak-clean "kmemleak reports leaks"
		else
			pass kmemleak-clean
		fi
	fi
	if dmesg | grep -E 'BUG:|WARNING:|KASAN|possible circular|possible recursive|inconsistent lock|Call Trace' >/tmp/splat; then
		cat /tmp/splat
		fail kernel-log-clean "see the kernel log above"
	else
		pass kernel-log-clean
	fi
}
