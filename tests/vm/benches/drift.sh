# shellcheck shell=sh
# Online adaptation measured on a live device (make bench, issue 14): the
# drifting and growing workload of tests/user/adapt-sim.c (400 groups of
# 32 entries, 8 read a step; from step 400 one member a step swapped for
# another entry; 2 new entries a step), replayed on a swarm of 4 members
# period by period (50 steps), three ways:
#   static  the map of step 0, never changed;
#   adapt   the same start; after each period "swarmctl adapt --once" on
#           the last 200 steps (Eq. 9 joins, stale members, re-clustering
#           above the drift threshold): delta uploads, stable placement;
#   fresh   the same start; after each period the fresh full re-clustering
#           of the whole trace so far (made on the host by adapt-sim
#           --out: Algorithm 1 is too slow on an emulated CPU), uploaded
#           whole.
# Each period is replayed with swarm-bench (every step one io_uring batch,
# in placement order as libswarm submits it, every read verified), after
# the map change's migration ended: migrations are not in the I/O time.
# Prints "ADAPT: <setup> <first step> <end> <io_time_s> <member reads>
# <member read sectors> <entries moved> <entries whose copies changed>
# <copies new>" per period (the last two from the placement listed before
# and after the change), and PASS/FAIL lines.
#
#   drift.sh [SETUPS]    /data holds drift.trace, static.map, fresh-*.map
. /tests/lib.sh
. /tests/swarm-lib.sh
SUITE=adapt-bench
SETUPS=${1:-"static adapt fresh"}
NE=42400	# adapt-sim's N + STEPS * GROW
STEPS=1200
PERIOD=50
WINDOW=200
T=/data/drift.trace
check load modprobe dm-swarm
members

# devreads: reads and read sectors of the 4 members.
devreads() {
	r=0 s=0
	for _d in $M; do
		b=$(basename "$_d")
		r=$((r + $(blkstat "$b" 1)))
		s=$((s + $(blkstat "$b" 3)))
	done
	echo "$r $s"
}

# placement_changed OLD NEW: of two "swarmctl map show" listings, the
# entries whose copies differ and the copies NEW has that OLD has not.
placement_changed() {
	awk 'NR == FNR { o[$1] = $0; next }
	o[$1] != $0 {
		ch++
		was = " " o[$1] " "
		for (i = 2; i <= NF; i++) if (!index(was, " " $i " ")) nc++
	}
	END { print ch + 0, nc + 0 }' "$1" "$2"
}

run_setup() {
	setup=$1
	wipe_members
	if ! dmsetup create kv --table "0 $((NE * 8)) swarm 8 4$M"; then
		fail "$setup.create" "$(dmesg | tail -n 2)"
		return
	fi
	DM=$(dm_node kv)
	check "$setup.populate" swarm-bench populate "$DM" --entry-size 4K \
		--entries "$NE" --qd 32
	cp /data/static.map /tmp/live.map
	check "$setup.static-map" swarmctl map upload --wait "$DM" /tmp/live.map
	moved_all=0 s=0 ok=1
	while [ $s -lt $STEPS ]; do
		e=$((s + PERIOD))
		swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.txt || ok=0
		set -- $(devreads)
		r0=$1 s0=$2
		j=$(swarm-bench replay "$DM" "$T" --entry-size 4K --steps "$s:$e" \
			--verify --order /tmp/place.txt --bw-limit 50M --devices 4 \
			--json 2>/tmp/rep.err) || { ok=0; cat /tmp/rep.err; }
		set -- $(devreads)
		io=$(echo "$j" | sed -n 's/.*"io_time_s":\([0-9.]*\).*/\1/p')
		moved=0 g0=$(swarm_st kv generation)
		case $setup in
		adapt)
			w=$((e > WINDOW ? e - WINDOW : 0))
			swarm-bench split "$T" --steps "$w:$e" -o /tmp/win.trace \
				>/dev/null 2>&1 || ok=0
			swarmctl adapt "$DM" --map /tmp/live.map --trace /tmp/win.trace \
				>/tmp/adapt.out 2>&1 || { ok=0; cat /tmp/adapt.out; }
			sed -n 's/^/adapt: /p' /tmp/adapt.out | grep -v "^adapt: *$" | tail -n 3
			;;
		fresh)
			[ $e -lt $STEPS ] &&
				{ swarmctl map upload --wait "$DM" "/data/fresh-$e.map" || ok=0; }
			;;
		esac
		changed="0 0"
		case $setup in
		adapt | fresh)
			wait_migration kv || ok=0
			if [ "$(swarm_st kv generation)" != "$g0" ]; then
				moved=$(swarm_st kv moved)
				swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.new || ok=0
				changed=$(placement_changed /tmp/place.txt /tmp/place.new)
			fi
			;;
		esac
		echo "ADAPT: $setup $s $e ${io:-0} $(($1 - r0)) $(($2 - s0)) $moved $changed"
		moved_all=$((moved_all + moved))
		s=$e
	done
	if [ $ok = 1 ]; then
		pass "$setup.periods"
	else
		fail "$setup.periods" "a replay, map change or migration failed"
	fi
	echo "ADAPT-MOVED: $setup $moved_all"
	# The new entries with the map of the last step, over the steps after
	# the drift that read any: alone, and what they add to their steps.
	swarmctl map show "$DM" "0-$((NE - 1))" >/tmp/place.txt || ok=0
	for tr in new old sub; do
		j=$(swarm-bench replay "$DM" "/data/drift-$tr.trace" --entry-size 4K \
			--verify --order /tmp/place.txt --bw-limit 50M --devices 4 \
			--json 2>/tmp/rep.err) || { ok=0; cat /tmp/rep.err; }
		echo "ADAPT-NEW: $setup $tr $(echo "$j" | sed -n 's/.*"io_time_s":\([0-9.]*\).*/\1/p') $(echo "$j" | sed -n 's/.*"steps":\([0-9]*\).*/\1/p')"
	done
	check "$setup.verify" swarm-bench verify "$DM" --entry-size 4K --entries "$NE"
	check "$setup.remove" dmsetup remove kv
}

for setup in $SETUPS; do
	run_setup "$setup"
done
finish
