# shellcheck shell=sh
# The client API (libswarm.so, userspace/include/swarm-client.h) on a real
# swarm of 4 emulated NVMe SSDs: the geometry it asks the kernel for, the
# example kv_offload with both backends, and a trace replayed with one
# swarm_read_batch() per step beside swarm-bench replay on the same trace,
# verified, before and after a cluster map (placement order). Prints
# "figure:" lines with both I/O times.
. /tests/lib.sh
. /tests/check-kernel-log.sh
. /tests/swarm-lib.sh
SUITE=client
kernel_log_begin

check load modprobe dm-swarm
members
E=$(swarm_entries 40)
check create dmsetup create kv --table "0 $((E * 8)) swarm 8 4$M 2 spare 50"
DM=$(dm_node kv)

expect_eq info "entry_size 4096 entries $E members 4 generation 0 swarm 1 backend io_uring" \
	"$(swarm-client-test info kv)"
expect_eq info-threads "entry_size 4096 entries $E members 4 generation 0 swarm 1 backend threads" \
	"$(SWARM_CLIENT_BACKEND=threads swarm-client-test info "$DM")"

check populate swarm-bench populate "$DM" --entries "$E" --seed 7
check trace-gen swarmctl trace gen -o /tmp/t.trace --entries "$E" \
	--steps 200 --frac 0.01 --seed 3

# replay NAME [ORDER]: swarm-bench and the client on the same trace.
replay() {
	o=""
	[ -n "${2:-}" ] && o="--order $2"
	# shellcheck disable=SC2086
	b=$(swarm-bench replay "$DM" /tmp/t.trace --verify --seed 7 $o --json 2>/tmp/b.err)
	if [ -n "$b" ]; then
		pass "$1-bench"
	else
		fail "$1-bench" "$(head -n 3 /tmp/b.err)"
	fi
	bt=$(echo "$b" | sed -n 's/.*"io_time_s":\([0-9.]*\).*/\1/p')
	for be in uring threads; do
		c=$(SWARM_CLIENT_BACKEND=$be swarm-client-test replay "$DM" /tmp/t.trace --verify 7 2>/tmp/c.err)
		case "$c" in
		*" bad 0 failed 0") pass "$1-client-$be" ;;
		*) fail "$1-client-$be" "$c $(head -n 3 /tmp/c.err)" ;;
		esac
		ct=$(echo "$c" | sed -n 's/.*io_time_s \([0-9.]*\).*/\1/p')
		echo "figure: $1 $be: swarm-bench io_time_s $bt, client io_time_s $ct, ratio $(awk -v a="$ct" -v b="$bt" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')"
	done
}

replay nomap

check cluster swarmctl cluster /tmp/t.trace -o /tmp/t.map --quiet
check upload swarmctl map upload --wait kv /tmp/t.map
expect_eq info-map "entry_size 4096 entries $E members 4 generation 1 swarm 1 backend io_uring" \
	"$(swarm-client-test info kv)"
swarmctl map show kv "0-$((E - 1))" >/tmp/place.txt
replay map /tmp/place.txt

for be in uring threads; do
	out=$(SWARM_CLIENT_BACKEND=$be kv_offload "$DM" 2>&1)
	case "$out" in
	*", 0 wrong") pass "kv-offload-$be" ;;
	*) fail "kv-offload-$be" "$out" ;;
	esac
done

check remove dmsetup remove kv
kernel_log_clean
finish
