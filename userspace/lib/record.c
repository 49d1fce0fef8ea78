// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recorded reads to steps (lib/record.h): the reads of the kernel's
 * trace ring, grouped per task by the gaps between them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/record.h"

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
