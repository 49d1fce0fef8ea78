// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space tests of the ioctl wrappers of userspace/lib/ioctl.c against
 * a fake kernel (swarm_ioctl_fn): the upload sequence and its batches,
 * abort on failure and the messages, stats, placement, version, device
 * lookup.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/libswarm.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FAKE_FD		42
#define MAX_LOG		64

static const struct swarm_dev test_dev = { .major = 253, .minor = 7 };

/* The fake kernel: what it was sent, and what it should fail. */
static struct fake {
	/* failure injection: the @fail_nth call of @fail_req fails */
	unsigned long fail_req;
	unsigned int fail_nth;
	int fail_errno;
	int abort_errno;
	uint32_t version_major;
	/* the log */
	unsigned int nr_calls;
	unsigned long reqs[MAX_LOG];
	unsigned int nr_req[16];
	bool bad;			/* a malformed request was seen */
	struct dm_swarm_map_begin begin;
	uint32_t add_clusters[MAX_LOG];	/* clusters per MAP_ADD */
	uint64_t add_members[MAX_LOG];	/* members per MAP_ADD */
	uint32_t weight_batches[MAX_LOG];
	/* the upload, put together again */
	struct dm_swarm_cluster *clusters;
	uint64_t *members;
	struct dm_swarm_weight *weights;
	uint64_t nr_clusters, nr_members, nr_weights;
} fk;

static void fake_reset(void)
{
	free(fk.clusters);
	free(fk.members);
	free(fk.weights);
	memset(&fk, 0, sizeof(fk));
	fk.version_major = DM_SWARM_VERSION_MAJOR;
}

static unsigned int req_nr(unsigned long req)
{
	return _IOC_NR(req) - 0x40;
}

static bool dev_ok(uint32_t major, uint32_t minor)
{
	return major == test_dev.major && minor == test_dev.minor;
}

static void *append(void *arr, uint64_t *n, const void *src, uint64_t k,
		    size_t size)
{
	char *a = realloc(arr, (*n + k) * size);

	if (!a) {
		perror("realloc");
		exit(1);
	}
	memcpy(a + *n * size, src, k * size);
	*n += k;
	return a;
}

static void fake_add(struct dm_swarm_map_add *a)
{
	const struct dm_swarm_cluster *c = (void *)(uintptr_t)a->clusters;
	uint64_t sum = 0, i;
	unsigned int n = fk.nr_req[req_nr(DM_SWARM_MAP_ADD)];

	if (a->size != sizeof(*a) || !dev_ok(a->dev_major, a->dev_minor) ||
	    a->pad || a->pad2 || !a->nr_clusters ||
	    a->nr_clusters > DM_SWARM_MAX_BATCH)
		fk.bad = true;
	for (i = 0; i < a->nr_clusters; i++)
		sum += c[i].nr_members;
	if (sum != a->nr_members)
		fk.bad = true;
	if (n <= MAX_LOG) {
		fk.add_clusters[n - 1] = a->nr_clusters;
		fk.add_members[n - 1] = a->nr_members;
	}
	fk.clusters = append(fk.clusters, &fk.nr_clusters, c, a->nr_clusters,
			     sizeof(*c));
	fk.members = append(fk.members, &fk.nr_members,
			    (void *)(uintptr_t)a->members, a->nr_members,
			    sizeof(uint64_t));
}

static void fake_weights(struct dm_swarm_map_weights *w)
{
	unsigned int n = fk.nr_req[req_nr(DM_SWARM_MAP_WEIGHTS)];

	if (w->size != sizeof(*w) || !dev_ok(w->dev_major, w->dev_minor) ||
	    !w->nr_weights || w->nr_weights > DM_SWARM_MAX_BATCH)
		fk.bad = true;
	if (n <= MAX_LOG)
		fk.weight_batches[n - 1] = w->nr_weights;
	fk.weights = append(fk.weights, &fk.nr_weights,
			    (void *)(uintptr_t)w->weights, w->nr_weights,
			    sizeof(struct dm_swarm_weight));
}

static void fake_stats(struct dm_swarm_stats *s)
{
	struct dm_swarm_dev_stats *d = (void *)(uintptr_t)s->devs;
	uint32_t i;

	if (s->size != sizeof(*s) || !dev_ok(s->dev_major, s->dev_minor) ||
	    s->nr_devs != DM_SWARM_MAX_DEVS || !d)
		fk.bad = true;
	for (i = 0; i < 3; i++) {
		d[i].reads = 100 + i;
		d[i].tput_est = 1000 * i;
	}
	s->nr_devs = 3;
	s->map_generation = 5;
	s->nr_entries = 4096;
	s->nr_copies = 4500;
	s->selector = DM_SWARM_SELECT_LEAST_LOADED;
}

static void fake_placement(struct dm_swarm_placement_req *q)
{
	struct dm_swarm_placement *p = (void *)(uintptr_t)q->entries;
	uint32_t i;

	if (q->size != sizeof(*q) || !dev_ok(q->dev_major, q->dev_minor) ||
	    !q->nr_entries || q->nr_entries > DM_SWARM_MAX_BATCH)
		fk.bad = true;
	for (i = 0; i < q->nr_entries; i++) {
		p[i].nr_copies = 1 + p[i].entry % 2;
		p[i].copies[0].dev = p[i].entry % 4;
		p[i].copies[0].slot = p[i].entry / 4;
		p[i].copies[1].dev = (p[i].entry + 1) % 4;
		p[i].copies[1].slot = 1000 + p[i].entry;
	}
}

static void fake_dev_req(struct dm_swarm_dev_req *d)
{
	if (d->size != sizeof(*d) || d->flags ||
	    !dev_ok(d->dev_major, d->dev_minor))
		fk.bad = true;
}

static void fake_begin(struct dm_swarm_map_begin *b)
{
	if (b->size != sizeof(*b) || !dev_ok(b->dev_major, b->dev_minor))
		fk.bad = true;
	fk.begin = *b;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	unsigned int nr = req_nr(req);

	if (fd != FAKE_FD || nr >= ARRAY_SIZE(fk.nr_req)) {
		errno = ENOTTY;
		return -1;
	}
	if (fk.nr_calls < MAX_LOG)
		fk.reqs[fk.nr_calls] = req;
	fk.nr_calls++;
	fk.nr_req[nr]++;
	if (req == fk.fail_req && fk.nr_req[nr] == fk.fail_nth) {
		errno = fk.fail_errno;
		return -1;
	}
	switch (req) {
	case DM_SWARM_VERSION:
		((struct dm_swarm_version *)arg)->major = fk.version_major;
		return 0;
	case DM_SWARM_MAP_BEGIN:
		fake_begin(arg);
		return 0;
	case DM_SWARM_MAP_ADD:
		fake_add(arg);
		return 0;
	case DM_SWARM_MAP_WEIGHTS:
		fake_weights(arg);
		return 0;
	case DM_SWARM_MAP_ABORT:
		fake_dev_req(arg);
		errno = fk.abort_errno;
		return fk.abort_errno ? -1 : 0;
	case DM_SWARM_MAP_COMMIT:
	case DM_SWARM_STATS_RESET:
		fake_dev_req(arg);
		return 0;
	case DM_SWARM_STATS:
		fake_stats(arg);
		return 0;
	case DM_SWARM_PLACEMENT:
		fake_placement(arg);
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static unsigned int calls(unsigned long req)
{
	return fk.nr_req[req_nr(req)];
}

/* A map of @n clusters of the sizes in @sizes (cycled), @nw weights. */
static void make_map(struct swarm_map *m, uint32_t n, const uint32_t *sizes,
		     size_t nr_sizes, uint32_t nw)
{
	uint64_t total = 0, e = 0;
	uint32_t i, k;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++)
		total += sizes[i % nr_sizes];
	m->clusters = calloc(n, sizeof(*m->clusters));
	m->members = calloc(total, sizeof(*m->members));
	m->weights = calloc(nw ? nw : 1, sizeof(*m->weights));
	if (!m->clusters || !m->members || !m->weights) {
		perror("calloc");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		struct swarm_map_cluster *c = &m->clusters[i];

		c->id = n - 1 - i;
		c->nr_members = sizes[i % nr_sizes];
		c->first = e;
		c->frequency = i * 3;
		for (k = 0; k < c->nr_members; k++)
			m->members[e++] = 7 * i + k;
		c->medoid = m->members[c->first];
	}
	for (i = 0; i < nw; i++) {
		m->weights[i].a = i % n;
		m->weights[i].b = (i + 1) % n;
		m->weights[i].weight = i;
	}
	m->nr_clusters = n;
	m->nr_members = total;
	m->nr_weights = nw;
}

/* What the fake kernel received equals @m. */
static void expect_received(const struct swarm_map *m)
{
	uint64_t i;

	EXPECT(!fk.bad, "a malformed request");
	EXPECT(fk.begin.nr_clusters == m->nr_clusters &&
	       fk.begin.nr_members == m->nr_members &&
	       fk.begin.nr_weights == m->nr_weights, "MAP_BEGIN totals");
	EXPECT(fk.nr_clusters == m->nr_clusters &&
	       fk.nr_members == m->nr_members &&
	       fk.nr_weights == m->nr_weights, "received %" PRIu64 " %" PRIu64
	       " %" PRIu64, fk.nr_clusters, fk.nr_members, fk.nr_weights);
	if (fk.nr_clusters != m->nr_clusters || fk.nr_members != m->nr_members ||
	    fk.nr_weights != m->nr_weights)
		return;
	for (i = 0; i < m->nr_clusters; i++)
		EXPECT(fk.clusters[i].id == m->clusters[i].id &&
		       fk.clusters[i].nr_members == m->clusters[i].nr_members &&
		       fk.clusters[i].medoid == m->clusters[i].medoid &&
		       fk.clusters[i].frequency == m->clusters[i].frequency,
		       "cluster %" PRIu64, i);
	EXPECT(!memcmp(fk.members, m->members,
		       m->nr_members * sizeof(*m->members)), "members");
	for (i = 0; i < m->nr_weights; i++)
		EXPECT(fk.weights[i].a == m->weights[i].a &&
		       fk.weights[i].b == m->weights[i].b &&
		       fk.weights[i].weight == m->weights[i].weight,
		       "weight %" PRIu64, i);
}

static void upload_parsed_file(void)
{
	static const char text[] =
		"# test\n0 1 9 1 2 3\nweight 0 1 4\n1 3 2 3 4\n";
	char path[] = "/tmp/swarm-map-XXXXXX", err[SWARM_ERR_MAX] = "";
	static const unsigned long seq[] = {
		DM_SWARM_MAP_BEGIN, DM_SWARM_MAP_ADD, DM_SWARM_MAP_WEIGHTS,
		DM_SWARM_MAP_COMMIT,
	};
	struct swarm_map m;
	int fd = mkstemp(path), r;
	size_t i;

	EXPECT(fd >= 0 && write(fd, text, sizeof(text) - 1) ==
	       sizeof(text) - 1, "temp file");
	close(fd);
	r = swarm_map_parse_file(path, &m, err, sizeof(err));
	unlink(path);
	EXPECT(!r, "%s", err);
	if (r)
		return;
	fake_reset();
	r = swarm_map_upload(FAKE_FD, &test_dev, &m, DM_SWARM_MAP_DROP_DATA,
			     err, sizeof(err));
	EXPECT(!r, "upload: %s", err);
	EXPECT(fk.nr_calls == ARRAY_SIZE(seq), "%u calls", fk.nr_calls);
	for (i = 0; i < ARRAY_SIZE(seq) && i < fk.nr_calls; i++)
		EXPECT(fk.reqs[i] == seq[i], "call %zu is %lx", i, fk.reqs[i]);
	EXPECT(fk.begin.flags == DM_SWARM_MAP_DROP_DATA, "flags %" PRIu32,
	       fk.begin.flags);
	expect_received(&m);
	swarm_map_free(&m);
}

static void upload_batches(void)
{
	static const uint32_t one = 1;
	char err[SWARM_ERR_MAX] = "";
	struct swarm_map m;
	int r;

	make_map(&m, 200000, &one, 1, 70000);
	fake_reset();
	r = swarm_map_upload(FAKE_FD, &test_dev, &m, 0, err, sizeof(err));
	EXPECT(!r, "%s", err);
	EXPECT(fk.begin.flags == 0, "flags");
	EXPECT(calls(DM_SWARM_MAP_ADD) == 4, "%u MAP_ADD",
	       calls(DM_SWARM_MAP_ADD));
	EXPECT(fk.add_clusters[0] == 65536 && fk.add_clusters[1] == 65536 &&
	       fk.add_clusters[2] == 65536 && fk.add_clusters[3] == 3392,
	       "batches %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32,
	       fk.add_clusters[0], fk.add_clusters[1], fk.add_clusters[2],
	       fk.add_clusters[3]);
	EXPECT(calls(DM_SWARM_MAP_WEIGHTS) == 2 &&
	       fk.weight_batches[0] == 65536 && fk.weight_batches[1] == 4464,
	       "weight batches");
	EXPECT(calls(DM_SWARM_MAP_COMMIT) == 1 && !calls(DM_SWARM_MAP_ABORT),
	       "commit");
	expect_received(&m);
	swarm_map_free(&m);
}

/* Batches stay under the member cap; a bigger cluster goes alone. */
static void upload_member_cap(void)
{
	static const uint32_t sizes[] = { 4, 4, 4, 12, 1, 1 };
	static const uint32_t want_c[] = { 2, 1, 1, 2 };
	static const uint64_t want_m[] = { 8, 4, 12, 2 };
	struct swarm_upload_opts o = { .batch_members = 10 };
	char err[SWARM_ERR_MAX] = "";
	struct swarm_map m;
	size_t i;

	make_map(&m, 6, sizes, ARRAY_SIZE(sizes), 0);
	fake_reset();
	EXPECT(!swarm_map_upload_opts(FAKE_FD, &test_dev, &m, &o, err,
				      sizeof(err)), "%s", err);
	EXPECT(calls(DM_SWARM_MAP_ADD) == 4, "%u MAP_ADD",
	       calls(DM_SWARM_MAP_ADD));
	for (i = 0; i < ARRAY_SIZE(want_c); i++)
		EXPECT(fk.add_clusters[i] == want_c[i] &&
		       fk.add_members[i] == want_m[i], "batch %zu: %" PRIu32
		       " clusters, %" PRIu64 " members", i, fk.add_clusters[i],
		       fk.add_members[i]);
	EXPECT(!calls(DM_SWARM_MAP_WEIGHTS), "weights sent");
	expect_received(&m);
	swarm_map_free(&m);
}

static void upload_default_member_cap(void)
{
	static const uint32_t sizes[] = { 600000, 300000, 200000, 1 };
	char err[SWARM_ERR_MAX] = "";
	struct swarm_map m;
	unsigned int i;

	make_map(&m, 4, sizes, ARRAY_SIZE(sizes), 0);
	fake_reset();
	EXPECT(!swarm_map_upload(FAKE_FD, &test_dev, &m, 0, err, sizeof(err)),
	       "%s", err);
	EXPECT(calls(DM_SWARM_MAP_ADD) == 2, "%u MAP_ADD",
	       calls(DM_SWARM_MAP_ADD));
	for (i = 0; i < calls(DM_SWARM_MAP_ADD); i++)
		EXPECT(fk.add_members[i] <= SWARM_BATCH_MEMBERS, "batch %u: %"
		       PRIu64, i, fk.add_members[i]);
	expect_received(&m);
	swarm_map_free(&m);
}

struct fail_case {
	unsigned long req;
	unsigned int nth;
	int err;
	int abort_err;
	bool aborted;
	const char *msg;
};

static const struct fail_case fail_cases[] = {
	{ DM_SWARM_MAP_BEGIN, 1, EBUSY, 0, false,
	  "MAP_BEGIN: Device or resource busy (another upload to this device is in progress?)" },
	{ DM_SWARM_MAP_BEGIN, 1, EPERM, 0, false,
	  "MAP_BEGIN: Operation not permitted (needs CAP_SYS_ADMIN)" },
	{ DM_SWARM_MAP_BEGIN, 1, ENODEV, 0, false,
	  "MAP_BEGIN: No such device (not a swarm device?)" },
	{ DM_SWARM_MAP_ADD, 2, EINVAL, 0, true,
	  "MAP_ADD (clusters 2..3 of 5, 4 members): Invalid argument" },
	{ DM_SWARM_MAP_ADD, 1, ENOMEM, 0, true,
	  "MAP_ADD (clusters 0..1 of 5, 3 members): Cannot allocate memory" },
	{ DM_SWARM_MAP_WEIGHTS, 2, EFAULT, 0, true,
	  "MAP_WEIGHTS (weights 2..2 of 3): Bad address" },
	{ DM_SWARM_MAP_BEGIN, 1, E2BIG, 0, false,
	  "MAP_BEGIN: Argument list too long (over a kernel limit)" },
	{ DM_SWARM_MAP_COMMIT, 1, EBUSY, ENOENT, true,
	  "MAP_COMMIT: Device or resource busy (the device holds data the new map would lose; allow it with the drop-data flag)" },
	{ DM_SWARM_MAP_COMMIT, 1, ESTALE, ENOENT, true,
	  "MAP_COMMIT: Stale file handle (the device's table changed during the upload)" },
	{ DM_SWARM_MAP_COMMIT, 1, ERANGE, ENOENT, true,
	  "MAP_COMMIT: Numerical result out of range (see the kernel log)" },
	{ DM_SWARM_MAP_COMMIT, 1, EEXIST, ENODEV, true,
	  "MAP_COMMIT: File exists (see the kernel log); MAP_ABORT: No such device" },
};

static void upload_failures(void)
{
	static const uint32_t sizes[] = { 1, 2, 3 };
	struct swarm_upload_opts o = {
		.batch_clusters = 2, .batch_weights = 2,
	};
	struct swarm_map m;
	size_t i;

	make_map(&m, 5, sizes, ARRAY_SIZE(sizes), 3);
	for (i = 0; i < ARRAY_SIZE(fail_cases); i++) {
		const struct fail_case *f = &fail_cases[i];
		char err[SWARM_ERR_MAX] = "";
		int r;

		fake_reset();
		fk.fail_req = f->req;
		fk.fail_nth = f->nth;
		fk.fail_errno = f->err;
		fk.abort_errno = f->abort_err;
		r = swarm_map_upload_opts(FAKE_FD, &test_dev, &m, &o, err,
					  sizeof(err));
		EXPECT(r == -f->err, "case %zu: returned %d", i, r);
		EXPECT(!strcmp(err, f->msg), "case %zu: '%s'", i, err);
		EXPECT(calls(DM_SWARM_MAP_ABORT) == f->aborted,
		       "case %zu: %u aborts", i, calls(DM_SWARM_MAP_ABORT));
		EXPECT(!f->aborted ||
		       fk.reqs[fk.nr_calls - 1] == DM_SWARM_MAP_ABORT,
		       "case %zu: abort is not the last call", i);
		EXPECT(f->req == DM_SWARM_MAP_COMMIT ||
		       !calls(DM_SWARM_MAP_COMMIT), "case %zu: committed", i);
		EXPECT(!fk.bad, "case %zu: a malformed request", i);
	}
	swarm_map_free(&m);
}

/* Maps the kernel would refuse are not sent at all. */
static void upload_refused(void)
{
	static const uint32_t sizes[] = { 2 };
	char err[SWARM_ERR_MAX] = "";
	struct swarm_map m;

	memset(&m, 0, sizeof(m));
	fake_reset();
	EXPECT(swarm_map_upload(FAKE_FD, &test_dev, &m, 0, err, sizeof(err)) ==
	       -EINVAL && !strcmp(err, "upload: no clusters"), "'%s'", err);
	make_map(&m, 3, sizes, 1, 0);
	m.clusters[1].first = 0;
	EXPECT(swarm_map_upload(FAKE_FD, &test_dev, &m, 0, err, sizeof(err)) ==
	       -EINVAL && !strcmp(err,
	       "upload: members are not stored cluster after cluster"),
	       "'%s'", err);
	EXPECT(!fk.nr_calls, "%u ioctls", fk.nr_calls);
	swarm_map_free(&m);
}

static void stats(void)
{
	char err[SWARM_ERR_MAX] = "";
	struct swarm_stats st;

	fake_reset();
	EXPECT(!swarm_stats(FAKE_FD, &test_dev, &st, err, sizeof(err)), "%s",
	       err);
	EXPECT(!fk.bad, "malformed STATS");
	EXPECT(st.s.nr_devs == 3 && st.devs[2].reads == 102 &&
	       st.devs[1].tput_est == 1000 && st.s.map_generation == 5 &&
	       st.s.nr_copies == 4500, "stats");
	fk.fail_req = DM_SWARM_STATS;
	fk.fail_nth = 2;
	fk.fail_errno = ENODEV;
	EXPECT(swarm_stats(FAKE_FD, &test_dev, &st, err, sizeof(err)) ==
	       -ENODEV && !strcmp(err,
	       "STATS: No such device (not a swarm device?)"), "'%s'", err);
	fake_reset();
	EXPECT(!swarm_stats_reset(FAKE_FD, &test_dev, err, sizeof(err)) &&
	       calls(DM_SWARM_STATS_RESET) == 1 && !fk.bad, "reset");
	fk.fail_req = DM_SWARM_STATS_RESET;
	fk.fail_nth = 2;
	fk.fail_errno = EACCES;
	EXPECT(swarm_stats_reset(FAKE_FD, &test_dev, err, sizeof(err)) ==
	       -EACCES && !strcmp(err,
	       "STATS_RESET: Permission denied (needs CAP_SYS_ADMIN)"),
	       "'%s'", err);
}

static void placement(void)
{
	const size_t n = 70000;
	struct dm_swarm_placement *p = calloc(n, sizeof(*p));
	char err[SWARM_ERR_MAX] = "";
	size_t i;
	bool ok = true;

	if (!p)
		return;
	for (i = 0; i < n; i++)
		p[i].entry = i * 3;
	fake_reset();
	EXPECT(!swarm_placement(FAKE_FD, &test_dev, p, n, err, sizeof(err)),
	       "%s", err);
	EXPECT(calls(DM_SWARM_PLACEMENT) == 2 && !fk.bad, "%u calls",
	       calls(DM_SWARM_PLACEMENT));
	for (i = 0; i < n; i++)
		ok &= p[i].entry == i * 3 && p[i].nr_copies == 1 + i * 3 % 2 &&
		      p[i].copies[0].dev == i * 3 % 4 &&
		      p[i].copies[0].slot == i * 3 / 4;
	EXPECT(ok, "placement filled wrong");
	fake_reset();
	fk.fail_req = DM_SWARM_PLACEMENT;
	fk.fail_nth = 2;
	fk.fail_errno = ERANGE;
	EXPECT(swarm_placement(FAKE_FD, &test_dev, p, n, err, sizeof(err)) ==
	       -ERANGE && !strcmp(err,
	       "PLACEMENT (entries 196608..209997): Numerical result out of range (an entry beyond the device?)"),
	       "'%s'", err);
	free(p);
}

static void version(void)
{
	char err[SWARM_ERR_MAX] = "";
	struct dm_swarm_version v;

	fake_reset();
	EXPECT(!swarm_version(FAKE_FD, &v, err, sizeof(err)) &&
	       v.major == DM_SWARM_VERSION_MAJOR && v.size == sizeof(v),
	       "version");
	EXPECT(!swarm_check_version(FAKE_FD, err, sizeof(err)), "%s", err);
	fk.version_major = DM_SWARM_VERSION_MAJOR + 1;
	EXPECT(swarm_check_version(FAKE_FD, err, sizeof(err)) == -EPROTO,
	       "a newer major accepted");
	EXPECT(!strncmp(err, "the kernel speaks dm-swarm ABI ", 31), "'%s'",
	       err);
	EXPECT(swarm_version(FAKE_FD + 1, &v, err, sizeof(err)) == -ENOTTY &&
	       !strcmp(err, "VERSION: Inappropriate ioctl for device "
		       "(not the dm-swarm control device?)"), "'%s'", err);
}

/* The first block device under /dev, if any. */
static bool find_block_dev(char *path, size_t size, struct stat *st)
{
	struct dirent *d;
	DIR *dir = opendir("/dev");
	bool found = false;

	while (dir && !found && (d = readdir(dir))) {
		snprintf(path, size, "/dev/%s", d->d_name);
		found = !stat(path, st) && S_ISBLK(st->st_mode);
	}
	if (dir)
		closedir(dir);
	return found;
}

static void dev_resolve(void)
{
	char err[SWARM_ERR_MAX] = "", path[300];
	struct swarm_dev dev = { 0, 0 };
	struct stat st;

	EXPECT(!swarm_dev_resolve("253:7", &dev, err, sizeof(err)) &&
	       dev.major == 253 && dev.minor == 7, "253:7: %s", err);
	EXPECT(swarm_dev_resolve("/dev/null", &dev, err, sizeof(err)) ==
	       -ENOTBLK && !strcmp(err, "/dev/null is not a block device"),
	       "'%s'", err);
	EXPECT(swarm_dev_resolve("/nonexistent/dm-9", &dev, err,
				 sizeof(err)) == -ENOENT &&
	       !strcmp(err, "/nonexistent/dm-9: No such file or directory"),
	       "'%s'", err);
	EXPECT(swarm_dev_resolve("no-such-swarm", &dev, err, sizeof(err)) ==
	       -ENOENT &&
	       !strcmp(err, "no-such-swarm: No such file or directory"),
	       "'%s'", err);
	EXPECT(swarm_dev_resolve("253:", &dev, err, sizeof(err)) == -ENOENT,
	       "'%s'", err);
	EXPECT(swarm_dev_resolve("1:99999999999", &dev, err, sizeof(err)) ==
	       -ENOENT, "'%s'", err);
	if (find_block_dev(path, sizeof(path), &st)) {
		EXPECT(!swarm_dev_resolve(path, &dev, err, sizeof(err)) &&
		       dev.major == major(st.st_rdev) &&
		       dev.minor == minor(st.st_rdev), "%s: %s", path, err);
	} else {
		printf("  dev_resolve: no block device in /dev to look up\n");
	}
}

static void ctl_open(void)
{
	char err[SWARM_ERR_MAX] = "";
	int fd;

	fd = swarm_ctl_open("/nonexistent/ctl", err, sizeof(err));
	EXPECT(fd == -ENOENT && !strcmp(err,
	       "/nonexistent/ctl: No such file or directory (is the dm-swarm module loaded?)"),
	       "%d '%s'", fd, err);
	setenv(SWARM_CONTROL_ENV, "/nonexistent/env-ctl", 1);
	fd = swarm_ctl_open(NULL, err, sizeof(err));
	EXPECT(fd == -ENOENT && !strncmp(err, "/nonexistent/env-ctl: ", 22),
	       "%d '%s'", fd, err);
	setenv(SWARM_CONTROL_ENV, "/dev/null", 1);
	fd = swarm_ctl_open(NULL, err, sizeof(err));
	EXPECT(fd >= 0, "%s", err);
	if (fd >= 0)
		close(fd);
	unsetenv(SWARM_CONTROL_ENV);
}

static void names(void)
{
	EXPECT(!strcmp(swarm_selector_name(DM_SWARM_SELECT_STATIC), "static") &&
	       !strcmp(swarm_selector_name(DM_SWARM_SELECT_LEAST_LOADED),
		       "least-loaded") &&
	       !strcmp(swarm_selector_name(77), "unknown"), "selector names");
	EXPECT(!strcmp(swarm_placement_name(DM_SWARM_PLACE_ROUNDROBIN),
		       "roundrobin") &&
	       !strcmp(swarm_placement_name(DM_SWARM_PLACE_COACTIVATION),
		       "coactivation") &&
	       !strcmp(swarm_placement_name(77), "unknown"), "placement names");
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "upload_parsed_file", upload_parsed_file },
		{ "upload_batches", upload_batches },
		{ "upload_member_cap", upload_member_cap },
		{ "upload_default_member_cap", upload_default_member_cap },
		{ "upload_failures", upload_failures },
		{ "upload_refused", upload_refused },
		{ "stats", stats },
		{ "placement", placement },
		{ "version", version },
		{ "dev_resolve", dev_resolve },
		{ "ctl_open", ctl_open },
		{ "names", names },
	};
	int r;

	swarm_ioctl_fn = fake_ioctl;
	r = utest_run("libswarm", cases, ARRAY_SIZE(cases));
	fake_reset();
	return r;
}
