# shellcheck shell=sh
# Trace capture: replay known steps, record them from the kernel, check
# the recorded trace is the replayed one; cluster it, upload the map, and
# check its clusters are the planted groups. Also: a full ring drops and
# counts, and the trace is off by default.
. /tests/lib.sh
. /tests/check-kernel-log.sh
SUITE=trace
kernel_log_begin

check load modprobe dm-swarm
M=""
for i in 0 1 2 3; do M="$M /dev/$(nvme_dev $i)"; done
NE=4096
check create dmsetup create swarm0 --table "0 $((NE * 8)) swarm 8 4$M"
DM=$(dm_node swarm0)

# Off by default: reads leave no events.
dd if="$DM" of=/dev/null bs=4096 count=16 iflag=direct 2>/dev/null
check off-by-default sh -c "swarmctl trace record $DM -o /tmp/none.trace --duration 0.2 2>&1 | grep -q ' 0 reads'"

# 8 groups of 24 entries, interleaved over the id space and overlapping
# (group g also holds the first 4 entries of group g+1); each step reads
# two groups, drawn with a fixed sequence.
awk 'BEGIN {
	for (g = 0; g < 8; g++) {
		n = 0
		for (i = 0; i < 24; i++) grp[g, n++] = 100 + g + 8 * i * 7
		for (i = 0; i < 4 && g < 7; i++) grp[g, n++] = 100 + (g + 1) + 8 * i * 7
		size[g] = n
	}
	for (g = 0; g < 8; g++) {
		printf "group %d:", g
		for (i = 0; i < size[g]; i++) printf " %d", grp[g, i]
		printf "\n"
	}
	srand(1)
	for (s = 0; s < 100; s++) {
		a = int(rand() * 8); b = (a + 1 + int(rand() * 7)) % 8
		line = ""
		for (i = 0; i < size[a]; i++) line = line " " grp[a, i]
		for (i = 0; i < size[b]; i++) line = line " " grp[b, i]
		print substr(line, 2) > "/tmp/replay.trace"
	}
}' >/tmp/groups.txt

# Each step is one io_uring submission, and steps are 150 ms apart: a new
# step after 60 ms without a read. Under TCG on a loaded host, reads of
# one submission were seen 5 ms apart; the debug kernel takes
# milliseconds per read: there, 300 ms and 120 ms.
PAUSE=150000 GAP=60000
[ "$KVER_NAME" = test ] && PAUSE=300000 GAP=120000
swarmctl trace record "$DM" -o /tmp/rec.trace --duration 300 --gap-us $GAP 2>/tmp/rec.err &
rec=$!
sleep 0.5
check replay swarm-bench replay "$DM" /tmp/replay.trace --entry-size 4096 --pause-us $PAUSE
sleep 0.2
kill -INT $rec
wait $rec
cat /tmp/rec.err
check recorded sh -c 'grep -q "reads in 100 steps" /tmp/rec.err'
# Same steps, each as a set (the recorder drops repeats within a step).
norm() { grep -v '^#' "$1" | while read -r l; do echo "$l" | tr ' ' '\n' | sort -n -u | tr '\n' ' '; echo; done; }
norm /tmp/replay.trace >/tmp/a
norm /tmp/rec.trace >/tmp/b
check recorded-equals-replayed cmp -s /tmp/a /tmp/b

# A ring of 64 events, started by message, overflows with 256 reads:
# the recorder attaches and reports 64 reads and 192 drops.
check msg-trace-on-64 dmsetup message swarm0 0 trace on 64
dd if="$DM" of=/dev/null bs=1M count=1 iflag=direct 2>/dev/null
swarmctl trace record "$DM" -o /tmp/small.trace --attach --duration 0.1 2>/tmp/small.err
cat /tmp/small.err
check small-ring-drops grep -q "64 reads in .* (192 dropped)" /tmp/small.err
check attach-needs-a-trace sh -c "! swarmctl trace record $DM -o /tmp/x --attach --duration 0.1"

# Messages switch it too.
check msg-trace-on dmsetup message swarm0 0 trace on 1024
check msg-trace-off dmsetup message swarm0 0 trace off
check msg-trace-bad sh -c '! dmsetup message swarm0 0 trace on 99999999999'

if swarmctl cluster --help >/dev/null 2>&1 || swarmctl help 2>&1 | grep -q cluster; then
	check cluster swarmctl cluster /tmp/rec.trace -o /tmp/rec.map --entries $NE
	check upload swarmctl map upload --drop-data "$DM" /tmp/rec.map
	# Each planted group must be found: some cluster holds >= 80% of it
	# and is made >= 80% of it (overlap members aside).
	grep -v '^#' /tmp/rec.map | grep -v '^weight' >/tmp/clusters
	awk -v CL=/tmp/clusters 'BEGIN {
		nc = 0
		while ((getline l < CL) > 0) {
			n = split(l, f, " ")
			nc++; csize[nc] = n - 3
			for (i = 4; i <= n; i++) cm[nc, f[i]] = 1
		}
	}
	/^group/ {
		g++; best = 0
		for (c = 1; c <= nc; c++) {
			hit = 0
			for (i = 3; i <= NF; i++) if ((c, $i) in cm) hit++
			rec = hit / (NF - 2); prec = hit / csize[c]
			if (rec >= 0.8 && prec >= 0.8) best = 1
		}
		found += best
	}
	END { print found }' /tmp/groups.txt >/tmp/found
	expect_eq planted-groups-found 8 "$(cat /tmp/found)"
	expect_eq map-clusters-live 1 "$(dmsetup status swarm0 | awk '{ print ($(4 + $4 * 5 + 2) >= 8) }')"
else
	fail cluster "swarmctl has no cluster command"
fi

check remove dmsetup remove swarm0
check unload rmmod dm-swarm
kernel_log_clean
finish
