/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: a bounded trace of the entries read, for profiling a live
 * workload (swarmctl trace record). Off by default; when the ring is
 * full, events are dropped and counted.
 */
#ifndef DM_SWARM_TRACE_H
#define DM_SWARM_TRACE_H

#include <linux/compiler.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/dm-swarm.h>

/**
 * struct swarm_trace - the ring of traced reads.
 * @lock: protects everything below.
 * @on: a ring is allocated and recording; read locklessly by map().
 * @ring: the events, NULL when off.
 * @mask: ring size - 1.
 * @head: next event written.
 * @tail: next event read.
 * @recorded: events recorded since the start.
 * @dropped: events dropped because the ring was full.
 */
struct swarm_trace {
	spinlock_t lock;	/* protects the fields below */
	bool on;
	struct dm_swarm_trace_event *ring;
	u32 mask;
	u64 head;
	u64 tail;
	u64 recorded;
	u64 dropped;
};

#define SWARM_TRACE_DEFAULT_RING	65536U

void swarm_trace_init(struct swarm_trace *t);
int swarm_trace_start(struct swarm_trace *t, u32 nr_events);
void swarm_trace_stop(struct swarm_trace *t);
u32 swarm_trace_take(struct swarm_trace *t, struct dm_swarm_trace_event *buf,
		     u32 max);
void swarm_trace_counters(struct swarm_trace *t, u64 *recorded, u64 *dropped,
			  u32 *active);
void __swarm_trace_record(struct swarm_trace *t, u64 entry);

/* Called by map() for every read: one test when tracing is off. */
static inline void swarm_trace_read(struct swarm_trace *t, u64 entry)
{
	if (unlikely(READ_ONCE(t->on)))
		__swarm_trace_record(t, entry);
}

/* The same for @count consecutive entries from @entry. */
static inline void swarm_trace_reads(struct swarm_trace *t, u64 entry,
				     u32 count)
{
	if (unlikely(READ_ONCE(t->on)))
		while (count--)
			__swarm_trace_record(t, entry++);
}

#endif /* DM_SWARM_TRACE_H */
