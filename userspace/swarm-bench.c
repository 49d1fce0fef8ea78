// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarm-bench: measure a block device the way an inference engine reads
 * its offloaded KV cache, so that swarm, dm-stripe and dm-linear are
 * measured the same way.
 *
 *   swarm-bench populate <dev> [options]        write every entry once
 *   swarm-bench verify <dev> [options]          read every entry back, check
 *   swarm-bench replay <dev> <trace> [options]  replay an activation trace
 *   swarm-bench split <trace> --steps A:B -o <out>
 *                                               a step range as a native trace
 *
 * Entry i is at byte offset i x entry size. Populate writes a pattern
 * that encodes the entry id and a seed (bench-lib.h) with batched
 * O_DIRECT io_uring writes. Replay submits, per step, every activated
 * entry as one O_DIRECT read in one io_uring submission and waits for all
 * of them; the step latency is from the submission to the last
 * completion, and the I/O time is their sum. --verify checks every read
 * after the step (outside the timed window).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <liburing.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench-lib.h"
#include "trace.h"

/* io_uring refuses rings above this many SQEs (IORING_MAX_ENTRIES). */
#define MAX_RING	32768U
/* Show at most this many verification failures in detail. */
#define MAX_BAD_SHOWN	5

struct opts {
	const char *dev, *trace, *out, *label, *lat_out, *steps, *order;
	uint64_t entry_size, entries, seed, bw_limit, io_size;
	unsigned int devices, qd, layers;
	bool verify, json;
};

static void usage(void)
{
	fprintf(stderr,
"usage: swarm-bench populate <dev> [--entry-size B] [--entries N] [--seed S]\n"
"           [--io-size B] [--qd Q] [--json]\n"
"       swarm-bench verify <dev> [--entry-size B] [--entries N] [--seed S]\n"
"           [--io-size B] [--qd Q]\n"
"       swarm-bench replay <dev> <trace> [--entry-size B] [--steps A:B]\n"
"           [--verify] [--seed S] [--bw-limit B/S] [--devices N]\n"
"           [--layers L] [--label TEXT] [--lat-out FILE] [--order FILE]\n"
"           [--json]\n"
"       swarm-bench split <trace> --steps A:B -o <out> [--layers L]\n"
"\n"
"Sizes take K, M, G suffixes (binary). --steps A:B replays steps [A, B);\n"
"A and B may be percentages of the trace (\"0:50%%\", \"50%%:\").\n"
"--entries defaults to the device size / entry size (populate, verify).\n"
"Utilisation = effective bandwidth / (devices x bw-limit).\n"
"--order FILE submits each step's reads sorted by the placement that\n"
"\"swarmctl map show <dev> 0-<last>\" printed to FILE (member, slot).\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "swarm-bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static uint64_t dev_bytes(int fd, const char *name)
{
	struct stat st;
	uint64_t b;

	if (fstat(fd, &st))
		die(name, errno);
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	if (ioctl(fd, BLKGETSIZE64, &b))
		die(name, errno);
	return b;
}

static int open_dev(const char *name, bool write)
{
	int fd = open(name, (write ? O_RDWR : O_RDONLY) | O_DIRECT);

	if (fd < 0)
		die(name, errno);
	return fd;
}

static void *alloc_aligned(size_t bytes)
{
	void *p;

	if (posix_memalign(&p, 4096, bytes ? bytes : 4096))
		die("memory", ENOMEM);
	return p;
}

/* Queue one I/O again after -EAGAIN. */
static void resubmit(struct io_uring *ring, int fd, bool write, void *buf,
		     size_t len, uint64_t off, uint64_t data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, data);
}

/*
 * Populate (write) or verify (read and check) entries [0, o->entries) with
 * o->io_size-byte I/Os, o->qd of them in flight: the quickest way through
 * any of the devices (swarm splits an I/O at entries itself).
 */
static int sweep(const struct opts *o, bool write)
{
	int fd = open_dev(o->dev, write);
	uint64_t cap = dev_bytes(fd, o->dev) / o->entry_size;
	uint64_t nr = o->entries ? o->entries : cap;
	uint64_t per_io = o->io_size / o->entry_size, next = 0, done = 0;
	uint64_t *slot_first, bad = 0, retries = 0;
	unsigned int qd = o->qd, inflight = 0, i;
	struct io_uring ring;
	double t0, t;
	char *buf;
	int r;

	if (nr > cap) {
		fprintf(stderr, "swarm-bench: %s holds %" PRIu64 " entries, not %" PRIu64 "\n",
			o->dev, cap, nr);
		return 1;
	}
	if (per_io < 1)
		per_io = 1;
	buf = alloc_aligned((size_t)(qd * per_io * o->entry_size));
	slot_first = calloc(qd, sizeof(*slot_first));
	r = io_uring_queue_init(qd, &ring, 0);
	if (r || !slot_first)
		die("io_uring_queue_init", r ? -r : ENOMEM);

	t0 = now();
	/* Slots 0..qd-1 are free at first; a completion frees its slot. */
	for (i = 0; i < qd && next < nr; i++) {
		uint64_t n = nr - next < per_io ? nr - next : per_io;
		char *b = buf + (size_t)i * per_io * o->entry_size;
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		uint64_t e;

		if (write)
			for (e = 0; e < n; e++)
				bench_fill(b + e * o->entry_size, o->entry_size,
					   next + e, o->seed);
		if (write)
			io_uring_prep_write(sqe, fd, b, n * o->entry_size,
					    next * o->entry_size);
		else
			io_uring_prep_read(sqe, fd, b, n * o->entry_size,
					   next * o->entry_size);
		io_uring_sqe_set_data64(sqe, i);
		slot_first[i] = next;
		next += n;
		inflight++;
	}
	while (inflight) {
		struct io_uring_cqe *cqe;
		uint64_t first, n, e;
		char *b;

		r = io_uring_submit_and_wait(&ring, 1);
		if (r < 0)
			die("io_uring_submit", -r);
		r = io_uring_wait_cqe(&ring, &cqe);
		if (r)
			die("io_uring_wait_cqe", -r);
		i = (unsigned int)io_uring_cqe_get_data64(cqe);
		first = slot_first[i];
		n = nr - first < per_io ? nr - first : per_io;
		b = buf + (size_t)i * per_io * o->entry_size;
		if (cqe->res == -EAGAIN) {
			/* A non-blocking submission found no free tag below
			 * (dm passes REQ_NOWAIT down): issue it again.
			 */
			io_uring_cqe_seen(&ring, cqe);
			resubmit(&ring, fd, write, b, n * o->entry_size,
				 first * o->entry_size, i);
			retries++;
			continue;
		}
		if (cqe->res != (int)(n * o->entry_size)) {
			fprintf(stderr, "swarm-bench: %s of entries %" PRIu64 "..%" PRIu64 ": %s\n",
				write ? "write" : "read", first, first + n - 1,
				cqe->res < 0 ? strerror(-cqe->res) : "short I/O");
			return 1;
		}
		io_uring_cqe_seen(&ring, cqe);
		inflight--;
		done += n;
		if (!write) {
			for (e = 0; e < n; e++) {
				size_t w;

				if (bench_check(b + e * o->entry_size, o->entry_size,
						first + e, o->seed, &w))
					continue;
				if (bad++ < MAX_BAD_SHOWN)
					fprintf(stderr, "swarm-bench: entry %" PRIu64 ": word %zu wrong (holds entry %" PRIu64 ", seed %" PRIu64 ")\n",
						first + e, w,
						*(uint64_t *)(b + e * o->entry_size),
						*(uint64_t *)(b + e * o->entry_size + 8));
			}
		}
		if (next < nr) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			n = nr - next < per_io ? nr - next : per_io;
			if (write) {
				for (e = 0; e < n; e++)
					bench_fill(b + e * o->entry_size, o->entry_size,
						   next + e, o->seed);
				io_uring_prep_write(sqe, fd, b, n * o->entry_size,
						    next * o->entry_size);
			} else {
				io_uring_prep_read(sqe, fd, b, n * o->entry_size,
						   next * o->entry_size);
			}
			io_uring_sqe_set_data64(sqe, i);
			slot_first[i] = next;
			next += n;
			inflight++;
		}
	}
	if (write && fsync(fd))
		die("fsync", errno);
	t = now() - t0;
	io_uring_queue_exit(&ring);
	close(fd);
	free(buf);
	free(slot_first);
	if (o->json)
		printf("{\"op\":\"%s\",\"device\":\"%s\",\"entries\":%" PRIu64 ",\"entry_size\":%" PRIu64 ",\"seconds\":%.3f,\"mib_s\":%.1f,\"bad\":%" PRIu64 "}\n",
		       write ? "populate" : "verify", o->dev, done, o->entry_size,
		       t, (double)done * (double)o->entry_size / t / 1048576.0, bad);
	else
		printf("%s %s: %" PRIu64 " entries of %" PRIu64 " bytes in %.2f s (%.1f MiB/s)%s\n",
		       write ? "populated" : "verified", o->dev, done,
		       o->entry_size, t,
		       (double)done * (double)o->entry_size / t / 1048576.0,
		       write ? "" : bad ? ", MISMATCHES" : ", all match");
	if (bad)
		fprintf(stderr, "swarm-bench: %" PRIu64 " entries do not match\n", bad);
	if (retries)
		fprintf(stderr, "swarm-bench: %" PRIu64 " I/Os retried after EAGAIN\n", retries);
	return bad ? 1 : 0;
}

static void read_trace(const struct opts *o, struct swarm_trace *t)
{
	struct swarm_trace_opts to = { .layers = o->layers };
	char err[512];
	int r;

	r = swarm_trace_read(o->trace, &to, t, NULL, err, sizeof(err));
	if (r) {
		fprintf(stderr, "swarm-bench: %s\n", err);
		exit(1);
	}
}

static void step_range(const struct opts *o, const struct swarm_trace *t,
		       uint64_t *a, uint64_t *b)
{
	*a = 0;
	*b = t->nr_steps;
	if (o->steps && bench_parse_range(o->steps, t->nr_steps, a, b)) {
		fprintf(stderr, "swarm-bench: bad --steps '%s' for a trace of %" PRIu64 " steps\n",
			o->steps, t->nr_steps);
		exit(2);
	}
}

static int split(const struct opts *o)
{
	struct swarm_trace t, part;
	uint64_t a, b, s, *ids = NULL;
	size_t cap = 0;
	char err[512];
	int r;

	if (!o->out || !o->steps)
		usage();
	read_trace(o, &t);
	step_range(o, &t, &a, &b);
	swarm_trace_init(&part);
	for (s = a; s < b; s++) {
		uint64_t n = t.off[s + 1] - t.off[s], i;

		if (n > cap) {
			cap = n;
			ids = realloc(ids, cap * sizeof(*ids));
			if (!ids)
				die("memory", ENOMEM);
		}
		for (i = 0; i < n; i++)
			ids[i] = t.ids[t.off[s] + i];
		r = swarm_trace_add_step(&part, ids, n);
		if (r)
			die("split", -r);
	}
	r = swarm_trace_write(&part, o->out, true, NULL, err, sizeof(err));
	if (r) {
		fprintf(stderr, "swarm-bench: %s\n", err);
		return 1;
	}
	printf("split %s: steps %" PRIu64 "..%" PRIu64 " (%" PRIu64 " reads) to %s\n",
	       o->trace, a, b - 1, part.nr_reads, o->out);
	free(ids);
	swarm_trace_free(&part);
	swarm_trace_free(&t);
	return 0;
}

/*
 * --order FILE: the placement as "swarmctl map show <dev> 0-<last>"
 * prints it, "<entry>: <dev>/<slot> ...". The key of an entry is its
 * first copy's (member, slot); entries not listed sort by their id.
 * A client that knows the placement submits a step's reads member by
 * member in slot order, so that reads of neighbouring slots reach the
 * member back to back and the block layer merges them (a plug merges a
 * bio only into the last request queued for that device). dm-swarm
 * itself holds the reads of a plugged batch and sends them sorted by
 * member and slot, so on swarm the order makes little difference; it
 * remains for comparing devices that do not (dm-stripe, dm-linear).
 */
static uint64_t *load_order(const char *path, uint64_t nr)
{
	uint64_t *key = malloc(nr * sizeof(*key)), e;
	unsigned long long ent, dev, slot;
	char line[512];
	FILE *f;

	if (!key)
		die("memory", ENOMEM);
	for (e = 0; e < nr; e++)
		key[e] = (1ULL << 63) | e;
	f = fopen(path, "r");
	if (!f)
		die(path, errno);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu: %llu/%llu", &ent, &dev, &slot) == 3 &&
		    ent < nr)
			key[ent] = (dev << 40) | slot;
	fclose(f);
	return key;
}

static const uint64_t *sort_key;
static const uint32_t *sort_ids;

static int cmp_perm(const void *a, const void *b)
{
	uint64_t x = sort_key[sort_ids[*(const uint32_t *)a]];
	uint64_t y = sort_key[sort_ids[*(const uint32_t *)b]];

	return x < y ? -1 : x > y;
}

/*
 * The submission order of one step: sorted by (member, slot), then dealt
 * out member by member in turn, so that every member gets work from the
 * start of the submission (a member at a time would leave the others
 * idle while the first one's queue fills) and each member's reads still
 * come in slot order. @tmp: scratch of @n.
 */
static void placement_order(const uint64_t *key, const uint32_t *ids,
			    size_t n, uint32_t *perm, uint32_t *tmp)
{
	size_t i, out = 0, start[65], pos[65];
	unsigned int d, nd = 0;

	for (i = 0; i < n; i++)
		tmp[i] = (uint32_t)i;
	sort_key = key;
	sort_ids = ids;
	qsort(tmp, n, sizeof(*tmp), cmp_perm);
	/* Runs of one member each (unlisted entries form the last run). */
	for (i = 0; i < n; i++) {
		uint64_t k = key[ids[tmp[i]]];

		if (i == 0 || (k >> 40) != (key[ids[tmp[i - 1]]] >> 40)) {
			if (nd == 64) {
				memcpy(perm, tmp, n * sizeof(*perm));
				return;
			}
			start[nd++] = i;
		}
	}
	start[nd] = n;
	for (d = 0; d < nd; d++)
		pos[d] = start[d];
	while (out < n)
		for (d = 0; d < nd; d++)
			if (pos[d] < start[d + 1])
				perm[out++] = tmp[pos[d]++];
}

/*
 * Submit every read of one step and wait for all of them; returns the
 * step latency in seconds. A step larger than the ring is fed to it as
 * completions free room (only possible above MAX_RING entries).
 */
static double replay_step(struct io_uring *ring, unsigned int ring_size,
			  int fd, bool fixed, const uint32_t *ids, size_t n,
			  const uint32_t *perm, char *buf, uint64_t esz,
			  uint64_t *retries)
{
	size_t queued = 0, done = 0;
	double t0;
	int r;

	t0 = now();
	while (done < n) {
		while (queued < n && queued - done < ring_size) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
			size_t i = perm ? perm[queued] : queued;
			char *b = buf + i * esz;
			uint64_t off = (uint64_t)ids[i] * esz;

			if (!sqe)
				break;
			if (fixed)
				io_uring_prep_read_fixed(sqe, fd, b, esz, off, 0);
			else
				io_uring_prep_read(sqe, fd, b, esz, off);
			io_uring_sqe_set_data64(sqe, i);
			queued++;
		}
		r = io_uring_submit_and_wait(ring, 1);
		if (r < 0)
			die("io_uring_submit", -r);
		for (;;) {
			struct io_uring_cqe *cqe;

			if (io_uring_peek_cqe(ring, &cqe))
				break;
			if (cqe->res == -EAGAIN) {
				/* No tag below for a non-blocking read: again,
				 * inside the step's time.
				 */
				uint64_t i = io_uring_cqe_get_data64(cqe);

				io_uring_cqe_seen(ring, cqe);
				if (fixed) {
					struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

					if (!sqe) {
						io_uring_submit(ring);
						sqe = io_uring_get_sqe(ring);
					}
					io_uring_prep_read_fixed(sqe, fd, buf + i * esz,
								 esz, (uint64_t)ids[i] * esz, 0);
					io_uring_sqe_set_data64(sqe, i);
				} else {
					resubmit(ring, fd, false, buf + i * esz, esz,
						 (uint64_t)ids[i] * esz, i);
				}
				(*retries)++;
				continue;
			}
			if (cqe->res != (int)esz) {
				fprintf(stderr, "swarm-bench: read of entry %u: %s\n",
					ids[io_uring_cqe_get_data64(cqe)],
					cqe->res < 0 ? strerror(-cqe->res) : "short read");
				exit(1);
			}
			io_uring_cqe_seen(ring, cqe);
			done++;
		}
	}
	return now() - t0;
}

static void print_summary(const struct opts *o, const struct bench_summary *s,
			  uint64_t a, uint64_t b, uint64_t bad, double cpu,
			  uint64_t retries)
{
	const double mib = 1048576.0;

	if (o->json) {
		printf("{\"label\":\"%s\",\"device\":\"%s\",\"trace\":\"%s\","
		       "\"entry_size\":%" PRIu64 ",\"first_step\":%" PRIu64 ",\"end_step\":%" PRIu64 ","
		       "\"steps\":%" PRIu64 ",\"reads\":%" PRIu64 ",\"useful_bytes\":%" PRIu64 ","
		       "\"io_time_s\":%.6f,\"step_p50_ms\":%.3f,\"step_p99_ms\":%.3f,"
		       "\"step_max_ms\":%.3f,\"step_mean_ms\":%.3f,\"eff_bw_mib_s\":%.2f,"
		       "\"devices\":%u,\"bw_limit\":%" PRIu64 ",\"utilisation\":%.4f,"
		       "\"cpu_s\":%.3f,\"eagain_retries\":%" PRIu64 ",\"order\":\"%s\","
		       "\"verify\":%s,\"verify_errors\":%" PRIu64 "}\n",
		       o->label ? o->label : "", o->dev, o->trace, o->entry_size,
		       a, b, s->steps, s->reads, s->useful_bytes, s->io_time,
		       s->p50 * 1e3, s->p99 * 1e3, s->max * 1e3, s->mean * 1e3,
		       s->eff_bw / mib, o->devices, o->bw_limit, s->util, cpu,
		       retries, o->order ? "placement" : "id", o->verify ? "true" : "false", bad);
		return;
	}
	printf("replay %s%s%s on %s, steps %" PRIu64 "..%" PRIu64 "\n",
	       o->trace, o->label ? " as " : "", o->label ? o->label : "",
	       o->dev, a, b - 1);
	printf("  %-22s %" PRIu64 " (%" PRIu64 " reads of %" PRIu64 " bytes)\n",
	       "steps", s->steps, s->reads, o->entry_size);
	printf("  %-22s %.3f s\n", "I/O time", s->io_time);
	printf("  %-22s p50 %.3f  p99 %.3f  max %.3f  mean %.3f ms\n",
	       "step latency", s->p50 * 1e3, s->p99 * 1e3, s->max * 1e3,
	       s->mean * 1e3);
	printf("  %-22s %.1f MiB\n", "useful bytes", (double)s->useful_bytes / mib);
	printf("  %-22s %.1f MiB/s\n", "effective bandwidth", s->eff_bw / mib);
	if (s->limit_bw > 0)
		printf("  %-22s %.1f%% of %u x %.1f MiB/s\n", "utilisation",
		       s->util * 100, o->devices, (double)o->bw_limit / mib);
	printf("  %-22s %.2f s (%.1f us per read)\n", "CPU (user+sys)", cpu,
	       s->reads ? cpu * 1e6 / (double)s->reads : 0);
	if (retries)
		printf("  %-22s %" PRIu64 "\n", "EAGAIN retries", retries);
	if (o->verify)
		printf("  %-22s %s\n", "verify",
		       bad ? "MISMATCHES" : "every read matches");
}

static int replay(const struct opts *o)
{
	struct swarm_trace t;
	uint64_t a, b, s, max_step = 0, reads = 0, bad = 0, cap, retries = 0;
	unsigned int ring_size;
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	struct iovec iov;
	double *lat, cpu0;
	bool fixed;
	FILE *lf = NULL;
	uint64_t *key = NULL;
	uint32_t *perm = NULL, *tmp = NULL;
	char *buf;
	int fd, r;

	read_trace(o, &t);
	step_range(o, &t, &a, &b);
	fd = open_dev(o->dev, false);
	cap = dev_bytes(fd, o->dev) / o->entry_size;
	for (s = a; s < b; s++) {
		uint64_t n = t.off[s + 1] - t.off[s];

		if (n > max_step)
			max_step = n;
		if (t.ids[t.off[s + 1] - 1] >= cap) {
			fprintf(stderr, "swarm-bench: step %" PRIu64 " reads entry %u; %s holds %" PRIu64 " entries\n",
				s, t.ids[t.off[s + 1] - 1], o->dev, cap);
			return 1;
		}
	}
	if (max_step * o->entry_size > (1ULL << 31)) {
		fprintf(stderr, "swarm-bench: a step of %" PRIu64 " entries needs more than 2 GiB of buffers\n",
			max_step);
		return 1;
	}
	ring_size = 1;
	while (ring_size < max_step && ring_size < MAX_RING)
		ring_size <<= 1;
	/* Room for every completion of a full ring before we reap. */
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = ring_size * 2;
	r = io_uring_queue_init_params(ring_size, &ring, &p);
	if (r)
		die("io_uring_queue_init", -r);
	buf = alloc_aligned((size_t)(max_step * o->entry_size));
	/* Registered buffers spare the per-read page pinning, whatever the
	 * device below; fall back to plain reads where that is refused.
	 */
	iov.iov_base = buf;
	iov.iov_len = (size_t)(max_step * o->entry_size);
	fixed = iov.iov_len <= (1UL << 30) &&
		!io_uring_register_buffers(&ring, &iov, 1);
	lat = calloc(b - a, sizeof(*lat));
	if (!lat)
		die("memory", ENOMEM);
	if (o->order) {
		key = load_order(o->order, cap);
		perm = malloc(max_step * sizeof(*perm));
		tmp = malloc(max_step * sizeof(*tmp));
		if (!perm || !tmp)
			die("memory", ENOMEM);
	}
	if (o->lat_out) {
		lf = fopen(o->lat_out, "w");
		if (!lf)
			die(o->lat_out, errno);
	}

	cpu0 = cpu_seconds();
	for (s = a; s < b; s++) {
		const uint32_t *ids = t.ids + t.off[s];
		size_t n = t.off[s + 1] - t.off[s], i;

		/* The order is the client's work before the submission. */
		if (perm)
			placement_order(key, ids, n, perm, tmp);
		lat[s - a] = replay_step(&ring, ring_size, fd, fixed, ids, n,
					 perm, buf, o->entry_size, &retries);
		reads += n;
		if (lf)
			fprintf(lf, "%.6f\n", lat[s - a] * 1e3);
		if (!o->verify)
			continue;
		for (i = 0; i < n; i++) {
			const char *e = buf + i * o->entry_size;
			size_t w;

			if (bench_check(e, o->entry_size, ids[i], o->seed, &w))
				continue;
			if (bad++ < MAX_BAD_SHOWN)
				fprintf(stderr, "swarm-bench: step %" PRIu64 ", entry %u: word %zu wrong (holds entry %" PRIu64 ", seed %" PRIu64 ")\n",
					s, ids[i], w, *(const uint64_t *)e,
					*(const uint64_t *)(e + 8));
		}
	}
	/* Verification is not I/O: keep its CPU out only when it is off. */
	cpu0 = cpu_seconds() - cpu0;
	if (lf && fclose(lf))
		die(o->lat_out, errno);

	{
		struct bench_summary sum;

		bench_summarise(lat, b - a, reads, o->entry_size, o->devices,
				o->bw_limit, &sum);
		print_summary(o, &sum, a, b, bad, cpu0, retries);
	}
	if (bad)
		fprintf(stderr, "swarm-bench: %" PRIu64 " reads do not match\n", bad);
	io_uring_queue_exit(&ring);
	close(fd);
	free(lat);
	free(buf);
	free(key);
	free(perm);
	free(tmp);
	swarm_trace_free(&t);
	return bad ? 1 : 0;
}

static uint64_t size_arg(const char *name, const char *v)
{
	uint64_t x;

	if (bench_parse_size(v, &x)) {
		fprintf(stderr, "swarm-bench: bad %s '%s'\n", name, v);
		exit(2);
	}
	return x;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "entry-size", required_argument, NULL, 'e' },
		{ "entries", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "io-size", required_argument, NULL, 'i' },
		{ "qd", required_argument, NULL, 'q' },
		{ "steps", required_argument, NULL, 'S' },
		{ "verify", no_argument, NULL, 'v' },
		{ "bw-limit", required_argument, NULL, 'b' },
		{ "devices", required_argument, NULL, 'd' },
		{ "layers", required_argument, NULL, 'L' },
		{ "label", required_argument, NULL, 'l' },
		{ "lat-out", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "order", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.entry_size = 4096, .seed = 1, .io_size = 256 << 10,
		.qd = 32, .devices = 1,
	};
	const char *cmd;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'e': o.entry_size = size_arg("--entry-size", optarg); break;
		case 'n': o.entries = size_arg("--entries", optarg); break;
		case 's': o.seed = size_arg("--seed", optarg); break;
		case 'i': o.io_size = size_arg("--io-size", optarg); break;
		case 'q': o.qd = (unsigned int)size_arg("--qd", optarg); break;
		case 'S': o.steps = optarg; break;
		case 'v': o.verify = true; break;
		case 'b': o.bw_limit = size_arg("--bw-limit", optarg); break;
		case 'd': o.devices = (unsigned int)size_arg("--devices", optarg); break;
		case 'L': o.layers = (unsigned int)size_arg("--layers", optarg); break;
		case 'l': o.label = optarg; break;
		case 'c': o.lat_out = optarg; break;
		case 'j': o.json = true; break;
		case 'o': o.out = optarg; break;
		case 'O': o.order = optarg; break;
		default: usage();
		}
	}
	if (o.entry_size < 512 || o.entry_size % 512 || o.entry_size > (64 << 20)) {
		fprintf(stderr, "swarm-bench: the entry size must be a multiple of 512 bytes\n");
		return 2;
	}
	if (!o.qd || o.qd > 4096 || !o.devices)
		usage();
	if (!strcmp(cmd, "split")) {
		if (argc - optind != 1)
			usage();
		o.trace = argv[optind];
		return split(&o);
	}
	if (!strcmp(cmd, "populate") || !strcmp(cmd, "verify")) {
		if (argc - optind != 1)
			usage();
		o.dev = argv[optind];
		return sweep(&o, cmd[0] == 'p');
	}
	if (!strcmp(cmd, "replay")) {
		if (argc - optind != 2)
			usage();
		o.dev = argv[optind];
		o.trace = argv[optind + 1];
		return replay(&o);
	}
	usage();
	return 2;
}
