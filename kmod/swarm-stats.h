/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: statistics and per-member load.
 *
 * Counters are per CPU, so the map path touches no shared cache line for
 * them. The load of each member (I/O in flight, busy time) is shared by
 * nature: the replica choice reads it.
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
 * @dev: one group per member.
 */
struct swarm_pcpu {
	u64 reads;
	u64 writes;
	u64 multi_copy_reads;
	u64 redirected_reads;
	struct swarm_dev_stats dev[];
};

/**
 * struct swarm_dev_load - what is in flight on a member.
 * @inflight_bytes: bytes of the bios in flight.
 * @inflight: bios in flight.
 * @peak: the most bios in flight at once.
 * @busy_ns: time with a bio in flight.
 * @last_ns: time of the last start or completion.
 * @done_bytes: bytes completed.
 * @tput: throughput estimate, KB/s (bytes per ms), never 0.
 * @prev_bytes: @done_bytes at the last estimate.
 * @prev_busy: @busy_ns at the last estimate.
 */
struct swarm_dev_load {
	atomic64_t inflight_bytes;
	atomic_t inflight;
	atomic_t peak;
	atomic64_t busy_ns;
	atomic64_t last_ns;
	atomic64_t done_bytes;
	u32 tput;
	u64 prev_bytes;
	u64 prev_busy;
} ____cacheline_aligned_in_smp;

/* The estimate before a member has been measured: 1 GB/s. */
#define SWARM_TPUT_DEFAULT	1000000U

struct swarm_stats {
	u32 nr_devs;
	struct swarm_pcpu __percpu *pcpu;
	struct swarm_dev_load *load;
};

int swarm_stats_init(struct swarm_stats *s, u32 nr_devs);
void swarm_stats_exit(struct swarm_stats *s);
void swarm_stats_reset(struct swarm_stats *s);
void swarm_stats_account(struct swarm_stats *s, u32 dev, struct bio *bio);
void swarm_stats_sum(struct swarm_stats *s, struct swarm_pcpu *sum);
void swarm_load_start(struct swarm_stats *s, u32 dev, u32 bytes, u64 now);
void swarm_load_done(struct swarm_stats *s, u32 dev, u32 bytes, u64 now);
void swarm_load_estimate(struct swarm_stats *s);

static inline size_t swarm_pcpu_size(u32 nr_devs)
{
	return sizeof(struct swarm_pcpu) + nr_devs * sizeof(struct swarm_dev_stats);
}

#endif /* DM_SWARM_STATS_H */
