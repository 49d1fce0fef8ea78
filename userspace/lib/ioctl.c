// SPDX-License-Identifier: GPL-2.0-only
/*
 * libswarm: dm devices and the ioctls of /dev/dm-swarm-control
 * (uapi/linux/dm-swarm.h). See lib/libswarm.h for the interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "lib/libswarm.h"
#include "lib/util.h"

static int sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

int (*swarm_ioctl_fn)(int fd, unsigned long req, void *arg) = sys_ioctl;

/*
 * What an errno from the control device most likely means at @step. Only
 * MAP_COMMIT logs its reason in the kernel log.
 */
static const char *hint(const char *step, int e)
{
	bool commit = !strcmp(step, "MAP_COMMIT");

	switch (e) {
	case EPERM:
	case EACCES:
		return " (needs CAP_SYS_ADMIN)";
	case ENODEV:
	case ENXIO:
		return " (not a swarm device?)";
	case ENOTTY:
		return " (not the dm-swarm control device?)";
	case E2BIG:
		return " (over a kernel limit)";
	case EBUSY:
		return commit ?
		       " (the device holds data the new map would lose; allow it with the drop-data flag)" :
		       " (another upload to this device is in progress?)";
	case ENOSPC:
		return commit ? " (the device holds data and the new map does not fit in the slots the live map leaves free)" : "";
	case EIO:
		return commit ? " (the map could not be written to the members; see the kernel log)" : "";
	case ESTALE:
		return commit ? " (the device's table changed during the upload)" : "";
	case ERANGE:
		if (!strcmp(step, "PLACEMENT"))
			return " (an entry beyond the device?)";
		break;
	}
	return commit ? " (see the kernel log)" : "";
}

static int do_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	errno = 0;
	r = swarm_ioctl_fn(fd, req, arg);
	if (r < 0)
		return errno ? -errno : -EIO;
	return 0;
}

static bool parse_devno(const char *s, struct swarm_dev *dev)
{
	unsigned long ma, mi;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	ma = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9' || errno)
		return false;
	mi = strtoul(end + 1, &end, 10);
	if (*end || errno || ma > UINT32_MAX || mi > UINT32_MAX)
		return false;
	dev->major = ma;
	dev->minor = mi;
	return true;
}

int swarm_dev_resolve(const char *spec, struct swarm_dev *dev,
		      char *err, size_t errlen)
{
	const char *path = spec;
	char alt[4096];
	struct stat st;
	int e;

	if (parse_devno(spec, dev))
		return 0;
	if (stat(spec, &st) < 0) {
		e = errno;
		/* A bare name: try it under /dev/mapper. */
		if (e != ENOENT || strchr(spec, '/') ||
		    (size_t)snprintf(alt, sizeof(alt), "/dev/mapper/%s",
				     spec) >= sizeof(alt) ||
		    stat(alt, &st) < 0) {
			seterr(err, errlen, "%s: %s", spec, strerror(e));
			return -e;
		}
		path = alt;
	}
	if (!S_ISBLK(st.st_mode)) {
		seterr(err, errlen, "%s is not a block device", path);
		return -ENOTBLK;
	}
	dev->major = major(st.st_rdev);
	dev->minor = minor(st.st_rdev);
	return 0;
}

int swarm_ctl_open(const char *path, char *err, size_t errlen)
{
	int fd, e;

	if (!path)
		path = getenv(SWARM_CONTROL_ENV);
	if (!path || !*path)
		path = SWARM_CONTROL_PATH;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	e = errno;
	seterr(err, errlen, "%s: %s%s", path, strerror(e),
	       e == ENOENT ? " (is the dm-swarm module loaded?)" :
	       e == EACCES || e == EPERM ? " (needs root)" : "");
	return -e;
}

int swarm_version(int fd, struct dm_swarm_version *v, char *err, size_t errlen)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	r = do_ioctl(fd, DM_SWARM_VERSION, v);
	if (r)
		seterr(err, errlen, "VERSION: %s%s", strerror(-r),
		       hint("VERSION", -r));
	return r;
}

int swarm_check_version(int fd, char *err, size_t errlen)
{
	struct dm_swarm_version v;
	int r = swarm_version(fd, &v, err, errlen);

	if (r)
		return r;
	if (v.major != DM_SWARM_VERSION_MAJOR) {
		seterr(err, errlen, "the kernel speaks dm-swarm ABI %" PRIu32
		       ".%" PRIu32 ".%" PRIu32 ", this tool %u.%u.%u",
		       v.major, v.minor, v.patch, DM_SWARM_VERSION_MAJOR,
		       DM_SWARM_VERSION_MINOR, DM_SWARM_VERSION_PATCH);
		return -EPROTO;
	}
	return 0;
}

static int dev_req(int fd, unsigned long req, const struct swarm_dev *dev)
{
	struct dm_swarm_dev_req d = {
		.size = sizeof(d),
		.dev_major = dev->major,
		.dev_minor = dev->minor,
	};

	return do_ioctl(fd, req, &d);
}

/* Is every cluster's member slice right after the previous one? */
static bool map_contiguous(const struct swarm_map *map)
{
	uint64_t next = 0;
	uint32_t i;

	for (i = 0; i < map->nr_clusters; i++) {
		if (map->clusters[i].first != next)
			return false;
		next += map->clusters[i].nr_members;
	}
	return next == map->nr_members;
}

/* Clusters [from, from + *n) go in one batch; fills @buf. */
static uint64_t fill_batch(const struct swarm_map *map, uint32_t from,
			   const struct swarm_upload_opts *o,
			   struct dm_swarm_cluster *buf, uint32_t *n)
{
	uint64_t members = 0;
	uint32_t k = 0;

	while (from + k < map->nr_clusters && k < o->batch_clusters) {
		const struct swarm_map_cluster *c = &map->clusters[from + k];

		if (k && members + c->nr_members > o->batch_members)
			break;
		buf[k].id = c->id;
		buf[k].nr_members = c->nr_members;
		buf[k].medoid = c->medoid;
		buf[k].frequency = c->frequency;
		members += c->nr_members;
		k++;
	}
	*n = k;
	return members;
}

static int upload_clusters(int fd, const struct swarm_dev *dev,
			   const struct swarm_map *map,
			   const struct swarm_upload_opts *o,
			   char *err, size_t errlen)
{
	struct dm_swarm_cluster *buf;
	uint32_t i = 0, n;
	int r = 0;

	buf = calloc(o->batch_clusters, sizeof(*buf));
	if (!buf) {
		seterr(err, errlen, "MAP_ADD: out of memory");
		return -ENOMEM;
	}
	while (i < map->nr_clusters) {
		struct dm_swarm_map_add a = {
			.size = sizeof(a),
			.dev_major = dev->major,
			.dev_minor = dev->minor,
		};

		a.nr_members = fill_batch(map, i, o, buf, &n);
		a.nr_clusters = n;
		a.clusters = (uintptr_t)buf;
		a.members = (uintptr_t)(map->members + map->clusters[i].first);
		r = do_ioctl(fd, DM_SWARM_MAP_ADD, &a);
		if (r) {
			seterr(err, errlen, "MAP_ADD (clusters %" PRIu32 "..%"
			       PRIu32 " of %" PRIu32 ", %" PRIu64
			       " members): %s%s", i, i + n - 1, map->nr_clusters,
			       (uint64_t)a.nr_members, strerror(-r),
			       hint("MAP_ADD", -r));
			break;
		}
		i += n;
	}
	free(buf);
	return r;
}

static int upload_weights(int fd, const struct swarm_dev *dev,
			  const struct swarm_map *map,
			  const struct swarm_upload_opts *o,
			  char *err, size_t errlen)
{
	struct dm_swarm_weight *buf;
	uint32_t i = 0, k, n;
	int r = 0;

	if (!map->nr_weights)
		return 0;
	buf = calloc(o->batch_weights, sizeof(*buf));
	if (!buf) {
		seterr(err, errlen, "MAP_WEIGHTS: out of memory");
		return -ENOMEM;
	}
	while (i < map->nr_weights) {
		struct dm_swarm_map_weights w = {
			.size = sizeof(w),
			.dev_major = dev->major,
			.dev_minor = dev->minor,
			.weights = (uintptr_t)buf,
		};

		n = map->nr_weights - i;
		if (n > o->batch_weights)
			n = o->batch_weights;
		for (k = 0; k < n; k++) {
			buf[k].a = map->weights[i + k].a;
			buf[k].b = map->weights[i + k].b;
			buf[k].weight = map->weights[i + k].weight;
		}
		w.nr_weights = n;
		r = do_ioctl(fd, DM_SWARM_MAP_WEIGHTS, &w);
		if (r) {
			seterr(err, errlen, "MAP_WEIGHTS (weights %" PRIu32 "..%"
			       PRIu32 " of %" PRIu32 "): %s%s", i, i + n - 1,
			       map->nr_weights, strerror(-r),
			       hint("MAP_WEIGHTS", -r));
			break;
		}
		i += n;
	}
	free(buf);
	return r;
}

static int check_upload(const struct swarm_map *map,
			struct swarm_upload_opts *o, char *err, size_t errlen)
{
	if (!o->batch_clusters || o->batch_clusters > DM_SWARM_MAX_BATCH)
		o->batch_clusters = DM_SWARM_MAX_BATCH;
	if (!o->batch_weights || o->batch_weights > DM_SWARM_MAX_BATCH)
		o->batch_weights = DM_SWARM_MAX_BATCH;
	if (!o->batch_members)
		o->batch_members = SWARM_BATCH_MEMBERS;
	if (!map->nr_clusters || !map_contiguous(map)) {
		seterr(err, errlen, "upload: %s", map->nr_clusters ?
		       "members are not stored cluster after cluster" :
		       "no clusters");
		return -EINVAL;
	}
	return 0;
}

int swarm_map_upload_opts(int fd, const struct swarm_dev *dev,
			  const struct swarm_map *map,
			  const struct swarm_upload_opts *opts,
			  char *err, size_t errlen)
{
	struct swarm_upload_opts o = *opts;
	struct dm_swarm_map_begin b = {
		.size = sizeof(b),
		.flags = opts->flags,
		.dev_major = dev->major,
		.dev_minor = dev->minor,
		.nr_clusters = map->nr_clusters,
		.nr_weights = map->nr_weights,
		.nr_members = map->nr_members,
	};
	size_t len;
	int r, a;

	r = check_upload(map, &o, err, errlen);
	if (r)
		return r;
	r = do_ioctl(fd, DM_SWARM_MAP_BEGIN, &b);
	if (r) {
		seterr(err, errlen, "MAP_BEGIN: %s%s", strerror(-r),
		       hint("MAP_BEGIN", -r));
		return r;
	}
	r = upload_clusters(fd, dev, map, &o, err, errlen);
	if (!r)
		r = upload_weights(fd, dev, map, &o, err, errlen);
	if (!r) {
		r = dev_req(fd, DM_SWARM_MAP_COMMIT, dev);
		if (r)
			seterr(err, errlen, "MAP_COMMIT: %s%s", strerror(-r),
			       hint("MAP_COMMIT", -r));
	}
	if (!r)
		return 0;
	/*
	 * A failed MAP_COMMIT has dropped the upload already: -ENOENT means
	 * nothing is staged, which is what the abort is for.
	 */
	a = dev_req(fd, DM_SWARM_MAP_ABORT, dev);
	len = err ? strlen(err) : 0;
	if (a && a != -ENOENT && len < errlen)
		seterr(err + len, errlen - len, "; MAP_ABORT: %s", strerror(-a));
	return r;
}

int swarm_map_upload(int fd, const struct swarm_dev *dev,
		     const struct swarm_map *map, uint32_t flags,
		     char *err, size_t errlen)
{
	struct swarm_upload_opts o = { .flags = flags };

	return swarm_map_upload_opts(fd, dev, map, &o, err, errlen);
}

int swarm_stats(int fd, const struct swarm_dev *dev, struct swarm_stats *st,
		char *err, size_t errlen)
{
	int r;

	memset(st, 0, sizeof(*st));
	st->s.size = sizeof(st->s);
	st->s.nr_devs = DM_SWARM_MAX_DEVS;
	st->s.dev_major = dev->major;
	st->s.dev_minor = dev->minor;
	st->s.devs = (uintptr_t)st->devs;
	r = do_ioctl(fd, DM_SWARM_STATS, &st->s);
	if (r)
		seterr(err, errlen, "STATS: %s%s", strerror(-r),
		       hint("STATS", -r));
	return r;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int swarm_map_wait(int fd, const struct swarm_dev *dev,
		   uint64_t old_generation,
		   void (*progress)(const struct swarm_stats *st, void *arg),
		   void *arg, struct swarm_stats *st, char *err, size_t errlen)
{
	unsigned int stalled = 0;
	int r;

	for (;;) {
		const struct dm_swarm_stats *s = &st->s;

		r = swarm_stats(fd, dev, st, err, errlen);
		if (r)
			return r;
		if (swarm_migrating(s) && s->migrate_generation > old_generation) {
			stalled = 0;
			if (progress)
				progress(st, arg);
		} else if (s->map_generation > old_generation) {
			return 0;
		} else if (s->migrate_state == DM_SWARM_MIGRATE_FAILED &&
			   s->migrate_generation > old_generation) {
			r = s->migrate_error < 0 ? s->migrate_error : -EIO;
			seterr(err, errlen, "migration to generation %llu failed "
			       "after %llu of %llu entries: %s; generation %llu "
			       "stays live",
			       (unsigned long long)s->migrate_generation,
			       (unsigned long long)s->migrate_done,
			       (unsigned long long)s->migrate_total,
			       strerror(-r), (unsigned long long)s->map_generation);
			return r;
		} else if ((stalled += SWARM_WAIT_POLL_MS) >= SWARM_WAIT_STALL_MS) {
			seterr(err, errlen, "the committed map did not show: "
			       "generation still %llu, migration %s",
			       (unsigned long long)s->map_generation,
			       swarm_migrate_state_name(s->migrate_state));
			return -ETIMEDOUT;
		}
		sleep_ms(SWARM_WAIT_POLL_MS);
	}
}

int swarm_lost(int fd, const struct swarm_dev *dev, struct dm_swarm_lost *q,
	       char *err, size_t errlen)
{
	int r;

	q->size = sizeof(*q);
	q->flags = 0;
	q->pad = 0;
	q->dev_major = dev->major;
	q->dev_minor = dev->minor;
	r = do_ioctl(fd, DM_SWARM_LOST, q);
	if (r)
		seterr(err, errlen, "LOST (from entry %llu): %s%s",
		       (unsigned long long)q->start, strerror(-r),
		       r == -ENOTTY ? " (a kernel before dm-swarm ABI 1.4?)" :
		       hint("LOST", -r));
	return r;
}

int swarm_stats_reset(int fd, const struct swarm_dev *dev,
		      char *err, size_t errlen)
{
	int r = dev_req(fd, DM_SWARM_STATS_RESET, dev);

	if (r)
		seterr(err, errlen, "STATS_RESET: %s%s", strerror(-r),
		       hint("STATS_RESET", -r));
	return r;
}

int swarm_placement(int fd, const struct swarm_dev *dev,
		    struct dm_swarm_placement *p, size_t n,
		    char *err, size_t errlen)
{
	size_t i = 0, k;
	int r;

	while (i < n) {
		struct dm_swarm_placement_req q = {
			.size = sizeof(q),
			.dev_major = dev->major,
			.dev_minor = dev->minor,
			.entries = (uintptr_t)(p + i),
		};

		k = n - i < DM_SWARM_MAX_BATCH ? n - i : DM_SWARM_MAX_BATCH;
		q.nr_entries = k;
		r = do_ioctl(fd, DM_SWARM_PLACEMENT, &q);
		if (r) {
			seterr(err, errlen, "PLACEMENT (entries %" PRIu64 "..%"
			       PRIu64 "): %s%s", (uint64_t)p[i].entry,
			       (uint64_t)p[i + k - 1].entry, strerror(-r),
			       hint("PLACEMENT", -r));
			return r;
		}
		i += k;
	}
	return 0;
}

const char *swarm_selector_name(uint32_t selector)
{
	switch (selector) {
	case DM_SWARM_SELECT_STATIC:
		return "static";
	case DM_SWARM_SELECT_LEAST_LOADED:
		return "least-loaded";
	default:
		return "unknown";
	}
}

const char *swarm_placement_name(uint32_t placement)
{
	switch (placement) {
	case DM_SWARM_PLACE_ROUNDROBIN:
		return "roundrobin";
	case DM_SWARM_PLACE_COACTIVATION:
		return "coactivation";
	case DM_SWARM_PLACE_NOBALANCE:
		return "nobalance";
	default:
		return "unknown";
	}
}

const char *swarm_migrate_state_name(uint32_t state)
{
	switch (state) {
	case DM_SWARM_MIGRATE_IDLE:
		return "idle";
	case DM_SWARM_MIGRATE_RUNNING:
		return "running";
	case DM_SWARM_MIGRATE_PAUSED:
		return "paused";
	case DM_SWARM_MIGRATE_DONE:
		return "done";
	case DM_SWARM_MIGRATE_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}

void swarm_uuid_str(const uint8_t *uuid, char *buf)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*buf++ = '-';
		buf += sprintf(buf, "%02x", uuid[i]);
	}
}
