/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the health of the members (swarm-health.c).
 *
 * A member is ok or failed. It fails at its first I/O error that says
 * something about the member (swarm_status_fails_member()), as a mirror
 * leg does in dm-raid1 and md raid1: there is no threshold, since an
 * entry it holds alone is a cache miss anyway, and one it shares is read
 * from the other copy. Errors of readahead, and errors such as
 * BLK_STS_AGAIN (a member out of tags under REQ_NOWAIT) or
 * BLK_STS_NOTSUPP, do not count. An operator can fail and clear a member
 * by message (fail_member, clear_member).
 *
 * A failed member gets no more reads, and no writes: its copies of the
 * entries written meanwhile are stale (the member is then "stale" too,
 * and clear_member refuses it without "force"). A member being rebuilt
 * (swarm-rebuild.c) stays failed for reads but gets the writes again.
 *
 * Every change raises a dm event (dmsetup wait), from a work item since
 * failures are seen in end_io; the work item first calls @changed, which
 * records the failed and stale members in the superblocks (swarm-meta.c)
 * so that a reload or a reboot does not trust them again. A write that
 * left out a copy on a failed member completes only once that failure is
 * recorded (as md raid1 holds such writes until its superblock is
 * written): a crash before cannot bring the stale copy back.
 */
#ifndef DM_SWARM_HEALTH_H
#define DM_SWARM_HEALTH_H

#include "swarm-core.h"

/**
 * swarm_ok_mask() - the copies of an entry on members not failed.
 * @devs: the member of each copy.
 * @n: number of copies, at most 32.
 * @failed: failed members, bit i for member i.
 *
 * Return: bit i set when copy i is on a member not in @failed.
 */
static inline u32 swarm_ok_mask(const u32 *devs, u32 n, u64 failed)
{
	u32 ok = 0, i;

	for (i = 0; i < n; i++)
		if (!(failed & BIT_ULL(devs[i])))
			ok |= 1U << i;
	return ok;
}

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/blk_types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct dm_target;

/**
 * swarm_status_fails_member() - does an I/O error say the member is bad?
 * @st: the status of a read or write a member completed.
 *
 * Return: false for success and for errors about the request rather than
 * the member (no tags or memory, not supported, no space, zone
 * resources, duration limits, reservations, invalid requests); true for
 * the others (I/O, medium, timeout, transport, target, protection,
 * offline...).
 */
static inline bool swarm_status_fails_member(blk_status_t st)
{
	switch (st) {
	case BLK_STS_OK:
	case BLK_STS_AGAIN:
	case BLK_STS_NOTSUPP:
	case BLK_STS_NOSPC:
	case BLK_STS_RESOURCE:
	case BLK_STS_DEV_RESOURCE:
	case BLK_STS_ZONE_OPEN_RESOURCE:
	case BLK_STS_ZONE_ACTIVE_RESOURCE:
#ifdef BLK_STS_ZONE_RESOURCE
	case BLK_STS_ZONE_RESOURCE:
#endif
#ifdef BLK_STS_DURATION_LIMIT
	case BLK_STS_DURATION_LIMIT:
#endif
#ifdef BLK_STS_RESV_CONFLICT
	case BLK_STS_RESV_CONFLICT:
#endif
#ifdef BLK_STS_INVAL
	case BLK_STS_INVAL:
#endif
		return false;
	default:
		return true;
	}
}

/**
 * struct swarm_health - the health of a swarm's members.
 * @failed: failed members, bit i for member i.
 * @stale: members that missed a write while failed.
 * @rebuilding: failed members being rebuilt: they get writes, not reads.
 * @errors: errors counted on each member (swarm_status_fails_member()).
 * @nr_devs: members.
 * @name: the device's name, for the log.
 * @ti: the target, whose table gets the events.
 * @recorded: the failed members the superblocks record.
 * @lock: protects @held.
 * @held: writes that left out a copy on a failed member not yet
 *	recorded: they complete when it is (swarm_health_hold()).
 * @event: calls @changed, completes @held, then raises a dm event.
 * @changed: records the health (set by the owner; process context);
 *	returns 0, or an errno when no superblock could be written.
 */
struct swarm_health {
	atomic64_t failed;
	atomic64_t stale;
	atomic64_t rebuilding;
	atomic64_t recorded;
	spinlock_t lock;	/* protects held */
	struct bio_list held;
	atomic_t errors[SWARM_MAX_DEVS];
	u32 nr_devs;
	const char *name;
	struct dm_target *ti;
	struct work_struct event;
	int (*changed)(struct swarm_health *h);
};

void swarm_health_init(struct swarm_health *h, struct dm_target *ti,
		       const char *name, u32 nr_devs);
void swarm_health_exit(struct swarm_health *h);
bool swarm_health_io_error(struct swarm_health *h, u32 dev, blk_status_t st);
bool swarm_health_fail(struct swarm_health *h, u32 dev, int err);
int swarm_health_clear(struct swarm_health *h, u32 dev, bool force);
void swarm_health_set(struct swarm_health *h, u64 failed, u64 stale,
		      u64 rebuilding);
void swarm_health_changed(struct swarm_health *h);
bool swarm_health_hold(struct swarm_health *h, struct bio *bio);

/* Failed members, bit i for member i. Never sleeps. */
static inline u64 swarm_health_failed(struct swarm_health *h)
{
	return (u64)atomic64_read(&h->failed);
}

/* Members writes leave out: failed and not being rebuilt. */
static inline u64 swarm_health_wfailed(struct swarm_health *h)
{
	return (u64)(atomic64_read(&h->failed) &
		     ~atomic64_read(&h->rebuilding));
}

/* Does member @dev get writes? */
static inline bool swarm_health_write_ok(struct swarm_health *h, u32 dev)
{
	return !(swarm_health_wfailed(h) & BIT_ULL(dev));
}

/* Is member @dev ok? */
static inline bool swarm_health_ok(struct swarm_health *h, u32 dev)
{
	return !(swarm_health_failed(h) & BIT_ULL(dev));
}

/* Is any of the members in @devs ok? */
static inline bool swarm_health_any_ok(struct swarm_health *h, u64 devs)
{
	return devs & ~swarm_health_failed(h);
}

/*
 * Member @dev missed a write while failed: its copies are stale. The first
 * time, the superblocks are told (swarm_health_changed()).
 */
static inline void swarm_health_stale(struct swarm_health *h, u32 dev)
{
	if (!(atomic64_read(&h->stale) & BIT_ULL(dev)) &&
	    !(atomic64_fetch_or(BIT_ULL(dev), &h->stale) & BIT_ULL(dev)))
		swarm_health_changed(h);
}
#endif /* __KERNEL__ */

#endif /* DM_SWARM_HEALTH_H */
