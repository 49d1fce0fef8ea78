// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the client API (userspace/lib/client.c) against files on the
 * host: both backends (io_uring and the preadv2/pwritev2 threads), writes
 * read back, misaligned buffers, entries out of range, short and
 * truncated files, read-only clients, batches larger than the ring; and a
 * file passed off as a swarm device to a fake kernel (swarm_ioctl_fn):
 * the geometry from DM_SWARM_STATS, the placement asked once per entry,
 * the submission order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/libswarm.h"
#include "swarm-client.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ESZ		4096
#define NR		64

static char path[] = "/tmp/swarm-client-XXXXXX";
static char err[SWARM_ERR_MAX];

/* The backend of a case: the default, or the threads (flag or env). */
static uint32_t backend_flags;

static void make_file(off_t bytes)
{
	int fd = open(path, O_RDWR | O_TRUNC);

	if (fd < 0 || ftruncate(fd, bytes) < 0) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static struct swarm_client *open_plain(uint32_t flags)
{
	struct swarm_client_opts o = {
		.entry_size = ESZ, .flags = flags | backend_flags,
	};
	struct swarm_client *c = NULL;
	int r = swarm_client_open(path, &o, &c, err, sizeof(err));

	EXPECT(!r && c, "open: %d %s", r, err);
	return c;
}

static void fill(char *b, uint64_t entry, uint64_t seed)
{
	uint64_t *w = (uint64_t *)b;
	size_t i;

	for (i = 0; i < ESZ / 8; i++)
		w[i] = entry * 1000003 + seed * 7 + i;
}

static bool check(const char *b, uint64_t entry, uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)b;
	size_t i;

	for (i = 0; i < ESZ / 8; i++)
		if (w[i] != entry * 1000003 + seed * 7 + i)
			return false;
	return true;
}

/* Write every entry, read them back in a scrambled order. */
static void roundtrip_with(uint32_t flags, const char *backend)
{
	struct swarm_entry_io io[NR];
	struct swarm_client_info info;
	struct swarm_client *c;
	char *buf;
	int i, r;

	make_file((off_t)NR * ESZ);
	backend_flags = flags;
	c = open_plain(0);
	backend_flags = 0;
	if (!c)
		return;
	swarm_client_info(c, &info);
	EXPECT(!strcmp(swarm_client_backend_name(c), backend), "backend %s",
	       swarm_client_backend_name(c));
	EXPECT(info.entry_size == ESZ && info.nr_entries == NR &&
	       info.nr_members == 1 && !info.is_swarm &&
	       info.map_generation == 0 && info.align == ESZ,
	       "info %llu %llu %u %u %llu %u",
	       (unsigned long long)info.entry_size,
	       (unsigned long long)info.nr_entries, info.nr_members,
	       info.is_swarm, (unsigned long long)info.map_generation,
	       info.align);
	buf = swarm_alloc_entries(c, NR);
	EXPECT(buf && (uintptr_t)buf % ESZ == 0, "aligned buffer");
	for (i = 0; i < NR; i++) {
		io[i] = (struct swarm_entry_io){ .entry = i, .buf = buf + i * ESZ };
		fill(buf + i * ESZ, i, 5);
	}
	r = swarm_write_batch(c, io, NR);
	EXPECT(r == 0, "write: %d failed", r);
	memset(buf, 0, NR * ESZ);
	for (i = 0; i < NR; i++)
		io[i] = (struct swarm_entry_io){
			.entry = (i * 37) % NR, .buf = buf + i * ESZ,
			.status = 12345,
		};
	r = swarm_read_batch(c, io, NR);
	EXPECT(r == 0, "read: %d failed", r);
	for (i = 0; i < NR; i++)
		EXPECT(io[i].status == 0 && check(buf + i * ESZ, (i * 37) % NR, 5),
		       "entry %d: status %d, data %s", (i * 37) % NR,
		       io[i].status, check(buf + i * ESZ, (i * 37) % NR, 5) ?
		       "right" : "wrong");
	swarm_free_entries(buf);
	swarm_client_close(c);
}

static void roundtrip_uring(void)
{
	roundtrip_with(0, "io_uring");
}

static void roundtrip_threads(void)
{
	roundtrip_with(SWARM_CLIENT_THREADS, "threads");
}

static void backend_env(void)
{
	struct swarm_client_opts o = { .entry_size = ESZ };
	struct swarm_client *c;
	int r;

	make_file((off_t)NR * ESZ);
	setenv(SWARM_CLIENT_BACKEND_ENV, "threads", 1);
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(!r && swarm_client_backend(c) == SWARM_BACKEND_THREADS,
	       "env threads: %d %s", r, err);
	if (!r)
		swarm_client_close(c);
	setenv(SWARM_CLIENT_BACKEND_ENV, "uring", 1);
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(!r && swarm_client_backend(c) == SWARM_BACKEND_URING,
	       "env uring: %d %s", r, err);
	if (!r)
		swarm_client_close(c);
	setenv(SWARM_CLIENT_BACKEND_ENV, "carrier-pigeon", 1);
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(r == -EINVAL && strstr(err, "carrier-pigeon"),
	       "env bogus: %d %s", r, err);
	unsetenv(SWARM_CLIENT_BACKEND_ENV);
	o.flags = SWARM_CLIENT_URING;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(!r && swarm_client_backend(c) == SWARM_BACKEND_URING,
	       "flag uring: %d %s", r, err);
	if (!r)
		swarm_client_close(c);
	o.flags = SWARM_CLIENT_URING | SWARM_CLIENT_THREADS;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(r == -EINVAL && strstr(err, "both"), "both: %d %s", r, err);
}

/* A misaligned buffer fails alone, with EINVAL; the batch goes on. */
static void misaligned_with(uint32_t flags)
{
	struct swarm_entry_io io[3];
	struct swarm_client *c;
	char *buf;
	int r;

	make_file((off_t)NR * ESZ);
	backend_flags = flags;
	c = open_plain(0);
	backend_flags = 0;
	if (!c)
		return;
	buf = swarm_alloc_entries(c, 4);
	fill(buf, 1, 0);
	fill(buf + ESZ, 2, 0);
	io[0] = (struct swarm_entry_io){ .entry = 1, .buf = buf };
	io[1] = (struct swarm_entry_io){ .entry = 2, .buf = buf + 2 * ESZ + 512 };
	io[2] = (struct swarm_entry_io){ .entry = 3, .buf = NULL };
	r = swarm_write_batch(c, io, 3);
	EXPECT(r == 2 && io[0].status == 0 && io[1].status == -EINVAL &&
	       io[2].status == -EINVAL, "write: %d: %d %d %d", r, io[0].status,
	       io[1].status, io[2].status);
	r = swarm_read_batch(c, io, 2);
	EXPECT(r == 1 && io[0].status == 0 && io[1].status == -EINVAL,
	       "read: %d: %d %d", r, io[0].status, io[1].status);
	EXPECT(swarm_client_check_buf(c, buf + 512, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "512 bytes past a 4096-byte boundary"), "%s", err);
	EXPECT(swarm_client_check_buf(c, buf + ESZ, NULL, 0) == 0, "aligned");
	swarm_free_entries(buf);
	swarm_client_close(c);
}

static void misaligned(void)
{
	misaligned_with(0);
	misaligned_with(SWARM_CLIENT_THREADS);
}

static void out_of_range(void)
{
	struct swarm_entry_io io[4];
	struct swarm_client *c;
	char *buf;
	int r;

	make_file((off_t)NR * ESZ);
	c = open_plain(0);
	if (!c)
		return;
	buf = swarm_alloc_entries(c, 4);
	io[0] = (struct swarm_entry_io){ .entry = NR - 1, .buf = buf };
	io[1] = (struct swarm_entry_io){ .entry = NR, .buf = buf + ESZ };
	io[2] = (struct swarm_entry_io){ .entry = UINT64_MAX, .buf = buf + 2 * ESZ };
	io[3] = (struct swarm_entry_io){ .entry = 1ULL << 52, .buf = buf + 3 * ESZ };
	r = swarm_read_batch(c, io, 4);
	EXPECT(r == 3 && io[0].status == 0 && io[1].status == -ERANGE &&
	       io[2].status == -ERANGE && io[3].status == -ERANGE,
	       "%d: %d %d %d %d", r, io[0].status, io[1].status,
	       io[2].status, io[3].status);
	EXPECT(swarm_read_batch(c, io, 0) == 0, "empty batch");
	swarm_free_entries(buf);
	swarm_client_close(c);
}

/*
 * A file of 10.5 entries holds 10; one truncated after the open ends
 * inside entry 9: ENODATA, with both backends.
 */
static void short_file(void)
{
	struct swarm_entry_io io[2];
	struct swarm_client *c;
	unsigned int k;
	char *buf;
	int r;

	for (k = 0; k < 2; k++) {
		make_file(10 * ESZ + ESZ / 2);
		backend_flags = k ? SWARM_CLIENT_THREADS : 0;
		c = open_plain(0);
		backend_flags = 0;
		if (!c)
			return;
		EXPECT(swarm_client_nr_entries(c) == 10, "%llu entries",
		       (unsigned long long)swarm_client_nr_entries(c));
		buf = swarm_alloc_entries(c, 2);
		io[0] = (struct swarm_entry_io){ .entry = 9, .buf = buf };
		io[1] = (struct swarm_entry_io){ .entry = 10, .buf = buf + ESZ };
		r = swarm_read_batch(c, io, 2);
		EXPECT(r == 1 && !io[0].status && io[1].status == -ERANGE,
		       "%d: %d %d", r, io[0].status, io[1].status);
		make_file(9 * ESZ + 1024);
		r = swarm_read_batch(c, io, 1);
		EXPECT(r == 1 && io[0].status == -ENODATA, "truncated: %d: %d",
		       r, io[0].status);
		swarm_free_entries(buf);
		swarm_client_close(c);
	}
	/* Less than one entry: an empty store. */
	make_file(ESZ - 512);
	c = open_plain(0);
	if (c) {
		EXPECT(swarm_client_nr_entries(c) == 0, "empty");
		swarm_client_close(c);
	}
}

static void open_errors(void)
{
	struct swarm_client_opts o = { 0 };
	struct swarm_client *c;
	int r;

	make_file((off_t)NR * ESZ);
	r = swarm_client_open(path, NULL, &c, err, sizeof(err));
	EXPECT(r == -EINVAL && !c && strstr(err, "give the entry size"),
	       "no entry size: %d %s", r, err);
	o.entry_size = 3000;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(r == -EINVAL && strstr(err, "not a power of two"), "3000: %d %s",
	       r, err);
	o.entry_size = 256;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(r == -EINVAL, "256: %d %s", r, err);
	r = swarm_client_open("/nonexistent/x", &o, &c, err, sizeof(err));
	EXPECT(r == -ENOENT && strstr(err, "/nonexistent/x"), "%d %s", r, err);
	r = swarm_client_open("no-such-dm-name", &o, &c, err, sizeof(err));
	EXPECT(r == -ENOENT && strstr(err, "/dev/mapper/no-such-dm-name"),
	       "%d %s", r, err);
	r = swarm_client_open("/dev/null", &o, &c, err, sizeof(err));
	EXPECT(r < 0 && !c, "/dev/null: %d %s", r, err);
}

static void create_rdonly(void)
{
	struct swarm_client_opts o = {
		.entry_size = ESZ, .nr_entries = 8, .flags = SWARM_CLIENT_CREATE,
	};
	char p2[] = "/tmp/swarm-client-new-XXXXXX";
	struct swarm_entry_io io;
	struct swarm_client *c;
	char *buf;
	int fd, r;

	fd = mkstemp(p2);
	close(fd);
	unlink(p2);
	r = swarm_client_open(p2, &o, &c, err, sizeof(err));
	EXPECT(!r && swarm_client_nr_entries(c) == 8, "create: %d %s", r, err);
	if (r)
		return;
	buf = swarm_alloc_entries(c, 1);
	fill(buf, 7, 1);
	io = (struct swarm_entry_io){ .entry = 7, .buf = buf };
	EXPECT(swarm_write_batch(c, &io, 1) == 0, "write %d", io.status);
	swarm_client_close(c);
	o.flags = SWARM_CLIENT_RDONLY;
	r = swarm_client_open(p2, &o, &c, err, sizeof(err));
	EXPECT(!r, "rdonly: %d %s", r, err);
	if (!r) {
		EXPECT(swarm_write_batch(c, &io, 1) == 1 && io.status == -EBADF,
		       "write on read-only: %d", io.status);
		memset(buf, 0, ESZ);
		EXPECT(swarm_read_batch(c, &io, 1) == 0 && check(buf, 7, 1),
		       "read back %d", io.status);
		swarm_client_close(c);
	}
	swarm_free_entries(buf);
	unlink(p2);
}

/* 1000 entries through a ring of 8, and through 3 threads. */
static void big_batch(void)
{
	const size_t n = 1000;
	struct swarm_client_opts o = { .entry_size = ESZ, .queue_depth = 8,
				       .threads = 3 };
	struct swarm_entry_io *io = calloc(n, sizeof(*io));
	struct swarm_client *c;
	unsigned int k;
	size_t i;
	char *buf;
	int r;

	make_file((off_t)n * ESZ);
	for (k = 0; k < 2; k++) {
		o.flags = k ? SWARM_CLIENT_THREADS : 0;
		r = swarm_client_open(path, &o, &c, err, sizeof(err));
		EXPECT(!r, "open: %d %s", r, err);
		if (r)
			break;
		buf = swarm_alloc_entries(c, n);
		for (i = 0; i < n; i++) {
			io[i] = (struct swarm_entry_io){ .entry = n - 1 - i,
							 .buf = buf + i * ESZ };
			fill(buf + i * ESZ, n - 1 - i, k);
		}
		r = swarm_write_batch(c, io, n);
		EXPECT(r == 0, "write: %d", r);
		memset(buf, 0, n * ESZ);
		for (i = 0; i < n; i++)
			io[i] = (struct swarm_entry_io){ .entry = i, .buf = buf + i * ESZ };
		r = swarm_read_batch(c, io, n);
		EXPECT(r == 0, "read: %d", r);
		for (i = 0; i < n; i++)
			if (!check(buf + i * ESZ, i, k)) {
				EXPECT(0, "backend %u: entry %zu wrong", k, i);
				break;
			}
		swarm_free_entries(buf);
		swarm_client_close(c);
	}
	free(io);
}

/* ---- A file as a swarm device, to a fake kernel ---- */

static struct {
	uint64_t nr_entries, generation;
	uint32_t nr_devs;
	int stats_errno;
	unsigned int stats_calls, placement_calls;
	uint64_t asked;			/* entries asked by PLACEMENT */
	bool bad;
} fk;

static int fake_devno(int fd, const struct stat *st, struct swarm_dev *dev)
{
	(void)fd;
	if (!S_ISREG(st->st_mode))
		return -ENOTBLK;
	dev->major = 253;
	dev->minor = 7;
	return 0;
}

/* Entry e: member e % 4, slot 1000 - e. */
static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	(void)fd;
	if (req == DM_SWARM_STATS) {
		struct dm_swarm_stats *s = arg;

		fk.stats_calls++;
		if (fk.stats_errno) {
			errno = fk.stats_errno;
			return -1;
		}
		fk.bad |= s->dev_major != 253 || s->dev_minor != 7;
		s->nr_devs = fk.nr_devs;
		s->nr_entries = fk.nr_entries;
		s->map_generation = fk.generation;
		return 0;
	}
	if (req == DM_SWARM_PLACEMENT) {
		struct dm_swarm_placement_req *q = arg;
		struct dm_swarm_placement *p = (void *)(uintptr_t)q->entries;
		uint32_t i;

		fk.placement_calls++;
		for (i = 0; i < q->nr_entries; i++) {
			fk.bad |= p[i].entry >= fk.nr_entries;
			p[i].nr_copies = 1;
			p[i].copies[0].dev = p[i].entry % 4;
			p[i].copies[0].slot = 1000 - p[i].entry;
		}
		fk.asked += q->nr_entries;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static void fake_setup(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.nr_entries = NR;
	fk.nr_devs = 4;
	fk.generation = 3;
	swarm_client_devno_fn = fake_devno;
	swarm_ioctl_fn = fake_ioctl;
	make_file((off_t)NR * ESZ);
}

static void swarm_geometry(void)
{
	struct swarm_client_opts o = { .control = "/dev/null" };
	int (*devno)(int, const struct stat *, struct swarm_dev *);
	int (*ioc)(int, unsigned long, void *);
	struct swarm_client_info info;
	struct swarm_client *c;
	int r;

	devno = swarm_client_devno_fn;
	ioc = swarm_ioctl_fn;
	fake_setup();
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(!r, "open: %d %s", r, err);
	if (!r) {
		swarm_client_info(c, &info);
		EXPECT(info.is_swarm && info.entry_size == ESZ &&
		       info.nr_entries == NR && info.nr_members == 4 &&
		       info.map_generation == 3, "info %u %llu %llu %u %llu",
		       info.is_swarm, (unsigned long long)info.entry_size,
		       (unsigned long long)info.nr_entries, info.nr_members,
		       (unsigned long long)info.map_generation);
		swarm_client_close(c);
	}
	/* The caller's entry size must be the swarm's. */
	o.entry_size = 2 * ESZ;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(r == -EINVAL && strstr(err, "entries are 4096 bytes"), "%d %s",
	       r, err);
	/* A dm device that is no swarm: a plain store. */
	fk.stats_errno = ENODEV;
	o.entry_size = ESZ;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(!r, "not a swarm: %d %s", r, err);
	if (!r) {
		swarm_client_info(c, &info);
		EXPECT(!info.is_swarm && info.map_generation == 0, "plain");
		swarm_client_close(c);
	}
	/* No right to the control device: generation unknown. */
	fk.stats_errno = EPERM;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(!r, "no access: %d %s", r, err);
	if (!r) {
		swarm_client_info(c, &info);
		EXPECT(!info.is_swarm && info.map_generation == UINT64_MAX,
		       "generation %llu", (unsigned long long)info.map_generation);
		swarm_client_close(c);
	}
	/* Another failure of STATS is the open's. */
	fk.stats_errno = EIO;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(r == -EIO && strstr(err, "STATS"), "%d %s", r, err);
	fk.stats_errno = 0;
	fk.nr_entries = NR + 1;	/* 64 * 4096 bytes are not 65 entries */
	o.entry_size = 0;
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(r == -EPROTO, "%d %s", r, err);
	swarm_client_devno_fn = devno;
	swarm_ioctl_fn = ioc;
}

/* The placement is asked once per entry, again after a map change. */
static void swarm_placement_cache(void)
{
	struct swarm_client_opts o = { .control = "/dev/null" };
	struct swarm_entry_io io[8];
	int (*devno)(int, const struct stat *, struct swarm_dev *);
	int (*ioc)(int, unsigned long, void *);
	struct swarm_client *c;
	char *buf;
	int i, r;

	devno = swarm_client_devno_fn;
	ioc = swarm_ioctl_fn;
	fake_setup();
	r = swarm_client_open(path, &o, &c, err, sizeof(err));
	EXPECT(!r, "open: %d %s", r, err);
	if (r)
		goto out;
	buf = swarm_alloc_entries(c, 8);
	for (i = 0; i < 8; i++) {
		io[i] = (struct swarm_entry_io){ .entry = i * 3, .buf = buf + i * ESZ };
		fill(buf + i * ESZ, i * 3, 9);
	}
	EXPECT(swarm_write_batch(c, io, 8) == 0, "write");
	EXPECT(fk.placement_calls == 1 && fk.asked == 8, "%u calls, %llu asked",
	       fk.placement_calls, (unsigned long long)fk.asked);
	memset(buf, 0, 8 * ESZ);
	EXPECT(swarm_read_batch(c, io, 8) == 0, "read");
	for (i = 0; i < 8; i++)
		EXPECT(check(buf + i * ESZ, i * 3, 9), "entry %d", i * 3);
	EXPECT(fk.placement_calls == 1, "asked again: %u", fk.placement_calls);
	/* Same generation: nothing forgotten. */
	EXPECT(swarm_client_refresh(c, err, sizeof(err)) == 0, "%s", err);
	swarm_read_batch(c, io, 8);
	EXPECT(fk.placement_calls == 1, "asked again: %u", fk.placement_calls);
	fk.generation = 4;
	EXPECT(swarm_client_refresh(c, err, sizeof(err)) == 0, "%s", err);
	swarm_read_batch(c, io, 8);
	EXPECT(fk.placement_calls == 2 && fk.asked == 16, "%u calls, %llu asked",
	       fk.placement_calls, (unsigned long long)fk.asked);
	EXPECT(!fk.bad, "a malformed request");
	swarm_free_entries(buf);
	swarm_client_close(c);
out:
	swarm_client_devno_fn = devno;
	swarm_ioctl_fn = ioc;
}

/*
 * The order: by (member, slot), the members dealt out in turn; by entry
 * without a key.
 */
static void order(void)
{
	struct swarm_entry_io io[8];
	uint64_t key[16] = { 0 };
	uint32_t idx[8], out[8];
	static const uint32_t by_entry[8] = { 7, 6, 5, 4, 3, 2, 1, 0 };
	unsigned int i;

	/* io[i] reads entry 15 - 2i: entries 15, 13, ..., 1. */
	for (i = 0; i < 8; i++)
		io[i].entry = 15 - 2 * i;
	/* member of entry e: e % 3; slot: e. */
	for (i = 0; i < 16; i++)
		key[i] = ((uint64_t)(i % 3 + 1) << 40) | i;
	/*
	 * Member 0: entries 3, 9, 15 (io 6, 3, 0); member 1: 1, 7, 13
	 * (io 7, 4, 1); member 2: 5, 11 (io 5, 2). Dealt: 6 7 5 3 4 2 0 1.
	 */
	for (i = 0; i < 8; i++)
		idx[i] = i;
	swarm_client_order(io, key, idx, 8, out);
	{
		static const uint32_t dealt[8] = { 6, 7, 5, 3, 4, 2, 0, 1 };

		for (i = 0; i < 8; i++)
			EXPECT(out[i] == dealt[i], "placement %u: %u, not %u", i,
			       out[i], dealt[i]);
	}
	for (i = 0; i < 8; i++)
		idx[i] = i;
	swarm_client_order(io, NULL, idx, 8, out);
	for (i = 0; i < 8; i++)
		EXPECT(out[i] == by_entry[i], "offset %u: %u", i, out[i]);
}

/*
 * The example, userspace/examples/kv_offload.c (build/user/kv_offload or
 * $KV_OFFLOAD), on a new file, with both backends.
 */
static void example(void)
{
	const char *prog = getenv("KV_OFFLOAD");
	static const char *const env[] = { "uring", "threads" };
	char p2[] = "/tmp/swarm-kv-XXXXXX", cmd[512], line[256];
	unsigned int k;
	int fd;

	if (!prog)
		prog = "build/user/kv_offload";
	fd = mkstemp(p2);
	close(fd);
	for (k = 0; k < ARRAY_SIZE(env); k++) {
		FILE *f;
		int st;

		unlink(p2);
		snprintf(cmd, sizeof(cmd), "%s=%s %s %s 2>&1",
			 SWARM_CLIENT_BACKEND_ENV, env[k], prog, p2);
		f = popen(cmd, "r");
		line[0] = '\0';
		if (f && !fgets(line, sizeof(line), f))
			line[0] = '\0';
		st = f ? pclose(f) : -1;
		EXPECT(st == 0 && strstr(line, "16 steps of 32 entries") &&
		       strstr(line, ", 0 wrong") &&
		       strstr(line, k ? "threads" : "io_uring"),
		       "%s: status %d: %s", cmd, st, line);
	}
	unlink(p2);
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "roundtrip_uring", roundtrip_uring },
		{ "roundtrip_threads", roundtrip_threads },
		{ "backend_env", backend_env },
		{ "misaligned", misaligned },
		{ "out_of_range", out_of_range },
		{ "short_file", short_file },
		{ "open_errors", open_errors },
		{ "create_rdonly", create_rdonly },
		{ "big_batch", big_batch },
		{ "swarm_geometry", swarm_geometry },
		{ "swarm_placement_cache", swarm_placement_cache },
		{ "order", order },
		{ "example", example },
	};
	int fd = mkstemp(path), r;

	if (fd < 0) {
		perror(path);
		return 1;
	}
	close(fd);
	unsetenv(SWARM_CLIENT_BACKEND_ENV);
	r = utest_run("client", cases, ARRAY_SIZE(cases));
	unlink(path);
	return r;
}
