/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: I/O statistics, kept per CPU so that the map path touches no
 * shared cache line.
 */
#ifndef DM_SWARM_STATS_H
#define DM_SWARM_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

struct bio;

/**
 * struct swarm_dev_stats - I/O one member received from the target.
 * @reads: read bios sent to the member.
 * @writes: write bios sent to the member.
 * @read_sectors: sectors read.
 * @write_sectors: sectors written.
 * @flushes: empty flushes sent to the member.
 * @discards: discard and write-zeroes bios sent to the member.
 */
struct swarm_dev_stats {
	u64 reads;
	u64 writes;
	u64 read_sectors;
	u64 write_sectors;
	u64 flushes;
	u64 discards;
};

struct swarm_stats {
	u32 nr_devs;
	struct swarm_dev_stats __percpu *pcpu;	/* nr_devs per CPU */
};

int swarm_stats_init(struct swarm_stats *s, u32 nr_devs);
void swarm_stats_exit(struct swarm_stats *s);
void swarm_stats_account(struct swarm_stats *s, u32 dev, struct bio *bio);
void swarm_stats_sum(struct swarm_stats *s, u32 dev,
		     struct swarm_dev_stats *sum);

#endif /* DM_SWARM_STATS_H */
