// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the replica selector's state, the load of every member.
 *
 * The I/O path calls swarm_sel_start() and swarm_sel_end() for every bio
 * it sends to a member (one atomic each); reads with several copies ask
 * swarm_sel_choose(). The throughput estimate comes from the members'
 * own disk statistics (bytes done per busy millisecond), refreshed about
 * once a second, so the I/O path reads no clock.
 */
#include <linux/blkdev.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/part_stat.h>
#include <linux/slab.h>

#include "swarm-health.h"
#include "swarm-place.h"
#include "swarm-select.h"

int swarm_sel_init(struct swarm_sel *s, u32 nr_devs)
{
	u32 i;

	s->policy = SWARM_SELECT_LEAST_LOADED;
	s->nr_devs = nr_devs;
	s->gap_kib = SWARM_GAP_AUTO;
	s->load = kcalloc(nr_devs, sizeof(*s->load), GFP_KERNEL);
	if (!s->load)
		return -ENOMEM;
	for (i = 0; i < nr_devs; i++)
		s->load[i].tput = SWARM_TPUT_DEFAULT;
	return 0;
}

void swarm_sel_exit(struct swarm_sel *s)
{
	kfree(s->load);
	s->load = NULL;
}

/**
 * swarm_sel_choose() - the copy a read goes to.
 * @s: the selector.
 * @copies: the encoded copies of the entry.
 * @n: how many, >= 2.
 * @bytes: the read's size.
 *
 * Every member counts as ok: see swarm_sel_choose_ok().
 *
 * Return: the index of the copy.
 */
u32 swarm_sel_choose(struct swarm_sel *s, const u64 *copies, u32 n,
		     u32 bytes)
{
	return swarm_sel_choose_ok(s, copies, n, bytes, 0);
}

/**
 * swarm_sel_choose_ok() - the copy a read goes to, on a member not failed.
 * @s: the selector.
 * @copies: the encoded copies of the entry.
 * @n: how many, 1..SWARM_MAX_COPIES.
 * @bytes: the read's size.
 * @failed: failed members, bit i for member i (swarm_health_failed()).
 *
 * The static policy takes the first copy on a member not failed; the
 * least-loaded one, the least loaded of those copies.
 *
 * Return: the index of the copy, or SWARM_SEL_NONE when every copy is on
 * a failed member.
 */
u32 swarm_sel_choose_ok(struct swarm_sel *s, const u64 *copies, u32 n,
			u32 bytes, u64 failed)
{
	u64 inflight[SWARM_MAX_COPIES];
	u32 tput[SWARM_MAX_COPIES], devs[SWARM_MAX_COPIES], ok, i;

	for (i = 0; i < n; i++)
		devs[i] = swarm_loc_decode(copies[i]).dev;
	ok = swarm_ok_mask(devs, n, failed);
	if (!ok)
		return SWARM_SEL_NONE;
	if (READ_ONCE(s->policy) != SWARM_SELECT_LEAST_LOADED)
		return __ffs(ok);
	for (i = 0; i < n; i++) {
		struct swarm_dev_load *l = &s->load[devs[i]];

		inflight[i] = atomic64_read(&l->inflight) & SWARM_LOAD_BYTES_MASK;
		tput[i] = READ_ONCE(l->tput);
	}
	if (!failed)
		return swarm_least_loaded(inflight, tput, n, bytes);
	return swarm_least_loaded_of(inflight, tput, n, bytes, ok);
}

static u64 swarm_bdev_bytes(struct block_device *bdev)
{
	return ((u64)part_stat_read(bdev, sectors[STAT_READ]) +
		part_stat_read(bdev, sectors[STAT_WRITE])) << SECTOR_SHIFT;
}

static u64 swarm_bdev_ios(struct block_device *bdev)
{
	return (u64)part_stat_read(bdev, ios[STAT_READ]) +
	       part_stat_read(bdev, ios[STAT_WRITE]);
}

/*
 * The peaks of bandwidth and IOPS from @db bytes and @dios requests in
 * @ms busy milliseconds, and the largest gap worth reading from them.
 */
static void swarm_sel_peaks(struct swarm_dev_load *l, u64 db, u64 dios, u64 ms)
{
	u64 bw = div64_u64(db * MSEC_PER_SEC, ms);
	u64 iops = div64_u64(dios * MSEC_PER_SEC, ms);

	WRITE_ONCE(l->bw_peak, swarm_peak(l->bw_peak, bw));
	WRITE_ONCE(l->iops_peak,
		   (u32)min_t(u64, swarm_peak(l->iops_peak, iops), U32_MAX));
	WRITE_ONCE(l->gap_max, swarm_gap_max(l->bw_peak, l->iops_peak));
}

/**
 * swarm_sel_estimate() - refresh a member's throughput estimate.
 * @s: the selector.
 * @dev: the member.
 * @bdev: its block device.
 *
 * Bytes done per busy millisecond since the last call, smoothed (new =
 * 3/4 old + 1/4 sample). A member that was barely busy keeps its
 * estimate. Each sample also updates the member's peak bandwidth and
 * peak IOPS, which decay by 1/64 a sample (about a second of activity;
 * an idle member keeps them), and from them the largest gap worth
 * reading (swarm_gap_max()). Called about once a second from a single
 * worker.
 */
void swarm_sel_estimate(struct swarm_sel *s, u32 dev,
			struct block_device *bdev)
{
	struct swarm_dev_load *l = &s->load[dev];
	u64 bytes = swarm_bdev_bytes(bdev), db = bytes - l->prev_bytes;
	u64 ios = swarm_bdev_ios(bdev);
	unsigned long ticks = part_stat_read(bdev, io_ticks);
	u64 ms = jiffies_to_msecs(ticks - l->prev_ticks), sample;

	if (bytes < l->prev_bytes || ios < l->prev_ios ||
	    ms > 3600 * MSEC_PER_SEC) {
		l->prev_bytes = bytes;	/* the counters went back */
		l->prev_ios = ios;
		l->prev_ticks = ticks;
		return;
	}
	if (ms < 10 || !db)
		return;
	sample = clamp_t(u64, div64_u64(db, ms), 1, U32_MAX);
	WRITE_ONCE(l->tput, (u32)((3ULL * l->tput + sample) / 4) ?: 1);
	swarm_sel_peaks(l, db, ios - l->prev_ios, ms);
	l->prev_bytes = bytes;
	l->prev_ios = ios;
	l->prev_ticks = ticks;
}

/* Statistics reset: the peak and the busy time start again. */
void swarm_sel_reset(struct swarm_sel *s, u32 dev,
		     struct block_device *bdev)
{
	struct swarm_dev_load *l = &s->load[dev];

	WRITE_ONCE(l->peak, atomic64_read(&l->inflight) >> SWARM_LOAD_BIO_SHIFT);
	WRITE_ONCE(l->base_ticks, part_stat_read(bdev, io_ticks));
}

void swarm_sel_info(struct swarm_sel *s, u32 dev,
		    struct block_device *bdev, struct swarm_load_info *info)
{
	struct swarm_dev_load *l = &s->load[dev];
	unsigned long busy = part_stat_read(bdev, io_ticks) -
			     READ_ONCE(l->base_ticks);
	u64 v = atomic64_read(&l->inflight);

	info->inflight = v >> SWARM_LOAD_BIO_SHIFT;
	info->inflight_bytes = v & SWARM_LOAD_BYTES_MASK;
	info->peak = READ_ONCE(l->peak);
	info->busy_ns = jiffies_to_nsecs(busy);
	info->tput = (u64)READ_ONCE(l->tput) * 1000;
	info->gap_max = swarm_sel_gap(s, dev) << SECTOR_SHIFT;
	info->bw_peak = READ_ONCE(l->bw_peak);
	info->iops_peak = READ_ONCE(l->iops_peak);
}
