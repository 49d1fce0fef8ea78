// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarm-bench: measure a block device the way an inference engine reads
 * its offloaded KV cache, so that swarm, dm-stripe and dm-linear are
 * measured the same way.
 *
 *   swarm-bench populate <dev> [options]        write every entry once
 *   swarm-bench verify <dev> [options]          read every entry back, check
 *                                               (--keep-going: past read
 *                                               errors, counted and timed)
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
 * after the step (outside the timed window); --pause-us sleeps between
 * steps (also outside it).
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
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench-lib.h"
#include "bench/bench.h"
#include "lib/trace.h"
#include "lib/util.h"

void usage(void)
{
	fprintf(stderr,
"usage: swarm-bench populate <dev> [--entry-size B] [--entries N] [--seed S]\n"
"           [--io-size B] [--qd Q] [--json]\n"
"       swarm-bench verify <dev> [--entry-size B] [--entries N] [--seed S]\n"
"           [--io-size B] [--qd Q] [--keep-going]\n"
"       swarm-bench replay <dev> <trace> [--entry-size B] [--steps A:B]\n"
"           [--verify] [--seed S] [--bw-limit B/S] [--devices N]\n"
"           [--layers L] [--label TEXT] [--lat-out FILE] [--order FILE]\n"
"           [--pause-us N] [--json]\n"
"       swarm-bench split <trace> --steps A:B -o <out> [--layers L]\n"
"\n"
"Sizes take K, M, G suffixes (binary). --steps A:B replays steps [A, B);\n"
"A and B may be percentages of the trace (\"0:50%%\", \"50%%:\").\n"
"--entries defaults to the device size / entry size (populate, verify).\n"
"verify --keep-going reports each failed read and goes on; it fails only\n"
"on mismatches, and prints the unreadable entries and the slowest failed\n"
"read.\n"
"Utilisation = effective bandwidth / (devices x bw-limit).\n"
"--order FILE submits each step's reads sorted by the placement that\n"
"\"swarmctl map show <dev> 0-<last>\" printed to FILE (member, slot).\n"
"--pause-us N sleeps N microseconds between steps, outside the step\n"
"latencies (a trace recorder then sees the steps apart).\n");
	exit(2);
}

void die(const char *what, int err)
{
	fprintf(stderr, "swarm-bench: %s: %s\n", what, strerror(err));
	exit(1);
}

uint64_t dev_bytes(int fd, const char *name)
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

int open_dev(const char *name, bool write)
{
	int fd = open(name, (write ? O_RDWR : O_RDONLY) | O_DIRECT);

	if (fd < 0)
		die(name, errno);
	return fd;
}

void *alloc_aligned(size_t bytes)
{
	void *p;

	if (posix_memalign(&p, 4096, bytes ? bytes : 4096))
		die("memory", ENOMEM);
	return p;
}

void resubmit(struct io_uring *ring, int fd, bool write, void *buf,
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

/* A sweep: o->qd slots of o->io_size bytes, each with one I/O in flight. */
struct sweep {
	const struct opts *o;
	bool write;
	int fd;
	uint64_t nr, per_io;	/* entries in all, per I/O */
	uint64_t next, done;	/* the next entry to queue; entries done */
	uint64_t bad, retries;
	uint64_t errors;	/* --keep-going: entries whose read failed */
	double err_max;		/* the slowest failed read, seconds */
	uint64_t *slot_first;	/* per slot: the first entry of its I/O */
	double *slot_t0;	/* per slot: when its I/O was queued */
	unsigned int inflight;
	struct io_uring ring;
	char *buf;
};

static char *slot_buf(const struct sweep *w, unsigned int i)
{
	return w->buf + (size_t)i * w->per_io * w->o->entry_size;
}

/* The entries of the I/O from @first, at most per_io of them. */
static uint64_t io_entries(const struct sweep *w, uint64_t first)
{
	return w->nr - first < w->per_io ? w->nr - first : w->per_io;
}

/* Queue the next I/O in slot @i (the pattern written first). */
static void sweep_queue(struct sweep *w, unsigned int i)
{
	const struct opts *o = w->o;
	uint64_t n = io_entries(w, w->next), e;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	char *b = slot_buf(w, i);

	if (w->write) {
		for (e = 0; e < n; e++)
			bench_fill(b + e * o->entry_size, o->entry_size,
				   w->next + e, o->seed);
		io_uring_prep_write(sqe, w->fd, b, n * o->entry_size,
				    w->next * o->entry_size);
	} else {
		io_uring_prep_read(sqe, w->fd, b, n * o->entry_size,
				   w->next * o->entry_size);
	}
	io_uring_sqe_set_data64(sqe, i);
	w->slot_first[i] = w->next;
	w->slot_t0[i] = now_s();
	w->next += n;
	w->inflight++;
}

/* Check the @n entries read into @b from @first. */
static void sweep_check(struct sweep *w, const char *b, uint64_t first,
			uint64_t n)
{
	const struct opts *o = w->o;
	uint64_t e;

	for (e = 0; e < n; e++) {
		size_t wd;

		if (bench_check(b + e * o->entry_size, o->entry_size,
				first + e, o->seed, &wd))
			continue;
		if (w->bad++ < MAX_BAD_SHOWN)
			fprintf(stderr, "swarm-bench: entry %" PRIu64 ": word %zu wrong (holds entry %" PRIu64 ", seed %" PRIu64 ")\n",
				first + e, wd,
				*(uint64_t *)(b + e * o->entry_size),
				*(uint64_t *)(b + e * o->entry_size + 8));
	}
}

/*
 * Reap one completion: again after -EAGAIN, else checked (verify) and
 * its slot given the next I/O. 1 after a failed I/O.
 */
static int sweep_reap(struct sweep *w)
{
	const struct opts *o = w->o;
	struct io_uring_cqe *cqe;
	uint64_t first, n;
	unsigned int i;
	char *b;
	int r;

	r = io_uring_submit_and_wait(&w->ring, 1);
	if (r < 0)
		die("io_uring_submit", -r);
	r = io_uring_wait_cqe(&w->ring, &cqe);
	if (r)
		die("io_uring_wait_cqe", -r);
	i = (unsigned int)io_uring_cqe_get_data64(cqe);
	first = w->slot_first[i];
	n = io_entries(w, first);
	b = slot_buf(w, i);
	if (cqe->res == -EAGAIN) {
		/* A non-blocking submission found no free tag below
		 * (dm passes REQ_NOWAIT down): issue it again.
		 */
		io_uring_cqe_seen(&w->ring, cqe);
		resubmit(&w->ring, w->fd, w->write, b, n * o->entry_size,
			 first * o->entry_size, i);
		w->retries++;
		return 0;
	}
	if (cqe->res != (int)(n * o->entry_size)) {
		double lat = now_s() - w->slot_t0[i];

		fprintf(stderr, "swarm-bench: %s of entries %" PRIu64 "..%" PRIu64 ": %s\n",
			w->write ? "write" : "read", first, first + n - 1,
			cqe->res < 0 ? strerror(-cqe->res) : "short I/O");
		if (w->write || !o->keep_going || cqe->res >= 0)
			return 1;
		w->errors += n;
		if (lat > w->err_max)
			w->err_max = lat;
		io_uring_cqe_seen(&w->ring, cqe);
		w->inflight--;
		if (w->next < w->nr)
			sweep_queue(w, i);
		return 0;
	}
	io_uring_cqe_seen(&w->ring, cqe);
	w->inflight--;
	w->done += n;
	if (!w->write)
		sweep_check(w, b, first, n);
	if (w->next < w->nr)
		sweep_queue(w, i);
	return 0;
}

static void sweep_report(const struct sweep *w, double t)
{
	const struct opts *o = w->o;
	double mib_s = (double)w->done * (double)o->entry_size / t / 1048576.0;

	if (o->json)
		printf("{\"op\":\"%s\",\"device\":\"%s\",\"entries\":%" PRIu64 ",\"entry_size\":%" PRIu64 ",\"seconds\":%.3f,\"mib_s\":%.1f,\"bad\":%" PRIu64 "}\n",
		       w->write ? "populate" : "verify", o->dev, w->done,
		       o->entry_size, t, mib_s, w->bad);
	else
		printf("%s %s: %" PRIu64 " entries of %" PRIu64 " bytes in %.2f s (%.1f MiB/s)%s\n",
		       w->write ? "populated" : "verified", o->dev, w->done,
		       o->entry_size, t, mib_s,
		       w->write ? "" : w->bad ? ", MISMATCHES" : ", all match");
	if (w->bad)
		fprintf(stderr, "swarm-bench: %" PRIu64 " entries do not match\n", w->bad);
	if (w->retries)
		fprintf(stderr, "swarm-bench: %" PRIu64 " I/Os retried after EAGAIN\n", w->retries);
	if (o->keep_going && !w->write)
		printf("unreadable %" PRIu64 " entries, slowest failed read %.3f ms\n",
		       w->errors, w->err_max * 1000.0);
}

/*
 * Populate (write) or verify (read and check) entries [0, o->entries) with
 * o->io_size-byte I/Os, o->qd of them in flight: the quickest way through
 * any of the devices (swarm splits an I/O at entries itself).
 */
static int sweep(const struct opts *o, bool write)
{
	struct sweep w = { .o = o, .write = write };
	uint64_t cap;
	unsigned int i;
	double t0, t;
	int r;

	w.fd = open_dev(o->dev, write);
	cap = dev_bytes(w.fd, o->dev) / o->entry_size;
	w.nr = o->entries ? o->entries : cap;
	w.per_io = o->io_size / o->entry_size;
	if (w.nr > cap) {
		fprintf(stderr, "swarm-bench: %s holds %" PRIu64 " entries, not %" PRIu64 "\n",
			o->dev, cap, w.nr);
		return 1;
	}
	if (w.per_io < 1)
		w.per_io = 1;
	w.buf = alloc_aligned((size_t)(o->qd * w.per_io * o->entry_size));
	w.slot_first = calloc(o->qd, sizeof(*w.slot_first));
	w.slot_t0 = calloc(o->qd, sizeof(*w.slot_t0));
	r = io_uring_queue_init(o->qd, &w.ring, 0);
	if (r || !w.slot_first || !w.slot_t0)
		die("io_uring_queue_init", r ? -r : ENOMEM);

	t0 = now_s();
	/* Slots 0..qd-1 are free at first; a completion frees its slot. */
	for (i = 0; i < o->qd && w.next < w.nr; i++)
		sweep_queue(&w, i);
	while (w.inflight)
		if (sweep_reap(&w))
			return 1;
	if (write && fsync(w.fd))
		die("fsync", errno);
	t = now_s() - t0;
	io_uring_queue_exit(&w.ring);
	close(w.fd);
	free(w.buf);
	free(w.slot_first);
	free(w.slot_t0);
	sweep_report(&w, t);
	return w.bad ? 1 : 0;
}

void read_trace(const struct opts *o, struct swarm_trace *t)
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

void step_range(const struct opts *o, const struct swarm_trace *t,
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

static uint64_t size_arg(const char *name, const char *v)
{
	uint64_t x;

	if (bench_parse_size(v, &x)) {
		fprintf(stderr, "swarm-bench: bad %s '%s'\n", name, v);
		exit(2);
	}
	return x;
}

static uint64_t count_arg(const char *name, const char *v)
{
	uint64_t x;

	if (bench_parse_count(v, &x)) {
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
		{ "pause-us", required_argument, NULL, 'P' },
		{ "keep-going", no_argument, NULL, 'k' },
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
		case 'P': o.pause_us = count_arg("--pause-us", optarg); break;
		case 'k': o.keep_going = true; break;
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
