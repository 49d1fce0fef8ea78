// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl trace record <dev> -o <trace> [--duration S] [--gap-us U]
 *                       [--ring N] [--attach] [--by-thread]
 *
 * Starts the kernel's trace of reads on a swarm device (or, with --attach,
 * takes over one started by "dmsetup message <dev> 0 trace on"), drains
 * the ring every 50 ms until the duration ends (or SIGINT/SIGTERM), stops
 * it, groups the reads into steps (lib/record.c) and writes the native
 * text trace: one step a line, the entry ids it read
 * (userspace/TRACE-FORMAT.md).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/libswarm.h"
#include "lib/record.h"

static const char record_usage[] =
"usage: swarmctl trace record <dev> -o <trace> [--duration S] [--gap-us U] [--ring N] [--attach] [--by-thread]\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The command line. */
struct record_args {
	const char *dev, *out;
	double duration;
	uint64_t gap_us;
	uint32_t ring;
	bool attach, by_thread;
};

/* A recording: the device, one ioctl's events and all of them. */
struct recording {
	struct swarm_dev dev;
	int fd;
	uint32_t ring, room;
	struct dm_swarm_trace_event *buf, *ev;
	size_t nev, cap;
	struct dm_swarm_trace t;	/* the last reply */
};

static int trace_ioctl(int fd, const struct swarm_dev *dev, uint32_t flags,
		       uint32_t ring, struct dm_swarm_trace_event *buf,
		       uint32_t room, struct dm_swarm_trace *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = flags;
	out->dev_major = dev->major;
	out->dev_minor = dev->minor;
	out->ring = ring;
	out->nr_events = room;
	out->events = (uintptr_t)buf;
	return ioctl(fd, DM_SWARM_TRACE, out) ? -errno : 0;
}

static int record_parse(struct record_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "ring", required_argument, NULL, 'r' },
		{ "attach", no_argument, NULL, 'a' },
		{ "by-thread", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*a = (struct record_args){
		.duration = 10.0, .gap_us = 500, .ring = 1U << 20,
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'd':
			a->duration = strtod(optarg, NULL);
			break;
		case 'g':
			a->gap_us = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			a->ring = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			a->attach = true;
			break;
		case 't':
			a->by_thread = true;
			break;
		default:
			return usage(record_usage, NULL);
		}
	}
	if (optind + 1 != argc || !a->out || a->duration <= 0)
		return usage(record_usage, NULL);
	a->dev = argv[optind];
	return 0;
}

/* Name the device, open the control device, start or attach. */
static int record_start(struct recording *rec, const struct record_args *a)
{
	char err[SWARM_ERR_MAX];
	int r;

	if (swarm_dev_resolve(a->dev, &rec->dev, err, sizeof(err)) < 0) {
		fail("%s", err);
		return 1;
	}
	rec->fd = swarm_ctl_open(NULL, err, sizeof(err));
	if (rec->fd < 0) {
		fail("%s", err);
		return 1;
	}
	rec->buf = calloc(rec->room, sizeof(*rec->buf));
	if (!rec->buf) {
		fail("out of memory");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	r = trace_ioctl(rec->fd, &rec->dev,
			a->attach ? 0 : DM_SWARM_TRACE_START, rec->ring,
			rec->buf, 0, &rec->t);
	if (!r && a->attach && !rec->t.active)
		r = -ENOENT;
	if (r) {
		fail("cannot %s the trace: %s",
		     a->attach ? "attach to" : "start", strerror(-r));
		return 1;
	}
	fprintf(stderr, "swarmctl: tracing reads of %u:%u for %.1f s\n",
		rec->dev.major, rec->dev.minor, a->duration);
	return 0;
}

/* Read the ring until it gives less than a buffer; 0 or -errno. */
static int record_drain(struct recording *rec)
{
	int r;

	do {
		r = trace_ioctl(rec->fd, &rec->dev, 0, 0, rec->buf, rec->room,
				&rec->t);
		if (r)
			return r;
		if (rec->nev + rec->t.nr_events > rec->cap) {
			size_t ncap = (rec->cap ? rec->cap * 2 : 1 << 16) +
				      rec->t.nr_events;
			void *p = realloc(rec->ev, ncap * sizeof(*rec->ev));

			if (!p)
				return -ENOMEM;
			rec->ev = p;
			rec->cap = ncap;
		}
		memcpy(rec->ev + rec->nev, rec->buf,
		       rec->t.nr_events * sizeof(*rec->ev));
		rec->nev += rec->t.nr_events;
	} while (rec->t.nr_events == rec->room);
	return 0;
}

/* Drain every 50 ms for @duration seconds or until a signal, then stop. */
static int record_run(struct recording *rec, double duration)
{
	struct timespec t0, now;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool last;

		clock_gettime(CLOCK_MONOTONIC, &now);
		last = stop_requested ||
		       (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= duration;
		r = record_drain(rec);
		if (r || last)
			break;
		usleep(50000);
	}
	if (trace_ioctl(rec->fd, &rec->dev, DM_SWARM_TRACE_STOP, 0, rec->buf,
			rec->room, &rec->t) == 0) {
		/* What arrived between the last read and the stop. */
		void *p = realloc(rec->ev,
				  (rec->nev + rec->t.nr_events) * sizeof(*rec->ev));

		if (p) {
			rec->ev = p;
			memcpy(rec->ev + rec->nev, rec->buf,
			       rec->t.nr_events * sizeof(*rec->ev));
			rec->nev += rec->t.nr_events;
		}
	}
	free(rec->buf);
	rec->buf = NULL;
	if (r) {
		fail("reading the trace: %s", strerror(-r));
		free(rec->ev);
		return 1;
	}
	return 0;
}

/* Group the reads into steps and write the trace. */
static int record_write(struct recording *rec, const struct record_args *a)
{
	struct swarm_step *steps;
	uint64_t *entries;
	long nsteps, s;
	FILE *f;

	nsteps = swarm_group_steps(rec->ev, rec->nev, a->gap_us * 1000,
				   a->by_thread, &steps, &entries);
	if (nsteps < 0) {
		fail("out of memory");
		free(rec->ev);
		return 1;
	}
	f = fopen(a->out, "w");
	if (!f) {
		fail("%s: %s", a->out, strerror(errno));
		return 1;
	}
	fprintf(f, "# dm-swarm trace: recorded from %u:%u, %zu reads, %llu dropped, gap %llu us\n",
		rec->dev.major, rec->dev.minor, rec->nev,
		(unsigned long long)rec->t.dropped,
		(unsigned long long)a->gap_us);
	for (s = 0; s < nsteps; s++) {
		size_t k;

		for (k = 0; k < steps[s].nr; k++)
			fprintf(f, "%s%llu", k ? " " : "",
				(unsigned long long)entries[steps[s].first + k]);
		fputc('\n', f);
	}
	if (fclose(f)) {
		fail("%s: %s", a->out, strerror(errno));
		return 1;
	}
	fprintf(stderr, "swarmctl: %zu reads in %ld steps written to %s (%llu dropped)\n",
		rec->nev, nsteps, a->out, (unsigned long long)rec->t.dropped);
	free(rec->ev);
	free(steps);
	free(entries);
	return 0;
}

int cmd_trace_record(int argc, char **argv)
{
	struct recording rec = { .room = 1U << 16 };
	struct record_args a;
	int r;

	r = record_parse(&a, argc, argv);
	if (r)
		return r;
	rec.ring = a.ring;
	r = record_start(&rec, &a);
	if (!r)
		r = record_run(&rec, a.duration);
	if (!r)
		r = record_write(&rec, &a);
	return r;
}

/*
 * swarmctl adapt's recording (cli/cli.h): @duration seconds of reads,
 * grouped into the steps of @t.
 */
int record_trace(const char *dev, double duration, uint64_t gap_us,
		 uint32_t ring, struct swarm_trace *t, uint64_t *reads,
		 uint64_t *dropped)
{
	struct record_args a = {
		.dev = dev, .duration = duration, .gap_us = gap_us,
		.ring = ring,
	};
	struct recording rec = { .room = 1U << 16, .ring = ring, .fd = -1 };
	struct swarm_step *steps = NULL;
	uint64_t *entries = NULL;
	long nsteps, s;
	int r;

	swarm_trace_init(t);
	r = record_start(&rec, &a);
	if (!r)
		r = record_run(&rec, duration);
	if (r) {
		if (rec.fd >= 0)
			close(rec.fd);
		return r;
	}
	close(rec.fd);
	*reads = rec.nev;
	*dropped = rec.t.dropped;
	nsteps = swarm_group_steps(rec.ev, rec.nev, gap_us * 1000, false,
				   &steps, &entries);
	for (s = 0; s < nsteps && !r; s++)
		if (swarm_trace_add_step(t, entries + steps[s].first,
					 steps[s].nr))
			r = 1;
	if (nsteps < 0 || r) {
		fail("out of memory");
		r = 1;
	}
	free(rec.ev);
	free(steps);
	free(entries);
	return r;
}

bool record_interrupted(void)
{
	return stop_requested;
}
