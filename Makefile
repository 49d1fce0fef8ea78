# SPDX-License-Identifier: GPL-2.0-only
#
# dm-swarm. The kernel module itself is built by Kbuild (see Kbuild).
#
#   make            build dm-swarm.ko for the running kernel (KDIR=... to change)
#   make install    install it under /lib/modules/$(KVER)/updates, and
#                   install-user: swarmctl, libswarm, man pages (PREFIX, DESTDIR)
#   make demo       run the demo in a VM on emulated NVMe SSDs
#   make check      run every test (user space, KUnit, VM on three kernels)
#   make dkms       register the module with DKMS (dkms.conf)
#   make user-test  only the user-space unit tests
#   make userspace  build/user/swarmctl, the control tool (userspace/)

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
# make install: the module, then swarmctl, libswarm.so, the headers and
# the man pages under $(DESTDIR)$(PREFIX).
DESTDIR ?=
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 \
	-Iuserspace/include -Ikmod -fsanitize=address,undefined
# swarmctl and libswarm: plain libc, no sanitizers (build/user/ is copied
# into the VM), and the uapi headers from this tree.
SWARMCTL_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 \
	-Iuapi -Iuserspace -Iuserspace/include
# User space, in userspace/: lib/ (libswarm: map files, ioctls, traces,
# and the helpers every part shares), cluster/ (the clustering, the
# simulator, the report), cli/ (swarmctl's commands), bench/
# (swarm-bench). Sources include "lib/trace.h" and such (-Iuserspace).
USER_HDRS := $(wildcard userspace/*/*.h) uapi/linux/dm-swarm.h
USER_CORE := userspace/lib/util.c userspace/lib/hmap.c
LIBSWARM := $(USER_CORE) userspace/lib/mapfile.c userspace/lib/ioctl.c
TRACE_IO := userspace/lib/trace.c userspace/lib/trace-mooncake.c \
	userspace/lib/trace-write.c
# The offline half: traces, clustering, the report (userspace/*.md).
OFFLINE_LIB := $(LIBSWARM) $(TRACE_IO) userspace/lib/tracegen.c \
	userspace/lib/adapt.c \
	$(wildcard userspace/cluster/*.c)
SWARM_USER_TESTS := build/user-tests/test-mapfile \
	build/user-tests/test-libswarm build/user-tests/test-swarmctl
OFFLINE_USER_TESTS := build/user-tests/test-trace \
	build/user-tests/test-cluster build/user-tests/test-adapt
USER_TESTS := build/user-tests/test-layout build/user-tests/test-place \
	build/user-tests/test-disk build/user-tests/test-assemble \
	$(SWARM_USER_TESTS) build/user-tests/test-record \
	$(OFFLINE_USER_TESTS) build/user-tests/test-bench \
	build/user-tests/test-util build/user-tests/test-client \
	build/user-tests/test-statswatch build/user-tests/test-cache
# The client API for applications (include/swarm-client.h): libswarm's
# ioctls and lib/client.c, over liburing; build/user/libswarm.so.
CLIENT_SRC := $(LIBSWARM) userspace/lib/client.c

.PHONY: all module install clean deps check demo user-test checkpatch \
	userspace bench-cluster bench bench-quick bench-persist crash-test \
	python-test install-module install-user dkms bench-cache bench-adapt

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: install-module install-user

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

# User space alone (no kernel headers needed).
install-user: build/user/swarmctl build/user/libswarm.so
	install -D -m 755 build/user/swarmctl $(DESTDIR)$(PREFIX)/sbin/swarmctl
	install -D -m 755 build/user/libswarm.so $(DESTDIR)$(PREFIX)/lib/libswarm.so
	install -D -m 644 userspace/include/swarm-client.h \
		$(DESTDIR)$(PREFIX)/include/swarm-client.h
	install -D -m 644 uapi/linux/dm-swarm.h \
		$(DESTDIR)$(PREFIX)/include/linux/dm-swarm.h
	install -D -m 644 man/swarmctl.8 $(DESTDIR)$(MANDIR)/man8/swarmctl.8
	install -D -m 644 man/dm-swarm.4 $(DESTDIR)$(MANDIR)/man4/dm-swarm.4
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' userspace/systemd/swarm-adapt@.service \
		>$(DESTDIR)$(PREFIX)/lib/systemd/system/swarm-adapt@.service

deps:
	@scripts/deps.sh

# DKMS (dkms.conf): the module's sources into $(DESTDIR)/usr/src/dm-swarm-<v>
# and, without DESTDIR, "dkms add"; then "dkms install dm-swarm/<v>".
dkms:
	@scripts/dkms.sh add $(DESTDIR)

build/user-tests/%: tests/user/%.c kmod/*.c kmod/*.h tests/common/*.h \
		tests/user/utest.h userspace/include/*.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

# The shared helpers (userspace/lib/util.h, hmap.h), with the sanitizers.
build/user-tests/test-util: tests/user/test-util.c $(USER_CORE) $(USER_HDRS) \
		tests/user/utest.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iuserspace -o $@ $< $(USER_CORE)

# The libswarm tests: the library linked in, with the sanitizers.
$(SWARM_USER_TESTS): build/user-tests/%: tests/user/%.c $(LIBSWARM) \
		$(USER_HDRS) tests/user/utest.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iuapi -Iuserspace -o $@ $< $(LIBSWARM)

# The offline tests: the trace and clustering code and libswarm's map
# parser, with the sanitizers; test-cluster also runs build/user/swarmctl.
$(OFFLINE_USER_TESTS): build/user-tests/%: tests/user/%.c $(OFFLINE_LIB) \
		$(USER_HDRS) tests/user/utest.h build/user/swarmctl
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iuapi -Iuserspace -pthread -o $@ $< \
		$(OFFLINE_LIB) -lm

# test-swarmctl runs build/user/swarmctl on a fake control device, a
# preloaded library kept out of build/user/.
build/user-tests/test-swarmctl: build/user/swarmctl \
	build/user-tests/fake-control.so

# swarmctl stats --watch: its pure part, and the command on the fake
# control device.
build/user-tests/test-statswatch: tests/user/test-statswatch.c \
		userspace/cli/stats-watch.c $(LIBSWARM) $(USER_HDRS) \
		tests/user/utest.h build/user/swarmctl \
		build/user-tests/fake-control.so
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iuapi -Iuserspace -o $@ $< \
		userspace/cli/stats-watch.c $(LIBSWARM)

# test-assemble runs build/user/swarmctl on files made into members.
build/user-tests/test-assemble: build/user/swarmctl

build/user-tests/fake-control.so: tests/user/fake-control.c \
		uapi/linux/dm-swarm.h
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) -shared -fPIC -o $@ $<

userspace: build/user/swarmctl build/user/swarm-ioctl-test \
	build/user/swarm-bench build/user/libswarm.so build/user/kv_offload \
	build/user/swarm-client-test

# The client library: the shared object applications and the Python
# binding (userspace/python/) load, and its tests with the sanitizers.
build/user/libswarm.so: $(CLIENT_SRC) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) -fPIC -shared -pthread -Wl,-soname,libswarm.so \
		-o $@ $(CLIENT_SRC) -luring

# The example (userspace/examples/), as an application builds it.
build/user/kv_offload: userspace/examples/kv_offload.c build/user/libswarm.so \
		userspace/include/swarm-client.h
	$(CC) $(SWARMCTL_CFLAGS) -o $@ $< -Lbuild/user -lswarm \
		-Wl,-rpath,'$$ORIGIN'

# The client API on a real swarm, inside the VM (tests/vm/suites/client.sh).
build/user/swarm-client-test: tests/vm/tools/client-test.c build/user/libswarm.so \
		userspace/bench/bench-lib.c userspace/include/swarm-client.h
	$(CC) $(SWARMCTL_CFLAGS) -o $@ $< userspace/bench/bench-lib.c \
		userspace/lib/util.c -Lbuild/user -lswarm -Wl,-rpath,'$$ORIGIN'

# test-client also runs build/user/kv_offload on a file.
build/user-tests/test-client: tests/user/test-client.c $(CLIENT_SRC) \
		$(USER_HDRS) tests/user/utest.h build/user/kv_offload
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iuapi -Iuserspace -pthread -o $@ $< \
		$(CLIENT_SRC) -luring

# A raw-ioctl test driven inside the VM (tests/vm/suites/clustermap.sh).
build/user/swarm-ioctl-test: tests/vm/tools/ioctl-test.c uapi/linux/dm-swarm.h
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) -o $@ $<

# swarmctl: cli/ and the libraries, an object a file in build/obj/ (not
# in build/user/, which goes into the VM), linked with the kernel's pure
# on-disk format code, kmod/swarm-disk.c (assemble, examine, wipe).
# That one and cli/cmd-disk.c see kmod/'s headers.
SWARMCTL_SRC := $(wildcard userspace/cli/*.c) $(OFFLINE_LIB) \
	userspace/lib/record.c
SWARMCTL_OBJ := $(patsubst userspace/%.c,build/obj/%.o,$(SWARMCTL_SRC)) \
	build/obj/kmod/swarm-disk.o
KMOD_DISK_CFLAGS := -Ikmod

build/obj/%.o: userspace/%.c $(USER_HDRS) userspace/include/swarm-user.h
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) $(OBJ_CFLAGS) -pthread -c -o $@ $<

build/obj/cli/cmd-disk.o: OBJ_CFLAGS := $(KMOD_DISK_CFLAGS)
build/obj/cli/cmd-disk.o: $(wildcard kmod/*.h)

build/obj/kmod/swarm-disk.o: kmod/swarm-disk.c $(wildcard kmod/*.h) \
		userspace/include/swarm-user.h
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) $(KMOD_DISK_CFLAGS) -c -o $@ $<

build/user/swarmctl: $(SWARMCTL_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) -pthread -o $@ $(SWARMCTL_OBJ) -lm

user-test: userspace $(USER_TESTS)
	@rc=0; for t in $(USER_TESTS); do ./$$t || rc=1; done; \
		tests/user/test-docs.sh || rc=1; exit $$rc

# The Python binding's tests (userspace/python/tests/) against files,
# one PASS:/FAIL: line each.
python-test: build/user/libswarm.so
	@DMSWARM_LIBSWARM=$(CURDIR)/build/user/libswarm.so \
		python3 userspace/python/tests/run.py

checkpatch:
	@scripts/checkpatch.sh

# A benchmark of swarmctl cluster's code at scale (prints figures; not a
# test): 1M entries, 100k steps of about 300 and about 1000 entries
# (BENCH_FRACS of the entries; 10% of 1M would be 10^10 reads), binary
# traces in build/bench/. The driver (test-cluster --bench, no sanitizers)
# reads, clusters with 2 threads and writes as swarmctl cluster does,
# printing each phase's time and peak RSS, then precision and recall
# against the planted groups. BENCH_ARGS: [NEIGHBOURS [CAND_READS]].
BENCH_ENTRIES ?= 1000000
BENCH_STEPS ?= 100000
BENCH_FRACS ?= 0.0003 0.001
BENCH_ARGS ?=

build/bench/cluster-bench: tests/user/test-cluster.c $(OFFLINE_LIB) \
		$(USER_HDRS) tests/user/utest.h
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) -Ikmod -pthread -o $@ $< $(OFFLINE_LIB) -lm

bench-cluster: build/user/swarmctl build/bench/cluster-bench
	@for f in $(BENCH_FRACS); do \
		tr=build/bench/bench-$$f.trace; \
		build/user/swarmctl trace gen -o $$tr --binary \
			--entries $(BENCH_ENTRIES) --steps $(BENCH_STEPS) \
			--frac $$f --seed 1 || exit 1; \
		echo "== frac $$f"; \
		build/bench/cluster-bench --bench $$tr build/bench/bench-$$f.map \
			$(BENCH_ARGS) || exit 1; \
	done

check: deps userspace
	@scripts/check.sh

demo: deps userspace
	@scripts/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf build

# Trace capture: grouping of traced reads into steps (the VM test,
# tests/vm/suites/trace.sh, replays known steps with swarm-bench replay
# --pause-us).
build/user-tests/test-record: tests/user/test-record.c userspace/lib/record.c \
		$(USER_HDRS) tests/user/utest.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iuapi -Iuserspace -o $@ $< userspace/lib/record.c

# swarm-bench (trace replay with io_uring) and the benchmark of issue 6:
# bench-quick is a reduced matrix that checks everything runs and
# verifies (< 5 min); bench is the full matrix (results/bench/).
BENCH_SRC := $(wildcard userspace/bench/*.c) $(USER_CORE) $(TRACE_IO)
build/user/swarm-bench: $(BENCH_SRC) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) -o $@ $(BENCH_SRC) -luring

# test-bench also runs build/user/swarm-bench replay on a file.
build/user-tests/test-bench: tests/user/test-bench.c \
		userspace/bench/bench-lib.c userspace/lib/util.c $(USER_HDRS) \
		tests/user/utest.h build/user/swarm-bench
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iuserspace -o $@ $< userspace/bench/bench-lib.c \
		userspace/lib/util.c

bench: deps userspace
	@scripts/bench.sh full

bench-quick: deps userspace
	@scripts/bench.sh quick

# Persistence figures (prints them; not a test): the time to commit and to
# load a map of 1M entries, and migration throughput, on stock 6.12.
bench-persist: deps userspace
	@scripts/build-module.sh 6.12
	@scripts/vm-run.sh --kernel 6.12 --disk-mib 1229 --mem 3072 \
		--log build/logs/maptime-6.12.log tests/vm/benches/maptime.sh
	@grep '^figure:' build/logs/maptime-6.12.log

# Power cuts during migrations (also part of make check): RUNS=10.
RUNS ?= 10
crash-test: deps userspace
	@scripts/build-module.sh 6.12
	@scripts/crash-test.sh $(RUNS) 6.12

# The DRAM tier's policies on a trace, in user space (a simulation with
# the kernel's policy code, not a measurement): hit rate and modelled I/O
# time of cost-benefit and LRU at 1, 5 and 10% of the distinct entries,
# on a synthetic trace and the Mooncake sample (tests/data/).
build/bench/cache-sim: tests/user/cache-sim.c tests/user/cache-sim-policy.c \
		kmod/swarm-cache-policy.c kmod/swarm-cache-policy.h $(LIBSWARM) \
		$(TRACE_IO) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -Iuserspace/include \
		-Ikmod -c -o build/bench/cache-sim-policy.o \
		tests/user/cache-sim-policy.c
	$(CC) $(SWARMCTL_CFLAGS) -o $@ $< build/bench/cache-sim-policy.o \
		$(LIBSWARM) $(TRACE_IO)

bench-cache: build/user/swarmctl build/bench/cache-sim
	@mkdir -p build/bench
	@build/user/swarmctl trace gen -o build/bench/cache-synth.trace \
		--entries 100000 --steps 2000 --frac 0.01 --seed 1 >/dev/null
	@build/user/swarmctl cluster build/bench/cache-synth.trace \
		-o build/bench/cache-synth.map --quiet
	@echo "== synthetic, |C| = 1 (as in the kernel)"
	@build/bench/cache-sim build/bench/cache-synth.trace
	@echo "== synthetic, |C| from swarmctl cluster's map"
	@build/bench/cache-sim build/bench/cache-synth.trace \
		build/bench/cache-synth.map
	@echo "== Mooncake sample (tests/data/mooncake-300.jsonl)"
	@build/bench/cache-sim tests/data/mooncake-300.jsonl

# Online adaptation on a drifting and growing trace, simulated in user
# space with cluster/sim.c's I/O model (prints figures; not a
# measurement): I/O time per step of a static map, swarmctl adapt's
# logic (lib/adapt.c) and a fresh full re-clustering.
build/bench/adapt-sim: tests/user/adapt-sim.c $(OFFLINE_LIB) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SWARMCTL_CFLAGS) -Ikmod -pthread -o $@ $< $(OFFLINE_LIB) -lm

# make bench-adapt: the simulation, then the same workload measured in the
# VM (scripts/bench-adapt.sh, about 5 minutes).
bench-adapt: deps userspace build/bench/adapt-sim
	@scripts/bench-adapt.sh
