// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: statistics and per-member load.
 */
#include <linux/bio.h>
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "swarm-stats.h"

int swarm_stats_init(struct swarm_stats *s, u32 nr_devs)
{
	u32 i;

	s->nr_devs = nr_devs;
	s->pcpu = __alloc_percpu(swarm_pcpu_size(nr_devs),
				 __alignof__(struct swarm_pcpu));
	s->load = kcalloc(nr_devs, sizeof(*s->load), GFP_KERNEL);
	if (!s->pcpu || !s->load) {
		swarm_stats_exit(s);
		return -ENOMEM;
	}
	for (i = 0; i < nr_devs; i++)
		s->load[i].tput = SWARM_TPUT_DEFAULT;
	return 0;
}

void swarm_stats_exit(struct swarm_stats *s)
{
	free_percpu(s->pcpu);
	kfree(s->load);
	s->pcpu = NULL;
	s->load = NULL;
}

/**
 * swarm_stats_reset() - zero the counters; what is in flight stays.
 * @s: statistics.
 *
 * Racy against concurrent I/O by design: a bio counted during the reset
 * may or may not survive it.
 */
void swarm_stats_reset(struct swarm_stats *s)
{
	int cpu;
	u32 i;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(s->pcpu, cpu), 0, swarm_pcpu_size(s->nr_devs));
	for (i = 0; i < s->nr_devs; i++) {
		struct swarm_dev_load *l = &s->load[i];

		atomic_set(&l->peak, atomic_read(&l->inflight));
		atomic64_set(&l->busy_ns, 0);
		atomic64_set(&l->done_bytes, 0);
		l->prev_bytes = 0;
		l->prev_busy = 0;
	}
}

/**
 * swarm_stats_account() - count one bio the target sends to a member.
 * @s: statistics.
 * @dev: member index.
 * @bio: the remapped bio (or a clone of it).
 *
 * Called from map(); never sleeps.
 */
void swarm_stats_account(struct swarm_stats *s, u32 dev, struct bio *bio)
{
	struct swarm_pcpu __percpu *p = s->pcpu;
	u64 sectors = bio_sectors(bio);

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		this_cpu_inc(p->dev[dev].reads);
		this_cpu_add(p->dev[dev].read_sectors, sectors);
		break;
	case REQ_OP_WRITE:
		if (!sectors) {
			this_cpu_inc(p->dev[dev].flushes);
			break;
		}
		this_cpu_inc(p->dev[dev].writes);
		this_cpu_add(p->dev[dev].write_sectors, sectors);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
	case REQ_OP_SECURE_ERASE:
		this_cpu_inc(p->dev[dev].discards);
		break;
	default:
		break;
	}
}

/**
 * swarm_stats_sum() - add up the per-CPU counters.
 * @s: statistics.
 * @sum: the totals, swarm_pcpu_size(@s->nr_devs) bytes; all written.
 */
void swarm_stats_sum(struct swarm_stats *s, struct swarm_pcpu *sum)
{
	int cpu;
	u32 i;

	memset(sum, 0, swarm_pcpu_size(s->nr_devs));
	for_each_possible_cpu(cpu) {
		const struct swarm_pcpu *p = per_cpu_ptr(s->pcpu, cpu);

		sum->reads += READ_ONCE(p->reads);
		sum->writes += READ_ONCE(p->writes);
		sum->multi_copy_reads += READ_ONCE(p->multi_copy_reads);
		sum->redirected_reads += READ_ONCE(p->redirected_reads);
		for (i = 0; i < s->nr_devs; i++) {
			const struct swarm_dev_stats *d = &p->dev[i];
			struct swarm_dev_stats *t = &sum->dev[i];

			t->reads += READ_ONCE(d->reads);
			t->writes += READ_ONCE(d->writes);
			t->read_sectors += READ_ONCE(d->read_sectors);
			t->write_sectors += READ_ONCE(d->write_sectors);
			t->flushes += READ_ONCE(d->flushes);
			t->discards += READ_ONCE(d->discards);
		}
	}
}

/*
 * Busy time: the time between two events on a member counts when
 * something was in flight. Concurrent events may shave a little off; the
 * figure is an estimate, like a disk's io_ticks.
 */
static void swarm_busy_tick(struct swarm_dev_load *l, int before, u64 now)
{
	u64 prev = atomic64_xchg(&l->last_ns, now);

	if (before > 0 && now > prev)
		atomic64_add(now - prev, &l->busy_ns);
}

void swarm_load_start(struct swarm_stats *s, u32 dev, u32 bytes, u64 now)
{
	struct swarm_dev_load *l = &s->load[dev];
	int before = atomic_fetch_inc(&l->inflight);
	int peak = atomic_read(&l->peak);

	swarm_busy_tick(l, before, now);
	atomic64_add(bytes, &l->inflight_bytes);
	while (peak < before + 1 && !atomic_try_cmpxchg(&l->peak, &peak, before + 1))
		;
}

void swarm_load_done(struct swarm_stats *s, u32 dev, u32 bytes, u64 now)
{
	struct swarm_dev_load *l = &s->load[dev];

	swarm_busy_tick(l, atomic_fetch_dec(&l->inflight), now);
	atomic64_sub(bytes, &l->inflight_bytes);
	atomic64_add(bytes, &l->done_bytes);
}

/**
 * swarm_load_estimate() - refresh each member's throughput estimate.
 * @s: statistics.
 *
 * Bytes completed per busy millisecond since the last call, smoothed
 * (new = 3/4 old + 1/4 sample). Members that were barely busy keep their
 * estimate. Called about once a second from a single worker.
 */
void swarm_load_estimate(struct swarm_stats *s)
{
	u32 i;

	for (i = 0; i < s->nr_devs; i++) {
		struct swarm_dev_load *l = &s->load[i];
		u64 bytes = atomic64_read(&l->done_bytes);
		u64 busy = atomic64_read(&l->busy_ns);
		u64 db = bytes - l->prev_bytes, dt = busy - l->prev_busy;
		u64 sample;

		if (bytes < l->prev_bytes || busy < l->prev_busy) {
			l->prev_bytes = bytes;	/* reset since last time */
			l->prev_busy = busy;
			continue;
		}
		if (dt < 10 * NSEC_PER_MSEC || !db)
			continue;
		sample = div64_u64(db, div64_u64(dt, NSEC_PER_MSEC));
		sample = clamp_t(u64, sample, 1, U32_MAX);
		WRITE_ONCE(l->tput, (u32)((3ULL * l->tput + sample) / 4) ?: 1);
		l->prev_bytes = bytes;
		l->prev_busy = busy;
	}
}
