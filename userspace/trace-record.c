// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl trace record <dev> -o <trace> [--duration S] [--gap-us U]
 *                       [--ring N] [--attach] [--by-thread]
 *
 * Starts the kernel's trace of reads on a swarm device (or, with --attach,
 * takes over one started by "dmsetup message <dev> 0 trace on"), drains
 * the ring every 50 ms until the duration ends (or SIGINT/SIGTERM), stops
 * it, groups the reads into steps and writes the native text trace: one
 * step a line, the entry ids it read (userspace/TRACE-FORMAT.md).
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

#include "libswarm.h"
#include "trace-record.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Sort key of the task: the thread, or its process (in ->tgid). */
static int cmp_task_time(const void *a, const void *b)
{
	const struct dm_swarm_trace_event *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return 0;
}

static int cmp_step_start(const void *a, const void *b)
{
	const struct swarm_step *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

long swarm_group_steps(struct dm_swarm_trace_event *ev, size_t n,
		       uint64_t gap_ns, bool by_thread, struct swarm_step **stepsp,
		       uint64_t **entriesp)
{
	struct swarm_step *steps = NULL;
	uint64_t *entries = NULL;
	size_t nsteps = 0, nent = 0, i, j;

	*stepsp = NULL;
	*entriesp = NULL;
	if (!n)
		return 0;
	if (!by_thread)
		for (i = 0; i < n; i++)
			ev[i].pid = ev[i].tgid;
	qsort(ev, n, sizeof(*ev), cmp_task_time);
	steps = calloc(n, sizeof(*steps));
	entries = calloc(n, sizeof(*entries));
	if (!steps || !entries) {
		free(steps);
		free(entries);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct swarm_step *s;
		bool seen = false;

		if (!i || ev[i].pid != ev[i - 1].pid ||
		    ev[i].time_ns - ev[i - 1].time_ns > gap_ns) {
			s = &steps[nsteps++];
			s->start_ns = ev[i].time_ns;
			s->first = nent;
			s->nr = 0;
		}
		s = &steps[nsteps - 1];
		/* Steps are short: a linear look for repeats is enough. */
		for (j = s->first; j < s->first + s->nr && !seen; j++)
			seen = entries[j] == ev[i].entry;
		if (!seen) {
			entries[nent++] = ev[i].entry;
			s->nr++;
		}
	}
	qsort(steps, nsteps, sizeof(*steps), cmp_step_start);
	*stepsp = steps;
	*entriesp = entries;
	return (long)nsteps;
}

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

static void usage(void)
{
	fprintf(stderr,
		"usage: swarmctl trace record <dev> -o <trace> [--duration S] [--gap-us U] [--ring N] [--attach] [--by-thread]\n");
}

int swarm_cmd_trace_record(int argc, char **argv)
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
	const char *out_path = NULL;
	double duration = 10.0;
	uint64_t gap_us = 500;
	uint32_t ring = 1U << 20, room = 1U << 16;
	struct dm_swarm_trace_event *buf = NULL, *ev = NULL;
	size_t nev = 0, cap = 0;
	struct dm_swarm_trace t;
	struct swarm_step *steps;
	uint64_t *entries;
	struct swarm_dev dev;
	struct timespec t0, now;
	char err[SWARM_ERR_MAX];
	long nsteps, s;
	bool attach = false, by_thread = false;
	FILE *f;
	int fd, c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'g':
			gap_us = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			ring = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			attach = true;
			break;
		case 't':
			by_thread = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind + 1 != argc || !out_path || duration <= 0) {
		usage();
		return 2;
	}
	if (swarm_dev_resolve(argv[optind], &dev, err, sizeof(err)) < 0) {
		fprintf(stderr, "swarmctl: %s\n", err);
		return 1;
	}
	fd = swarm_ctl_open(NULL, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "swarmctl: %s\n", err);
		return 1;
	}
	buf = calloc(room, sizeof(*buf));
	if (!buf) {
		fprintf(stderr, "swarmctl: out of memory\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	r = trace_ioctl(fd, &dev, attach ? 0 : DM_SWARM_TRACE_START, ring, buf,
			0, &t);
	if (!r && attach && !t.active)
		r = -ENOENT;
	if (r) {
		fprintf(stderr, "swarmctl: cannot %s the trace: %s\n",
			attach ? "attach to" : "start", strerror(-r));
		return 1;
	}
	fprintf(stderr, "swarmctl: tracing reads of %u:%u for %.1f s\n",
		dev.major, dev.minor, duration);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool last;

		clock_gettime(CLOCK_MONOTONIC, &now);
		last = stop_requested ||
		       (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= duration;
		do {
			r = trace_ioctl(fd, &dev, 0, 0, buf, room, &t);
			if (r)
				break;
			if (nev + t.nr_events > cap) {
				size_t ncap = (cap ? cap * 2 : 1 << 16) + t.nr_events;
				void *p = realloc(ev, ncap * sizeof(*ev));

				if (!p) {
					r = -ENOMEM;
					break;
				}
				ev = p;
				cap = ncap;
			}
			memcpy(ev + nev, buf, t.nr_events * sizeof(*ev));
			nev += t.nr_events;
		} while (t.nr_events == room);
		if (r || last)
			break;
		usleep(50000);
	}
	if (trace_ioctl(fd, &dev, DM_SWARM_TRACE_STOP, 0, buf, room, &t) == 0) {
		/* What arrived between the last read and the stop. */
		void *p = realloc(ev, (nev + t.nr_events) * sizeof(*ev));

		if (p) {
			ev = p;
			memcpy(ev + nev, buf, t.nr_events * sizeof(*ev));
			nev += t.nr_events;
		}
	}
	free(buf);
	if (r) {
		fprintf(stderr, "swarmctl: reading the trace: %s\n", strerror(-r));
		free(ev);
		return 1;
	}

	nsteps = swarm_group_steps(ev, nev, gap_us * 1000, by_thread, &steps,
				   &entries);
	if (nsteps < 0) {
		fprintf(stderr, "swarmctl: out of memory\n");
		free(ev);
		return 1;
	}
	f = fopen(out_path, "w");
	if (!f) {
		fprintf(stderr, "swarmctl: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	fprintf(f, "# dm-swarm trace: recorded from %u:%u, %zu reads, %llu dropped, gap %llu us\n",
		dev.major, dev.minor, nev, (unsigned long long)t.dropped,
		(unsigned long long)gap_us);
	for (s = 0; s < nsteps; s++) {
		size_t k;

		for (k = 0; k < steps[s].nr; k++)
			fprintf(f, "%s%llu", k ? " " : "",
				(unsigned long long)entries[steps[s].first + k]);
		fputc('\n', f);
	}
	if (fclose(f)) {
		fprintf(stderr, "swarmctl: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	fprintf(stderr, "swarmctl: %zu reads in %ld steps written to %s (%llu dropped)\n",
		nev, nsteps, out_path, (unsigned long long)t.dropped);
	free(ev);
	free(steps);
	free(entries);
	return 0;
}
