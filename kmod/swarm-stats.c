// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: statistics (counters; see swarm-stats.h).
 */
#include <linux/bio.h>
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "swarm-stats.h"

int swarm_stats_init(struct swarm_stats *s, u32 nr_devs)
{
	s->nr_devs = nr_devs;
	s->pcpu = __alloc_percpu(swarm_pcpu_size(nr_devs),
				 __alignof__(struct swarm_pcpu));
	return s->pcpu ? 0 : -ENOMEM;
}

void swarm_stats_exit(struct swarm_stats *s)
{
	free_percpu(s->pcpu);
	s->pcpu = NULL;
}

/**
 * swarm_stats_reset() - zero the counters.
 * @s: statistics.
 *
 * Racy against concurrent I/O by design: a bio counted during the reset
 * may or may not survive it.
 */
void swarm_stats_reset(struct swarm_stats *s)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(s->pcpu, cpu), 0, swarm_pcpu_size(s->nr_devs));
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
		sum->gathers += READ_ONCE(p->gathers);
		sum->gap_bytes += READ_ONCE(p->gap_bytes);
		sum->hold_pauses += READ_ONCE(p->hold_pauses);
		sum->read_failovers += READ_ONCE(p->read_failovers);
		sum->lost_reads += READ_ONCE(p->lost_reads);
		sum->degraded_writes += READ_ONCE(p->degraded_writes);
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
