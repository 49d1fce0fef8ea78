/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Traces recorded from a live swarm device (swarmctl trace record,
 * cli/cmd-record.c): the reads the kernel's trace ring gives, grouped
 * into steps.
 */
#ifndef SWARM_RECORD_H
#define SWARM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/dm-swarm.h>

/**
 * struct swarm_step - one step: the entries a task read in one burst.
 * @start_ns: time of its first read.
 * @first: index of its first entry in the entry array.
 * @nr: number of distinct entries.
 */
struct swarm_step {
	uint64_t start_ns;
	size_t first;
	size_t nr;
};

/*
 * Group @n events into steps: per process (@by_thread false: io_uring
 * may complete a submission's reads from its worker threads) or per
 * thread, in time order, a new step starts when more than @gap_ns passed
 * since that task's previous read. Steps come out ordered by start time,
 * each entry once per step, in order of first read. Returns the number of
 * steps, or -1 if out of memory; the caller frees *steps and *entries.
 * Sorts @ev in place and, by process, overwrites each ->pid with ->tgid.
 */
long swarm_group_steps(struct dm_swarm_trace_event *ev, size_t n,
		       uint64_t gap_ns, bool by_thread, struct swarm_step **steps,
		       uint64_t **entries);

#endif /* SWARM_RECORD_H */
