// SPDX-License-Identifier: GPL-2.0-only
/*
 * libswarm's client API (userspace/include/swarm-client.h): batches of
 * entry reads and writes over io_uring, or over preadv2/pwritev2 from a
 * few threads where io_uring is refused; the placement order; aligned
 * buffers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/libswarm.h"
#include "lib/util.h"
#include "swarm-client.h"

#define DEF_QUEUE_DEPTH		1024U
#define MAX_QUEUE_DEPTH		32768U	/* IORING_MAX_ENTRIES */
#define DEF_THREADS		4U
#define MAX_THREADS		64U
#define MAX_ALIGN		4096U
/* A non-blocking attempt the kernel refused (EAGAIN) is tried again. */
#define MAX_RETRIES		1000U
/* key: (member + 1) << KEY_DEV_SHIFT | slot; 0 = not asked yet. */
#define KEY_DEV_SHIFT		40

struct swarm_client {
	int fd;
	int ctl_fd;			/* -1: no control device */
	struct swarm_dev dev;
	uint32_t flags;
	struct swarm_client_info info;
	pthread_mutex_t batch_lock;	/* one batch at a time */

	/* The placement order. */
	bool placement;			/* the kernel tells the placement */
	uint64_t *key;			/* per entry, calloc'd on first use */
	uint32_t *perm, *tmp;		/* a batch's order, scratch */
	struct dm_swarm_placement *pl;	/* entries to ask the kernel */
	size_t cap;			/* room in perm, tmp, pl */

	/* io_uring */
	struct io_uring ring;
	unsigned int ring_size;
	bool broken;			/* the ring failed: -EIO from now on */

	/* The threads of the fallback. */
	pthread_t *thr;
	unsigned int nr_thr, started;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	unsigned long gen;		/* batches handed out */
	unsigned int idle;		/* threads done with batch @gen */
	bool stop, writing;
	struct swarm_entry_io *bio;	/* the batch */
	const uint32_t *border;
	size_t bn, next;
};

static int default_devno(int fd, const struct stat *st, struct swarm_dev *dev)
{
	(void)fd;
	if (!S_ISBLK(st->st_mode))
		return -ENOTBLK;
	dev->major = major(st->st_rdev);
	dev->minor = minor(st->st_rdev);
	return 0;
}

int (*swarm_client_devno_fn)(int fd, const struct stat *st,
			     struct swarm_dev *dev) = default_devno;

/* ---- Opening ---- */

/* A decimal number from /sys/dev/block/M:m/@rel; 0 if there is none. */
static uint64_t sysfs_u64(const struct swarm_dev *dev, const char *rel)
{
	unsigned long long v = 0;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", dev->major,
		 dev->minor, rel);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Members of a dm device as sysfs lists them (its slaves); 0 if none. */
static uint32_t sysfs_slaves(const struct swarm_dev *dev)
{
	char path[256];
	struct dirent *d;
	uint32_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/slaves",
		 dev->major, dev->minor);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static bool pow2(uint64_t n)
{
	return n && !(n & (n - 1));
}

static int open_file(struct swarm_client *c, const char *spec,
		     const struct swarm_client_opts *o, char *path,
		     size_t pathlen, char *err, size_t errlen)
{
	int flags = O_CLOEXEC, e;
	struct stat st;

	snprintf(path, pathlen, "%s", spec);
	if (stat(path, &st) < 0 && errno == ENOENT && !strchr(spec, '/') &&
	    !(o->flags & SWARM_CLIENT_CREATE))
		snprintf(path, pathlen, "/dev/mapper/%s", spec);
	flags |= o->flags & SWARM_CLIENT_RDONLY ? O_RDONLY : O_RDWR;
	if (!(o->flags & SWARM_CLIENT_BUFFERED))
		flags |= O_DIRECT;
	if (o->flags & SWARM_CLIENT_CREATE)
		flags |= O_CREAT;
	c->fd = open(path, flags, 0644);
	if (c->fd >= 0)
		return 0;
	e = errno;
	seterr(err, errlen, "%s: %s%s", path, strerror(e),
	       e == EINVAL && (flags & O_DIRECT) ?
	       " (no O_DIRECT on this filesystem, tmpfs?; SWARM_CLIENT_BUFFERED opens without it)" :
	       e == EACCES || e == EPERM ? " (needs read and write access; SWARM_CLIENT_RDONLY to read only)" :
	       "");
	return -e;
}

/* Ask dm-swarm about the device; 1 if it answered, 0 if not a swarm. */
static int query_swarm(struct swarm_client *c, const struct swarm_client_opts *o,
		       uint64_t bytes, char *err, size_t errlen)
{
	struct swarm_stats *st;
	char e2[SWARM_ERR_MAX];
	int r;

	c->ctl_fd = swarm_ctl_open(o->control, e2, sizeof(e2));
	if (c->ctl_fd < 0)
		return c->ctl_fd == -ENOENT || c->ctl_fd == -EACCES ||
		       c->ctl_fd == -EPERM ? -EACCES : c->ctl_fd;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	r = swarm_stats(c->ctl_fd, &c->dev, st, e2, sizeof(e2));
	if (r == -ENODEV || r == -ENXIO || r == -ENOTTY || r == -EINVAL) {
		/* A dm device, not a swarm. */
		close(c->ctl_fd);
		c->ctl_fd = -1;
		free(st);
		return 0;
	}
	if (r == -EPERM || r == -EACCES) {
		free(st);
		return -EACCES;
	}
	if (r) {
		seterr(err, errlen, "%s", e2);
		free(st);
		return r;
	}
	if (!st->s.nr_entries || bytes % st->s.nr_entries ||
	    !pow2(bytes / st->s.nr_entries)) {
		seterr(err, errlen, "%u:%u: %llu bytes do not make %llu whole entries",
		       c->dev.major, c->dev.minor, (unsigned long long)bytes,
		       (unsigned long long)st->s.nr_entries);
		free(st);
		return -EPROTO;
	}
	c->info.is_swarm = 1;
	c->info.entry_size = bytes / st->s.nr_entries;
	c->info.nr_members = st->s.nr_devs;
	c->info.map_generation = st->s.map_generation;
	c->placement = true;
	free(st);
	return 1;
}

static int probe(struct swarm_client *c, const struct swarm_client_opts *o,
		 const char *path, char *err, size_t errlen)
{
	uint64_t bytes, esz = o->entry_size;
	unsigned int lbs = 512;
	struct stat st;
	int r;

	if (fstat(c->fd, &st) < 0) {
		r = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (S_ISREG(st.st_mode) && (o->flags & SWARM_CLIENT_CREATE) &&
	    esz && o->nr_entries &&
	    (uint64_t)st.st_size < o->nr_entries * esz) {
		if (ftruncate(c->fd, (off_t)(o->nr_entries * esz)) < 0 ||
		    fstat(c->fd, &st) < 0) {
			r = -errno;
			seterr(err, errlen, "%s: growing it: %s", path,
			       strerror(-r));
			return r;
		}
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(c->fd, BLKGETSIZE64, &bytes) < 0) {
			r = -errno;
			seterr(err, errlen, "%s: BLKGETSIZE64: %s", path,
			       strerror(-r));
			return r;
		}
		if (ioctl(c->fd, BLKSSZGET, &lbs) < 0 || lbs < 512)
			lbs = 512;
	} else if (S_ISREG(st.st_mode)) {
		bytes = st.st_size;
	} else {
		seterr(err, errlen, "%s is neither a block device nor a file",
		       path);
		return -ENOTBLK;
	}
	c->info.nr_members = 1;
	r = swarm_client_devno_fn(c->fd, &st, &c->dev);
	if (!r) {
		r = query_swarm(c, o, bytes, err, errlen);
		if (r < 0 && r != -EACCES)
			return r;
		if (r == -EACCES) {
			/* No control device for us: what sysfs tells. */
			c->info.map_generation = UINT64_MAX;
			if (!esz)
				esz = sysfs_u64(&c->dev, "queue/minimum_io_size");
			if (sysfs_slaves(&c->dev))
				c->info.nr_members = sysfs_slaves(&c->dev);
		}
		if (r == 1 && esz && esz != c->info.entry_size) {
			seterr(err, errlen, "%s: the swarm's entries are %llu bytes, not %llu",
			       path, (unsigned long long)c->info.entry_size,
			       (unsigned long long)esz);
			return -EINVAL;
		}
	}
	if (!c->info.is_swarm) {
		if (!esz) {
			seterr(err, errlen, "%s: not a swarm device (or no access to its control device): give the entry size",
			       path);
			return -EINVAL;
		}
		c->info.entry_size = esz;
	}
	esz = c->info.entry_size;
	if (!pow2(esz) || esz < 512 || esz % lbs || esz > (1U << 30)) {
		seterr(err, errlen, "%s: entry size %llu is not a power of two from %u (the logical block size) to 1 GiB",
		       path, (unsigned long long)esz, lbs);
		return -EINVAL;
	}
	c->info.nr_entries = bytes / esz;
	c->info.align = esz < MAX_ALIGN ? (uint32_t)esz : MAX_ALIGN;
	if (c->info.align < lbs)
		c->info.align = lbs;
	return 0;
}

/* ---- The threads of the fallback ---- */

static int sync_io(int fd, bool write, void *buf, uint64_t len, uint64_t off)
{
	uint64_t done = 0;
	unsigned int tries = 0;

	while (done < len) {
		struct iovec iov = {
			.iov_base = (char *)buf + done, .iov_len = len - done,
		};
		ssize_t r = write ? pwritev2(fd, &iov, 1, off + done, 0) :
				    preadv2(fd, &iov, 1, off + done, 0);

		if (r < 0) {
			if ((errno == EINTR || errno == EAGAIN) &&
			    tries++ < MAX_RETRIES)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ENODATA;
		done += r;
	}
	return 0;
}

static void *worker(void *arg)
{
	struct swarm_client *c = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->stop && c->gen == seen)
			pthread_cond_wait(&c->work, &c->lock);
		if (c->stop)
			break;
		seen = c->gen;
		while (c->next < c->bn) {
			struct swarm_entry_io *io = &c->bio[c->border[c->next++]];
			uint64_t esz = c->info.entry_size;

			pthread_mutex_unlock(&c->lock);
			io->status = sync_io(c->fd, c->writing, io->buf, esz,
					     io->entry * esz);
			pthread_mutex_lock(&c->lock);
		}
		if (++c->idle == c->nr_thr)
			pthread_cond_signal(&c->done);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static int start_threads(struct swarm_client *c, unsigned int n)
{
	int r;

	c->nr_thr = n ? (n < MAX_THREADS ? n : MAX_THREADS) : DEF_THREADS;
	c->thr = calloc(c->nr_thr, sizeof(*c->thr));
	if (!c->thr)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->done, NULL);
	for (c->started = 0; c->started < c->nr_thr; c->started++) {
		r = pthread_create(&c->thr[c->started], NULL, worker, c);
		if (r)
			return -r;
	}
	return 0;
}

static void stop_threads(struct swarm_client *c)
{
	unsigned int i;

	if (!c->thr)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < c->started; i++)
		pthread_join(c->thr[i], NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->done);
	free(c->thr);
	c->thr = NULL;
}

static void threads_batch(struct swarm_client *c, struct swarm_entry_io *io,
			  const uint32_t *order, size_t n, bool write)
{
	pthread_mutex_lock(&c->lock);
	c->bio = io;
	c->border = order;
	c->bn = n;
	c->next = 0;
	c->idle = 0;
	c->writing = write;
	c->gen++;
	pthread_cond_broadcast(&c->work);
	while (c->idle < c->nr_thr)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

/* ---- io_uring ---- */

static void prep(struct swarm_client *c, struct io_uring_sqe *sqe,
		 const struct swarm_entry_io *io, uint32_t i, bool write)
{
	uint64_t esz = c->info.entry_size;

	if (write)
		io_uring_prep_write(sqe, c->fd, io->buf, esz, io->entry * esz);
	else
		io_uring_prep_read(sqe, c->fd, io->buf, esz, io->entry * esz);
	io_uring_sqe_set_data64(sqe, i);
}

/*
 * io_uring_enter failed for good: wait for what the kernel took (it
 * writes the caller's buffers) and never enter the ring again, so that
 * what it did not take is never submitted; later batches fail.
 */
static void uring_broken(struct swarm_client *c, size_t inflight)
{
	size_t taken = inflight - io_uring_sq_ready(&c->ring);
	struct io_uring_cqe *cqe;

	while (taken-- && !io_uring_wait_cqe(&c->ring, &cqe))
		io_uring_cqe_seen(&c->ring, cqe);
	c->broken = true;
}

/*
 * The whole batch in one submission when it fits in the ring; a larger
 * one is fed as completions free room. A short transfer is finished
 * synchronously (it only happens at the end of a file or device).
 */
static int uring_batch(struct swarm_client *c, struct swarm_entry_io *io,
		       const uint32_t *order, size_t n, bool write)
{
	size_t queued = 0, done = 0, inflight = 0;
	uint64_t esz = c->info.entry_size;
	unsigned int retries = 0;
	int r;

	while (done < n) {
		while (queued < n && inflight < c->ring_size) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);

			if (!sqe)
				break;
			prep(c, sqe, &io[order[queued]], order[queued], write);
			queued++;
			inflight++;
		}
		r = io_uring_submit_and_wait(&c->ring, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			uring_broken(c, inflight);
			return r;
		}
		for (;;) {
			struct io_uring_cqe *cqe;
			struct swarm_entry_io *e;
			uint32_t i;
			int res;

			if (io_uring_peek_cqe(&c->ring, &cqe))
				break;
			i = (uint32_t)io_uring_cqe_get_data64(cqe);
			res = cqe->res;
			io_uring_cqe_seen(&c->ring, cqe);
			e = &io[i];
			if (res == -EAGAIN && retries++ < MAX_RETRIES) {
				/* dm-swarm refuses a REQ_NOWAIT bio over
				 * several runs: again, from a context that
				 * may wait.
				 */
				struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);

				if (!sqe) {
					io_uring_submit(&c->ring);
					sqe = io_uring_get_sqe(&c->ring);
				}
				if (sqe) {
					prep(c, sqe, e, i, write);
					continue;
				}
			}
			inflight--;
			done++;
			if (res < 0)
				e->status = res;
			else if ((uint64_t)res < esz)
				e->status = sync_io(c->fd, write,
						    (char *)e->buf + res, esz - res,
						    e->entry * esz + res);
			else
				e->status = 0;
		}
	}
	return 0;
}

/* ---- The order ---- */

static int grow_scratch(struct swarm_client *c, size_t n)
{
	void *p;

	if (n <= c->cap)
		return 0;
	p = realloc(c->perm, n * sizeof(*c->perm));
	if (!p)
		return -ENOMEM;
	c->perm = p;
	p = realloc(c->tmp, n * sizeof(*c->tmp));
	if (!p)
		return -ENOMEM;
	c->tmp = p;
	p = realloc(c->pl, n * sizeof(*c->pl));
	if (!p)
		return -ENOMEM;
	c->pl = p;
	c->cap = n;
	return 0;
}

/* Ask the kernel where the batch's unknown entries live. */
static void fetch_placement(struct swarm_client *c,
			    const struct swarm_entry_io *io,
			    const uint32_t *idx, size_t n)
{
	size_t i, k = 0;

	if (!c->key) {
		/* 8 bytes an entry of the device, virtual until read. */
		c->key = calloc(c->info.nr_entries, sizeof(*c->key));
		if (!c->key) {
			c->placement = false;
			return;
		}
	}
	for (i = 0; i < n; i++) {
		uint64_t e = io[idx[i]].entry;

		if (c->key[e])
			continue;
		memset(&c->pl[k], 0, sizeof(c->pl[k]));
		c->pl[k++].entry = e;
	}
	if (!k)
		return;
	if (swarm_placement(c->ctl_fd, &c->dev, c->pl, k, NULL, 0)) {
		/* Not ours to ask (or no longer a swarm): offset order. */
		c->placement = false;
		return;
	}
	for (i = 0; i < k; i++) {
		const struct dm_swarm_copy *cp = &c->pl[i].copies[0];

		c->key[c->pl[i].entry] = ((uint64_t)(cp->dev + 1) << KEY_DEV_SHIFT) |
					 (cp->slot & ((1ULL << KEY_DEV_SHIFT) - 1));
	}
}

struct sort_ctx {
	const struct swarm_entry_io *io;
	const uint64_t *key;		/* NULL: by entry */
};

static int cmp_idx(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *s = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t ex = s->io[x].entry, ey = s->io[y].entry;
	uint64_t kx = s->key ? s->key[ex] : ex;
	uint64_t ky = s->key ? s->key[ey] : ey;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * @idx (@n valid entries of @io) in submission order into @out: sorted by
 * key (member, slot; or the offset), then dealt out member by member in
 * turn so that every member has work from the start of the submission.
 */
void swarm_client_order(const struct swarm_entry_io *io, const uint64_t *key,
			uint32_t *idx, size_t n, uint32_t *out)
{
	size_t i, o = 0, start[DM_SWARM_MAX_DEVS + 2], pos[DM_SWARM_MAX_DEVS + 2];
	struct sort_ctx s = { .io = io, .key = key };
	unsigned int d, nd = 0;

	qsort_r(idx, n, sizeof(*idx), cmp_idx, &s);
	if (!key) {
		memcpy(out, idx, n * sizeof(*out));
		return;
	}
	for (i = 0; i < n; i++) {
		uint64_t m = key[io[idx[i]].entry] >> KEY_DEV_SHIFT;

		if (!i || m != key[io[idx[i - 1]].entry] >> KEY_DEV_SHIFT) {
			if (nd == DM_SWARM_MAX_DEVS + 1) {
				memcpy(out, idx, n * sizeof(*out));
				return;
			}
			start[nd++] = i;
		}
	}
	start[nd] = n;
	for (d = 0; d < nd; d++)
		pos[d] = start[d];
	while (o < n)
		for (d = 0; d < nd; d++)
			if (pos[d] < start[d + 1])
				out[o++] = idx[pos[d]++];
}

/* ---- Batches ---- */

static int batch(struct swarm_client *c, struct swarm_entry_io *io, size_t n,
		 bool write)
{
	size_t i, valid = 0;
	int r = 0, failed = 0;

	if (n && !io)
		return -EFAULT;
	if (n > UINT32_MAX)
		return -E2BIG;
	pthread_mutex_lock(&c->batch_lock);
	r = c->broken ? -EIO : grow_scratch(c, n);
	for (i = 0; i < n; i++) {
		struct swarm_entry_io *e = &io[i];

		e->status = r;
		if (r)
			continue;
		if (write && (c->flags & SWARM_CLIENT_RDONLY))
			e->status = -EBADF;
		else if (e->entry >= c->info.nr_entries)
			e->status = -ERANGE;
		else if (!e->buf || (uintptr_t)e->buf % c->info.align)
			e->status = -EINVAL;
		else
			c->tmp[valid++] = (uint32_t)i;
	}
	if (r)
		goto out;
	if (c->placement && !(c->flags & SWARM_CLIENT_NO_ORDER))
		fetch_placement(c, io, c->tmp, valid);
	if (c->flags & SWARM_CLIENT_NO_ORDER)
		memcpy(c->perm, c->tmp, valid * sizeof(*c->perm));
	else
		swarm_client_order(io, c->placement ? c->key : NULL, c->tmp, valid,
			    c->perm);
	if (!valid)
		;
	else if (c->info.backend == SWARM_BACKEND_URING)
		r = uring_batch(c, io, c->perm, valid, write);
	else
		threads_batch(c, io, c->perm, valid, write);
	if (r) {
		/* The ring failed: what did not complete failed with it. */
		for (i = 0; i < valid; i++)
			io[c->perm[i]].status = r;
	}
out:
	pthread_mutex_unlock(&c->batch_lock);
	if (r)
		return r;
	for (i = 0; i < n; i++)
		failed += io[i].status != 0;
	return failed;
}

int swarm_read_batch(struct swarm_client *c, struct swarm_entry_io *io,
		     size_t n)
{
	return batch(c, io, n, false);
}

int swarm_write_batch(struct swarm_client *c, struct swarm_entry_io *io,
		      size_t n)
{
	return batch(c, io, n, true);
}

/* ---- Open, close, queries ---- */

static bool want_threads(const struct swarm_client_opts *o, char *err,
			 size_t errlen, int *r)
{
	const char *env = getenv(SWARM_CLIENT_BACKEND_ENV);

	*r = 0;
	if ((o->flags & SWARM_CLIENT_THREADS) && (o->flags & SWARM_CLIENT_URING)) {
		seterr(err, errlen, "both SWARM_CLIENT_THREADS and SWARM_CLIENT_URING");
		*r = -EINVAL;
		return false;
	}
	if (o->flags & SWARM_CLIENT_THREADS)
		return true;
	if (o->flags & SWARM_CLIENT_URING)
		return false;
	if (!env || !*env || !strcmp(env, "auto"))
		return false;
	if (!strcmp(env, "threads"))
		return true;
	if (strcmp(env, "uring") && strcmp(env, "io_uring")) {
		seterr(err, errlen, "$%s: '%s' is none of auto, uring, threads",
		       SWARM_CLIENT_BACKEND_ENV, env);
		*r = -EINVAL;
	}
	return false;
}

static bool must_uring(const struct swarm_client_opts *o)
{
	const char *env = getenv(SWARM_CLIENT_BACKEND_ENV);

	if (o->flags & SWARM_CLIENT_URING)
		return true;
	return env && (!strcmp(env, "uring") || !strcmp(env, "io_uring"));
}

static int start_backend(struct swarm_client *c,
			 const struct swarm_client_opts *o,
			 char *err, size_t errlen)
{
	unsigned int qd = o->queue_depth ? o->queue_depth : DEF_QUEUE_DEPTH;
	struct io_uring_params p = { 0 };
	int r;

	if (!want_threads(o, err, errlen, &r)) {
		if (r)
			return r;
		if (qd > MAX_QUEUE_DEPTH)
			qd = MAX_QUEUE_DEPTH;
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = qd * 2;
		r = io_uring_queue_init_params(qd, &c->ring, &p);
		if (!r) {
			c->ring_size = qd;
			c->info.backend = SWARM_BACKEND_URING;
			return 0;
		}
		if (must_uring(o)) {
			seterr(err, errlen, "io_uring_queue_init: %s (and io_uring was asked for)",
			       strerror(-r));
			return r;
		}
	}
	c->info.backend = SWARM_BACKEND_THREADS;
	r = start_threads(c, o->threads);
	if (r)
		seterr(err, errlen, "starting threads: %s", strerror(-r));
	return r;
}

int swarm_client_open(const char *spec, const struct swarm_client_opts *opts,
		      struct swarm_client **out, char *err, size_t errlen)
{
	struct swarm_client_opts none = { 0 };
	struct swarm_client *c;
	char path[4096];
	int r;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (!spec || !*spec) {
		seterr(err, errlen, "no device given");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->fd = -1;
	c->ctl_fd = -1;
	c->flags = opts->flags;
	pthread_mutex_init(&c->batch_lock, NULL);
	r = open_file(c, spec, opts, path, sizeof(path), err, errlen);
	if (!r)
		r = probe(c, opts, path, err, errlen);
	if (!r)
		r = start_backend(c, opts, err, errlen);
	if (r) {
		swarm_client_close(c);
		return r;
	}
	*out = c;
	return 0;
}

void swarm_client_close(struct swarm_client *c)
{
	if (!c)
		return;
	if (c->info.backend == SWARM_BACKEND_URING)
		io_uring_queue_exit(&c->ring);
	stop_threads(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->ctl_fd >= 0)
		close(c->ctl_fd);
	pthread_mutex_destroy(&c->batch_lock);
	free(c->key);
	free(c->perm);
	free(c->tmp);
	free(c->pl);
	free(c);
}

int swarm_client_refresh(struct swarm_client *c, char *err, size_t errlen)
{
	struct swarm_stats *st;
	int r;

	if (!c->info.is_swarm || c->ctl_fd < 0)
		return 0;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	r = swarm_stats(c->ctl_fd, &c->dev, st, err, errlen);
	pthread_mutex_lock(&c->batch_lock);
	if (!r && st->s.map_generation != c->info.map_generation) {
		c->info.map_generation = st->s.map_generation;
		free(c->key);
		c->key = NULL;
	}
	if (!r) {
		c->info.nr_members = st->s.nr_devs;
		c->placement = true;
	}
	pthread_mutex_unlock(&c->batch_lock);
	free(st);
	return r;
}

void swarm_client_info(const struct swarm_client *c,
		       struct swarm_client_info *info)
{
	*info = c->info;
}

uint64_t swarm_client_entry_size(const struct swarm_client *c)
{
	return c->info.entry_size;
}

uint64_t swarm_client_nr_entries(const struct swarm_client *c)
{
	return c->info.nr_entries;
}

enum swarm_client_backend swarm_client_backend(const struct swarm_client *c)
{
	return c->info.backend;
}

const char *swarm_client_backend_name(const struct swarm_client *c)
{
	return c->info.backend == SWARM_BACKEND_URING ? "io_uring" : "threads";
}

/* ---- Buffers ---- */

void *swarm_alloc_entries(const struct swarm_client *c, size_t n)
{
	uint64_t esz = c->info.entry_size;
	void *p;
	int r;

	if (n && esz > SIZE_MAX / n) {
		errno = EOVERFLOW;
		return NULL;
	}
	r = posix_memalign(&p, MAX_ALIGN > c->info.align ? MAX_ALIGN :
			   c->info.align, n ? n * esz : esz);
	if (r) {
		errno = r;
		return NULL;
	}
	memset(p, 0, n ? n * esz : esz);
	return p;
}

void swarm_free_entries(void *buf)
{
	free(buf);
}

int swarm_client_check_buf(const struct swarm_client *c, const void *buf,
			   char *err, size_t errlen)
{
	uintptr_t mis = (uintptr_t)buf % c->info.align;

	if (buf && !mis)
		return 0;
	if (!buf)
		seterr(err, errlen, "no buffer");
	else
		seterr(err, errlen, "buffer %p is %zu bytes past a %" PRIu32
		       "-byte boundary: O_DIRECT needs it aligned (swarm_alloc_entries())",
		       buf, (size_t)mis, c->info.align);
	return -EINVAL;
}
