// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: I/O statistics.
 */
#include <linux/bio.h>
#include <linux/cpumask.h>
#include <linux/string.h>

#include "swarm-stats.h"

int swarm_stats_init(struct swarm_stats *s, u32 nr_devs)
{
	s->nr_devs = nr_devs;
	s->pcpu = __alloc_percpu(sizeof(struct swarm_dev_stats) * nr_devs,
				 __alignof__(struct swarm_dev_stats));
	return s->pcpu ? 0 : -ENOMEM;
}

void swarm_stats_exit(struct swarm_stats *s)
{
	free_percpu(s->pcpu);
	s->pcpu = NULL;
}

/**
 * swarm_stats_account() - count one bio the target sends to a member.
 * @s: statistics.
 * @dev: member index.
 * @bio: the remapped bio.
 *
 * Called from map(); never sleeps.
 */
void swarm_stats_account(struct swarm_stats *s, u32 dev, struct bio *bio)
{
	struct swarm_dev_stats __percpu *d = s->pcpu + dev;
	u64 sectors = bio_sectors(bio);

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		this_cpu_inc(d->reads);
		this_cpu_add(d->read_sectors, sectors);
		break;
	case REQ_OP_WRITE:
		if (!sectors) {
			this_cpu_inc(d->flushes);
			break;
		}
		this_cpu_inc(d->writes);
		this_cpu_add(d->write_sectors, sectors);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
	case REQ_OP_SECURE_ERASE:
		this_cpu_inc(d->discards);
		break;
	default:
		break;
	}
}

/**
 * swarm_stats_sum() - add up the per-CPU counters of one member.
 * @s: statistics.
 * @dev: member index.
 * @sum: the totals; every field is written.
 */
void swarm_stats_sum(struct swarm_stats *s, u32 dev,
		     struct swarm_dev_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct swarm_dev_stats *d = per_cpu_ptr(s->pcpu, cpu) + dev;

		sum->reads += READ_ONCE(d->reads);
		sum->writes += READ_ONCE(d->writes);
		sum->read_sectors += READ_ONCE(d->read_sectors);
		sum->write_sectors += READ_ONCE(d->write_sectors);
		sum->flushes += READ_ONCE(d->flushes);
		sum->discards += READ_ONCE(d->discards);
	}
}
