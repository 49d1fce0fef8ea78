#!/bin/bash
# make bench / make bench-quick: the benchmark of issue 6.
#
#   scripts/bench.sh quick|full|smoke
#
# Builds the module for Debian's 6.12 kernel and the user-space tools,
# makes the traces and cluster maps on the host (the synthetic trace, a
# prefix of the Mooncake trace; each split into a profile part that
# swarmctl cluster learns from and an evaluation part that is replayed),
# then boots the VM once per device model (vm-run.sh throttles every disk
# alike) and runs tests/vm/benches/bench.sh there. Results go to
# build/bench-results/<mode>/: results.md (tables), results.jsonl (every
# measurement), *.png (gnuplot), the VM logs.
#
# Device models, per emulated NVMe SSD:
#   iops  50 MiB/s and 2000 IOPS: 4 KiB random reads reach 16% of the
#         sequential bandwidth (make demo's IOPS-bound SSD);
#   nvme  20 MiB/s and 3072 IOPS: 4 KiB random reads reach 60% of it
#         (3072 x 4 KiB = 12 MiB/s), closer to a real NVMe SSD's shape at
#         a scale the emulated VM can drive;
#   none  no throttle: the VM's own ceiling (fio) and the map-path
#         microbenchmark on null_blk (full mode only; quick runs both on
#         the throttled disks, as a check that they run).
# The quick mode runs a reduced matrix with verification and prints
# PASS:/FAIL: lines; it checks that everything runs, not the speed. The
# smoke mode (make check) is the quick mode with fewer setups.
#
# The fio matrix (tests/vm/benches/bench.sh fio_matrix), in the iops and nvme
# boots: fio io_uring on swarm (no map; with the Mooncake map), dm-stripe
# (chunk = entry; 512 KiB) and md RAID0 (mdadm, 512 KiB), 4 KiB entries:
# 256 KiB sequential read and write (QD 16), 64 KiB (QD 16) and 4 KiB
# (QD 32) random reads, and the Mooncake trace's evaluation half as a fio
# iolog of 4 KiB reads (read_iolog, QD 32). The quick mode runs 256 KiB
# reads and 4 KiB random reads on swarm, dm-stripe 512 KiB and md RAID0,
# iops model only. The host's load average is sampled while the VM runs
# (the host has 2 CPUs and TCG is CPU-bound: note it beside the figures).
#
# Environment (full mode): BENCH_MODELS, BENCH_SETUPS, BENCH_MC_SETUPS,
# BENCH_SWEEP as before; BENCH_TRACES (default "syn mc"; "" runs only the
# fio matrix and, unthrottled, the microbenchmarks), BENCH_FIO_SETUPS
# ("" skips the fio matrix), BENCH_FIO_JOBS, BENCH_FIO_SECS, BENCH_ADAPT=0
# (skips online adaptation). Both modes: BENCH_HOG=N runs N busy loops
# on the host beside each VM boot (stress-ng --cpu N where installed): an
# inference server's CPUs are busy; BENCH_OUT (default
# build/bench-results/<mode>).
set -euo pipefail

mode=${1:-quick}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${BENCH_OUT:-build/bench-results/$mode}
data=$out/data
MC_SRC=${MC_SRC:-$top/../shared/traces/mooncake_conversation.jsonl}
# A clone without ../shared (CI) has the first 300 requests in tests/data,
# enough for the quick mode.
if [ ! -r "$MC_SRC" ] && [ "$mode" != full ]; then
	MC_SRC=$top/tests/data/mooncake-300.jsonl
fi
[ -r "$MC_SRC" ] || { echo "bench: no Mooncake trace at $MC_SRC (set MC_SRC)" >&2; exit 1; }
SW=build/user/swarmctl
SB=build/user/swarm-bench
rm -rf "$out"
mkdir -p "$data"

scripts/deps.sh
scripts/build-module.sh 6.12 >&2
make -s userspace

case "$mode" in
quick | smoke)
	SYN_ENTRIES=20000 SYN_STEPS=30 SYN_PROFILE=20 SYN_EVAL=20:23 SYN_EVAL_SMALL=20:22
	MC_REQUESTS=300
	DISK_MIB=256 MODELS="iops" FIO_SECS=1 OVH_SECS=2 OVH_ROUNDS=1 VERIFY_ALL=1
	TRACES="syn mc"
	FIOM_SETUPS="swarm-nomap stripe-512k md-raid0" FIOM_JOBS="seqread rand4k"
	FIOM_SECS=2 FIOM_MIB=64
	SYN_SETUPS="linear stripe nomap map map-ord eq7-ord nobalance-ord static-ord copies1-ord oracle-ord stripe-ord"
	MC_SETUPS="stripe map map-ord"
	SWEEP="stripe map-ord"
	# make check's run (smoke): every part runs, with fewer setups.
	if [ "$mode" = smoke ]; then
		SYN_SETUPS="stripe nomap map-ord" MC_SETUPS="stripe map-ord"
		SWEEP="map-ord"
		FIOM_SETUPS="swarm-nomap md-raid0"
		OVH_RUNS="read4k:stripe read4k:swarm-map read4k:swarm-cache write256k:swarm-map"
	fi
	;;
full)
	SYN_ENTRIES=200000 SYN_STEPS=220 SYN_PROFILE=200 SYN_EVAL=200:206 SYN_EVAL_SMALL=200:203
	MC_REQUESTS=3000
	# Every replayed read is verified; reading everything back after
	# each populate is left to the quick mode (it costs ~20 s a setup).
	DISK_MIB=2048 MODELS="none iops nvme" FIO_SECS=5 OVH_SECS=6 OVH_ROUNDS=5 VERIFY_ALL=0
	TRACES=${BENCH_TRACES-"syn mc"}
	FIOM_SETUPS=${BENCH_FIO_SETUPS-"swarm-nomap swarm-map stripe-4k stripe-512k md-raid0"}
	FIOM_JOBS=${BENCH_FIO_JOBS:-"seqread seqwrite rand64k rand4k mooncake"}
	FIOM_SECS=${BENCH_FIO_SECS:-6} FIOM_MIB=256
	SYN_SETUPS=${BENCH_SETUPS:-"linear stripe stripe-ord stripe512-ord md-ord nomap map map-ord eq7-ord nobalance-ord static-ord copies1-ord oracle-ord"}
	MC_SETUPS=${BENCH_MC_SETUPS:-"linear stripe nomap map map-ord"}
	SWEEP=${BENCH_SWEEP:-"stripe-ord map-ord"}
	MODELS=${BENCH_MODELS:-$MODELS}
	;;
*)
	echo "usage: scripts/bench.sh quick|full|smoke" >&2
	exit 2
	;;
esac

# ---- Traces and maps (host side: the clustering is offline work) ----
# Synthetic: 4 KiB entries, 10% of the entries per step, planted groups of
# 8..64 entries with 10% overlap, uniform group popularity (--zipf 0: with
# Zipf popularity the hottest groups are read at every step and carry no
# co-activation signal), 5% noise.
echo "bench: synthetic trace, $SYN_ENTRIES entries, $SYN_STEPS steps" >&2
$SW trace gen -o "$data/syn.trace" --binary --entries "$SYN_ENTRIES" \
	--steps "$SYN_STEPS" --frac 0.1 --zipf 0 --seed 7 >/dev/null
$SB split "$data/syn.trace" --steps ":$SYN_PROFILE" -o "$data/syn.profile" >&2
$SW cluster "$data/syn.profile" -o "$data/syn.map" --entries "$SYN_ENTRIES" \
	--threads 2 --quiet --report >"$out/cluster-syn.txt"
# The planted groups as a map: what a perfect clustering would give.
awk '/^#/ { next } { printf "%d %d %d", $1, $3, int($2 * 100000) + 1
	for (i = 3; i <= NF; i++) printf " %d", $i; printf "\n" }' \
	"$data/syn.trace.truth" >"$data/syn.oracle.map"

# Mooncake: the first MC_REQUESTS requests (dense block ids are given in
# first-seen order, so a prefix keeps them small); one request is one
# step, one 512-token block one entry of 16 KiB. A real block of one
# layer is 2 MiB; 16 KiB keeps the ~55k blocks of 3000 requests within
# 40% of the VM's disks while keeping the trace's co-activation.
echo "bench: Mooncake trace, first $MC_REQUESTS requests" >&2
head -n "$MC_REQUESTS" "$MC_SRC" >"$data/mc.jsonl"
MC_ENTRIES=$($SW trace info "$data/mc.jsonl" | awk '$1 == "entries" { print $2 }')
MC_STEPS=$($SW trace info "$data/mc.jsonl" | awk '$1 == "steps" { print $2 }')
$SB split "$data/mc.jsonl" --steps ":50%" -o "$data/mc.profile" >&2
# A short prefix may hold no co-activated blocks: then no map setups.
if ! $SW cluster "$data/mc.profile" -o "$data/mc.map" --entries "$MC_ENTRIES" \
	--threads 2 --quiet --report --entry-size 16384 >"$out/cluster-mc.txt" 2>&1; then
	cat "$out/cluster-mc.txt" >&2
	echo "bench: no Mooncake map; its map setups are skipped" >&2
	echo "# no clusters" >"$data/mc.map"
	MC_SETUPS=$(echo "$MC_SETUPS" | tr ' ' '\n' | grep -Ev '^(map|eq7|nobalance|static|copies1)' | tr '\n' ' ')
	FIOM_SETUPS=$(echo "$FIOM_SETUPS" | tr ' ' '\n' | grep -v '^swarm-map$' | tr '\n' ' ')
fi

# The fio matrix's Mooncake job: the evaluation half (the map is learned
# on the first half) as a fio iolog (version 2) of 4 KiB reads at entry
# offsets, step after step, each step's entries in id order; the file
# name /tmp/fiodev is a link the VM points at the device under test. The
# region holds every Mooncake entry.
$SB split "$data/mc.jsonl" --steps "50%:" -o "$data/mc.eval" >&2
$SW trace convert "$data/mc.eval" -o "$data/mc.eval.txt" >/dev/null
awk 'BEGIN { print "fio version 2 iolog"; print "/tmp/fiodev add"; print "/tmp/fiodev open" }
	/^#/ { next }
	{ for (i = 1; i <= NF; i++) { printf "/tmp/fiodev read %d 4096\n", $i * 4096; n++ } }
	END { print "/tmp/fiodev close" }' "$data/mc.eval.txt" >"$data/mc.iolog"
MC_READS=$(grep -c ' read ' "$data/mc.iolog")
mib=$(( (MC_ENTRIES * 4096 + (16 << 20) - 1) / (16 << 20) * 16 ))
[ "$mib" -gt "$FIOM_MIB" ] && FIOM_MIB=$mib
echo "bench: fio matrix region $FIOM_MIB MiB; Mooncake iolog $MC_READS reads of 4 KiB" >&2

# hostload LOG OUT: every 2 s, the label of the fio job the VM runs (its
# last BENCH-FIO-START line) and the host's 1-minute load average.
hostload() {
	while :; do
		l=$(tr -d '\r' 2>/dev/null <"$1" | sed -n 's/^BENCH-FIO-START: //p' | tail -n 1) || l=-
		echo "${l:--} $(cut -d' ' -f1 /proc/loadavg)"
		sleep 2
	done >>"$2"
}

model_throttle() {
	case "$1" in
	iops) echo "$((50 << 20)) 2000" ;;
	nvme) echo "$((20 << 20)) 3072" ;;
	none) echo "0 0" ;;
	esac
}

rc=0
for model in $MODELS; do
	read -r bps iops < <(model_throttle "$model")
	conf=$data/bench-$model.conf
	{
		echo "MODEL=$model BPS=$bps IOPS=$iops NDEV=4 VERIFY=1 SEED=7 VERIFY_ALL=$VERIFY_ALL"
		echo "CEILING_SECS=$FIO_SECS"
		echo "syn_FILE=syn.trace syn_ESZ=4096 syn_ENTRIES=$SYN_ENTRIES"
		echo "syn_EVAL=$SYN_EVAL syn_EVAL_SMALL=$SYN_EVAL_SMALL"
		echo "syn_PROFILE_MAP=/data/syn.map syn_ORACLE_MAP=/data/syn.oracle.map"
		echo "syn_SETUPS=\"$SYN_SETUPS\""
		echo "mc_FILE=mc.jsonl mc_ESZ=16384 mc_ENTRIES=$MC_ENTRIES"
		echo "mc_EVAL=50%: mc_PROFILE_MAP=/data/mc.map mc_SWEEP=0"
		echo "mc_SETUPS=\"$MC_SETUPS\""
		echo "SWEEP_SETUPS=\"$SWEEP\" DEVCOUNTS=\"1 2 4\""
		echo "OVERHEAD_ROUNDS=$OVH_ROUNDS"
		[ -z "${OVH_RUNS:-}" ] || echo "OVH_RUNS=\"$OVH_RUNS\""
		echo "FIOM_SETUPS=\"$FIOM_SETUPS\" FIOM_JOBS=\"$FIOM_JOBS\""
		echo "FIOM_SECS=$FIOM_SECS FIOM_MIB=$FIOM_MIB"
		echo "FIOM_IOLOG=/data/mc.iolog FIOM_MAP=/data/mc.map"
		if [ "$model" = none ]; then
			# The unthrottled boot: the ceiling, the map path, and
			# the replay itself without a throttle.
			echo "CEILING=1 OVERHEAD=$OVH_SECS DEVCOUNTS="
			echo "TRACES=\"$(echo "$TRACES" | grep -ow syn)\""
			echo "syn_SETUPS=\"stripe map-ord\" syn_EVAL=$SYN_EVAL_SMALL"
		elif [ "$mode" != full ]; then
			echo "CEILING=1 OVERHEAD=$OVH_SECS TRACES=\"$TRACES\" FIOM=1"
		else
			echo "TRACES=\"$TRACES\" FIOM=1"
		fi
	} >"$conf"
	echo "bench: model $model (bps $bps, iops $iops), log $out/vm-$model.log" >&2
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	: >"$out/hostload-$model.txt"
	hostload "$out/vm-$model.log" "$out/hostload-$model.txt" &
	hl=$!
	hogs=()
	for _h in $(seq 1 "${BENCH_HOG:-0}"); do
		if command -v stress-ng >/dev/null; then
			stress-ng --cpu 1 --quiet &
		else
			bash -c 'while :; do :; done' &
		fi
		hogs+=($!)
	done
	scripts/vm-run.sh --kernel 6.12 --disks 4 --disk-mib "$DISK_MIB" \
		--bps "$bps" --iops "$iops" --mem 3072 --timeout 3600 \
		--log "$out/vm-$model.log" --file "$conf" \
		--file "$data/syn.trace" --file "$data/syn.map" \
		--file "$data/syn.oracle.map" --file "$data/mc.jsonl" \
		--file "$data/mc.map" --file "$data/mc.iolog" \
		tests/vm/benches/bench.sh "$(basename "$conf")" || rc=1
	kill "$hl" "${hogs[@]}" 2>/dev/null
	wait "$hl" "${hogs[@]}" 2>/dev/null || true
	sed -n 's/^BENCH-JSON: //p' "$out/vm-$model.log" >>"$out/results.jsonl"
	# The host's load: at the start and the end, the mean of the samples,
	# and per fio job.
	awk -v m="$model" -v l0="$load0" -v l1="$(cut -d' ' -f1-3 /proc/loadavg)" '
		{ s += $2; n++; if ($1 != "-") { js[$1] += $2; jn[$1]++ } }
		END {
			printf "{\"model\":\"%s\",\"host_load_start\":\"%s\",\"host_load_end\":\"%s\",\"host_load_mean\":%.2f,\"host_load_samples\":%d}\n", m, l0, l1, n ? s / n : 0, n
			for (j in js) printf "{\"host_load_job\":\"%s\",\"load1\":%.2f,\"samples\":%d}\n", j, js[j] / jn[j], jn[j]
		}' "$out/hostload-$model.txt" >>"$out/results.jsonl"
	sed -n 's/^BENCH-LAT: //p' "$out/vm-$model.log" >>"$out/latencies.txt"
done

scripts/bench-report.sh "$out" "$SYN_ENTRIES" "$MC_REQUESTS" "$MC_ENTRIES" \
	"$MC_STEPS" || rc=1
# Online adaptation on a drifting and growing trace (issue 14): static
# map, swarmctl adapt's logic, the true groups; simulated on the host with
# cluster/sim.c's I/O model (tests/user/adapt-sim.c; not a measurement).
if [ "$mode" = full ] && [ "${BENCH_ADAPT:-1}" != 0 ]; then
	make -s build/bench/adapt-sim
	build/bench/adapt-sim >"$out/adapt-sim.txt" || rc=1
	{
		printf '\n## Online adaptation (simulated, tests/user/adapt-sim.c)\n\n```\n'
		cat "$out/adapt-sim.txt"
		printf '```\n'
	} >>"$out/results.md"
	# The plot: I/O time per step over time, one line per map.
	awk '/^ *[0-9]+-[0-9]+ / { split($1, r, "-"); print r[2], $2, $3, $4, $5 }' \
		"$out/adapt-sim.txt" >"$out/adapt-sim.dat"
	if command -v gnuplot >/dev/null && [ -s "$out/adapt-sim.dat" ]; then
		gnuplot <<EOF
set terminal pngcairo size 900,500
set output "$out/adapt-io-time.png"
set title "Drifting and growing trace (simulated): I/O time per step"
set xlabel "step"
set ylabel "I/O time per step (ms)"
set grid
set key left top
plot "$out/adapt-sim.dat" using 1:2 with linespoints title "static map", \
     "" using 1:3 with linespoints title "swarmctl adapt", \
     "" using 1:4 with linespoints title "fresh full re-clustering", \
     "" using 1:5 with linespoints title "true groups"
EOF
		printf '\n![adapt](adapt-io-time.png)\n' >>"$out/results.md"
	fi
	# The same workload measured on a live device (tests/vm/benches/drift.sh).
	scripts/bench-adapt.sh "$out/adapt" >/dev/null || rc=1
	{
		printf '\n## Online adaptation (measured, tests/vm/benches/drift.sh)\n\n```\n'
		cat "$out/adapt/adapt-measured.txt"
		printf '```\n'
		[ -f "$out/adapt/adapt-measured.png" ] &&
			printf '\n![adapt measured](adapt/adapt-measured.png)\n'
	} >>"$out/results.md"
fi
echo "bench: results in $out/results.md" >&2
exit $rc
