// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fake dm-swarm control device for tests/user/test-swarmctl.c, loaded
 * into swarmctl with LD_PRELOAD: it answers the DM_SWARM_* ioctls (on any
 * fd; run swarmctl with DM_SWARM_CONTROL=/dev/null) and passes every other
 * ioctl on. A device of 1024 entries on 2 members; entry e has copy
 * e%2/e/2, and entries divisible by 3 also (e+1)%2/500+e.
 *
 * Environment:
 *   FAKE_SWARM_LOG=FILE     append one line per DM_SWARM_* ioctl
 *   FAKE_SWARM_FAIL=NAME:E  fail ioctl NAME (e.g. MAP_COMMIT) with errno E
 *   FAKE_SWARM_MAJOR=N      report ABI major N
 *   FAKE_SWARM_ABI10=1      an ABI 1.0 kernel: no on-disk fields in STATS
 *   FAKE_SWARM_DATA=1       the device holds data: a commit starts a
 *                           migration that copies a quarter of it per STATS
 *   FAKE_SWARM_MIGRATE_FAIL=E  the migration fails with errno E at half way
 *   FAKE_SWARM_PAUSED=1     the migration shows paused once
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/dm-swarm.h>

#define NR_ENTRIES	1024

static const char *const names[] = {
	"VERSION", "MAP_BEGIN", "MAP_ADD", "MAP_WEIGHTS", "MAP_COMMIT",
	"MAP_ABORT", "STATS", "STATS_RESET", "PLACEMENT",
};

static struct dm_swarm_map_begin begin;
static int staged;
static unsigned long long generation, clusters, copies = NR_ENTRIES;
/* The migration a commit on a device with data starts. */
static unsigned int mstate;
static unsigned long long mgen, mdone, mtotal, mclusters;
static int merror, paused_once;

static void trace(const char *fmt, ...)
{
	const char *path = getenv("FAKE_SWARM_LOG");
	va_list ap;
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static int should_fail(const char *name)
{
	const char *s = getenv("FAKE_SWARM_FAIL");
	size_t n = strlen(name);

	if (s && !strncmp(s, name, n) && s[n] == ':')
		return atoi(s + n + 1);
	return 0;
}

/* One step of the migration per STATS. */
static void migrate_step(void)
{
	const char *fail = getenv("FAKE_SWARM_MIGRATE_FAIL");

	if (mstate != DM_SWARM_MIGRATE_RUNNING &&
	    mstate != DM_SWARM_MIGRATE_PAUSED)
		return;
	if (getenv("FAKE_SWARM_PAUSED") && !paused_once++) {
		mstate = DM_SWARM_MIGRATE_PAUSED;
		return;
	}
	mstate = DM_SWARM_MIGRATE_RUNNING;
	mdone += mtotal / 4;
	if (fail && mdone >= mtotal / 2) {
		mstate = DM_SWARM_MIGRATE_FAILED;
		merror = -atoi(fail);
		return;
	}
	if (mdone >= mtotal) {
		mdone = mtotal;
		mstate = DM_SWARM_MIGRATE_DONE;
		generation = mgen;
		clusters = mclusters;
		copies = mtotal;
	}
}

static void stats(struct dm_swarm_stats *s)
{
	struct dm_swarm_dev_stats *d = (void *)(unsigned long)s->devs;
	unsigned int i;

	if (!getenv("FAKE_SWARM_ABI10"))
		migrate_step();
	for (i = 0; i < 2 && i < s->nr_devs; i++) {
		d[i].reads = 1000 + i;
		d[i].writes = 500 + i;
		d[i].read_bytes = (3ULL << 20) * (i + 1);
		d[i].write_bytes = 1ULL << 19;
		d[i].inflight = i;
		d[i].inflight_peak = 32 + i;
		d[i].busy_ns = 1234567890ULL * (i + 1);
		d[i].tput_est = (50ULL << 20) + i * (1ULL << 19);
	}
	s->nr_devs = 2;
	s->map_generation = generation;
	s->nr_entries = NR_ENTRIES;
	s->nr_clusters = clusters;
	s->nr_copies = copies;
	s->map_bytes = generation ? 16 * copies : 0;
	s->reads = 2001;
	s->writes = 1001;
	s->multi_copy_reads = 300;
	s->redirected_reads = 120;
	s->selector = DM_SWARM_SELECT_LEAST_LOADED;
	s->placement = DM_SWARM_PLACE_COACTIVATION;
	s->max_copies = 2;
	s->spare_pct = 10;
	if (getenv("FAKE_SWARM_ABI10"))
		return;
	s->data_start = 2048;
	s->dev_slots = 1536;
	s->flags = getenv("FAKE_SWARM_DATA") ? DM_SWARM_STATS_HAS_DATA : 0;
	for (i = 0; i < 16; i++)
		s->uuid[i] = 0x10 * (i % 16) + i % 16;
	s->migrate_state = mstate;
	s->migrate_generation = mgen;
	s->migrate_done = mdone;
	s->migrate_total = mtotal;
	s->migrate_bytes = mdone * 4096;
	s->migrate_ms = mdone / 4;
	s->migrate_rate = 64ULL << 20;
	if (getenv("FAKE_SWARM_FAILED")) {
		s->failed_devs = 0x2;
		s->flags |= DM_SWARM_STATS_DEGRADED;
		s->read_failovers = 5;
		s->lost_reads = 7;
		s->degraded_writes = 3;
	}
	s->migrate_error = merror;
}

static int placement(struct dm_swarm_placement_req *q)
{
	struct dm_swarm_placement *p = (void *)(unsigned long)q->entries;
	unsigned int i;

	for (i = 0; i < q->nr_entries; i++) {
		unsigned long long e = p[i].entry;

		if (e >= NR_ENTRIES)
			return -EINVAL;
		p[i].nr_copies = e % 3 ? 1 : 2;
		p[i].copies[0].dev = e % 2;
		p[i].copies[0].slot = e / 2;
		p[i].copies[1].dev = (e + 1) % 2;
		p[i].copies[1].slot = 500 + e;
	}
	return 0;
}

static int fake(unsigned long req, void *arg)
{
	unsigned int nr = _IOC_NR(req) - 0x40;
	const char *name = nr < 9 ? names[nr] : "?";
	int e = should_fail(name);

	if (req == DM_SWARM_MAP_BEGIN)
		trace("%s flags=%u clusters=%u members=%llu weights=%u\n", name,
		     ((struct dm_swarm_map_begin *)arg)->flags,
		     ((struct dm_swarm_map_begin *)arg)->nr_clusters,
		     ((struct dm_swarm_map_begin *)arg)->nr_members,
		     ((struct dm_swarm_map_begin *)arg)->nr_weights);
	else
		trace("%s\n", name);
	if (req == DM_SWARM_MAP_COMMIT)
		staged = 0;	/* used up, as in the kernel, even on failure */
	if (e)
		return -e;
	switch (req) {
	case DM_SWARM_VERSION:
		((struct dm_swarm_version *)arg)->major =
			getenv("FAKE_SWARM_MAJOR") ?
			atoi(getenv("FAKE_SWARM_MAJOR")) : DM_SWARM_VERSION_MAJOR;
		((struct dm_swarm_version *)arg)->minor =
			getenv("FAKE_SWARM_ABI10") ? 0 : DM_SWARM_VERSION_MINOR;
		return 0;
	case DM_SWARM_MAP_BEGIN:
		begin = *(struct dm_swarm_map_begin *)arg;
		staged = 1;
		return 0;
	case DM_SWARM_MAP_ABORT:
		if (!staged)
			return -ENOENT;
		staged = 0;
		return 0;
	case DM_SWARM_MAP_COMMIT:
		if (getenv("FAKE_SWARM_DATA") &&
		    !(begin.flags & DM_SWARM_MAP_DROP_DATA)) {
			if (mstate == DM_SWARM_MIGRATE_RUNNING)
				return -EBUSY;
			mstate = DM_SWARM_MIGRATE_RUNNING;
			mgen = generation + 1;
			mdone = 0;
			mtotal = NR_ENTRIES + begin.nr_members;
			mclusters = begin.nr_clusters;
			merror = 0;
			return 0;
		}
		generation++;
		clusters = begin.nr_clusters;
		copies = NR_ENTRIES + begin.nr_members;
		return 0;
	case DM_SWARM_STATS:
		stats(arg);
		return 0;
	case DM_SWARM_PLACEMENT:
		return placement(arg);
	default:
		return 0;
	}
}

int ioctl(int fd, unsigned long req, ...)
{
	void *arg;
	va_list ap;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(req) != DM_SWARM_IOCTL)
		return syscall(SYS_ioctl, fd, req, arg);
	r = fake(req, arg);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
