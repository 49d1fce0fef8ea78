#!/bin/bash
# Online adaptation, measured (issue 14; make bench-adapt, and make bench's
# full mode): tests/user/adapt-sim.c simulates the drifting and growing
# workload and writes its trace, the map of step 0 and the fresh full
# re-clusterings; tests/vm/benches/drift.sh replays the trace period by
# period on a swarm of 4 emulated NVMe SSDs (iops model: 50 MiB/s, 2000
# IOPS each, stock 6.12) with a static map, with swarmctl adapt after
# every period, and with the fresh re-clustering uploaded after every
# period.
#
#   scripts/bench-adapt.sh [OUTDIR]     (default build/bench-results/adapt)
#
# OUTDIR gets adapt-sim.txt (the simulation), adapt-vm.log (the VM's
# console), adapt-measured.txt (I/O time per step per period, measured)
# and, with gnuplot, adapt-measured.png.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-build/bench-results/adapt}
data=$out/data
rm -rf "$data"
mkdir -p "$data"

scripts/deps.sh
scripts/build-module.sh 6.12 >&2
make -s userspace build/bench/adapt-sim

build/bench/adapt-sim --out "$data" >"$out/adapt-sim.txt"
files=()
for f in "$data"/*; do
	files+=(--file "$f")
done
# Four members of 128 MiB hold the 42,400 entries of 4 KiB (166 MiB) at
# about 35% of their slots.
scripts/vm-run.sh --kernel 6.12 --disks 4 \
	--disk-mib 128 --bps 52428800 --iops 2000 --timeout 3000 \
	--log "$out/adapt-vm.log" "${files[@]}" tests/vm/benches/drift.sh \
	${BENCH_ADAPT_SETUPS:+"$BENCH_ADAPT_SETUPS"} || true

# Per period: ms per step of each setup; then the means after the drift.
awk '
/^ADAPT: / {
	gsub("\r", "")
	t[$2 " " $3] = $5 * 1000 / ($4 - $3)
	rq[$2] += $6; sec[$2] += $7; mv[$2] += $8; ch[$2] += $9; nc[$2] += $10
	if ($3 >= 400) { sum[$2] += $5 * 1000; n[$2] += $4 - $3 }
	if (!($3 in seen)) { seen[$3] = 1; order[++np] = $3; end[$3] = $4 }
}
/^ADAPT-NEW: / { gsub("\r", ""); nt[$2 " " $3] = $5 ? $4 * 1000 / $5 : 0 }
END {
	printf "# measured: swarm on 4 emulated NVMe SSDs (50 MiB/s, 2000 IOPS), stock 6.12\n"
	printf "# I/O time per step (ms), each period replayed after its map change\n"
	printf "# steps      static     adapt     fresh\n"
	for (i = 1; i <= np; i++) {
		p = order[i]
		printf "%5d-%-5d  %8.2f  %8.2f  %8.2f\n", p, end[p] - 1,
			t["static " p], t["adapt " p], t["fresh " p]
	}
	if (n["static"] && n["adapt"] && n["fresh"])
		printf "figure: measured after the drift (steps 400-1199), I/O time per step: static %.2f ms, adapt %.2f ms, fresh full re-clustering %.2f ms; adapt/fresh %.2fx, static/adapt %.2fx\n",
			sum["static"] / n["static"], sum["adapt"] / n["adapt"],
			sum["fresh"] / n["fresh"],
			(sum["adapt"] / n["adapt"]) / (sum["fresh"] / n["fresh"]),
			(sum["static"] / n["static"]) / (sum["adapt"] / n["adapt"])
	for (k = 1; k <= 3; k++) {
		s = k == 1 ? "static" : k == 2 ? "adapt" : "fresh"
		if ((s " new") in nt)
			printf "figure: new entries with the map of the last step, steps 400-1199 (%s): read alone %.2f ms a step, added to their steps %.2f ms (steps %.2f, without them %.2f)\n",
				s, nt[s " new"], nt[s " sub"] - nt[s " old"], nt[s " sub"], nt[s " old"]
	}
	if (nt["adapt new"] > 0 && nt["adapt sub"] - nt["adapt old"] > 0)
		printf "figure: new entries placed by adapt against striped (static): alone %.2fx faster, added to their steps %.2fx less\n",
			nt["static new"] / nt["adapt new"],
			(nt["static sub"] - nt["static old"]) / (nt["adapt sub"] - nt["adapt old"])
	for (s in rq) {
		printf "figure: %s: %d member reads, %.1f KiB average; %d entry copies moved (%.1f MiB)",
			s, rq[s], rq[s] ? sec[s] / 2 / rq[s] : 0, mv[s], mv[s] * 4 / 1024
		# Against the placement listed before and after each change.
		if (ch[s])
			printf "; placement changed for %d entries (%d new copies): bytes written %.2fx the changed entries",
				ch[s], nc[s], nc[s] / ch[s]
		printf "\n"
	}
}' "$out/adapt-vm.log" >"$out/adapt-measured.txt"
grep -E "^(PASS|FAIL):" "$out/adapt-vm.log" | tr -d '\r' >>"$out/adapt-measured.txt" || true
cat "$out/adapt-measured.txt"

if command -v gnuplot >/dev/null; then
	awk '$1 ~ /^[0-9]+-[0-9]+$/ { split($1, a, "-"); print a[1], $2, $3, $4 }' \
		"$out/adapt-measured.txt" >"$out/adapt-measured.dat"
	gnuplot <<EOF
set terminal pngcairo size 900,500
set output "$out/adapt-measured.png"
set title "Drifting and growing trace, measured (4 SSDs, 50 MiB/s, 2000 IOPS): I/O time per step"
set xlabel "step"
set ylabel "ms per step"
set key top left
plot "$out/adapt-measured.dat" using 1:2 with linespoints title "static map", \
     "" using 1:3 with linespoints title "swarmctl adapt", \
     "" using 1:4 with linespoints title "fresh full re-clustering"
EOF
fi
! grep -q "^FAIL:" "$out/adapt-measured.txt"
