/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: replica choice for reads. The choice itself is pure code,
 * shared with user space; the kernel part (swarm-select.c) keeps what it
 * needs, each member's load, with start and end hooks the I/O path calls
 * for every bio it sends to a member, as dm's path selectors do.
 *
 * A read goes to the copy with the least expected completion time: the
 * bytes already in flight on its member plus the read itself, divided by
 * the member's throughput estimate. This is the online form of the
 * paper's entry-bucket scheduling: each read joins the least loaded
 * bucket among the members that hold its entry.
 */
#ifndef DM_SWARM_SELECT_H
#define DM_SWARM_SELECT_H

#include "swarm-core.h"

enum swarm_selector {
	SWARM_SELECT_STATIC = 0,	/* always the first copy */
	SWARM_SELECT_LEAST_LOADED = 1,
};

/* Bytes in flight above this are counted as this (keeps products in u64). */
#define SWARM_INFLIGHT_CAP	BIT_ULL(40)

/**
 * swarm_least_loaded() - pick the copy with the least expected completion
 *	time.
 * @inflight: bytes in flight on the member of each copy.
 * @tput: throughput estimate of the member of each copy, in KiB/s, > 0.
 * @n: number of copies, >= 1.
 * @bytes: size of the read.
 *
 * Ties go to the earliest copy, so an idle device set reads primaries.
 *
 * Return: the index of the chosen copy.
 */
static inline u32 swarm_least_loaded(const u64 *inflight, const u32 *tput,
				     u32 n, u32 bytes)
{
	u64 best_load = min_t(u64, inflight[0], SWARM_INFLIGHT_CAP) + bytes;
	u32 best = 0, i;

	for (i = 1; i < n; i++) {
		u64 load = min_t(u64, inflight[i], SWARM_INFLIGHT_CAP) + bytes;

		/* load / tput[i] < best_load / tput[best] */
		if (load * tput[best] < best_load * tput[i]) {
			best = i;
			best_load = load;
		}
	}
	return best;
}

/* No copy may be read: every one is on a failed member. */
#define SWARM_SEL_NONE	U32_MAX

/**
 * swarm_least_loaded_of() - swarm_least_loaded() among some copies.
 * @inflight: bytes in flight on the member of each copy.
 * @tput: throughput estimate of the member of each copy, in KiB/s, > 0.
 * @n: number of copies, 1..32.
 * @bytes: size of the read.
 * @ok: bit i set: copy i may be read (its member is not failed).
 *
 * Return: the index of the chosen copy, or SWARM_SEL_NONE when @ok has
 * none of the @n copies.
 */
static inline u32 swarm_least_loaded_of(const u64 *inflight, const u32 *tput,
					u32 n, u32 bytes, u32 ok)
{
	u64 best_load = 0, load;
	u32 best = SWARM_SEL_NONE, i;

	for (i = 0; i < n; i++) {
		if (!(ok & (1U << i)))
			continue;
		load = min_t(u64, inflight[i], SWARM_INFLIGHT_CAP) + bytes;
		if (best == SWARM_SEL_NONE ||
		    load * tput[best] < best_load * tput[i]) {
			best = i;
			best_load = load;
		}
	}
	return best;
}

/*
 * Reading a gap: held reads on one member separated by a few unread
 * sectors can go down as one request that reads the gap too (swarm-io.c).
 * A request costs the member 1 / IOPS seconds; in that time it could have
 * moved bandwidth / IOPS bytes. A gap smaller than that is cheaper to read
 * than the request it saves. Both figures are the member's measured peaks
 * (swarm_sel_estimate()): a member never driven to its bandwidth keeps a
 * small ratio and reads few gaps.
 */

/* The largest gap read when measured ("read_gap auto"), in bytes. */
#define SWARM_GAP_AUTO_MAX	(256U << 10)
/* The largest gap "read_gap <KiB>" takes. */
#define SWARM_GAP_FORCE_MAX_KIB	1024U
/* swarm_sel.gap_kib: measured, not forced. */
#define SWARM_GAP_AUTO		U32_MAX

/**
 * swarm_gap_worth() - is reading a gap cheaper than a request?
 * @gap_bytes: the gap.
 * @bw: the member's peak bandwidth, bytes per second.
 * @iops: its peak requests per second.
 *
 * Return: true when @gap_bytes < @bw / @iops and at most
 * SWARM_GAP_AUTO_MAX; false until both were measured.
 */
static inline bool swarm_gap_worth(u64 gap_bytes, u64 bw, u32 iops)
{
	return bw && iops && gap_bytes <= SWARM_GAP_AUTO_MAX &&
	       gap_bytes * iops < bw;
}

/**
 * swarm_gap_max() - the largest gap worth reading.
 * @bw: the member's peak bandwidth, bytes per second.
 * @iops: its peak requests per second.
 *
 * Return: in 512-byte sectors, the largest gap for which swarm_gap_worth()
 * holds; 0 when none does.
 */
static inline u32 swarm_gap_max(u64 bw, u32 iops)
{
	u64 bytes;

	if (!bw || !iops)
		return 0;
	/* The largest b with b * iops < bw. */
	bytes = div_u64(bw - 1, iops);
	return (u32)(min_t(u64, bytes, SWARM_GAP_AUTO_MAX) / 512);
}

/*
 * A batch of held reads on one member (swarm-io.c) costs it about
 * max(bytes / bandwidth, requests / IOPS). While requests are what bounds
 * it, its bandwidth has room: gaps larger than bandwidth / IOPS are then
 * worth reading too, the smallest first, as long as the bytes they add
 * keep the bytes' time within the requests' time. The batch's gaps are
 * counted by size in pages, up to SWARM_GAP_AUTO_MAX.
 */
#define SWARM_GAP_BUCKETS	(SWARM_GAP_AUTO_MAX >> 12)

/**
 * swarm_gap_batch() - the largest gap worth reading in one batch.
 * @hist: @hist[i]: gaps of i + 1 pages (4 KiB) or less, over the last.
 * @reqs: the batch's requests when no gap is read.
 * @bytes: its bytes.
 * @bw: the member's peak bandwidth, bytes per second.
 * @iops: its peak requests per second.
 *
 * Return: in 512-byte sectors, the largest gap such that reading every
 * gap up to it leaves the batch's bytes taking no longer than its
 * requests (each gap counted at its bucket's size, an upper bound); 0
 * when none does, or @bw or @iops is not measured.
 */
static inline u32 swarm_gap_batch(const u16 *hist, u32 reqs, u64 bytes,
				  u64 bw, u32 iops)
{
	u32 i, thr = 0;

	if (!bw || !iops)
		return 0;
	for (i = 0; i < SWARM_GAP_BUCKETS && reqs > 1; i++) {
		u64 add = (u64)hist[i] * ((i + 1) << 12);

		if (!hist[i])
			continue;
		/* (bytes + add) / bw <= (reqs - hist[i]) / iops */
		if (hist[i] >= reqs ||
		    (bytes + add) * iops > (u64)(reqs - hist[i]) * bw)
			break;
		bytes += add;
		reqs -= hist[i];
		thr = (i + 1) << 3;
	}
	return thr;
}

/**
 * swarm_peak() - a peak that decays.
 * @peak: the peak so far.
 * @sample: a new sample.
 *
 * Return: the larger of @sample and @peak less 1/64 of it.
 */
static inline u64 swarm_peak(u64 peak, u64 sample)
{
	return max_t(u64, sample, peak - (peak >> 6));
}

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/cache.h>

struct block_device;

/*
 * What is in flight on a member, in one word so that a bio costs one
 * atomic add when it starts and one when it ends: bytes in the low
 * SWARM_LOAD_BIO_SHIFT bits, bios above.
 */
#define SWARM_LOAD_BIO_SHIFT	44
#define SWARM_LOAD_BYTES_MASK	(BIT_ULL(SWARM_LOAD_BIO_SHIFT) - 1)

/**
 * struct swarm_dev_load - the load of one member.
 * @inflight: bios and bytes in flight, see SWARM_LOAD_BIO_SHIFT.
 * @peak: the most bios in flight at once (racy maximum).
 * @tput: throughput estimate, KB/s (bytes per ms), never 0.
 * @prev_bytes: bytes the member had done at the last estimate.
 * @prev_ticks: its busy time (io_ticks, jiffies) then.
 * @base_ticks: its busy time when the statistics were reset.
 * @prev_ios: requests the member had completed at the last estimate.
 * @bw_peak: peak bandwidth, bytes per busy second, decaying.
 * @iops_peak: peak requests per busy second, decaying.
 * @gap_max: the largest gap worth reading, sectors (swarm_gap_max()).
 */
struct swarm_dev_load {
	atomic64_t inflight;
	u32 peak;
	u32 tput;
	u64 prev_bytes;
	unsigned long prev_ticks;
	unsigned long base_ticks;
	u64 prev_ios;
	u64 bw_peak;
	u32 iops_peak;
	u32 gap_max;
} ____cacheline_aligned_in_smp;

/* The estimate before a member has been measured: 1 GB/s. */
#define SWARM_TPUT_DEFAULT	1000000U

/**
 * struct swarm_sel - the replica choice of one target.
 * @policy: enum swarm_selector, set by message.
 * @nr_devs: members.
 * @gap_kib: the largest gap read, KiB, set by message; SWARM_GAP_AUTO:
 *	each member's measured one.
 * @load: one per member.
 */
struct swarm_sel {
	u32 policy;
	u32 nr_devs;
	u32 gap_kib;
	struct swarm_dev_load *load;
};

/**
 * struct swarm_load_info - a member's load, for statistics.
 * @inflight: bios in flight.
 * @inflight_bytes: their bytes.
 * @peak: the most bios in flight at once since the last reset.
 * @busy_ns: time the member was busy since the last reset.
 * @tput: throughput estimate, bytes per second.
 * @gap_max: the largest gap read, bytes (forced or measured).
 * @bw_peak: peak bandwidth, bytes per second.
 * @iops_peak: peak requests per second.
 */
struct swarm_load_info {
	u32 inflight;
	u64 inflight_bytes;
	u32 peak;
	u64 busy_ns;
	u64 tput;
	u32 gap_max;
	u64 bw_peak;
	u32 iops_peak;
};

int swarm_sel_init(struct swarm_sel *s, u32 nr_devs);
void swarm_sel_exit(struct swarm_sel *s);
u32 swarm_sel_choose(struct swarm_sel *s, const u64 *copies, u32 n,
		     u32 bytes);
u32 swarm_sel_choose_ok(struct swarm_sel *s, const u64 *copies, u32 n,
			u32 bytes, u64 failed);
void swarm_sel_estimate(struct swarm_sel *s, u32 dev,
			struct block_device *bdev);
void swarm_sel_reset(struct swarm_sel *s, u32 dev,
		     struct block_device *bdev);
void swarm_sel_info(struct swarm_sel *s, u32 dev,
		    struct block_device *bdev, struct swarm_load_info *info);

/**
 * swarm_sel_gap() - the largest gap worth reading on a member.
 * @s: the selector.
 * @dev: the member.
 *
 * Return: in sectors; 0 reads no gap.
 */
static inline u32 swarm_sel_gap(struct swarm_sel *s, u32 dev)
{
	u32 kib = READ_ONCE(s->gap_kib);

	return kib == SWARM_GAP_AUTO ? READ_ONCE(s->load[dev].gap_max) : kib * 2;
}

/* A bio of @bytes goes to member @dev. Never sleeps. */
static inline void swarm_sel_start(struct swarm_sel *s, u32 dev,
				   u32 bytes)
{
	struct swarm_dev_load *l = &s->load[dev];
	u64 v = atomic64_add_return(BIT_ULL(SWARM_LOAD_BIO_SHIFT) + bytes,
				    &l->inflight);
	u32 bios = v >> SWARM_LOAD_BIO_SHIFT;

	if (unlikely(bios > READ_ONCE(l->peak)))
		WRITE_ONCE(l->peak, bios);
}

/* The bio started with swarm_sel_start(@dev, @bytes) is done. */
static inline void swarm_sel_end(struct swarm_sel *s, u32 dev, u32 bytes)
{
	atomic64_sub(BIT_ULL(SWARM_LOAD_BIO_SHIFT) + bytes,
		     &s->load[dev].inflight);
}
#endif /* __KERNEL__ */

#endif /* DM_SWARM_SELECT_H */
