# shellcheck shell=sh
# The benchmark of issue 6, inside the VM (scripts/bench.sh drives it).
#
#   bench.sh <conf>     conf: a file in /data that sets the variables below
#
# One boot runs one device model (vm-run throttles every disk alike):
#   MODEL            name of the device model (iops, nvme, none)
#   BPS IOPS         the per-disk throttle vm-run applied (0: none)
#   NDEV             members used (the first NDEV disks)
#   CEILING=1        fio on unthrottled disks: the VM's own ceiling
#   OVERHEAD=SECS    the map-path microbenchmark on null_blk (0: skip)
#   TRACES           names; for each name T: T_FILE T_ESZ T_PROFILE_MAP
#                    T_ORACLE_MAP T_EVAL (steps A:B) T_EVAL_SMALL (for 1
#                    and 2 devices) T_ENTRIES T_LAYERS
#   SETUPS           setups on NDEV members (see setup_create); T_SETUPS
#                    overrides it for trace T, T_SWEEP=0 skips its sweep
#   SWEEP_SETUPS     setups also run on 1 and 2 members (DEVCOUNTS)
#   VERIFY=1         replay --verify
#   VERIFY_ALL=1     read every entry back after populating (default VERIFY)
#   OVERHEAD_ROUNDS  rounds of the map-path microbenchmark (default 3)
#   FIOM=1           the fio matrix (see fio_matrix): FIOM_SETUPS, FIOM_JOBS,
#                    FIOM_SECS (per job), FIOM_MIB (the region), FIOM_IOLOG
#                    (the Mooncake iolog), FIOM_MAP (its learned map)
#
# Every measurement prints one "BENCH-JSON: {...}" line (the host collects
# them) and a table line; every check a PASS:/FAIL: line.
. /tests/lib.sh
SUITE=bench
CONF=/data/$1
[ -f "$CONF" ] || { echo "FAIL: bench.conf ($CONF missing)"; exit 1; }
# shellcheck disable=SC1090
. "$CONF"
: "${MODEL:=none}" "${BPS:=0}" "${IOPS:=0}" "${NDEV:=4}" "${CEILING:=0}"
: "${OVERHEAD:=0}" "${VERIFY:=1}" "${DEVCOUNTS:=}" "${SWEEP_SETUPS:=}"
: "${SEED:=1}" "${SCHED:=none}" "${VERIFY_ALL:=$VERIFY}"

modprobe dm-swarm || { fail load "modprobe dm-swarm"; exit 1; }
ALL=""
for i in $(seq 0 $((NDEV - 1))); do
	ALL="$ALL /dev/$(nvme_dev "$i")"
done
# The members' I/O scheduler (SCHED): "none" is the NVMe default; with
# mq-deadline, reads waiting for a device tag also merge in the scheduler.
# Swarm itself sends a plugged batch's reads sorted by member and slot, so
# the plug merges them under either.
for d in $ALL; do
	echo "$SCHED" >"/sys/block/$(basename "$d")/queue/scheduler" ||
		fail "scheduler-$SCHED"
done
VOPT=""
[ "$VERIFY" = 1 ] && VOPT=--verify

# members K: the first K member devices
members() {
	echo "$ALL" | tr ' ' '\n' | grep . | head -n "$1" | tr '\n' ' '
}

# Zero the first 4 MiB of each member: swarm then sees blank members
# (it will keep a superblock there), and no setup inherits another's.
wipe() {
	for _w in $1; do
		dd if=/dev/zero of="$_w" bs=1M count=4 oflag=direct 2>/dev/null
	done
}

# Sum of reads, of reads merged into others and of sectors read by the
# members (/sys/block/X/stat).
devreads() {
	r=0 m=0 s=0
	for _d in $1; do
		b=$(basename "$_d")
		r=$((r + $(blkstat "$b" 1)))
		m=$((m + $(blkstat "$b" 2)))
		s=$((s + $(blkstat "$b" 3)))
	done
	echo "$r $m $s"
}

# The CPUs' busy jiffies, USER_HZ = 100 a second (all but idle and iowait).
cpu_busy() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# setup_create SETUP K ESZ LEN_SECTORS MAP: create dm device "bench".
# Setups: linear (entries concatenated), stripe (chunk = entry), nomap
# (swarm, no map: the paper's No Cluster), map (swarm + the map from
# swarmctl cluster, default placement and least-loaded reads), eq7
# (placement roundrobin, the paper's Eq. 7), nobalance, static (static
# replica choice), copies1 (max_copies 1), oracle (the planted groups as
# the map: what a perfect clustering would give). A "-ord" suffix
# (map-ord, stripe-ord, ...) makes the client submit each step's reads
# in placement order (member, slot; swarm-bench --order), as a client
# that knows the placement would.
setup_create() {
	base=${1%-ord} k=$2 esz=$3 len=$4 map=$5
	mem=$(members "$k")
	es=$((esz / 512))
	wipe "$mem"
	case "$base" in
	linear)
		per=$(( (len / k + es - 1) / es * es ))
		start=0 tbl=""
		for d in $mem; do
			n=$per
			[ $((start + n)) -gt "$len" ] && n=$((len - start))
			[ "$n" -gt 0 ] && tbl="$tbl$start $n linear $d 0\n"
			start=$((start + n))
		done
		printf "$tbl" | dmsetup create bench || return 1
		;;
	stripe | stripe512)
		# dm-stripe, the entry as chunk, or 512 KiB (mdadm's default)
		c=$es
		[ "$base" = stripe512 ] && c=1024
		l=$(( (len + k * c - 1) / (k * c) * (k * c) ))
		tbl="0 $l striped $k $c"
		for d in $mem; do tbl="$tbl $d 0"; done
		dmsetup create bench --table "$tbl" || return 1
		;;
	md)
		# md RAID0, mdadm's default chunk (512 KiB); a linear device
		# of the trace's length on top, so the replay sees "bench".
		[ "$k" -gt 1 ] || return 1
		# shellcheck disable=SC2086
		mdadm --create /dev/md0 --level=0 --raid-devices="$k" --run \
			$mem >/tmp/mdadm.out 2>&1 || { cat /tmp/mdadm.out; return 1; }
		dmsetup create bench --table "0 $len linear /dev/md0 0" || return 1
		;;
	nomap | map | eq7 | nobalance | static | copies1 | oracle)
		feat=""
		[ "$base" = copies1 ] && feat=" 2 max_copies 1"
		dmsetup create bench --table "0 $len swarm $es $k $mem$feat" || return 1
		case "$base" in
		eq7) dmsetup message bench 0 placement roundrobin ;;
		nobalance) dmsetup message bench 0 placement nobalance ;;
		esac
		if [ "$base" != nomap ]; then
			swarmctl map upload "$(dm_node bench)" "$map" >/tmp/upload.out 2>&1 ||
				{ cat /tmp/upload.out; return 1; }
		fi
		[ "$base" = static ] && dmsetup message bench 0 selector static
		;;
	*)
		echo "unknown setup $base"
		return 1
		;;
	esac
	return 0
}

# Remove a dm device; a failed run may leave I/O in flight for a moment.
# The md array under a trace's "md" setup goes with it.
dm_remove() {
	for _i in 1 2 3 4 5; do
		dmsetup remove "$1" 2>/dev/null && { md_remove; return 0; }
		sleep 1
	done
	dmsetup remove "$1"
	md_remove
}

md_remove() {
	[ -b /dev/md0 ] || return 0
	mdadm --stop /dev/md0 >/dev/null 2>&1
	# shellcheck disable=SC2086
	mdadm --zero-superblock $ALL >/dev/null 2>&1
	return 0
}

# json_get KEY: a number from the JSON line on stdin.
json_get() {
	sed -n "s/.*\"$1\":\([-0-9.e]*\).*/\1/p"
}

# run_one TRACE SETUP K STEPS
run_one() {
	t=$1 setup=$2 k=$3 steps=$4
	eval "file=\$${t}_FILE esz=\$${t}_ESZ entries=\$${t}_ENTRIES layers=\${${t}_LAYERS:-0}"
	map=""
	case "${setup%-ord}" in
	oracle) eval "map=\$${t}_ORACLE_MAP" ;;
	nomap | linear | stripe | stripe512 | md) ;;
	*) eval "map=\$${t}_PROFILE_MAP" ;;
	esac
	label="$MODEL/$t/$setup/$k"
	len=$((entries * esz / 512))
	if ! setup_create "$setup" "$k" "$esz" "$len" "$map"; then
		fail "$label.create" "setup $setup on $k members: $(dmesg | tail -n 2)"
		dm_remove bench 2>/dev/null
		return
	fi
	dev=$(dm_node bench)
	pj=$(swarm-bench populate "$dev" --entry-size "$esz" --entries "$entries" \
		--seed "$SEED" --json 2>/tmp/pop.err)
	if [ $? -ne 0 ]; then
		fail "$label.populate" "$(cat /tmp/pop.err)"
		dm_remove bench
		return
	fi
	pop_s=$(echo "$pj" | json_get seconds)
	if [ "$VERIFY_ALL" = 1 ]; then
		if swarm-bench verify "$dev" --entry-size "$esz" --entries "$entries" \
			--seed "$SEED" >/tmp/ver.out 2>&1; then
			pass "$label.verify-all"
		else
			fail "$label.verify-all" "$(tail -n 3 /tmp/ver.out)"
		fi
	fi
	[ -n "$map" ] && swarmctl stats reset "$dev" >/dev/null 2>&1
	oopt=""
	case "$setup" in
	stripe-ord | stripe512-ord | md-ord)
		# RAID0's placement: chunks of c entries dealt over k members
		c=1
		[ "$setup" = stripe-ord ] || c=$((524288 / esz))
		awk -v n="$entries" -v k="$k" -v c="$c" 'BEGIN { for (e = 0; e < n; e++) printf "%d: %d/%d\n", e, int(e / c) % k, int(e / (c * k)) * c + e % c }' >/tmp/place.txt
		oopt="--order /tmp/place.txt"
		;;
	*-ord)
		swarmctl map show "$dev" "0-$((entries - 1))" >/tmp/place.txt ||
			fail "$label.placement"
		oopt="--order /tmp/place.txt"
		;;
	esac
	set -- $(devreads "$mem")
	r0=$1 m0=$2 s0=$3
	j=$(swarm-bench replay "$dev" "/data/$file" --entry-size "$esz" \
		--layers "$layers" --steps "$steps" $VOPT --seed "$SEED" \
		--bw-limit "$BPS" --devices "$k" --label "$label" \
		--lat-out /tmp/lat.txt $oopt --json 2>/tmp/rep.err)
	rc=$?
	set -- $(devreads "$mem")
	dr=$(($1 - r0)) dm=$(($2 - m0)) ds=$(($3 - s0))
	if [ $rc -ne 0 ] || [ -z "$j" ]; then
		fail "$label.replay" "$(head -n 5 /tmp/rep.err)"
	else
		pass "$label.replay"
		[ "$VERIFY" = 1 ] && pass "$label.replay-verified"
		extra=""
		case "$setup" in
		linear* | stripe*) ;;
		*)
			# multi-copy and redirected reads, from dmsetup status
			extra=$(dmsetup status bench | awk '{ b = 4 + $4 * 5; printf ",\"copies\":%s,\"multi_copy_reads\":%s,\"redirected_reads\":%s", $(b + 3), $(b + 6), $(b + 7) }')
			;;
		esac
		lat=$(tr '\n' ' ' </tmp/lat.txt)
		echo "BENCH-JSON: {\"model\":\"$MODEL\",\"sched\":\"$SCHED\",\"bps\":$BPS,\"iops\":$IOPS,\"trace\":\"$t\",\"setup\":\"$setup\",\"ndev\":$k,\"populate_s\":$pop_s,\"dev_reads\":$dr,\"dev_reads_merged\":$dm,\"dev_read_sectors\":$ds$extra,\"result\":$j}"
		echo "BENCH-LAT: $label $lat"
		# The planted groups sit in consecutive slots: the target's
		# read batching must merge a step's reads of a group into
		# member requests larger than one entry.
		case "$setup" in
		oracle*)
			if [ "$ds" -gt $((dr * esz / 512 * 3 / 2)) ]; then
				pass "$label.merged"
			else
				fail "$label.merged" "$dr member reads of $ds sectors: not merged"
			fi
			;;
		esac
		printf '  %-28s io %8.3f s  p50 %9.3f ms  p99 %9.3f ms  %7.1f MiB/s  util %5.1f%%  dev I/Os %d (%d KiB avg)\n' \
			"$label" "$(echo "$j" | json_get io_time_s)" \
			"$(echo "$j" | json_get step_p50_ms)" "$(echo "$j" | json_get step_p99_ms)" \
			"$(echo "$j" | json_get eff_bw_mib_s)" \
			"$(echo "$j" | awk -F'"utilisation":' '{ split($2, a, ","); print a[1] * 100 }')" \
			"$dr" "$((dr > 0 ? ds / 2 / dr : 0))"
	fi
	dm_remove bench || fail "$label.remove"
}

# The VM's own ceiling: fio on the (unthrottled) disks, one and all.
ceiling() {
	f="fio --direct=1 --ioengine=io_uring --time_based --runtime=${CEILING_SECS:-5} --group_reporting --output-format=terse --terse-version=3"
	d1=$(members 1)
	wipe "$ALL"
	for spec in "rand4k randread 4k 64" "seq256k read 256k 16"; do
		set -- $spec
		one=$($f --name="$1" --rw="$2" --bs="$3" --iodepth="$4" --filename=${d1% } --size=256M | awk -F';' '{ print $8, $7 }')
		fn=$(echo "$ALL" | sed 's/^ *//; s/ /:/g')
		all=$($f --name="$1" --rw="$2" --bs="$3" --iodepth="$4" --filename="$fn" --size=256M | awk -F';' '{ print $8, $7 }')
		echo "BENCH-JSON: {\"model\":\"$MODEL\",\"ceiling\":\"$1\",\"one_disk_iops\":${one% *},\"one_disk_kib_s\":${one#* },\"all_disks_iops\":${all% *},\"all_disks_kib_s\":${all#* }}"
		echo "  ceiling $1: one disk ${one% *} IOPS ${one#* } KiB/s; $NDEV disks ${all% *} IOPS ${all#* } KiB/s"
	done
	pass ceiling
}

# The map path's cost: null_blk members (no throttle, no data), fio
# io_uring with 2 jobs; IOPS and CPU time per I/O, both fio's (usr + sys
# of its jobs) and the whole VM's (busy jiffies in /proc/stat: it counts
# work a target hands to kernel workers too). Workloads: read4k (4 KiB
# random reads, QD 128), read256k and write256k (256 KiB sequential, QD
# 16). Devices: dm-linear over one null_blk (linear) and over the NDEV
# members swarm uses (linear-all), dm-stripe over them with the entry as
# chunk (stripe) and with a 512 KiB chunk (stripe512), swarm without and
# with a map, nullb0 itself (raw). Swarm is compared with the cheaper
# dm-stripe of the same workload.
OVH_RUNS=${OVH_RUNS:-"read4k:linear read4k:linear-all read4k:stripe read4k:stripe512 read4k:swarm-nomap read4k:swarm-map read4k:swarm-cache read4k:swarm-lru read4k:raw read256k:stripe512 read256k:swarm-nomap read256k:swarm-map write256k:stripe512 write256k:swarm-nomap write256k:swarm-map"}
overhead() {
	secs=$1
	# One submission queue per CPU: a single queue would make dm-linear
	# over one device pay for queue contention that swarm, spread over
	# NDEV devices, does not.
	modprobe null_blk nr_devices="$NDEV" gb=1 bs=4096 irqmode=0 queue_mode=2 \
		submit_queues="$(nproc)" || {
		fail overhead.null_blk "modprobe null_blk"; return; }
	nb=""
	for i in $(seq 0 $((NDEV - 1))); do
		nb="$nb /dev/nullb$i"
		# devtmpfs makes the node a moment after modprobe returns
		for _t in 1 2 3 4 5 6 7 8 9 10; do
			[ -b "/dev/nullb$i" ] && break
			sleep 0.5
		done
	done
	sz=$(dev_sectors /dev/nullb0)
	# 4 KiB entries over 40% of the members.
	ent=$((sz / 8 * NDEV * 2 / 5))
	awk -v n="$ent" 'BEGIN { srand(3); for (c = 0; c < 4096; c++) { printf "%d %d %d", c, c * 64, 100; for (i = 0; i < 64; i++) printf " %d", (c * 64 + i) % n; printf "\n" } }' >/tmp/nb.map
	f="fio --direct=1 --ioengine=io_uring --numjobs=2 --time_based --runtime=$secs --group_reporting --output-format=terse --terse-version=3 --norandommap --randrepeat=0"
	# Rounds, each run in turn, so that drift in the host's load (TCG)
	# spreads over all of them; the report takes the median of the rounds.
	for round in $(seq 1 "${OVERHEAD_ROUNDS:-3}"); do
	for run in $OVH_RUNS; do
		wl=${run%%:*} cfg=${run#*:}
		case "$cfg" in
		raw | linear) dmsetup create ovh --table "0 $((ent / NDEV * 8)) linear /dev/nullb0 0" ;;
		linear-all)
			# dm-linear concatenating the same members swarm uses
			per=$((ent / NDEV * 8)) st=0 tbl=""
			for d in $nb; do tbl="$tbl$st $per linear $d 0\n"; st=$((st + per)); done
			printf "$tbl" | dmsetup create ovh
			;;
		stripe | stripe512)
			c=8
			[ "$cfg" = stripe512 ] && c=1024
			tbl="0 $((ent / NDEV / c * NDEV * c)) striped $NDEV $c"
			for d in $nb; do tbl="$tbl $d 0"; done
			dmsetup create ovh --table "$tbl"
			;;
		swarm-cache | swarm-lru)
			# The DRAM tier on, 64 MiB of 4 KiB entries over 1.6 GB
			# read at random: almost every read is a miss, what the
			# miss costs (issue 15).
			dmsetup create ovh --table "0 $((ent * 8)) swarm 8 $NDEV$nb 2 cache_mb 64" &&
				{ [ "$cfg" = swarm-cache ] || dmsetup message ovh 0 cache_policy lru; }
			;;
		*) dmsetup create ovh --table "0 $((ent * 8)) swarm 8 $NDEV$nb" ;;
		esac || { fail "overhead.$wl.$cfg.create" "$(dmesg | tail -n 3)"; continue; }
		[ "$cfg" = swarm-map ] && swarmctl map upload "$(dm_node ovh)" /tmp/nb.map >/dev/null
		fn=$(dm_node ovh)
		[ "$cfg" = raw ] && fn=/dev/nullb0	# the device itself, for reference
		case "$wl" in
		read4k) w="--rw=randread --bs=4k --iodepth=128" ;;
		read256k) w="--rw=read --bs=256k --iodepth=16" ;;
		write256k) w="--rw=write --bs=256k --iodepth=16" ;;
		esac
		c0=$(cpu_busy)
		# terse v3: 8 read IOPS, 49 write IOPS, 88 usr %, 89 sys % (of
		# one CPU, per job)
		out=$($f --name="$cfg" --filename="$fn" $w | awk -F';' '{ print $8 + $49, $88, $89 }')
		c1=$(cpu_busy)
		set -- $out
		echo "BENCH-JSON: {\"model\":\"$MODEL\",\"overhead\":\"$cfg\",\"workload\":\"$wl\",\"iops\":$1,\"usr_pct\":${2%\%},\"sys_pct\":${3%\%},\"jobs\":2,\"seconds\":$secs,\"round\":$round,\"busy_jiffies\":$((c1 - c0)),\"hz\":100}"
		echo "  overhead $wl $cfg (round $round): $1 IOPS, usr ${2} sys ${3}, VM busy $((c1 - c0)) jiffies"
		echo "$wl $cfg $1 ${2%\%} ${3%\%} $((c1 - c0))" >>/tmp/ovh.txt
		dm_remove ovh
		pass "overhead.$wl.$cfg.$round"
	done
	done
	rmmod null_blk
	# The medians, and swarm against dm-stripe (the report has them too).
	awk -v secs="$secs" '
	function median(k,    n, i, j, t, a) {
		n = split(v[k], a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$3 > 0 {
		k = $1 " " $2
		if (!(k in v)) order[++nk] = k
		v[k] = v[k] " " ($4 + $5) / 100 * 2 / $3 * 1e6
		w[k] = w[k] " " $6 / 100 / ($3 * secs) * 1e6
	}
	END {
		for (i = 1; i <= nk; i++) { k = order[i]; f[k] = median(k); t = v[k]; v[k] = w[k]; g[k] = median(k); v[k] = t }
		for (i = 1; i <= nk; i++) {
			k = order[i]; split(k, p, " "); s = ""
			for (c in f)
				if (c ~ ("^" p[1] " stripe") && f[c] > 0 && (s == "" || f[c] < f[s]))
					s = c
			printf "  overhead median %-9s %-12s CPU us/I/O fio %7.2f VM %7.2f", p[1], p[2], f[k], g[k]
			if (s != "") printf "  vs %s %.2fx / %.2fx", substr(s, length(p[1]) + 2), f[k] / f[s], g[k] / g[s]
			# The DRAM tier: what a miss adds to a read without it.
			n = p[1] " swarm-nomap"
			if (p[2] ~ /^swarm-(cache|lru)$/ && f[n] > 0)
				printf "  vs swarm-nomap %.2fx / %.2fx", f[k] / f[n], g[k] / g[n]
			printf "\n"
		}
	}' /tmp/ovh.txt
}

# ---- The fio matrix: swarm against dm-stripe and md RAID0 ----
# What a user compares first: plain fio (io_uring, O_DIRECT) on swarm
# (4 KiB entries, no map and with the Mooncake map), dm-stripe with the
# entry as chunk and with a 512 KiB chunk, and md RAID0 (mdadm's default
# chunk, 512 KiB), on the same NDEV members. Every setup first writes its
# region of FIOM_MIB MiB (so reads hit written data), then runs the jobs
# on that region; each job's member requests come from the members'
# /sys/block/*/stat (their deltas: the reader sees the request size the
# members got). PASS/FAIL: each job ran and reached every member; the
# speed is only measured.

FIOM_DEV=""
# fiom_create SETUP: make the device (FIOM_DEV).
fiom_create() {
	es=8 len=$((FIOM_MIB * 2048))
	wipe "$ALL"
	case "$1" in
	swarm-nomap | swarm-map)
		dmsetup create fm --table "0 $len swarm $es $NDEV$ALL" || return 1
		FIOM_DEV=$(dm_node fm)
		if [ "$1" = swarm-map ]; then
			swarmctl map upload "$FIOM_DEV" "$FIOM_MAP" >/tmp/upload.out 2>&1 ||
				{ cat /tmp/upload.out; return 1; }
		fi
		;;
	stripe-4k | stripe-512k)
		c=$es
		[ "$1" = stripe-512k ] && c=1024
		l=$(( (len + NDEV * c - 1) / (NDEV * c) * (NDEV * c) ))
		tbl="0 $l striped $NDEV $c"
		for d in $ALL; do tbl="$tbl $d 0"; done
		dmsetup create fm --table "$tbl" || return 1
		FIOM_DEV=$(dm_node fm)
		;;
	md-raid0)
		# shellcheck disable=SC2086
		mdadm --create /dev/md0 --level=0 --raid-devices="$NDEV" --run \
			$ALL >/tmp/mdadm.out 2>&1 || { cat /tmp/mdadm.out; return 1; }
		FIOM_DEV=/dev/md0
		;;
	*) echo "unknown fio setup $1"; return 1 ;;
	esac
}

fiom_remove() {
	case "$1" in
	md-raid0)
		mdadm --stop /dev/md0 >/dev/null 2>&1 || return 1
		# shellcheck disable=SC2086
		mdadm --zero-superblock $ALL || return 1
		;;
	*) dm_remove fm ;;
	esac
}

# Per member "reads read_sectors writes write_sectors", space separated.
fiom_stat() {
	for _d in $ALL; do
		awk '{ printf "%s %s %s %s ", $1, $3, $5, $7 }' "/sys/block/$(basename "$_d")/stat"
	done
}

# fiom_job SETUP JOB: one fio job on FIOM_DEV.
fiom_job() {
	setup=$1 job=$2 label="$MODEL/fio/$1/$2"
	f="fio --name=$job --direct=1 --ioengine=io_uring --output-format=terse --terse-version=3"
	tb="--filename=$FIOM_DEV --size=${FIOM_MIB}M --time_based --runtime=$FIOM_SECS"
	dir=r
	case "$job" in
	seqread) bs=262144 qd=16; set -- --rw=read --bs=256k --iodepth=16 $tb ;;
	seqwrite) bs=262144 qd=16 dir=w; set -- --rw=write --bs=256k --iodepth=16 $tb ;;
	rand64k) bs=65536 qd=16; set -- --rw=randread --bs=64k --iodepth=16 $tb ;;
	rand4k) bs=4096 qd=32; set -- --rw=randread --bs=4k --iodepth=32 $tb ;;
	mooncake)
		# The iolog names /tmp/fiodev: the device under test. Not
		# time-based: the whole iolog, at most 3 x FIOM_SECS.
		bs=4096 qd=32
		ln -sf "$FIOM_DEV" /tmp/fiodev
		set -- --read_iolog="$FIOM_IOLOG" --iodepth=32 --runtime=$((FIOM_SECS * 3))
		;;
	*) fail "fio.$MODEL.$setup.$job" "unknown job"; return ;;
	esac
	echo "BENCH-FIO-START: $label"
	b0=$(fiom_stat)
	out=$($f "$@" 2>/tmp/fio.err)
	frc=$?
	b1=$(fiom_stat)
	# terse v3: 6 read KiB, 7 KiB/s, 8 IOPS, 9 runtime ms; 47..50 the same
	# for writes.
	if [ "$dir" = r ]; then
		set -- $(echo "$out" | awk -F';' '{ print $6, $7, $8, $9 }')
	else
		set -- $(echo "$out" | awk -F';' '{ print $47, $48, $49, $50 }')
	fi
	kib=${1:-0} kibs=${2:-0} iops=${3:-0} ms=${4:-0}
	if [ $frc -ne 0 ] || [ "$kib" = 0 ]; then
		fail "fio.$MODEL.$setup.$job.ran" "fio exit $frc: $(head -n 3 /tmp/fio.err) $(echo "$out" | cut -d';' -f5 | sed 's/^/error /')"
		return
	fi
	pass "fio.$MODEL.$setup.$job.ran"
	# Deltas per member (the job's direction) and their sums.
	set -- $b0 -- $b1
	i=0 n=$((NDEV * 4))
	while [ $i -lt "$n" ]; do eval "a$i=\$1"; shift; i=$((i + 1)); done
	shift
	# Fields per member: 0 reads, 1 read sectors, 2 writes, 3 write
	# sectors; the job's own direction first.
	fi_ios=0 fi_sec=1 fi_oth=2
	[ "$dir" = w ] && fi_ios=2 fi_sec=3 fi_oth=0
	i=0 ios=0 sec=0 oios=0 per="" idle=""
	while [ $i -lt "$n" ]; do
		m=$((i / 4)) k=$((i % 4))
		eval "d=\$(( \$1 - \$a$i ))"
		if [ "$k" = "$fi_ios" ]; then
			ios=$((ios + d)) per="$per${per:+/}$d"
			[ "$d" -gt 0 ] || idle="$idle $m"
		fi
		[ "$k" = "$fi_sec" ] && sec=$((sec + d))
		[ "$k" = "$fi_oth" ] && oios=$((oios + d))
		shift
		i=$((i + 1))
	done
	if [ -z "$idle" ]; then
		pass "fio.$MODEL.$setup.$job.members"
	else
		fail "fio.$MODEL.$setup.$job.members" "no I/O reached member(s)$idle: $per requests"
	fi
	avg=0
	[ "$ios" -gt 0 ] && avg=$((sec * 512 / ios))
	echo "BENCH-JSON: {\"model\":\"$MODEL\",\"bps\":$BPS,\"iops_limit\":$IOPS,\"ndev\":$NDEV,\"fio\":\"$job\",\"fsetup\":\"$setup\",\"bs\":$bs,\"qd\":$qd,\"dir\":\"$dir\",\"region_mib\":$FIOM_MIB,\"kib\":$kib,\"kib_s\":$kibs,\"iops\":$iops,\"runtime_ms\":$ms,\"member_reqs\":$ios,\"member_sectors\":$sec,\"member_other_reqs\":$oios,\"member_avg_bytes\":$avg,\"per_member\":\"$per\"}"
	printf '  %-32s %8.1f MiB/s %8s IOPS  %6s ms  member requests %8d (%s), avg %d KiB\n' \
		"$label" "$(awk -v k="$kibs" 'BEGIN { print k / 1024 }')" "$iops" "$ms" \
		"$ios" "$per" "$((avg / 1024))"
}

fio_matrix() {
	command -v mdadm >/dev/null || fail fio.mdadm "no mdadm in the VM"
	modprobe raid0 || fail fio.raid0 "modprobe raid0"
	for setup in $FIOM_SETUPS; do
		if ! fiom_create "$setup"; then
			fail "fio.$MODEL.$setup.create" "$(dmesg | tail -n 3)"
			fiom_remove "$setup" 2>/dev/null
			continue
		fi
		# Write the region first: the reads below read written data. A
		# failed write is a FAIL; the fill is tried once more, so that
		# the jobs still run. psync, not io_uring: a 1 MiB REQ_NOWAIT
		# write that dm-stripe with a 4 KiB chunk must split fails with
		# EAGAIN on 6.12 (seen on the iops model under host load), and
		# the fill is set-up, not a measurement.
		echo "BENCH-FIO-START: $MODEL/fio/$setup/fill"
		filled=0
		for try in 1 2; do
			if fio --name=fill --filename="$FIOM_DEV" --direct=1 --ioengine=psync \
				--rw=write --bs=1M --size="${FIOM_MIB}M" \
				>/tmp/fill.out 2>&1; then
				[ "$try" = 1 ] && pass "fio.$MODEL.$setup.fill"
				filled=1
				break
			fi
			[ "$try" = 1 ] && fail "fio.$MODEL.$setup.fill" "$(grep -iE 'error|err=' /tmp/fill.out | head -n 4)"
			dmesg | tail -n 5
		done
		if [ "$filled" = 1 ]; then
			for job in $FIOM_JOBS; do
				fiom_job "$setup" "$job"
			done
		fi
		echo "BENCH-FIO-START: -"
		fiom_remove "$setup" || fail "fio.$MODEL.$setup.remove"
	done
}

echo "== bench: model $MODEL (bps $BPS, iops $IOPS per disk), $NDEV members:$ALL, scheduler $SCHED"
[ "$CEILING" = 1 ] && ceiling
[ "${FIOM:-0}" = 1 ] && fio_matrix
for t in $TRACES; do
	eval "ev=\$${t}_EVAL evs=\${${t}_EVAL_SMALL:-\$${t}_EVAL}"
	eval "sl=\${${t}_SETUPS:-\$SETUPS} sweep=\${${t}_SWEEP:-1}"
	for s in $sl; do
		run_one "$t" "$s" "$NDEV" "$ev"
	done
	[ "$sweep" = 1 ] || continue
	for k in $DEVCOUNTS; do
		[ "$k" = "$NDEV" ] && continue
		for s in $SWEEP_SETUPS; do
			run_one "$t" "$s" "$k" "$evs"
		done
	done
done
[ "$OVERHEAD" != 0 ] && overhead "$OVERHEAD"
finish
