/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: statistics. Counters are per CPU, so the map path touches no
 * shared cache line for them. The load of each member, which the replica
 * choice reads, belongs to the selector (swarm-select.c).
 */
#ifndef DM_SWARM_STATS_H
#define DM_SWARM_STATS_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/percpu.h>
#include <linux/types.h>

struct bio;

/**
 * struct swarm_dev_stats - I/O one member received from the target.
 * @reads: read bios.
 * @writes: write bios (one per copy written).
 * @read_sectors: sectors read.
 * @write_sectors: sectors written.
 * @flushes: empty flushes.
 * @discards: discard and write-zeroes bios.
 */
struct swarm_dev_stats {
	u64 reads;
	u64 writes;
	u64 read_sectors;
	u64 write_sectors;
	u64 flushes;
	u64 discards;
};

/**
 * struct swarm_pcpu - the per-CPU counters of a swarm.
 * @reads: reads of the swarm device (bios, after splitting at entries).
 * @writes: writes of the swarm device.
 * @multi_copy_reads: reads of an entry that had several copies.
 * @redirected_reads: reads sent to a copy other than the first.
 * @gathers: member reads that served several held reads and read the
 *	gaps between them (swarm-io.c).
 * @gap_bytes: bytes those read and dropped.
 * @hold_pauses: times holding reads on a plug paused, since the reads
 *	held did not merge (swarm-io.c).
 * @read_failovers: reads sent again, to other copies, after an error.
 * @lost_reads: reads failed because no copy was left on a member not
 *	failed (no I/O sent).
 * @degraded_writes: writes that completed although a copy failed.
 * @dev: one group per member.
 */
struct swarm_pcpu {
	u64 reads;
	u64 writes;
	u64 multi_copy_reads;
	u64 redirected_reads;
	u64 gathers;
	u64 gap_bytes;
	u64 hold_pauses;
	u64 read_failovers;
	u64 lost_reads;
	u64 degraded_writes;
	struct swarm_dev_stats dev[];
};

/**
 * struct swarm_stats - the counters of a swarm.
 * @nr_devs: members.
 * @pcpu: the per-CPU counters.
 */
struct swarm_stats {
	u32 nr_devs;
	struct swarm_pcpu __percpu *pcpu;
};

int swarm_stats_init(struct swarm_stats *s, u32 nr_devs);
void swarm_stats_exit(struct swarm_stats *s);
void swarm_stats_reset(struct swarm_stats *s);
void swarm_stats_account(struct swarm_stats *s, u32 dev, struct bio *bio);
void swarm_stats_sum(struct swarm_stats *s, struct swarm_pcpu *sum);

static inline size_t swarm_pcpu_size(u32 nr_devs)
{
	return sizeof(struct swarm_pcpu) + nr_devs * sizeof(struct swarm_dev_stats);
}

#endif /* DM_SWARM_STATS_H */
