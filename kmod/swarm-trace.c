// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: a bounded trace of the entries read.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "swarm-trace.h"

void swarm_trace_init(struct swarm_trace *t)
{
	memset(t, 0, sizeof(*t));
	spin_lock_init(&t->lock);
}

/**
 * swarm_trace_start() - start recording into an empty ring.
 * @t: the trace.
 * @nr_events: ring size, rounded up to a power of two; 0 for the default.
 *
 * Return: 0, -EINVAL for a ring too large, or -ENOMEM.
 */
int swarm_trace_start(struct swarm_trace *t, u32 nr_events)
{
	struct dm_swarm_trace_event *ring, *old;
	unsigned long flags;

	if (!nr_events)
		nr_events = SWARM_TRACE_DEFAULT_RING;
	if (nr_events > DM_SWARM_TRACE_MAX_RING)
		return -EINVAL;
	nr_events = roundup_pow_of_two(nr_events);
	ring = kvmalloc_array(nr_events, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;

	spin_lock_irqsave(&t->lock, flags);
	old = t->ring;
	t->ring = ring;
	t->mask = nr_events - 1;
	t->head = 0;
	t->tail = 0;
	t->recorded = 0;
	t->dropped = 0;
	WRITE_ONCE(t->on, true);
	spin_unlock_irqrestore(&t->lock, flags);
	kvfree(old);
	return 0;
}

/**
 * swarm_trace_stop() - stop recording and free the ring; the counters stay.
 * @t: the trace.
 */
void swarm_trace_stop(struct swarm_trace *t)
{
	struct dm_swarm_trace_event *old;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	WRITE_ONCE(t->on, false);
	old = t->ring;
	t->ring = NULL;
	t->head = 0;
	t->tail = 0;
	spin_unlock_irqrestore(&t->lock, flags);
	kvfree(old);
}

void __swarm_trace_record(struct swarm_trace *t, u64 entry)
{
	u64 now = ktime_get_ns();
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	if (t->ring) {
		if (t->head - t->tail > t->mask) {
			t->dropped++;
		} else {
			struct dm_swarm_trace_event *e = &t->ring[t->head & t->mask];

			e->entry = entry;
			e->time_ns = now;
			e->pid = task_pid_nr(current);
			e->tgid = task_tgid_nr(current);
			t->head++;
			t->recorded++;
		}
	}
	spin_unlock_irqrestore(&t->lock, flags);
}

/**
 * swarm_trace_take() - move the oldest events out of the ring.
 * @t: the trace.
 * @buf: room for @max events.
 * @max: how many to take at most.
 *
 * Return: the number of events taken.
 */
u32 swarm_trace_take(struct swarm_trace *t, struct dm_swarm_trace_event *buf,
		     u32 max)
{
	unsigned long flags;
	u32 n = 0;

	spin_lock_irqsave(&t->lock, flags);
	if (t->ring) {
		while (n < max && t->tail != t->head)
			buf[n++] = t->ring[t->tail++ & t->mask];
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return n;
}

void swarm_trace_counters(struct swarm_trace *t, u64 *recorded, u64 *dropped,
			  u32 *active)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	*recorded = t->recorded;
	*dropped = t->dropped;
	*active = t->on;
	spin_unlock_irqrestore(&t->lock, flags);
}
