# shellcheck shell=sh
# Members over NVMe over Fabrics (NVMe/TCP), in one VM: the kernel's
# target (nvmet, nvmet-tcp) exports each of the 4 emulated NVMe SSDs as a
# subsystem of its own on 127.0.0.1:4420 (configfs), the kernel's host
# (nvme-tcp) attaches them over the loopback, and a swarm is built over
# the 4 remote namespaces as it would be over the namespaces of several
# storage hosts.
#
# The attach is what `nvme connect -t tcp -a 127.0.0.1 -s 4420 -n NQN`
# (nvme-cli) does: the same option string written to /dev/nvme-fabrics,
# with no nvme-cli in the guest. The detach is `nvme disconnect`'s:
# delete_controller in sysfs.
#
# Checked: the members are NVMe/TCP controllers (transport tcp); the set
# made first on the local SSDs assembles over TCP from its superblocks
# with its map and data; a new swarm over them is populated, a cluster map uploaded (the migration moves the
# data over TCP) and every entry verified; fio writes and verifies (io_uring,
# O_DIRECT); the I/O went through the TCP namespaces and the target to the
# local SSDs (/sys/block stat); a storage host lost (the target drops a
# subsystem) fails its member and nothing read is wrong; teardown leaves nothing (no controller,
# no configfs entry, the modules unloaded). Prints "figure:" lines:
# swarm-bench replay of one trace over the local members and over the same
# SSDs through NVMe/TCP (printed, not asserted: TCG timings).
#
#   nvmf.sh [PCT [STEPS]]  entries filling PCT per cent of the slots
#                          (default 20), trace steps (default 100)
PCT=${1:-20}
STEPS=${2:-100}
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=nvmf
# The debug kernel (tinyconfig) has no networking and no NVMe/TCP: the
# suite runs on the stock kernels, which ship nvmet-tcp and nvme-tcp.
if [ "$KVER_NAME" = test ]; then
	echo "nvmf: the test kernel has no NVMe/TCP; run on --kernel 6.12"
	exit 0
fi
kernel_log_begin

CFG=/sys/kernel/config
NVMET=$CFG/nvmet
NQN=nqn.2026-12.io.dm-swarm:member
PORT=1

check load modprobe dm-swarm
members
E=$(swarm_entries "$PCT")
LEN=$((E * 8))
echo "members: $M, $E entries"
check trace-gen swarmctl trace gen -o /tmp/t.trace --entries "$E" \
	--steps "$STEPS" --frac 0.01 --seed 3
check cluster swarmctl cluster /tmp/t.trace -o /tmp/t.map --quiet

# bench NAME DEV: populate, replay the trace before and after the map,
# every entry verified; prints the figures.
bench() {
	dev=$(dm_node "$2")
	if swarm-bench populate "$dev" --entries "$E" --seed 7 >/tmp/p.txt 2>&1; then
		pass "$1-populate"
	else
		fail "$1-populate" "$(tail -n 3 /tmp/p.txt)"
	fi
	replay "$1" nomap "$dev"
	check "$1-upload" swarmctl map upload --wait "$2" /tmp/t.map
	expect_eq "$1-generation" 1 "$(swarm_st "$2" generation)"
	# The migration moved entries between members: all still right.
	if swarm-bench verify "$dev" --entries "$E" --seed 7 >/tmp/v.txt 2>&1; then
		pass "$1-verify-after-map"
	else
		fail "$1-verify-after-map" "$(tail -n 3 /tmp/v.txt)"
	fi
	swarmctl map show "$2" "0-$((E - 1))" >/tmp/place.txt
	replay "$1" map "$dev" --order /tmp/place.txt
}

# replay NAME WHAT DEV [ARGS]: one swarm-bench replay, verified.
replay() {
	n=$1 w=$2 d=$3
	shift 3
	out=$(swarm-bench replay "$d" /tmp/t.trace --verify --seed 7 --json "$@" 2>/tmp/b.err)
	case "$out" in
	*'"verify_errors":0}') pass "$n-replay-$w" ;;
	*) fail "$n-replay-$w" "$out $(head -n 3 /tmp/b.err)" ;;
	esac
	echo "$out" >"/tmp/fig-$n-$w"
}

# fig NAME WHAT: the figures of a replay.
fig() {
	sed -n 's/.*"reads":\([0-9]*\).*"io_time_s":\([0-9.]*\),"step_p50_ms":\([0-9.]*\),"step_p99_ms":\([0-9.]*\).*"eff_bw_mib_s":\([0-9.]*\).*/reads \1 io_time_s \2 step_p50_ms \3 step_p99_ms \4 eff_bw_mib_s \5/p' \
		"/tmp/fig-$1-$2"
}

# Local members first: the figures to compare with.
check create-local dmsetup create lswarm --table "0 $LEN swarm 8 4$M"
bench local lswarm
check remove-local dmsetup remove lswarm

# The target: one subsystem a member, one TCP port on the loopback.
ip link set lo up
check load-target modprobe nvmet-tcp
check load-host modprobe nvme-tcp
grep -q " $CFG configfs" /proc/mounts || mount -t configfs configfs "$CFG"
check port-mkdir mkdir "$NVMET/ports/$PORT"
echo tcp >"$NVMET/ports/$PORT/addr_trtype"
echo ipv4 >"$NVMET/ports/$PORT/addr_adrfam"
echo 127.0.0.1 >"$NVMET/ports/$PORT/addr_traddr"
echo 4420 >"$NVMET/ports/$PORT/addr_trsvcid"
ok=1
for i in 0 1 2 3; do
	eval "d=\$D$i"
	s=$NVMET/subsystems/$NQN$i
	{
		mkdir "$s" &&
		echo 1 >"$s/attr_allow_any_host" &&
		echo "tcpswarm$i" >"$s/attr_serial" &&
		mkdir "$s/namespaces/1" &&
		echo "/dev/$d" >"$s/namespaces/1/device_path" &&
		echo 1 >"$s/namespaces/1/enable" &&
		ln -s "$s" "$NVMET/ports/$PORT/subsystems/$NQN$i"
	} 2>/tmp/export.err || ok=0
done
if [ $ok = 1 ]; then
	pass export
else
	fail export "$(cat /tmp/export.err)"
fi

# The host: connect to each subsystem (nvme connect's option string),
# with a cache's timeouts: a lost host fails its I/O 1 s into the
# reconnect (nvme connect --reconnect-delay=1 --ctrl-loss-tmo=10
# --fast_io_fail_tmo=1).
TMO=reconnect_delay=1,ctrl_loss_tmo=10,fast_io_fail_tmo=1
ok=1
for i in 0 1 2 3; do
	echo "transport=tcp,traddr=127.0.0.1,trsvcid=4420,nqn=$NQN$i,$TMO" \
		>/dev/nvme-fabrics 2>/tmp/connect.err || ok=0
done
if [ $ok = 1 ]; then
	pass connect
else
	fail connect "$(cat /tmp/connect.err)"
fi

# remote I: "controller namespace" of the subsystem with serial tcpswarmI
# (with native multipath, the namespace is the subsystem's head disk).
remote() {
	for s in /sys/class/nvme-subsystem/nvme-subsys*; do
		[ "$(tr -d ' ' <"$s/serial" 2>/dev/null)" = "tcpswarm$1" ] || continue
		c="" n=""
		for x in "$s"/nvme*; do
			b=${x##*/}
			case "$b" in
			nvme*c*n*) ;;
			nvme*n*) n=$b ;;
			nvme*) c=$b ;;
			esac
		done
		[ -n "$c" ] && [ -n "$n" ] && [ -b "/dev/$n" ] && { echo "$c $n"; return 0; }
	done
	return 1
}

# The namespaces are scanned after the connect returns: wait for them.
R="" C="" RM=""
for i in 0 1 2 3; do
	t=0
	until x=$(remote $i); do
		t=$((t + 1))
		[ $t -lt 200 ] || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	set -- $x
	eval "C$i=\${1:-none} R$i=\${2:-none}"
	C="$C ${1:-none}"
	R="$R ${2:-none}"
	RM="$RM /dev/${2:-none}"
done
echo "remote members:$R (controllers$C)"
tr=""
for c in $C; do
	tr="$tr $(cat "/sys/class/nvme/$c/transport" 2>/dev/null)"
done
expect_eq transport-tcp " tcp tcp tcp tcp" "$tr"
expect_eq remote-address "traddr=127.0.0.1,trsvcid=4420" \
	"$(cut -d, -f1,2 "/sys/class/nvme/$C0/address" 2>/dev/null)"
expect_eq remote-size "$(dev_sectors "/dev/$D0")" "$(dev_sectors "/dev/$R0" 2>/dev/null)"

# iostat: reads and writes completed on the local SSDs (the target's
# backing devices) and on the remote namespaces.
iostat() {
	for d in "$@"; do
		awk '{ printf "%d %d ", $1, $5 }' "/sys/block/$d/stat" 2>/dev/null || printf '0 0 '
	done
}
lb=$(iostat "$D0" "$D1" "$D2" "$D3")
rb=$(iostat "$R0" "$R1" "$R2" "$R3")

# The set made on the local SSDs, found over TCP by its superblocks (as
# an inference host finds members that moved to a storage host): its map
# and its data, read through NVMe/TCP.
# shellcheck disable=SC2086
check assemble-remote swarmctl assemble --create rswarm $RM
expect_eq assembled-generation 1 "$(swarm_st rswarm generation)"
if swarm-bench verify "$(dm_node rswarm)" --entries "$E" --seed 7 >/tmp/v.txt 2>&1; then
	pass assembled-verify
else
	fail assembled-verify "$(tail -n 3 /tmp/v.txt)"
fi
check remove-assembled dmsetup remove rswarm
# shellcheck disable=SC2086
check wipe-remote swarmctl wipe --yes $RM

# A new swarm over the remote namespaces: the same table, other devices.
check create-remote dmsetup create rswarm --table "0 $LEN swarm 8 4$RM"
expect_eq remote-new-generation 0 "$(swarm_st rswarm generation)"
bench remote rswarm

# fio over the remote swarm: write then verify, io_uring, O_DIRECT.
DM=$(dm_node rswarm)
if fio --name=verify --filename="$DM" --ioengine=io_uring --direct=1 \
	--bs=4k --iodepth=16 --rw=randwrite --size=$((LEN / 2 / 2048))M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --randseed=99 \
	>/tmp/fio.txt 2>&1; then
	pass fio-verify
else
	fail fio-verify "$(tail -n 10 /tmp/fio.txt)"
fi
grep -E '^ +(read|write):' /tmp/fio.txt | sed 's/^ */fio: /'

la=$(iostat "$D0" "$D1" "$D2" "$D3")
ra=$(iostat "$R0" "$R1" "$R2" "$R3")
# Every member read and written, through TCP and down to its local SSD.
moved() {
	echo "$1 $2" | awk '{
		n = NF / 2; ok = 1
		for (i = 1; i <= n; i++) if ($(i + n) <= $i) ok = 0
		print ok ? "yes" : "no: " $0
	}'
}
expect_eq io-reached-remote yes "$(moved "$rb" "$ra")"
expect_eq io-reached-target-ssds yes "$(moved "$lb" "$la")"
# The swarm's own counters: member I/O on all 4 remote members.
expect_eq swarm-counts-members 4 "$(dmsetup status rswarm | awk '{
	n = 0
	for (i = 0; i < $4; i++) if ($(6 + i * 5) > 0 && $(7 + i * 5) > 0) n++
	print n }')"

for w in nomap map; do
	echo "figure: replay $w local: $(fig local $w)"
	echo "figure: replay $w nvme-tcp: $(fig remote $w)"
done

# A storage host lost: the target drops member 3's subsystem from its
# port (its connection closes, reconnects are refused). The member's I/O
# fails 1 s into the reconnect, the swarm fails the member, and the whole
# device reads back with no wrong data: the entries with a copy on another
# member from it, the others lost, fast (cache misses).
# fio wrote over the first LEN / 2 / 2048 whole MiB: populate them again.
# shellcheck disable=SC2017
N=$((LEN / 2 / 2048 * 256))
check repopulate swarm-bench populate "$DM" --entries "$N" --seed 7
rm "$NVMET/ports/$PORT/subsystems/${NQN}3"
t0=$(date +%s)
swarm-bench verify "$DM" --entries "$E" --seed 7 --io-size 4k --keep-going \
	>/tmp/vf.txt 2>/tmp/vf.err
expect_eq host-lost-no-mismatch 0 "$?"
t=$(($(date +%s) - t0))
cat /tmp/vf.txt
expect_eq host-lost-member-failed "ok ok ok failed" "$(swarm_members rswarm)"
lost=$(awk '/^unreadable/ { print $2 }' /tmp/vf.txt)
echo "figure: storage host lost: ${lost:-0} of $E entries lost, verify took $t s"
check host-lost-some-lost test "${lost:-0}" -gt 0
check host-lost-rest-read test "${lost:-0}" -lt $((E / 3))
check host-lost-bounded test "$t" -lt 30
# The host tries to reconnect; the refusal (no such subsystem: do not
# retry) removes the controller. Either way the member's I/O failed.
echo "controller $C3: $(cat "/sys/class/nvme/$C3/state" 2>/dev/null || echo removed)"

# Teardown: the swarm, the controllers (nvme disconnect), the target.
check remove-remote dmsetup remove rswarm
for c in $C; do
	[ -e "/sys/class/nvme/$c/delete_controller" ] &&
		echo 1 >"/sys/class/nvme/$c/delete_controller"
done
left=""
for c in /sys/class/nvme/nvme*; do
	[ "$(cat "$c/transport" 2>/dev/null)" = tcp ] && left="$left ${c##*/}"
done
expect_eq disconnect "" "$left"
for i in 0 1 2 3; do
	s=$NVMET/subsystems/$NQN$i
	rm -f "$NVMET/ports/$PORT/subsystems/$NQN$i"
	echo 0 >"$s/namespaces/1/enable" 2>/dev/null
	rmdir "$s/namespaces/1" "$s" 2>/dev/null
done
rmdir "$NVMET/ports/$PORT" 2>/dev/null
# dir_entries DIR...: what the directories hold (nothing when they are gone).
dir_entries() {
	for x in "$@"; do
		for y in "$x"/*; do
			[ -e "$y" ] && printf '%s ' "${y##*/}"
		done
	done
}
expect_eq target-cleared "" "$(dir_entries "$NVMET/subsystems" "$NVMET/ports")"
ok=1
for m in nvme_tcp nvme_fabrics nvmet_tcp nvmet; do
	grep -q "^$m " /proc/modules && { rmmod "$m" || ok=0; }
done
expect_eq modules-unloaded 1 "$ok"
umount "$CFG" 2>/dev/null
grep -q "^configfs " /proc/modules && rmmod configfs 2>/dev/null
# The local SSDs are whole again, with no holder left.
expect_eq local-free "" "$(dir_entries "/sys/block/$D0/holders" "/sys/block/$D1/holders" \
	"/sys/block/$D2/holders" "/sys/block/$D3/holders")"
kernel_log_clean
finish
