// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarm-bench replay <dev> <trace>: per step, every activated entry as
 * one O_DIRECT read in one io_uring submission (in entry order, or by
 * placement with --order), the step latency from the submission to the
 * last completion; --verify checks every read after the step, and
 * --pause-us sleeps between steps (neither counts in the step latency).
 * Prints the summary (bench-lib.h), as JSON with --json.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-lib.h"
#include "bench/bench.h"
#include "lib/trace.h"
#include "lib/util.h"

/* io_uring refuses rings above this many SQEs (IORING_MAX_ENTRIES). */
#define MAX_RING	32768U

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
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

	t0 = now_s();
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
	return now_s() - t0;
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

/* A replay's ring, buffers and figures. */
struct replayer {
	const struct opts *o;
	int fd;
	uint64_t cap;		/* entries the device holds */
	uint64_t max_step;	/* the largest step's entries */
	unsigned int ring_size;
	struct io_uring ring;
	bool fixed;		/* registered buffers */
	char *buf;		/* max_step entries */
	double *lat;		/* per step, seconds */
	uint64_t *key;		/* --order: per entry, its (member, slot) */
	uint32_t *perm, *tmp;	/* --order: the step's submission order */
	FILE *lf;		/* --lat-out */
	uint64_t reads, bad, retries;
};

/* Steps [a, b): every read on the device, the buffers within 2 GiB. */
static int replay_check(struct replayer *R, const struct swarm_trace *t,
			uint64_t a, uint64_t b)
{
	const struct opts *o = R->o;
	uint64_t s;

	for (s = a; s < b; s++) {
		uint64_t n = t->off[s + 1] - t->off[s];

		if (n > R->max_step)
			R->max_step = n;
		if (t->ids[t->off[s + 1] - 1] >= R->cap) {
			fprintf(stderr, "swarm-bench: step %" PRIu64 " reads entry %u; %s holds %" PRIu64 " entries\n",
				s, t->ids[t->off[s + 1] - 1], o->dev, R->cap);
			return 1;
		}
	}
	if (R->max_step * o->entry_size > (1ULL << 31)) {
		fprintf(stderr, "swarm-bench: a step of %" PRIu64 " entries needs more than 2 GiB of buffers\n",
			R->max_step);
		return 1;
	}
	return 0;
}

/* The ring, the buffers, the order and the latency file of @nr steps. */
static void replay_setup(struct replayer *R, uint64_t nr)
{
	const struct opts *o = R->o;
	struct io_uring_params p = { 0 };
	struct iovec iov;
	int r;

	R->ring_size = 1;
	while (R->ring_size < R->max_step && R->ring_size < MAX_RING)
		R->ring_size <<= 1;
	/* Room for every completion of a full ring before we reap. */
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = R->ring_size * 2;
	r = io_uring_queue_init_params(R->ring_size, &R->ring, &p);
	if (r)
		die("io_uring_queue_init", -r);
	R->buf = alloc_aligned((size_t)(R->max_step * o->entry_size));
	/* Registered buffers spare the per-read page pinning, whatever the
	 * device below; fall back to plain reads where that is refused.
	 */
	iov.iov_base = R->buf;
	iov.iov_len = (size_t)(R->max_step * o->entry_size);
	R->fixed = iov.iov_len <= (1UL << 30) &&
		   !io_uring_register_buffers(&R->ring, &iov, 1);
	R->lat = calloc(nr, sizeof(*R->lat));
	if (!R->lat)
		die("memory", ENOMEM);
	if (o->order) {
		R->key = load_order(o->order, R->cap);
		R->perm = malloc(R->max_step * sizeof(*R->perm));
		R->tmp = malloc(R->max_step * sizeof(*R->tmp));
		if (!R->perm || !R->tmp)
			die("memory", ENOMEM);
	}
	if (o->lat_out) {
		R->lf = fopen(o->lat_out, "w");
		if (!R->lf)
			die(o->lat_out, errno);
	}
}

/* --verify: check step @s's @n reads of @ids. */
static void verify_step(struct replayer *R, uint64_t s, const uint32_t *ids,
			size_t n)
{
	const struct opts *o = R->o;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *e = R->buf + i * o->entry_size;
		size_t w;

		if (bench_check(e, o->entry_size, ids[i], o->seed, &w))
			continue;
		if (R->bad++ < MAX_BAD_SHOWN)
			fprintf(stderr, "swarm-bench: step %" PRIu64 ", entry %u: word %zu wrong (holds entry %" PRIu64 ", seed %" PRIu64 ")\n",
				s, ids[i], w, *(const uint64_t *)e,
				*(const uint64_t *)(e + 8));
	}
}

/*
 * --pause-us: sleep @us microseconds (whole, even if a signal comes), so
 * that a recorder that splits steps by time gap (swarmctl trace record
 * --gap-us) sees them apart.
 */
static void pause_us(uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000),
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Replay steps [a, b); the CPU seconds it took. */
static double replay_steps(struct replayer *R, const struct swarm_trace *t,
			   uint64_t a, uint64_t b)
{
	const struct opts *o = R->o;
	double cpu0;
	uint64_t s;

	cpu0 = cpu_seconds();
	for (s = a; s < b; s++) {
		const uint32_t *ids = t->ids + t->off[s];
		size_t n = t->off[s + 1] - t->off[s];

		/* The order is the client's work before the submission. */
		if (R->perm)
			placement_order(R->key, ids, n, R->perm, R->tmp);
		R->lat[s - a] = replay_step(&R->ring, R->ring_size, R->fd,
					    R->fixed, ids, n, R->perm, R->buf,
					    o->entry_size, &R->retries);
		R->reads += n;
		if (R->lf)
			fprintf(R->lf, "%.6f\n", R->lat[s - a] * 1e3);
		if (o->verify)
			verify_step(R, s, ids, n);
		if (o->pause_us && s + 1 < b)
			pause_us(o->pause_us);
	}
	/* Verification is not I/O: keep its CPU out only when it is off. */
	return cpu_seconds() - cpu0;
}

int replay(const struct opts *o)
{
	struct replayer R = { .o = o };
	struct bench_summary sum;
	struct swarm_trace t;
	uint64_t a, b;
	double cpu;

	read_trace(o, &t);
	step_range(o, &t, &a, &b);
	R.fd = open_dev(o->dev, false);
	R.cap = dev_bytes(R.fd, o->dev) / o->entry_size;
	if (replay_check(&R, &t, a, b))
		return 1;
	replay_setup(&R, b - a);
	cpu = replay_steps(&R, &t, a, b);
	if (R.lf && fclose(R.lf))
		die(o->lat_out, errno);
	bench_summarise(R.lat, b - a, R.reads, o->entry_size, o->devices,
			o->bw_limit, &sum);
	print_summary(o, &sum, a, b, R.bad, cpu, R.retries);
	if (R.bad)
		fprintf(stderr, "swarm-bench: %" PRIu64 " reads do not match\n", R.bad);
	io_uring_queue_exit(&R.ring);
	close(R.fd);
	free(R.lat);
	free(R.buf);
	free(R.key);
	free(R.perm);
	free(R.tmp);
	swarm_trace_free(&t);
	return R.bad ? 1 : 0;
}
