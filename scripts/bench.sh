#!/bin/bash
# make bench / make bench-quick: the benchmark of issue 6.
#
#   scripts/bench.sh quick|full
#
# Builds the module for Debian's 6.12 kernel and the user-space tools,
# makes the traces and cluster maps on the host (the synthetic trace, a
# prefix of the Mooncake trace; each split into a profile part that
# swarmctl cluster learns from and an evaluation part that is replayed),
# then boots the VM once per device model (vm-run.sh throttles every disk
# alike) and runs tests/vm/bench.sh there. Results go to
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
# PASS:/FAIL: lines; it checks that everything runs, not the speed.
set -euo pipefail

mode=${1:-quick}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench-results/$mode
data=$out/data
MC_SRC=${MC_SRC:-$top/../shared/traces/mooncake_conversation.jsonl}
# A clone without ../shared (CI) has the first 300 requests in tests/data,
# enough for the quick mode.
if [ ! -r "$MC_SRC" ] && [ "$mode" = quick ]; then
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
quick)
	SYN_ENTRIES=20000 SYN_STEPS=30 SYN_PROFILE=20 SYN_EVAL=20:23 SYN_EVAL_SMALL=20:22
	MC_REQUESTS=300
	DISK_MIB=256 MODELS="iops" FIO_SECS=1 OVH_SECS=2 VERIFY_ALL=1
	SYN_SETUPS="linear stripe nomap map map-ord eq7-ord nobalance-ord static-ord copies1-ord oracle-ord stripe-ord"
	MC_SETUPS="stripe map map-ord"
	SWEEP="stripe map-ord"
	;;
full)
	SYN_ENTRIES=200000 SYN_STEPS=220 SYN_PROFILE=200 SYN_EVAL=200:206 SYN_EVAL_SMALL=200:203
	MC_REQUESTS=3000
	# Every replayed read is verified; reading everything back after
	# each populate is left to the quick mode (it costs ~20 s a setup).
	DISK_MIB=2048 MODELS="none iops nvme" FIO_SECS=5 OVH_SECS=10 VERIFY_ALL=0
	SYN_SETUPS=${BENCH_SETUPS:-"linear stripe stripe-ord nomap map map-ord eq7-ord nobalance-ord static-ord copies1-ord oracle-ord"}
	MC_SETUPS=${BENCH_MC_SETUPS:-"linear stripe nomap map map-ord"}
	SWEEP=${BENCH_SWEEP:-"stripe-ord map-ord"}
	MODELS=${BENCH_MODELS:-$MODELS}
	;;
*)
	echo "usage: scripts/bench.sh quick|full" >&2
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
fi

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
		if [ "$model" = none ]; then
			# The unthrottled boot: the ceiling, the map path, and
			# the replay itself without a throttle.
			echo "CEILING=1 OVERHEAD=$OVH_SECS TRACES=syn DEVCOUNTS="
			echo "syn_SETUPS=\"stripe map-ord\" syn_EVAL=$SYN_EVAL_SMALL"
		elif [ "$mode" = quick ]; then
			echo "CEILING=1 OVERHEAD=$OVH_SECS TRACES=\"syn mc\""
		else
			echo "TRACES=\"syn mc\""
		fi
	} >"$conf"
	echo "bench: model $model (bps $bps, iops $iops), log $out/vm-$model.log" >&2
	scripts/vm-run.sh --kernel 6.12 --disks 4 --disk-mib "$DISK_MIB" \
		--bps "$bps" --iops "$iops" --mem 3072 --timeout 3600 \
		--log "$out/vm-$model.log" --file "$conf" \
		--file "$data/syn.trace" --file "$data/syn.map" \
		--file "$data/syn.oracle.map" --file "$data/mc.jsonl" \
		--file "$data/mc.map" tests/vm/bench.sh "$(basename "$conf")" || rc=1
	sed -n 's/^BENCH-JSON: //p' "$out/vm-$model.log" >>"$out/results.jsonl"
	sed -n 's/^BENCH-LAT: //p' "$out/vm-$model.log" >>"$out/latencies.txt"
done

scripts/bench-report.sh "$out" "$SYN_ENTRIES" "$MC_REQUESTS" "$MC_ENTRIES" \
	"$MC_STEPS" || rc=1
echo "bench: results in $out/results.md" >&2
exit $rc
