# shellcheck shell=sh
# Helpers for the VM tests of persistence and migration (busybox sh).
# Needs lib.sh.

# members: D0..D3 are the NVMe namespaces, M " /dev/D0 ... /dev/D3".
members() {
	M=""
	for i in 0 1 2 3; do
		eval "D$i=\$(nvme_dev $i)"
		eval "M=\"\$M /dev/\$D$i\""
	done
}

# swarm_entries PCT: a multiple of 4 entries of 4 KiB filling about PCT
# per cent of the slots the 4 members offer after their metadata (the
# superblocks, two map areas of 16 bytes a slot, data on a 1 MiB boundary).
swarm_entries() {
	s=$(dev_sectors "/dev/$D0")
	awk -v s="$s" -v p="$1" 'BEGIN {
		slots = int((s - 4096) / 8.07)
		print int(slots * p / 100) * 4
	}'
}

# striped_loc E NE N R: "member slot" of entry E of NE striped over N
# members in runs of R entries (swarm_striped_loc(): whole rows of runs,
# then the last partial row one entry at a time).
striped_loc() {
	_f=$(($2 - $2 % ($3 * $4)))
	if [ "$1" -lt "$_f" ]; then
		_r=$(($1 / $4))
		echo "$((_r % $3)) $((_r / $3 * $4 + $1 % $4))"
	else
		echo "$((($1 - _f) % $3)) $((_f / $3 + ($1 - _f) / $3))"
	fi
}

# swarm_st NAME FIELD: a field of the INFO status line.
swarm_st() {
	dmsetup status "$1" | awk -v f="$2" '{
		b = 4 + $4 * 5
		split("generation clusters copies reads writes multi redirected selector placement has_data migration moved total metadata health failovers lost_reads degraded_writes", n, " ")
		for (i = 1; i <= 18; i++) if (n[i] == f) { print $(b + i); exit }
		print "no-field-" f
	}'
}

# swarm_members NAME: "ok" or "failed" for each member, in table order.
swarm_members() {
	dmsetup status "$1" | awk '{
		b = 4 + $4 * 5 + 18
		for (i = 1; i <= $4; i++) printf "%s%s", (i > 1 ? " " : ""), $(b + i)
		print ""
	}'
}

# wait_migration NAME: until the migration is over; true when it is done.
wait_migration() {
	t=0
	while [ $t -lt 6000 ]; do
		case $(swarm_st "$1" migration) in
		done|idle) return 0 ;;
		failed) return 1 ;;
		esac
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}

# wipe_members: make the 4 members blank (no superblock).
wipe_members() {
	for d in $M; do
		dd if=/dev/zero of="$d" bs=4k count=2 conv=fsync 2>/dev/null
	done
}

# gen_map SEED: 32 clusters of 32 consecutive entries from random starts,
# so they overlap (replicas), with weights between neighbours.
gen_map() {
	awk -v seed="$1" -v ne="$NE" 'BEGIN {
		srand(seed)
		for (c = 0; c < 32; c++) {
			s = int(rand() * (ne - 32))
			printf "%d %d %d", c, s, 1 + int(rand() * 100)
			for (i = 0; i < 32; i++) printf " %d", s + i
			printf "\n"
		}
		for (c = 0; c < 31; c++) printf "weight %d %d %d\n", c, c + 1, 1 + c
	}'
}

# fio_write DEV / fio_verify DEV: the whole device, a pattern fio verifies.
fio_write() {
	fio --name=data --filename="$1" --bs=4k --direct=1 --ioengine=psync \
		--rw=write --verify=crc32c --randseed=1234 --do_verify=1 \
		>/tmp/fio-write.txt 2>&1 || { tail -n 20 /tmp/fio-write.txt; return 1; }
}

fio_verify() {
	fio --name=data --filename="$1" --bs=4k --direct=1 --ioengine=psync \
		--rw=write --verify=crc32c --randseed=1234 --verify_only \
		>/tmp/fio-verify.txt 2>&1 || { tail -n 20 /tmp/fio-verify.txt; return 1; }
}

# swarm_layout SECTORS ENTRY_SECTORS: "<slots> <data_start>" of a member
# of SECTORS sectors, as swarm_disk_layout() computes them for a new set.
swarm_layout() {
	awk -v s="$1" -v es="$2" 'function ru(x, y) { return int((x + y - 1) / y) * y }
	function start(n) { return ru(16 + 2 * (2 * ru(8 * n, 4096) / 512), al) }
	BEGIN {
		al = es > 2048 ? es : 2048
		dev = int(s / es) * es
		lo = 0; hi = int(s / es)
		while (lo < hi) {
			mid = lo + int((hi - lo + 1) / 2)
			if (start(mid) + mid * es <= dev) lo = mid; else hi = mid - 1
		}
		print lo, (lo ? start(lo) : 0)
	}'
}

# linear_members: fl0..fl3, dm-linear over the namespaces (a member can
# then be failed by swapping its table, see swap); L: their nodes; S1:
# fl1's sectors. Each starts zeroed (no superblock).
linear_members() {
	L=""
	for _i in 0 1 2 3; do
		eval "_d=\$D$_i"
		_s=$(dev_sectors "/dev/$_d")
		check "linear-$_i" dmsetup create "fl$_i" --table "0 $_s linear /dev/$_d 0"
		L="$L $(dm_node "fl$_i")"
		dd if=/dev/zero of="$(dm_node "fl$_i")" bs=4k count=2 conv=fsync 2>/dev/null
	done
	S1=$(dev_sectors "$(dm_node fl1)")
}

# swap I TABLE...: a new table under member I (fl<I>).
swap() {
	_i=$1
	shift
	dmsetup load "fl$_i" --table "$*" && dmsetup suspend "fl$_i" &&
		dmsetup resume "fl$_i"
}

# reload [TABLE]: the swarm sw's table again (or TABLE), through a reload.
reload() {
	dmsetup load sw --table "${1:-$(dmsetup table sw)}" &&
		dmsetup suspend sw && dmsetup resume sw
}

# rb FIELD: a field of the rebuild part of sw's status (state member next
# total copied lost stale remembered; remembered: the entries remembered
# lost).
rb() {
	dmsetup status sw | awk -v f="$1" '{
		b = 4 + $4 * 5 + 18 + $4 + 11	# after the DRAM tier fields
		split("state member next total copied lost stale remembered", n, " ")
		for (i = 1; i <= 8; i++) if (n[i] == f) { print $(b + i); exit }
		print "no-field-" f
	}'
}

# wait_rebuild: until sw's rebuild is over (at most 300 s); true when it
# is done.
wait_rebuild() {
	_t=0
	while [ $_t -lt 3000 ]; do
		case $(rb state) in
		done) return 0 ;;
		failed|idle) return 1 ;;
		esac
		sleep 0.1
		_t=$((_t + 1))
	done
	return 1
}
